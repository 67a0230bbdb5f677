/* SPDX-License-Identifier: MIT */
/*
 * gateway.c - the floor, its timer, the service status and the listeners.
 * The adapters' glue lives in gateway-<adapter>.c.
 */
#include "gateway-private.h"

#include <errno.h>
#include <string.h>

#include "audio.h"
#include "dbus-api.h"
#include "json-util.h"

#define PREROLL_DEFAULT_MS 3000 /* [floor] preroll */
#define PREROLL_MAX_MS 10000
#define PAIRING_MAX_SECONDS 600 /* OpenPairing's window at most */

/* ---- listeners and events ---- */

guint gateway_add_listener(struct gateway *gw, const struct gateway_events *ev, void *data,
			   void (*destroy)(void *data))
{
	return watchlist_add(gw->listeners, ev, data, destroy);
}

void gateway_remove_listener(struct gateway *gw, guint id)
{
	watchlist_remove(gw->listeners, id);
}

JsonBuilder *gateway_event_begin(const char *type)
{
	JsonBuilder *b = json_builder_new();

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "ts");
	json_builder_add_int_value(b, (gint64)gateway_now());
	json_builder_set_member_name(b, "type");
	json_builder_add_string_value(b, type);
	return b;
}

void gateway_emit(struct gateway *gw, const char *type, JsonBuilder *b)
{
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *json = NULL;
	uint64_t ts;

	json_builder_end_object(b);
	root = json_builder_get_root(b);
	g_object_unref(b);
	ts = (uint64_t)json_object_get_int_member(json_node_get_object(root), "ts");
	json = json_to_string(root, FALSE);
	g_debug("event %s", json);

	WATCHLIST_EMIT(gw->listeners, struct gateway_events, event, ts, type, json);
}

void gateway_changed(struct gateway *gw, unsigned props)
{
	WATCHLIST_EMIT(gw->listeners, struct gateway_events, changed, props);
	if (props & (GATEWAY_PROP_FLOOR | GATEWAY_PROP_SERVICE | GATEWAY_PROP_LINK |
		     GATEWAY_PROP_TALKER | GATEWAY_PROP_CHANNEL | GATEWAY_PROP_AUDIO))
		gateway_bt_state_changed(gw);
}

void gateway_set_string(struct gateway *gw, char **field, const char *value, unsigned prop)
{
	if (g_strcmp0(*field, value) == 0)
		return;
	g_free(*field);
	*field = g_strdup(value);
	gateway_changed(gw, prop);
}

void gateway_set_link_state(struct gateway *gw, enum uplink_state st)
{
	if (gw->link_state == st)
		return;
	gw->link_state = st;
	gateway_changed(gw, GATEWAY_PROP_LINK);
}

const char *gateway_link_state_to_string(enum uplink_state st)
{
	return st == _UPLINK_STATE_INVALID ? "disabled" : uplink_state_to_string(st);
}

bool gateway_stream_seen(struct gateway *gw, uint32_t stream_id)
{
	return stream_ring_has(&gw->seen_streams, stream_id);
}

/* ---- service status ---- */

static gboolean status_tick(gpointer data);

void gateway_update_status(struct gateway *gw)
{
	enum svc_status old = gw->status;
	JsonBuilder *b;

	uint64_t now = gateway_now(), next;

	gw->svc.waiting = floor_get_waiting(gw->floor) && gw->uplink;
	gw->status = svc_status_derive(&gw->svc, now);
	/* no polling: a timer only for the moment the grace runs out */
	g_clear_handle_id(&gw->status_timer, g_source_remove);
	next = svc_status_next_change(&gw->svc, now);
	if (next)
		gw->status_timer = g_timeout_add((guint)MIN((next - now + 999) / 1000, G_MAXUINT),
						 status_tick, gw);
	if (gw->status == old)
		return;
	g_message("service status %s -> %s", svc_status_to_string(old),
		  svc_status_to_string(gw->status));
	b = gateway_event_begin("status");
	json_builder_set_member_name(b, "from");
	json_builder_add_string_value(b, svc_status_to_string(old));
	json_builder_set_member_name(b, "to");
	json_builder_add_string_value(b, svc_status_to_string(gw->status));
	gateway_emit(gw, "status", b);
	gateway_changed(gw, GATEWAY_PROP_SERVICE);
}

