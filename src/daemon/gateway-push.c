/* SPDX-License-Identifier: MIT */
/*
 * gateway-push.c - the MQTT push channel, joined to the floor. A verified
 * push for a burst the gateway does not have wakes the link and joins the
 * burst from its first packet; a push for a burst already playing or ended
 * is a no-op.
 */
#include "gateway-private.h"

#include "push.h"

/* With the link up, the burst's on_stream_start normally arrives by itself,
 * at about the time of the push: wait this long before joining it. */
#define PUSH_LINK_GRACE_MS 300

struct pending_join {
	struct gateway *gw;
	uint32_t stream_id;
	guint timer;
};

struct gateway_push {
	struct push_config cfg;
	struct push_client *pc;
	GSList *pending; /* struct pending_join */
};

static gboolean pending_join_fire(gpointer data)
{
	struct pending_join *pj = data;
	struct gateway *gw = pj->gw;

	gw->push->pending = g_slist_remove(gw->push->pending, pj);
	if (gateway_stream_seen(gw, pj->stream_id)) {
		g_debug("pushed stream %u came over the link: nothing to join", pj->stream_id);
		gw->pushes_ignored++;
	} else {
		g_info("pushed stream %u did not come over the link: joining", pj->stream_id);
		gateway_uplink_join(gw, pj->stream_id);
	}
	g_free(pj);
	return G_SOURCE_REMOVE;
}

struct push_input {
	uint32_t stream_id;
	char *from;
	char *channel;
};

static void push_input_free(void *p)
{
	struct push_input *in = p;

	g_free(in->from);
	g_free(in->channel);
	g_free(in);
}

static void do_push(struct gateway *gw, void *arg)
{
	struct push_input *in = arg;
	bool news = floor_push(gw->floor, gateway_now(), in->stream_id, in->from);
	JsonBuilder *b = gateway_event_begin("push");

	gateway_json_uint(b, "stream_id", in->stream_id);
	gateway_json_string(b, "from", in->from ? in->from : "");
	gateway_json_string(b, "channel", in->channel ? in->channel : "");
	gateway_json_string(b, "action", !news ? "ignored"
					   : gateway_stream_seen(gw, in->stream_id) ? "has it"
					   : gateway_uplink_connected(gw) ? "expect"
									  : "join");
	gateway_emit(gw, "push", b);

	if (!news) {
		gw->pushes_ignored++;
		g_debug("push for stream %u: already playing or ended, ignoring", in->stream_id);
		return;
	}
	if (gateway_stream_seen(gw, in->stream_id)) {
		gw->pushes_ignored++;
		g_debug("push for stream %u: already came over the link, ignoring", in->stream_id);
		return;
	}
	if (gateway_uplink_connected(gw)) {
		struct pending_join *pj = g_new0(struct pending_join, 1);

		pj->gw = gw;
		pj->stream_id = in->stream_id;
		pj->timer = g_timeout_add(PUSH_LINK_GRACE_MS, pending_join_fire, pj);
		gw->push->pending = g_slist_prepend(gw->push->pending, pj);
		return;
	}
	g_info("push for stream %u from %s: waking the link to join it", in->stream_id,
	       in->from ? in->from : "?");
	gateway_uplink_join(gw, in->stream_id);
}

static void on_push(void *data, const struct push_msg *msg)
{
	struct gateway *gw = data;
	struct push_input *in = g_new0(struct push_input, 1);

	gw->pushes++;
	in->stream_id = msg->stream_id;
	in->from = g_strdup(msg->from);
	in->channel = g_strdup(msg->channel);
	gateway_floor_input(gw, do_push, in, push_input_free);
}

