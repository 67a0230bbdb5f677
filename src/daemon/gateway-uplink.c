/* SPDX-License-Identifier: MIT */
/*
 * gateway-uplink.c - the WebSocket link to the dispatch server, joined to
 * the floor: server answers become floor inputs, floor effects become
 * commands, link state becomes the user's link state and service status.
 */
#include "gateway-private.h"

#include <errno.h>

#include "proto.h"
#include "uplink.h"

struct gateway_uplink {
	struct uplink_config cfg;
	struct uplink *u;
	bool request_pending;  /* the floor asked while the link was coming up */
	bool request_emergency;
	char *auth_reason;     /* why the server refused our logon */
};

/* ---- floor inputs (deferred when raised inside a floor call) ---- */

struct link_input {
	uint32_t stream_id;
	char *text;
	char *channel;
	bool up;
};

static void link_input_free(void *p)
{
	struct link_input *in = p;

	g_free(in->text);
	g_free(in->channel);
	g_free(in);
}

static struct link_input *link_input_new(uint32_t stream_id, const char *text)
{
	struct link_input *in = g_new0(struct link_input, 1);

	in->stream_id = stream_id;
	in->text = g_strdup(text);
	return in;
}

static void do_granted(struct gateway *gw, void *arg)
{
	floor_granted(gw->floor, gateway_now(), ((struct link_input *)arg)->stream_id);
}

static void do_denied(struct gateway *gw, void *arg)
{
	floor_denied(gw->floor, gateway_now(), ((struct link_input *)arg)->text);
}

static void do_revoked(struct gateway *gw, void *arg)
{
	floor_revoked(gw->floor, gateway_now(), ((struct link_input *)arg)->text);
}

static void do_taken(struct gateway *gw, void *arg)
{
	struct link_input *in = arg;

	/* the channel priority first (decided now, on what the floor plays now) */
	if (gateway_channels_start(gw, in->stream_id, in->channel, in->text))
		floor_taken(gw->floor, gateway_now(), in->stream_id, in->text);
}

static void do_idle(struct gateway *gw, void *arg)
{
	uint32_t id = ((struct link_input *)arg)->stream_id;

	if (gateway_channels_stop(gw, id))
		floor_remote_idle(gw->floor, gateway_now(), id);
}

static void do_link(struct gateway *gw, void *arg)
{
	gateway_channels_link(gw, ((struct link_input *)arg)->up);
	floor_link(gw->floor, gateway_now(), ((struct link_input *)arg)->up);
}

static void input(struct gateway *gw, void (*fn)(struct gateway *, void *), struct link_input *in)
{
	gateway_floor_input(gw, fn, in, link_input_free);
}

/* ---- uplink events ---- */

static void emit_link(struct gateway *gw, enum uplink_state st, const char *detail)
{
	struct gateway_uplink *gu = gw->uplink;
	JsonBuilder *b = gateway_event_begin("link");
	uint64_t next = uplink_get_next_attempt(gu->u);

	gateway_json_string(b, "state", uplink_state_to_string(st));
	if (detail)
		gateway_json_string(b, "detail", detail);
	if (st == UPLINK_BACKOFF && next)
		gateway_json_uint(b, "next_attempt_in_ms",
				  (next > gateway_now() ? next - gateway_now() : 0) / 1000);
	gateway_emit(gw, "link", b);
}

static void on_state(void *data, enum uplink_state st, const char *detail)
{
	struct gateway *gw = data;
	bool up = st == UPLINK_CONNECTED;
	struct link_input *in;

	g_message("link %s%s%s", uplink_state_to_string(st), detail ? ": " : "", detail ? detail : "");
	emit_link(gw, st, detail);
	g_free(gw->link_detail);
	gw->link_detail = g_strdup(detail);
	gateway_set_link_state(gw, st);

	if (up) {
		gw->svc.link_up = true;
		gw->svc.auth_refused = false;
		gw->svc.link_last_ok = gateway_now();
	} else {
		gw->svc.channel_offline = false;
		if (gw->svc.link_up) {
			gw->svc.link_up = false;
			gw->svc.link_last_ok = gateway_now();
		}
	}
	in = link_input_new(0, NULL);
	in->up = up;
	input(gw, do_link, in);

	gateway_update_status(gw);
	if (up)
		gateway_location_link_up(gw);
}