static gboolean status_tick(gpointer data)
{
	struct gateway *gw = data;

	gw->status_timer = 0;
	gateway_update_status(gw);
	return G_SOURCE_REMOVE;
}

/* ---- the floor and its timer ---- */

static gboolean floor_timer_dispatch(GSource *source, GSourceFunc cb, gpointer data)
{
	struct gateway *gw = data;

	g_source_set_ready_time(source, -1);
	GATEWAY_FLOOR_CALL(gw, floor_tick(gw->floor, gateway_now()));
	return G_SOURCE_CONTINUE;
}

static GSourceFuncs floor_timer_funcs = {
	.dispatch = floor_timer_dispatch,
};

void gateway_floor_done(struct gateway *gw)
{
	uint64_t deadline;

	if (gw->floor_depth > 0)
		return;
	while (!g_queue_is_empty(&gw->deferred)) {
		struct gateway_deferred *d = g_queue_pop_head(&gw->deferred);

		gw->floor_depth++;
		d->fn(gw, d->arg);
		gw->floor_depth--;
		if (d->free_arg)
			d->free_arg(d->arg);
		g_free(d);
	}
	deadline = floor_next_deadline(gw->floor);
	g_source_set_ready_time(gw->floor_timer, deadline ? (gint64)deadline : -1);
	gateway_update_status(gw);
}

void gateway_floor_input(struct gateway *gw, void (*fn)(struct gateway *gw, void *arg), void *arg,
			 GDestroyNotify free_arg)
{
	struct gateway_deferred *d = g_new0(struct gateway_deferred, 1);

	d->fn = fn;
	d->arg = arg;
	d->free_arg = free_arg;
	g_queue_push_tail(&gw->deferred, d);
	gateway_floor_done(gw);
}

/* ---- the microphone gate ---- */

enum floor_state gateway_floor_state(struct gateway *gw)
{
	enum floor_state st = floor_get_state(gw->floor);

	return st == FLOOR_TRANSMITTING && gw->mic_gate && !gw->mic_live ? FLOOR_REQUESTING : st;
}

/* The "floor" event: the user's view moves from gw->shown to to. */
static void emit_floor(struct gateway *gw, enum floor_state to, const char *reason)
{
	JsonBuilder *b;

	if (to == gw->shown)
		return;
	b = gateway_event_begin("floor");
	json_builder_set_member_name(b, "from");
	json_builder_add_string_value(b, floor_state_to_string(gw->shown));
	json_builder_set_member_name(b, "to");
	json_builder_add_string_value(b, floor_state_to_string(to));
	gw->shown = to;
	json_builder_set_member_name(b, "reason");
	json_builder_add_string_value(b, reason ? reason : "");
	if (floor_get_source(gw->floor)) {
		json_builder_set_member_name(b, "source");
		json_builder_add_string_value(b, floor_get_source(gw->floor));
	}
	if (floor_get_stream_id(gw->floor)) {
		json_builder_set_member_name(b, "stream_id");
		json_builder_add_int_value(b, floor_get_stream_id(gw->floor));
	}
	gateway_emit(gw, "floor", b);
}

static void emit_outcome(struct gateway *gw, uint32_t press_id, enum floor_outcome outcome,
			 const char *reason);

/* A granted press held back for its microphone ends without it. */
static void held_press_ends(struct gateway *gw, enum floor_state new_state, const char *reason)
{
	uint32_t id = gw->held_press;

	gw->held_press = 0;
	g_clear_pointer(&gw->held_reason, g_free);
	if (gw->mic_denied)
		emit_outcome(gw, id, FLOOR_OUTCOME_DENIED, gw->mic_denied);
	else if (new_state == FLOOR_RELEASING) /* the holder let go first */
		emit_outcome(gw, id, FLOOR_OUTCOME_CANCELLED, "released before the microphone was live");
	else
		emit_outcome(gw, id, FLOOR_OUTCOME_DENIED, reason);
}

