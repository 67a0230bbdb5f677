/* SPDX-License-Identifier: MIT */
/* gesture-glib.c - the gesture driver's GLib timer and logged emission; see gesture-glib.h. */
#include "gesture-glib.h"

#include <glib.h>

struct fire {
	void (*fire)(void *data);
	void *data;
};

static gboolean on_timeout(gpointer user_data)
{
	struct fire *f = user_data;

	f->fire(f->data);
	return G_SOURCE_REMOVE;
}

static unsigned timeout_add(uint64_t delay, void (*fire)(void *data), void *data)
{
	struct fire *f = g_new(struct fire, 1);

	f->fire = fire;
	f->data = data;
	/* round up: never early, the deadline has passed when fire runs */
	return g_timeout_add_full(G_PRIORITY_DEFAULT, (guint)((delay + 999) / 1000), on_timeout, f,
				  g_free);
}

static void timeout_remove(unsigned id)
{
	g_source_remove(id);
}

static uint64_t now_usec(void)
{
	return (uint64_t)g_get_monotonic_time();
}

const struct gesture_timeout_ops gesture_glib_timeout = {
	.add = timeout_add,
	.remove = timeout_remove,
	.now = now_usec,
};

void gesture_glib_emit(struct watchlist *listeners, const char *source, unsigned out)
{
	if (out & GESTURE_OUT_PRESS)
		g_info("%s: press", source);
	if (out & GESTURE_OUT_EMERGENCY)
		g_info("%s: emergency press", source);
	if (out & GESTURE_OUT_RELEASE)
		g_info("%s: release", source);
	if (out & GESTURE_OUT_CHANNEL_NEXT)
		g_info("%s: next channel (double press)", source);
	button_events_emit(listeners, source, out);
}