static void on_granted(void *data, uint32_t stream_id)
{
	input(data, do_granted, link_input_new(stream_id, NULL));
}

static void on_denied(void *data, const char *reason)
{
	input(data, do_denied, link_input_new(0, reason));
}

static void on_revoked(void *data, uint32_t stream_id, const char *reason)
{
	input(data, do_revoked, link_input_new(stream_id, reason));
}

static void on_remote_start(void *data, uint32_t stream_id, const char *from, const char *channel,
			    unsigned packet_duration_ms, unsigned packet_usec,
			    const char *codec_error)
{
	struct gateway *gw = data;
	struct link_input *in;

	if (codec_error)
		g_warning("stream %u from %s cannot be played: %s", stream_id, from ? from : "?",
			  codec_error);
	gateway_audio_announce(gw, stream_id, packet_usec, codec_error);

	stream_ring_add(&gw->seen_streams, stream_id);
	in = link_input_new(stream_id, from);
	in->channel = g_strdup(channel);
	input(gw, do_taken, in);
}

static void on_remote_stop(void *data, uint32_t stream_id)
{
	gateway_text_remote_stop(data, stream_id);
	input(data, do_idle, link_input_new(stream_id, NULL));
}

static void on_audio(void *data, uint32_t stream_id, uint32_t packet_id, const uint8_t *opus,
		     size_t len)
{
	struct gateway *gw = data;

	gw->packets_received++;
	/* half-duplex: only the burst the floor plays reaches the speaker */
	if (floor_get_playing(gw->floor) != stream_id) {
		gw->packets_not_playing++;
		g_debug("audio for stream %u, which is not playing: dropped", stream_id);
		return;
	}
	/* audio keeps a burst alive (receive-timeout); outside a floor call here */
	GATEWAY_FLOOR_CALL(gw, floor_remote_activity(gw->floor, gateway_now(), stream_id));
	gateway_audio_packet(gw, stream_id, packet_id, opus, len);
}

static void on_auth_refused(void *data, const char *reason)
{
	struct gateway *gw = data;

	g_warning("the server refused our credentials: %s", reason);
	g_free(gw->uplink->auth_reason);
	gw->uplink->auth_reason = uplink_error_reason(reason);
	gw->svc.auth_refused = true;
	gateway_update_status(gw);
	gateway_changed(gw, GATEWAY_PROP_SERVICE);
}

static void on_channel(void *data, const char *channel, bool online, int64_t users_online,
		       const char *error)
{
	struct gateway *gw = data;
	JsonBuilder *b = gateway_event_begin("channel_status");

	gateway_json_string(b, "channel", channel);
	gateway_json_string(b, "status", online ? "online" : "offline");
	json_builder_set_member_name(b, "users_online");
	if (users_online >= 0)
		json_builder_add_int_value(b, users_online);
	else
		json_builder_add_null_value(b);
	if (error)
		gateway_json_string(b, "error", error);
	gateway_emit(gw, "channel_status", b);
	gateway_channels_status(gw, channel, online, users_online);
	/* talking depends on the selected channel alone */
	uplink_get_channel(gw->uplink->u, &online, NULL);
	gw->svc.channel_offline = !online;
	gateway_update_status(gw);
	gateway_changed(gw, GATEWAY_PROP_SERVICE | GATEWAY_PROP_CHANNEL);
}

static const struct uplink_events uplink_events = {
	.state = on_state,
	.granted = on_granted,
	.denied = on_denied,
	.revoked = on_revoked,
	.remote_start = on_remote_start,
	.remote_stop = on_remote_stop,
	.audio = on_audio,
	.auth_refused = on_auth_refused,
	.channel = on_channel,
	.remote_for = gateway_text_on_remote_for,
	.text = gateway_text_on_text,
	.location = gateway_location_on_location,
	.sent = gateway_text_on_sent,
};