static void on_transition(void *data, enum floor_state old, enum floor_state new_state,
			  const char *reason)
{
	struct gateway *gw = data;
	bool gated = new_state == FLOOR_TRANSMITTING && gw->mic_gate && !gw->mic_live;

	g_message("floor %s -> %s (%s)%s", floor_state_to_string(old),
		  floor_state_to_string(new_state), reason,
		  gated ? ": shown once the microphone is live" : "");
	emit_floor(gw, gated ? FLOOR_REQUESTING : new_state, reason);
	if (gw->held_press && new_state != FLOOR_TRANSMITTING)
		held_press_ends(gw, new_state, reason);
	gateway_changed(gw, GATEWAY_PROP_FLOOR);
}

void gateway_mic_gate(struct gateway *gw, bool on)
{
	gw->mic_gate = on;
}

void gateway_mic_live(struct gateway *gw, const char *from)
{
	if (!gw->capturing || gw->mic_live)
		return;
	gw->mic_live = true;
	if (!gw->mic_gate || floor_get_state(gw->floor) != FLOOR_TRANSMITTING)
		return;
	g_message("floor: microphone live (%s): transmitting", from ? from : "");
	emit_floor(gw, FLOOR_TRANSMITTING, "granted, microphone live");
	if (gw->held_press) {
		uint32_t id = gw->held_press;
		g_autofree char *why = g_steal_pointer(&gw->held_reason);

		gw->held_press = 0;
		emit_outcome(gw, id, FLOOR_OUTCOME_GRANTED, why);
	}
	gateway_changed(gw, GATEWAY_PROP_FLOOR);
}

static void mic_deny_input(struct gateway *gw, void *arg)
{
	const char *source = floor_get_source(gw->floor);

	if (source && gw->capturing)
		gateway_release(gw, source, NULL);
}

void gateway_mic_deny(struct gateway *gw, const char *reason)
{
	if (!gw->capturing)
		return;
	g_free(gw->mic_denied);
	gw->mic_denied = g_strdup(reason);
	gateway_floor_input(gw, mic_deny_input, NULL, NULL);
}

static void on_request(void *data, bool emergency)
{
	gateway_uplink_request(data, emergency);
}

static void on_release(void *data, uint32_t stream_id)
{
	gateway_uplink_release(data, stream_id);
}

static void on_reconnect(void *data)
{
	gateway_uplink_reconnect(data);
}

static void on_capture(void *data, bool on)
{
	struct gateway *gw = data;

	if (on == gw->capturing)
		return;
	gw->capturing = on;
	gw->tx_stream_id = 0;
	gw->mic_gate = false; /* the audio glue turns it on for a capture it can prove */
	gw->mic_live = false;
	if (on)
		g_clear_pointer(&gw->mic_denied, g_free);
	preroll_clear(&gw->preroll);
	gateway_audio_capture(gw, on);
}

static void on_granted(void *data, uint32_t stream_id)
{
	struct gateway *gw = data;
	GBytes *frame;
	unsigned n = 0;

	gw->tx_stream_id = stream_id;
	/* the pre-roll first, oldest frame first, then live audio */
	while ((frame = preroll_pop(&gw->preroll))) {
		gsize len;
		const uint8_t *p = g_bytes_get_data(frame, &len);

		if (gateway_uplink_send(gw, stream_id, p, len) < 0)
			gw->frames_dropped++;
		else
			gw->frames_sent++;
		g_bytes_unref(frame);
		n++;
	}
	if (n)
		g_info("sent %u pre-roll frames on stream %u", n, stream_id);
}

void gateway_mic_frame(struct gateway *gw, const uint8_t *opus, size_t len)
{
	if (!gw->capturing)
		return;
	if (!gw->tx_stream_id) {
		preroll_push(&gw->preroll, opus, len);
		return;
	}
	if (gateway_uplink_send(gw, gw->tx_stream_id, opus, len) < 0)
		gw->frames_dropped++;
	else
		gw->frames_sent++;
}

static void on_playback(void *data, uint32_t stream_id, bool on)
{
	gateway_audio_playback(data, stream_id, on);
}

