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