struct uplink *gateway_uplink_get(struct gateway *gw)
{
	return gw->uplink ? gw->uplink->u : NULL;
}

/* ---- floor effects ---- */

void gateway_uplink_request(struct gateway *gw, bool emergency)
{
	struct gateway_uplink *gu = gw->uplink;
	int r;

	if (!gu) {
		input(gw, do_denied, link_input_new(0, "no upstream configured"));
		return;
	}
	if (emergency && uplink_get_state(gu->u) == UPLINK_CONNECTED &&
	    !uplink_has_extension(gu->u, PROTO_EXT_EMERGENCY)) {
		/* a plain server: emergency pre-emption is our extension */
		JsonBuilder *b = gateway_event_begin("emergency");

		json_builder_set_member_name(b, "supported");
		json_builder_add_boolean_value(b, FALSE);
		gateway_json_string(b, "detail", "the server does not support emergency "
				    "pre-emption: sent as a normal talk");
		gateway_emit(gw, "emergency", b);
		g_message("emergency press: the server does not support emergency pre-emption, "
			  "sent as a normal talk");
	}
	r = uplink_start_stream(gu->u, emergency);
	if (r == -ENETDOWN) {
		const char *why = uplink_get_channel(gu->u, NULL, NULL);

		input(gw, do_denied, link_input_new(0, why ? why : "channel offline"));
		return;
	}
	if (r == -ENOTCONN) {
		/* the floor waits for the link (connect-timeout); it asks again on link up */
		uplink_connect_now(gu->u);
		return;
	}
	if (r < 0)
		input(gw, do_denied, link_input_new(0, g_strerror(-r)));
}

void gateway_uplink_release(struct gateway *gw, uint32_t stream_id)
{
	/* stop_stream on a reliable link ends our stream: the server sends no
	 * on_stream_stop to the talker, so the release completes once it is
	 * queued; when it cannot be sent, T100/C100 and the link state decide */
	if (gw->uplink && uplink_stop_stream(gw->uplink->u, stream_id) == 0 && stream_id)
		input(gw, do_idle, link_input_new(stream_id, NULL));
}

void gateway_uplink_reconnect(struct gateway *gw)
{
	if (gw->uplink)
		uplink_connect_now(gw->uplink->u);
}

bool gateway_uplink_connected(struct gateway *gw)
{
	return gw->uplink && uplink_get_state(gw->uplink->u) == UPLINK_CONNECTED;
}

void gateway_uplink_join(struct gateway *gw, uint32_t stream_id)
{
	int r;

	if (!gw->uplink)
		return;
	/* the uplink keeps the join until the burst comes, connecting first
	 * (and again after a lost link) when it must */
	r = uplink_join_stream(gw->uplink->u, stream_id);
	if (r < 0 && r != -EALREADY)
		g_warning("cannot join stream %u: %s", stream_id, g_strerror(-r));
}

int gateway_uplink_set_channel(struct gateway *gw, const char *channel)
{
	return gw->uplink ? uplink_set_channel(gw->uplink->u, channel) : 0;
}

int gateway_uplink_send(struct gateway *gw, uint32_t stream_id, const uint8_t *opus, size_t len)
{
	if (!gw->uplink)
		return -ENOTCONN;
	return uplink_send_audio(gw->uplink->u, stream_id, opus, len);
}