static void on_cue(void *data, enum floor_cue cue)
{
	struct gateway *gw = data;
	JsonBuilder *b = gateway_event_begin("cue");

	json_builder_set_member_name(b, "cue");
	json_builder_add_string_value(b, floor_cue_to_string(cue));
	gateway_emit(gw, "cue", b);
	gateway_audio_cue(gw, cue);
}

static void on_outcome(void *data, uint32_t press_id, enum floor_outcome outcome,
		       const char *reason)
{
	struct gateway *gw = data;

	if (outcome == FLOOR_OUTCOME_GRANTED && gw->mic_gate && !gw->mic_live) {
		/* told once the microphone is live (gateway_mic_live) or the talk ends */
		gw->held_press = press_id;
		g_free(gw->held_reason);
		gw->held_reason = g_strdup(reason);
		return;
	}
	if (outcome == FLOOR_OUTCOME_CANCELLED && gw->mic_denied)
		emit_outcome(gw, press_id, FLOOR_OUTCOME_DENIED, gw->mic_denied);
	else
		emit_outcome(gw, press_id, outcome, reason);
}

static void emit_outcome(struct gateway *gw, uint32_t press_id, enum floor_outcome outcome,
			 const char *reason)
{
	JsonBuilder *b = gateway_event_begin("outcome");

	switch (outcome) {
	case FLOOR_OUTCOME_GRANTED:
		gw->grants++;
		break;
	case FLOOR_OUTCOME_DENIED:
		gw->denials++;
		break;
	case FLOOR_OUTCOME_CANCELLED:
	case _FLOOR_OUTCOME_MAX:
		gw->cancels++;
		break;
	}
	g_message("press %u: %s%s%s", press_id, floor_outcome_to_string(outcome),
		  reason && *reason ? ": " : "", reason ? reason : "");
	json_builder_set_member_name(b, "press_id");
	json_builder_add_int_value(b, press_id);
	json_builder_set_member_name(b, "outcome");
	json_builder_add_string_value(b, floor_outcome_to_string(outcome));
	json_builder_set_member_name(b, "reason");
	json_builder_add_string_value(b, reason ? reason : "");
	gateway_emit(gw, "outcome", b);
}

static void on_talker(void *data, const char *name)
{
	struct gateway *gw = data;
	JsonBuilder *b;

	if (g_strcmp0(gw->talker, name) == 0)
		return;
	b = gateway_event_begin("talker");
	json_util_add_string_or_null(b, "talker", name);
	if (name)
		gateway_json_string(b, "channel",
				    gateway_channels_of_stream(gw, floor_get_playing(gw->floor)));
	gateway_emit(gw, "talker", b);
	gateway_set_string(gw, &gw->talker, name, GATEWAY_PROP_TALKER);
}

static const struct floor_ops floor_ops = {
	.transition = on_transition,
	.request = on_request,
	.release = on_release,
	.reconnect = on_reconnect,
	.capture = on_capture,
	.granted = on_granted,
	.playback = on_playback,
	.cue = on_cue,
	.outcome = on_outcome,
	.talker = on_talker,
};

/* ---- user actions ---- */

/* Inside a floor call. */
static int floor_press_or_escalate(struct gateway *gw, const char *source, bool emergency)
{
	if (emergency && !floor_get_emergency(gw->floor) &&
	    g_strcmp0(floor_get_source(gw->floor), source) == 0) {
		/* the holder escalates (long press, emergency key): end the normal
		 * talk and ask again as an emergency */
		g_message("%s: talk escalated to an emergency", source);
		floor_release(gw->floor, gateway_now(), source);
	}
	return floor_press(gw->floor, gateway_now(), source, emergency);
}

int gateway_press(struct gateway *gw, const char *source, bool emergency, const char **ret_reason)
{
	int r;

	gw->presses++;
	gateway_talk_for_reset(gw); /* a plain press talks to the channel */
	if (emergency)
		gateway_location_emergency(gw);
	GATEWAY_FLOOR_CALL(gw, r = floor_press_or_escalate(gw, source, emergency));
	if (r < 0 && ret_reason)
		*ret_reason = dbus_api_error_reason(r);
	g_info("%s from %s: %s", emergency ? "emergency" : "press", source,
	       r < 0 ? dbus_api_error_reason(r) : "accepted");
	return r;
}

