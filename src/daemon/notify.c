/* SPDX-License-Identifier: MIT */
#include "notify.h"

#include <glib.h>
#include <systemd/sd-daemon.h>

struct notify {
	struct gateway *gw;
	guint listener_id;
	guint watchdog_id;
};

static void send_status(struct notify *n)
{
	sd_notifyf(0, "STATUS=floor %s, service %s, link %s, push %s",
		   gateway_get_floor_state(n->gw), gateway_get_service_status(n->gw),
		   gateway_get_link_state(n->gw), gateway_get_push_state(n->gw));
}

static void on_changed(void *data, unsigned props)
{
	if (props & (GATEWAY_PROP_FLOOR | GATEWAY_PROP_SERVICE | GATEWAY_PROP_LINK |
		     GATEWAY_PROP_PUSH))
		send_status(data);
}

static const struct gateway_events events = {
	.changed = on_changed,
};

static gboolean watchdog_ping(gpointer data)
{
	sd_notify(0, "WATCHDOG=1");
	return G_SOURCE_CONTINUE;
}

struct notify *notify_new(struct gateway *gw)
{
	struct notify *n = g_new0(struct notify, 1);
	uint64_t usec = 0;

	n->gw = gw;
	n->listener_id = gateway_add_listener(gw, &events, n, NULL);
	/* the main loop pings: a stuck loop is what the watchdog must catch */
	if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0)
		n->watchdog_id = g_timeout_add((guint)(usec / 2000), watchdog_ping, n);
	return n;
}

void notify_ready(struct notify *n)
{
	sd_notify(0, "READY=1");
	send_status(n);
}

void notify_reloading(struct notify *n, bool begins)
{
	if (!n)
		return;
	if (begins) {
		sd_notify(0, "RELOADING=1");
		return;
	}
	sd_notify(0, "READY=1");
	send_status(n);
}

void notify_stopping(struct notify *n)
{
	sd_notify(0, "STOPPING=1");
}

struct notify *notify_free(struct notify *n)
{
	if (!n)
		return NULL;
	gateway_remove_listener(n->gw, n->listener_id);
	g_clear_handle_id(&n->watchdog_id, g_source_remove);
	g_free(n);
	return NULL;
}
