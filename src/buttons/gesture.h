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