int gateway_release(struct gateway *gw, const char *source, const char **ret_reason)
{
	int r;

	GATEWAY_FLOOR_CALL(gw, r = floor_release(gw->floor, gateway_now(), source));
	if (r < 0 && ret_reason)
		*ret_reason = dbus_api_error_reason(r);
	return r;
}

int gateway_select_channel(struct gateway *gw, const char *channel, const char **ret_reason)
{
	JsonBuilder *b;
	int r;

	if (!channel || !*channel || strlen(channel) > 128 || !g_utf8_validate(channel, -1, NULL)) {
		*ret_reason = "invalid channel name";
		return -EINVAL;
	}
	/* listening goes on meanwhile: only our own talk holds the channel */
	if (floor_get_state(gw->floor) != FLOOR_IDLE &&
	    floor_get_state(gw->floor) != FLOOR_RECEIVING) {
		*ret_reason = "the floor is busy; change channel when idle";
		return -EBUSY;
	}
	r = gateway_uplink_set_channel(gw, channel);
	if (r == 0)
		r = gateway_channels_select(gw, channel);
	if (r < 0) {
		*ret_reason = r == -EBUSY ? "a burst is in progress; change channel when idle"
					  : "the link refused the channel";
		return r;
	}
	b = gateway_event_begin("channel");
	json_builder_set_member_name(b, "channel");
	json_builder_add_string_value(b, channel);
	gateway_emit(gw, "channel", b);
	gateway_set_string(gw, &gw->channel, channel, GATEWAY_PROP_CHANNEL);
	return 0;
}

int gateway_open_pairing(struct gateway *gw, unsigned seconds, const char **ret_reason)
{
	int r;

	if (seconds == 0 || seconds > PAIRING_MAX_SECONDS) {
		*ret_reason = "the pairing window is 1 to " G_STRINGIFY(PAIRING_MAX_SECONDS) " seconds";
		return -EINVAL;
	}
	r = gateway_bt_open_pairing(gw, seconds);
	if (r < 0)
		*ret_reason = dbus_api_error_reason(r);
	return r;
}

int gateway_volume(struct gateway *gw, int steps, const char **ret_reason)
{
	int r;

	if (steps < -100 || steps > 100) {
		*ret_reason = "steps: -100 to 100";
		return -EINVAL;
	}
	r = gateway_audio_volume(gw, steps);
	if (r < 0)
		*ret_reason = r == -EOPNOTSUPP ? "audio is off" : dbus_api_error_reason(r);
	return r;
}

/* ---- status ---- */

const char *gateway_get_floor_state(struct gateway *gw)
{
	return floor_state_to_string(gateway_floor_state(gw));
}

const char *gateway_get_service_status(struct gateway *gw)
{
	return svc_status_to_string(gw->status);
}

const char *gateway_get_link_state(struct gateway *gw)
{
	return gateway_link_state_to_string(gw->link_state);
}

const char *gateway_get_push_state(struct gateway *gw)
{
	return gw->push_state;
}

const char *gateway_get_channel(struct gateway *gw)
{
	return gw->channel ? gw->channel : "";
}

const char *gateway_get_talker(struct gateway *gw)
{
	return gw->talker ? gw->talker : "";
}

const char *gateway_get_audio_route(struct gateway *gw)
{
	return gw->audio_route ? gw->audio_route : "";
}

bool gateway_get_audio_active(struct gateway *gw)
{
	return gw->audio_active;
}

void gateway_json_string(JsonBuilder *b, const char *name, const char *value)
{
	json_util_add_string_or_null(b, name, value);
}

void gateway_json_uint(JsonBuilder *b, const char *name, uint64_t value)
{
	json_builder_set_member_name(b, name);
	json_builder_add_int_value(b, (gint64)value);
}

