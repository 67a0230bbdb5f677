/* SPDX-License-Identifier: MIT */
/*
 * button-events.h - what talk buttons tell the daemon; shared by the BLE
 * (buttons.h) and the evdev (evdev.h) sides.
 *
 * All callbacks are optional and run on the GLib main context the module was
 * created on. source names the button: "ble:AA:BB:CC:DD:EE:FF" or
 * "evdev:/dev/input/event3".
 *
 * press:   the talk key went down (emergency false), or an emergency key went
 *          down (emergency true). A press with emergency true may also come
 *          from a source that already holds a press (a long press turned into
 *          an emergency): the daemon escalates the talk it already has.
 * release: every key of that source is up again. It comes once per press
 *          series; the same source may be released only after a press.
 * channel: step the channel by delta (+1 next, -1 previous).
 *
 * Listeners are kept in a watchlist (watchlist.h): the events given to *_new()
 * and any added with *_add_watch(); one may remove itself while notified.
 */
#pragma once

#include <stdbool.h>

#include "gesture.h"
#include "watchlist.h"

struct button_events {
	void (*press)(void *data, const char *source, bool emergency);
	void (*release)(void *data, const char *source);
	void (*channel)(void *data, int delta);
};

/* Tell the listeners (NULL: none) a gesture_source's outputs (gesture.h), in their order. */
static inline void button_events_emit(struct watchlist *listeners, const char *source,
				      unsigned out)
{
	if (out & GESTURE_OUT_CHANNEL_NEXT)
		WATCHLIST_EMIT(listeners, struct button_events, channel, +1);
	if (out & GESTURE_OUT_PRESS)
		WATCHLIST_EMIT(listeners, struct button_events, press, source, false);
	if (out & GESTURE_OUT_EMERGENCY)
		WATCHLIST_EMIT(listeners, struct button_events, press, source, true);
	if (out & GESTURE_OUT_RELEASE)
		WATCHLIST_EMIT(listeners, struct button_events, release, source);
}