static void on_state(void *data, bool up, const char *detail)
{
	struct gateway *gw = data;
	JsonBuilder *b = gateway_event_begin("push");

	g_message("push channel %s%s%s", up ? "up" : "down", detail ? ": " : "", detail ? detail : "");
	gateway_json_string(b, "state", up ? "up" : "down");
	if (detail) {
		gateway_json_string(b, "detail", detail);
	}
	gateway_emit(gw, "push", b);
	if (up || gw->svc.push_up)
		gw->svc.push_last_ok = gateway_now();
	gw->svc.push_up = up;
	gateway_set_string(gw, &gw->push_state, up ? "up" : "down", GATEWAY_PROP_PUSH);
	gateway_update_status(gw);
}

static const struct push_events push_events = {
	.state = on_state,
	.push = on_push,
};

gboolean gateway_push_init(struct gateway *gw, GError **error)
{
	g_autofree char *username = NULL;
	struct gateway_push *gp;

	if (!conf_get_string(gw->conf, "upstream", "username", g_get_host_name(), &username, error))
		return FALSE;
	gp = g_new0(struct gateway_push, 1);
	if (!push_config_load(gw->conf, username, &gp->cfg, error)) {
		g_free(gp);
		return FALSE;
	}
	if (!gp->cfg.host) {
		push_config_clear(&gp->cfg);
		g_free(gp);
		return TRUE;
	}
	{
		/* the key now, so that --check-config sees a bad one (exit 78, named) */
		g_autoptr(GError) why = NULL;
		g_autoptr(GBytes) key = push_key_load(gp->cfg.key_file, &why);

		if (!key) {
			conf_set_error(gw->conf, error, "push", "key-file", "%s", why->message);
			push_config_clear(&gp->cfg);
			g_free(gp);
			return FALSE;
		}
		if (gp->cfg.broker_password_file) {
			g_autofree char *pw = conf_read_secret_file(gp->cfg.broker_password_file,
								    &why);

			if (!pw) {
				conf_set_error(gw->conf, error, "push", "broker-password-file", "%s",
					       why->message);
				push_config_clear(&gp->cfg);
				g_free(gp);
				return FALSE;
			}
			explicit_bzero(pw, strlen(pw));
		}
	}
	gw->push = gp;
	gateway_set_string(gw, &gw->push_state, "down", GATEWAY_PROP_PUSH);
	return TRUE;
}

gboolean gateway_push_start(struct gateway *gw, GError **error)
{
	struct gateway_push *gp = gw->push;

	if (!gp)
		return TRUE;
	gp->pc = push_client_new(&gp->cfg, &push_events, gw, error);
	return gp->pc != NULL;
}

void gateway_push_status_json(struct gateway *gw, JsonBuilder *b)
{
	struct gateway_push *gp = gw->push;
	struct push_stats st;

	json_builder_set_member_name(b, "configured");
	json_builder_add_boolean_value(b, gp != NULL);
	if (!gp || !gp->pc)
		return;
	push_client_get_stats(gp->pc, &st);
	gateway_json_string(b, "topic", gp->cfg.topic);
	gateway_json_uint(b, "received", st.received);
	gateway_json_uint(b, "accepted", st.accepted);
	gateway_json_uint(b, "rejected", st.rejected);
	gateway_json_uint(b, "replayed", st.replayed);
	gateway_json_uint(b, "connects", st.connects);
	/* pushes refused as too old or too new: a clock off by more than the window */
	gateway_json_uint(b, "stale", st.stale);
	if (st.have_offset) {
		json_builder_set_member_name(b, "clock_offset_ms");
		json_builder_add_int_value(b, st.clock_offset_ms);
	}
}

void gateway_push_fini(struct gateway *gw)
{
	struct gateway_push *gp = gw->push;

	if (!gp)
		return;
	gw->push = NULL;
	for (GSList *l = gp->pending; l; l = l->next) {
		struct pending_join *pj = l->data;

		g_source_remove(pj->timer);
		g_free(pj);
	}
	g_slist_free(gp->pending);
	push_client_free(gp->pc);
	push_config_clear(&gp->cfg);
	g_free(gp);
}