char *gateway_status_json(struct gateway *gw)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;

	json_builder_begin_object(b);
	gateway_json_string(b, "name", gw->name);
	gateway_json_string(b, "floor", gateway_get_floor_state(gw));
	gateway_json_string(b, "service", gateway_get_service_status(gw));
	gateway_json_string(b, "service_detail", gateway_uplink_service_detail(gw));
	gateway_json_string(b, "link", gateway_link_state_to_string(gw->link_state));
	gateway_json_string(b, "link_detail", gw->link_detail);
	gateway_json_string(b, "push", gw->push_state);
	gateway_json_string(b, "channel", gw->channel);
	json_util_add_int_or_null(b, "users_online", gateway_uplink_users_online(gw),
				  gateway_uplink_users_online(gw) >= 0);
	gateway_json_string(b, "talker", gw->talker);
	json_builder_set_member_name(b, "channels");
	gateway_channels_status_json(gw, b);
	gateway_json_string(b, "source", floor_get_source(gw->floor));
	json_builder_set_member_name(b, "emergency");
	json_builder_add_boolean_value(b, floor_get_emergency(gw->floor));
	gateway_json_uint(b, "stream_id", floor_get_stream_id(gw->floor));
	json_builder_set_member_name(b, "audio");
	json_builder_begin_object(b);
	gateway_json_string(b, "route", gw->audio_route);
	json_builder_set_member_name(b, "active");
	json_builder_add_boolean_value(b, gw->audio_active);
	gateway_json_string(b, "error", gw->audio_error);
	gateway_audio_status_json(gw, b);
	json_builder_end_object(b);
	json_builder_set_member_name(b, "upstream");
	json_builder_begin_object(b);
	gateway_uplink_status_json(gw, b);
	json_builder_end_object(b);
	json_builder_set_member_name(b, "push_channel");
	json_builder_begin_object(b);
	gateway_push_status_json(gw, b);
	json_builder_end_object(b);
	json_builder_set_member_name(b, "bluetooth");
	json_builder_begin_object(b);
	gateway_bt_status_json(gw, b);
	json_builder_end_object(b);
	gateway_reload_status_json(gw, b);
	gateway_text_status_json(gw, b);
	gateway_location_status_json(gw, b);
	json_builder_set_member_name(b, "counters");
	json_builder_begin_object(b);
	gateway_json_uint(b, "presses", gw->presses);
	gateway_json_uint(b, "grants", gw->grants);
	gateway_json_uint(b, "denials", gw->denials);
	gateway_json_uint(b, "cancels", gw->cancels);
	gateway_json_uint(b, "pushes", gw->pushes);
	gateway_json_uint(b, "pushes_ignored", gw->pushes_ignored);
	gateway_json_uint(b, "frames_sent", gw->frames_sent);
	gateway_json_uint(b, "frames_dropped", gw->frames_dropped);
	gateway_json_uint(b, "preroll_dropped", gw->preroll.dropped);
	gateway_json_uint(b, "packets_received", gw->packets_received);
	gateway_json_uint(b, "packets_not_playing", gw->packets_not_playing);
	gateway_json_uint(b, "preempted", gateway_channels_preempted(gw));
	json_builder_end_object(b);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	return json_to_string(root, TRUE);
}

/* ---- life cycle ---- */

static gboolean load_config(struct gateway *gw, GError **error)
{
	if (!conf_get_string(gw->conf, "general", "name", "pttgw", &gw->name, error))
		return FALSE;
	if (!floor_config_load(gw->conf, &gw->floor_cfg, error))
		return FALSE;
	if (!conf_get_seconds(gw->conf, "general", "unavailable-after", 60, 1, 86400,
			      &gw->svc.unavailable_after, error))
		return FALSE;
	return TRUE;
}

/* [floor] preroll (ms) as a count of the microphone's 20 ms frames */
static gboolean load_preroll_frames(const struct conf *c, unsigned *ret_frames, GError **error)
{
	guint64 ms;

	if (!conf_get_uint(c, "floor", "preroll", PREROLL_DEFAULT_MS, 0, PREROLL_MAX_MS, &ms, error))
		return FALSE;
	*ret_frames = (unsigned)(ms * 1000 / AUDIO_FRAME_USEC);
	return TRUE;
}

