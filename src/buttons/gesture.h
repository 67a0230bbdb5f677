/* SPDX-License-Identifier: MIT */
/*
 * gesture.h - long press and double press on one talk key, pure.
 *
 * No GLib and no clock of its own: the caller passes the monotonic time in
 * microseconds to every call, arms a timer for gesture_next_deadline() and
 * calls gesture_tick() when it fires.
 *
 * - key down: GESTURE_PRESS at once (talk latency matters more than the
 *   gesture), unless it is the second tap of a double press: then
 *   GESTURE_CHANNEL_NEXT and the key is swallowed until it goes up.
 * - held for long_press: GESTURE_EMERGENCY (escalate the running talk).
 * - key up: GESTURE_RELEASE (nothing for a swallowed key).
 * A double press is: a tap (down to up) shorter than double_press, then the
 * next down within double_press after that up. 0 turns either gesture off.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

enum gesture_action {
	GESTURE_NONE,
	GESTURE_PRESS,
	GESTURE_EMERGENCY,
	GESTURE_RELEASE,
	GESTURE_CHANNEL_NEXT,
	_GESTURE_ACTION_MAX,
};

struct gesture_config {
	uint64_t long_press;   /* usec; 0: no long-press emergency */
	uint64_t double_press; /* usec; 0: no double press */
};

struct gesture {
	struct gesture_config cfg;
	bool down;
	bool swallowed;     /* this down was a double press's second tap */
	bool escalated;     /* GESTURE_EMERGENCY given for this down */
	uint64_t down_at;
	uint64_t tap_up_at; /* end of the last short tap; 0: none */
};

void gesture_init(struct gesture *g, const struct gesture_config *cfg);
/* The key (all talk keys of the source together) went down or up. */
enum gesture_action gesture_key(struct gesture *g, uint64_t now, bool down);
/* The earliest time gesture_tick() has something to do; 0: none. */
uint64_t gesture_next_deadline(const struct gesture *g);
enum gesture_action gesture_tick(struct gesture *g, uint64_t now);
/* Forget a held key without an action (the device went away). */
void gesture_reset(struct gesture *g);

const char *gesture_action_to_string(enum gesture_action a);

/*
 * One source's talk keys and emergency keys together (a BLE button's value, an
 * input device's keys): level changes in, what to tell the daemon out, as a
 * set of enum gesture_out in this order: channel, press, emergency, release.
 * An emergency key talks too: press(emergency) at once, even while a talk runs.
 * The release comes when neither is held any more.
 */
enum gesture_out {
	GESTURE_OUT_CHANNEL_NEXT = 1 << 0,
	GESTURE_OUT_PRESS = 1 << 1,
	GESTURE_OUT_EMERGENCY = 1 << 2, /* press(source, emergency = true) */
	GESTURE_OUT_RELEASE = 1 << 3,
};

struct gesture_source {
	struct gesture talk;
	bool emergency; /* an emergency key is held */
	bool pressed;   /* a press went out and its release did not */
};

void gesture_source_init(struct gesture_source *s, const struct gesture_config *cfg);
unsigned gesture_source_update(struct gesture_source *s, uint64_t now, bool talk, bool emergency);
unsigned gesture_source_tick(struct gesture_source *s, uint64_t now);
/* The source went away: a release when a press is out, then all forgotten. */
unsigned gesture_source_lost(struct gesture_source *s);

/*
 * The gesture driver: one gesture_source with its long-press timer, shared by
 * the BLE buttons and the evdev keys. Still pure: the timer is injected (as
 * BlueZ's src/shared/timeout.h) and the outputs go to emit; gesture-glib.h has
 * the GLib timer and the logged emission.
 */
struct gesture_timeout_ops {
	/* Call fire(data) once after delay usec; returns a non-zero id. */
	unsigned (*add)(uint64_t delay, void (*fire)(void *data), void *data);
	void (*remove)(unsigned id);
	uint64_t (*now)(void); /* monotonic usec, the clock of the key times */
};

struct gesture_driver {
	struct gesture_source src;
	const struct gesture_timeout_ops *timeout;
	void (*emit)(void *data, unsigned out); /* a set of enum gesture_out, never 0 */
	void *data;
	unsigned timer; /* 0: none armed */
};

void gesture_driver_init(struct gesture_driver *d, const struct gesture_config *cfg,
			 const struct gesture_timeout_ops *timeout,
			 void (*emit)(void *data, unsigned out), void *data);
/* The source's key levels at time now: emits what they mean, re-arms the timer. */
void gesture_driver_update(struct gesture_driver *d, uint64_t now, bool talk, bool emergency);
/* The source went away: cancels the timer, forgets the keys and returns the
 * outputs still due (a release when a press is out), not emitted: the caller
 * emits them once its device is torn down. */
unsigned gesture_driver_lost(struct gesture_driver *d);
/* Cancel the timer, emit nothing (the owner is being freed). */
void gesture_driver_clear(struct gesture_driver *d);
/* A press went out and its release did not. */
static inline bool gesture_driver_held(const struct gesture_driver *d)
{
	return d->src.pressed;
}