void gateway_uplink_status_json(struct gateway *gw, JsonBuilder *b)
{
	struct gateway_uplink *gu = gw->uplink;
	struct uplink_stats st;

	json_builder_set_member_name(b, "configured");
	json_builder_add_boolean_value(b, gu != NULL);
	if (!gu)
		return;
	uplink_get_stats(gu->u, &st);
	gateway_json_string(b, "url", gu->cfg.url);
	gateway_json_string(b, "policy", uplink_policy_to_string(gu->cfg.policy));
	json_builder_set_member_name(b, "last_error");
	if (uplink_get_last_error(gu->u))
		json_builder_add_string_value(b, uplink_get_last_error(gu->u));
	else
		json_builder_add_null_value(b);
	gateway_json_uint(b, "attempts", st.attempts);
	gateway_json_uint(b, "logons", st.logons);
	gateway_json_uint(b, "frames_in", st.frames_in);
	gateway_json_uint(b, "frames_out", st.frames_out);
	gateway_json_uint(b, "bad_frames", st.bad_frames);
	gateway_json_uint(b, "audio_dropped", st.audio_dropped);
	json_builder_set_member_name(b, "extensions");
	json_builder_begin_array(b);
	for (const char *const *e = (const char *const[]){ PROTO_EXT_EMERGENCY,
			PROTO_EXT_JOIN_STREAM, PROTO_EXT_PACKET_ID, NULL }; *e; e++)
		if (uplink_has_extension(gu->u, *e))
			json_builder_add_string_value(b, *e);
	json_builder_end_array(b);
	json_builder_set_member_name(b, "emergency_supported");
	json_builder_add_boolean_value(b, uplink_has_extension(gu->u, PROTO_EXT_EMERGENCY));
	json_builder_set_member_name(b, "listen_only");
	json_builder_add_boolean_value(b, gu->cfg.listen_only);
}

const char *gateway_uplink_service_detail(struct gateway *gw)
{
	struct gateway_uplink *gu = gw->uplink;
	const char *why;

	if (!gu || gw->status == SVC_READY)
		return NULL;
	if (gw->svc.auth_refused && gu->auth_reason)
		return gu->auth_reason;
	why = uplink_get_channel(gu->u, NULL, NULL);
	if (gw->svc.link_up && why)
		return why;
	return uplink_get_last_error(gu->u);
}

int64_t gateway_uplink_users_online(struct gateway *gw)
{
	int64_t n = -1;

	if (gw->uplink && gw->svc.link_up)
		uplink_get_channel(gw->uplink->u, NULL, &n);
	return n;
}

/* ---- life cycle ---- */

gboolean gateway_uplink_init(struct gateway *gw, GError **error)
{
	g_autofree char *url = NULL;
	struct gateway_uplink *gu;

	/* an explicitly empty url turns the link off */
	if (gw->conf->kf && g_key_file_has_key(gw->conf->kf, "upstream", "url", NULL)) {
		if (!conf_get_string(gw->conf, "upstream", "url", NULL, &url, error))
			return FALSE;
		if (!url || !*url) {
			g_message("upstream: no url configured, the link is off");
			return TRUE;
		}
	}
	gu = g_new0(struct gateway_uplink, 1);
	if (!uplink_config_load(gw->conf, &gu->cfg, error)) {
		g_free(gu);
		return FALSE;
	}
	gu->u = uplink_new(&gu->cfg, gw->loop, &uplink_events, gw, error);
	if (!gu->u) {
		uplink_config_clear(&gu->cfg);
		g_free(gu);
		return FALSE;
	}
	gw->uplink = gu;
	if (gu->cfg.channel)
		gateway_set_string(gw, &gw->channel, gu->cfg.channel, GATEWAY_PROP_CHANNEL);
	gateway_set_link_state(gw, UPLINK_DISCONNECTED);
	return TRUE;
}

gboolean gateway_uplink_start(struct gateway *gw, GError **error)
{
	int r;

	if (!gw->uplink)
		return TRUE;
	r = uplink_start(gw->uplink->u);
	if (r < 0) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(-r), "upstream: %s",
			    g_strerror(-r));
		return FALSE;
	}
	return TRUE;
}

void gateway_uplink_fini(struct gateway *gw)
{
	struct gateway_uplink *gu = gw->uplink;

	if (!gu)
		return;
	gw->uplink = NULL;
	/* a Close frame (1001) and a short wait for the server's answer; only
	 * outside any dispatch (the daemon's exit), never as a recursive main
	 * loop from inside a callback */
	if (g_main_depth() == 0)
		uplink_shutdown(gu->u, 1000);
	gu->u = uplink_free(gu->u);
	g_free(gu->auth_reason);
	uplink_config_clear(&gu->cfg);
	g_free(gu);
}
