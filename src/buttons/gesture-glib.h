/* SPDX-License-Identifier: MIT */
/*
 * gesture-glib.h - the GLib side of the gesture driver (gesture.h): its timer
 * on the thread-default main context and g_get_monotonic_time(), and the
 * emission of a source's outputs to the daemon (button-events.h), logged.
 */
#pragma once

#include "button-events.h"
#include "gesture.h"

extern const struct gesture_timeout_ops gesture_glib_timeout;

/* Log (g_info, "SOURCE: press" ...) and tell the listeners the outputs, in order. */
void gesture_glib_emit(struct watchlist *listeners, const char *source, unsigned out);
