/* SPDX-License-Identifier: MIT */
/*
 * gateway-push.c - the MQTT push channel, joined to the floor. A verified
 * push for a burst the gateway does not have wakes the link and joins the
 * burst from its first packet; a push for a burst already playing or ended
 * is a no-op.
 */
#include "gateway-private.h"

#include "push.h"

struct gateway_push {
	struct push_config cfg;
	struct push_client *pc;
};

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

	json_builder_set_member_name(b, "stream_id");
	json_builder_add_int_value(b, in->stream_id);
	json_builder_set_member_name(b, "from");
	json_builder_add_string_value(b, in->from ? in->from : "");
	json_builder_set_member_name(b, "channel");
	json_builder_add_string_value(b, in->channel ? in->channel : "");
	json_builder_set_member_name(b, "action");
	json_builder_add_string_value(b, news ? "join" : "ignored");
	gateway_emit(gw, "push", b);

	if (!news) {
		gw->pushes_ignored++;
		g_debug("push for stream %u: already playing or ended, ignoring", in->stream_id);
		return;
	}
	g_info("push for stream %u from %s: joining", in->stream_id, in->from ? in->from : "?");
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
	json_builder_set_member_name(b, "state");
	json_builder_add_string_value(b, up ? "up" : "down");
	if (detail) {
		json_builder_set_member_name(b, "detail");
		json_builder_add_string_value(b, detail);
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
	json_builder_set_member_name(b, "topic");
	json_builder_add_string_value(b, gp->cfg.topic);
	json_builder_set_member_name(b, "received");
	json_builder_add_int_value(b, (gint64)st.received);
	json_builder_set_member_name(b, "accepted");
	json_builder_add_int_value(b, (gint64)st.accepted);
	json_builder_set_member_name(b, "rejected");
	json_builder_add_int_value(b, (gint64)st.rejected);
	json_builder_set_member_name(b, "replayed");
	json_builder_add_int_value(b, (gint64)st.replayed);
	json_builder_set_member_name(b, "connects");
	json_builder_add_int_value(b, (gint64)st.connects);
}

void gateway_push_fini(struct gateway *gw)
{
	struct gateway_push *gp = gw->push;

	if (!gp)
		return;
	gw->push = NULL;
	push_client_free(gp->pc);
	push_config_clear(&gp->cfg);
	g_free(gp);
}