gboolean gateway_floor_renew(struct gateway *gw, GError **error)
{
	struct floor *f;
	unsigned preroll_frames;

	g_clear_pointer(&gw->name, g_free);
	if (!load_config(gw, error) || !load_preroll_frames(gw->conf, &preroll_frames, error))
		return FALSE;
	f = floor_new(&gw->floor_cfg, &floor_ops, gw);
	if (!f) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "floor: %s", g_strerror(errno));
		return FALSE;
	}
	preroll_clear(&gw->preroll);
	preroll_init(&gw->preroll, preroll_frames);
	floor_free(gw->floor);
	gw->floor = f;
	/* the new floor starts idle with the link down: tell it the link's state */
	GATEWAY_FLOOR_CALL(gw, floor_link(gw->floor, gateway_now(), gateway_uplink_connected(gw)));
	return TRUE;
}

struct gateway *gateway_new(const struct conf *c, const struct gateway_options *opts,
			    GError **error)
{
	struct gateway *gw = g_new0(struct gateway, 1);
	unsigned preroll_frames;

	gw->conf = c;
	gw->system_bus = opts && opts->system_bus ? g_object_ref(opts->system_bus) : NULL;
	gw->loop = opts && opts->loop ? g_main_loop_ref(opts->loop) : NULL;
	gw->listeners = watchlist_new();
	g_queue_init(&gw->deferred);
	gw->started = gateway_now();
	gw->svc.started = gw->started;
	gw->link_state = _UPLINK_STATE_INVALID;
	gw->push_state = g_strdup("disabled");
	gw->status = SVC_READY;

	if (!load_config(gw, error))
		return gateway_free(gw);
	if (!load_preroll_frames(c, &preroll_frames, error))
		return gateway_free(gw);
	preroll_init(&gw->preroll, preroll_frames);

	gw->floor = floor_new(&gw->floor_cfg, &floor_ops, gw);
	if (!gw->floor) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "floor: %s", g_strerror(errno));
		return gateway_free(gw);
	}
	gw->floor_timer = g_source_new(&floor_timer_funcs, sizeof(GSource));
	g_source_set_callback(gw->floor_timer, NULL, gw, NULL);
	g_source_set_name(gw->floor_timer, "pttgw floor timer");
	g_source_attach(gw->floor_timer, NULL);

	if (!gateway_channels_init(gw, error) || !gateway_uplink_init(gw, error) ||
	    !gateway_push_init(gw, error) || !gateway_audio_init(gw, error) ||
	    !gateway_bt_init(gw, error) || !gateway_location_init(gw, error))
		return gateway_free(gw);
	gw->svc.push_configured = gw->push != NULL;
	return gw;
}

gboolean gateway_start(struct gateway *gw, GError **error)
{
	if (!gateway_audio_start(gw, error) || !gateway_push_start(gw, error) ||
	    !gateway_uplink_start(gw, error) || !gateway_bt_start(gw, error) ||
	    !gateway_location_start(gw, error))
		return FALSE;
	gateway_update_status(gw);
	return TRUE;
}

struct gateway *gateway_free(struct gateway *gw)
{
	if (!gw)
		return NULL;
	gateway_reload_fini(gw);
	gateway_location_fini(gw);
	g_clear_handle_id(&gw->status_timer, g_source_remove);
	gateway_bt_fini(gw);
	gateway_uplink_fini(gw);
	gateway_channels_fini(gw);
	gateway_push_fini(gw);
	gateway_audio_fini(gw);
	gateway_messages_fini(gw);
	if (gw->floor_timer) {
		g_source_destroy(gw->floor_timer);
		g_source_unref(gw->floor_timer);
	}
	gw->floor = floor_free(gw->floor);
	while (!g_queue_is_empty(&gw->deferred)) {
		struct gateway_deferred *d = g_queue_pop_head(&gw->deferred);
		if (d->free_arg)
			d->free_arg(d->arg);
		g_free(d);
	}
	preroll_clear(&gw->preroll);
	gw->listeners = watchlist_free(gw->listeners);
	g_clear_object(&gw->system_bus);
	g_clear_pointer(&gw->loop, g_main_loop_unref);
	g_free(gw->name);
	g_free(gw->link_detail);
	g_free(gw->push_state);
	g_free(gw->channel);
	g_free(gw->talker);
	g_free(gw->held_reason);
	g_free(gw->mic_denied);
	g_free(gw->audio_route);
	g_free(gw->audio_error);
	g_free(gw);
	return NULL;
}
