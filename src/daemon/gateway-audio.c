/* SPDX-License-Identifier: MIT */
/*
 * gateway-audio.c - the PipeWire/Opus bridge, joined to the floor. Every
 * activation result, route change and burst account becomes an event, so
 * "playing" is never said over silence: AudioActive is true only when the
 * audio bridge proved the stream moves buffers.
 */
#include "gateway-private.h"

#include <errno.h>

#include "audio.h"
#include "gateway-headset.h"

G_STATIC_ASSERT((int)AUDIO_CUE_PERMIT == (int)FLOOR_CUE_PERMIT);
G_STATIC_ASSERT((int)AUDIO_CUE_LINK_RESTORED == (int)FLOOR_CUE_LINK_RESTORED);
G_STATIC_ASSERT((int)_AUDIO_CUE_MAX == (int)_FLOOR_CUE_MAX);

#define AUDIO_RETRY_SECONDS 5
#define ANNOUNCED 8 /* formats of the last streams on_stream_start announced */

/* The talk's microphone, as the user sees it (status "mic", event "mic"). */
enum mic_state {
	MIC_OFF,
	MIC_WAITING, /* capture opened, no sample yet (mic-timeout runs) */
	MIC_LIVE,    /* the first samples came: the talk may show "transmitting" */
	MIC_FAILED,  /* no samples: named in mic_error, the press denied */
};

struct announced {
	uint32_t stream_id;
	unsigned packet_usec;
	char *error;
};

struct gateway_audio {
	struct announced ann[ANNOUNCED];
	unsigned ann_next;
	struct audio_config cfg;
	struct audio *a;
	guint retry_id;
	uint32_t playing;     /* stream the floor asked to play */
	bool play_active;
	bool capture_active;
	struct gateway_headset_config hcfg;
	struct gateway_headset *headset; /* the headset's profile (gateway-headset.c) */
	bool permit_deferred;            /* the permit cue waits for the microphone */
	guint see_id;                    /* waiting for the bridge to see the HFP source */
	unsigned see_tries;
	uint64_t mic_timeout;            /* usec: [audio] mic-timeout */
	guint mic_timer;
	enum mic_state mic;
	char *mic_error;
	bool skip_end;                   /* the busy cue of a mic denial stands for the end cue */
};

static const char *mic_state_to_string(enum mic_state m)
{
	switch (m) {
	case MIC_OFF:
		return "off";
	case MIC_WAITING:
		return "waiting";
	case MIC_LIVE:
		return "live";
	case MIC_FAILED:
		return "failed";
	}
	return "?";
}

static void emit_mic(struct gateway *gw, const char *reason)
{
	struct gateway_audio *ga = gw->audio;
	JsonBuilder *b = gateway_event_begin("mic");
	const struct audio_route *r = ga->a ? audio_get_route(ga->a) : NULL;

	gateway_json_string(b, "state", mic_state_to_string(ga->mic));
	if (r && r->talking)
		gateway_json_string(b, "source", r->source.node_name);
	gateway_json_string(b, "reason", reason ? reason : "");
	gateway_emit(gw, "mic", b);
}

/* The microphone failed for good: named (status, event "mic", busy cue), press denied. */
static void mic_deny(struct gateway *gw, const char *why)
{
	struct gateway_audio *ga = gw->audio;

	g_warning("%s", why);
	g_clear_handle_id(&ga->mic_timer, g_source_remove);
	ga->permit_deferred = false;
	ga->mic = MIC_FAILED;
	g_free(ga->mic_error);
	ga->mic_error = g_strdup(why);
	emit_mic(gw, why);
	if (ga->a)
		audio_cue(ga->a, AUDIO_CUE_BUSY);
	/* a granted talk ends with the release's end cue: the busy one was the word */
	ga->skip_end = floor_get_state(gw->floor) == FLOOR_TRANSMITTING;
	gateway_mic_deny(gw, why);
}

/* The capture failed, or gave no sample within mic-timeout. The headset's HFP
 * microphone: a headset failure (named there; hfp-switch-fail decides, through
 * gateway_audio_capture_ready()). Any other before the first sample: denied. */
static void mic_failed(struct gateway *gw, const char *reason)
{
	struct gateway_audio *ga = gw->audio;
	g_autofree char *why = NULL;

	if (!gw->capturing)
		return;
	g_clear_handle_id(&ga->mic_timer, g_source_remove);
	if (ga->headset && ga->a &&
	    audio_get_route(ga->a)->source.kind == AUDIO_EP_HEADSET_HFP &&
	    gateway_headset_capture_failed(ga->headset, reason))
		return;
	if (!gw->mic_gate || ga->mic != MIC_WAITING)
		return;
	why = g_strdup_printf("microphone failed: %s: press denied", reason ? reason : "?");
	mic_deny(gw, why);
}

static gboolean mic_timeout(gpointer data)
{
	struct gateway *gw = data;
	struct gateway_audio *ga = gw->audio;
	const char *state = NULL;
	g_autofree char *why = NULL;

	ga->mic_timer = 0;
	audio_get_capture_state(ga->a, &state);
	why = g_strdup_printf("no microphone samples within %.1f s (%s)",
			      (double)ga->mic_timeout / 1e6, state ? state : "?");
	mic_failed(gw, why);
	return G_SOURCE_REMOVE;
}

/* Open the capture (again): the microphone has mic-timeout to deliver. */
static int capture_begin(struct gateway *gw)
{
	struct gateway_audio *ga = gw->audio;

	if (ga->mic != MIC_LIVE) {
		ga->mic = MIC_WAITING;
		g_clear_handle_id(&ga->mic_timer, g_source_remove);
		ga->mic_timer = g_timeout_add((guint)(ga->mic_timeout / 1000), mic_timeout, gw);
	}
	return audio_capture_begin(ga->a);
}

static void set_active(struct gateway *gw)
{
	struct gateway_audio *ga = gw->audio;
	bool active = ga->play_active || ga->capture_active;

	if (active == gw->audio_active)
		return;
	gw->audio_active = active;
	gateway_changed(gw, GATEWAY_PROP_AUDIO);
}

static void set_error(struct gateway *gw, const char *reason)
{
	if (g_strcmp0(gw->audio_error, reason) == 0)
		return;
	g_free(gw->audio_error);
	gw->audio_error = g_strdup(reason);
	gateway_changed(gw, GATEWAY_PROP_AUDIO);
}

/* An activation result in the user's view: a failure is the audio error until
 * a direction becomes active again; AudioActive follows either direction. */
static void activation_result(struct gateway *gw, enum audio_activation st, const char *reason)
{
	if (st == AUDIO_FAILED)
		set_error(gw, reason);
	else if (st == AUDIO_ACTIVE)
		set_error(gw, NULL);
	set_active(gw);
}

/* Why a direction cannot start without the audio bridge. */
static const char *no_audio_reason(struct gateway *gw)
{
	return gw->audio_error ? gw->audio_error : "no audio";
}

static void emit_activation(struct gateway *gw, const char *direction, uint32_t stream_id,
			    enum audio_activation st, const char *reason)
{
	JsonBuilder *b = gateway_event_begin("audio");

	gateway_json_string(b, "direction", direction);
	if (stream_id)
		gateway_json_uint(b, "stream_id", stream_id);
	gateway_json_string(b, "state", audio_activation_to_string(st));
	gateway_json_string(b, "reason", reason ? reason : "");
	gateway_emit(gw, "audio", b);
}

static void on_playback(void *data, uint32_t stream_id, enum audio_activation st,
			const char *reason)
{
	struct gateway *gw = data;
	struct gateway_audio *ga = gw->audio;

	if (st == AUDIO_FAILED)
		g_warning("playback of stream %u failed: %s", stream_id, reason ? reason : "?");
	else
		g_info("playback of stream %u: %s%s%s", stream_id, audio_activation_to_string(st),
		       reason ? ": " : "", reason ? reason : "");
	emit_activation(gw, "playback", stream_id, st, reason);
	ga->play_active = st == AUDIO_ACTIVE;
	activation_result(gw, st, reason);
}

static void on_capture(void *data, enum audio_activation st, const char *reason)
{
	struct gateway *gw = data;
	struct gateway_audio *ga = gw->audio;

	if (st == AUDIO_FAILED)
		g_warning("capture failed: %s", reason ? reason : "?");
	emit_activation(gw, "capture", 0, st, reason);
	ga->capture_active = st == AUDIO_ACTIVE;
	if (st == AUDIO_ACTIVE && gw->capturing && ga->mic == MIC_WAITING) {
		/* the first samples: the talk becomes "transmitting" (with the grant) */
		g_clear_handle_id(&ga->mic_timer, g_source_remove);
		ga->mic = MIC_LIVE;
		emit_mic(gw, reason);
		gateway_mic_live(gw, reason);
	}
	/* the talk permit only once the microphone delivers samples */
	if (ga->permit_deferred && st != AUDIO_STARTING) {
		ga->permit_deferred = false;
		if (st == AUDIO_ACTIVE && ga->a) {
			JsonBuilder *b = gateway_event_begin("cue_played");

			gateway_json_string(b, "cue", "permit");
			gateway_json_string(b, "after", reason ? reason : "");
			gateway_emit(gw, "cue_played", b);
			audio_cue(ga->a, AUDIO_CUE_PERMIT);
		}
	}
	activation_result(gw, st, reason);
	if (st == AUDIO_FAILED)
		mic_failed(gw, reason);
}

static void on_frame(void *data, const uint8_t *opus, size_t len, uint64_t captured)
{
	gateway_mic_frame(data, opus, len);
}

static void on_route(void *data, const struct audio_route *r)
{
	struct gateway *gw = data;
	g_autofree char *route = NULL;
	JsonBuilder *b = gateway_event_begin("route");

	if (r->talking)
		route = g_strdup_printf("%s + %s", r->sink.node_name[0] ? r->sink.node_name : "none",
					r->source.node_name[0] ? r->source.node_name : "none");
	else
		route = g_strdup(r->sink.node_name[0] ? r->sink.node_name : "none");
	json_builder_set_member_name(b, "talking");
	json_builder_add_boolean_value(b, r->talking);
	gateway_json_string(b, "sink", r->sink.node_name);
	gateway_json_string(b, "sink_kind", audio_endpoint_kind_to_string(r->sink.kind));
	gateway_json_string(b, "sink_reason", r->sink.reason);
	if (r->talking) {
		gateway_json_string(b, "source", r->source.node_name);
		gateway_json_string(b, "source_kind", audio_endpoint_kind_to_string(r->source.kind));
		gateway_json_string(b, "source_reason", r->source.reason);
	}
	gateway_emit(gw, "route", b);
	g_info("audio route: %s (%s)", route, r->sink.reason);
	gateway_set_string(gw, &gw->audio_route, route, GATEWAY_PROP_ROUTE);
}

static void on_first_sample(void *data, uint32_t stream_id)
{
	struct gateway *gw = data;
	JsonBuilder *b = gateway_event_begin("first_sample");

	gateway_json_uint(b, "stream_id", stream_id);
	gateway_emit(gw, "first_sample", b);
}

static void on_play_stats(void *data, const struct audio_play_stats *s)
{
	struct gateway *gw = data;
	JsonBuilder *b = gateway_event_begin("burst");
	const struct {
		const char *name;
		uint64_t v;
	} f[] = {
		{ "stream_id", s->stream_id }, { "received", s->received },
		{ "played", s->played },       { "duplicate", s->duplicate },
		{ "late", s->late },	       { "invalid", s->invalid },
		{ "flushed", s->flushed },     { "recovered", s->recovered },
		{ "concealed", s->concealed }, { "stretched", s->stretched },
		{ "underruns", s->underruns }, { "skipped", s->skipped },
		{ "first_id", s->first_id },
		{ "last_id", s->last_id },     { "prebuffer_us", s->prebuffer },
		{ "packet_us", s->packet_usec },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(f); i++) {
		json_builder_set_member_name(b, f[i].name);
		json_builder_add_int_value(b, (gint64)f[i].v);
	}
	/* "drained", "preempted by stream N", "codec header: ..." */
	gateway_json_string(b, "reason", s->reason);
	gateway_emit(gw, "burst", b);
}

static const struct audio_events audio_events = {
	.playback = on_playback,
	.capture = on_capture,
	.frame = on_frame,
	.route = on_route,
	.first_sample = on_first_sample,
	.play_stats = on_play_stats,
};

static gboolean try_connect(struct gateway *gw)
{
	struct gateway_audio *ga = gw->audio;
	g_autoptr(GError) error = NULL;

	ga->a = audio_new(&ga->cfg, &audio_events, gw, &error);
	if (ga->a) {
		set_error(gw, NULL);
		return TRUE;
	}
	g_warning("audio: %s (retrying every %d s)", error->message, AUDIO_RETRY_SECONDS);
	set_error(gw, error->message);
	return FALSE;
}

static gboolean retry(gpointer data)
{
	struct gateway *gw = data;

	if (!try_connect(gw))
		return G_SOURCE_CONTINUE;
	gw->audio->retry_id = 0;
	return G_SOURCE_REMOVE;
}

/* ---- floor effects ---- */

void gateway_audio_capture(struct gateway *gw, bool on)
{
	struct gateway_audio *ga = gw->audio;
	int r;

	if (!ga)
		return;
	if (!ga->a) {
		if (on)
			on_capture(gw, AUDIO_FAILED, no_audio_reason(gw));
		return;
	}
	if (!on) {
		ga->permit_deferred = false;
		g_clear_handle_id(&ga->see_id, g_source_remove);
		g_clear_handle_id(&ga->mic_timer, g_source_remove);
		if (ga->mic != MIC_FAILED)
			ga->mic = MIC_OFF;
		if (ga->headset)
			gateway_headset_capture(ga->headset, false);
		audio_capture_end(ga->a);
		return;
	}
	/* "transmitting" waits for the microphone's first samples (gateway.c) */
	gateway_mic_gate(gw, true);
	ga->mic = MIC_WAITING;
	g_clear_pointer(&ga->mic_error, g_free);
	if (ga->headset && !gateway_headset_capture(ga->headset, true)) {
		if (ga->headset && gw->capturing && !ga->capture_active)
			on_capture(gw, AUDIO_STARTING, "switching the headset to HFP");
		return; /* gateway_audio_capture_ready() follows */
	}
	if (!gw->capturing || ga->mic == MIC_FAILED)
		return; /* the headset denied the press meanwhile */
	r = capture_begin(gw);
	if (r < 0)
		on_capture(gw, AUDIO_FAILED, g_strerror(-r));
}

static void capture_now(struct gateway *gw)
{
	struct gateway_audio *ga = gw->audio;
	int r;

	/* a capture that failed meanwhile (the headset left HFP under it) starts again */
	if (audio_get_capture_state(ga->a, NULL) == AUDIO_FAILED)
		audio_capture_end(ga->a);
	r = capture_begin(gw);
	if (r < 0 && r != -EALREADY)
		on_capture(gw, AUDIO_FAILED, g_strerror(-r));
}

#define SEE_PERIOD_MS 20
#define SEE_TRIES 100 /* 2 s */

/* The headset module has its own PipeWire connection: the bridge learns of the
 * HFP nodes (and their bluez5 properties) a moment later. Capture when the
 * bridge's talk route has the headset's HFP source, not the default before. */
static gboolean see_hfp(gpointer data)
{
	struct gateway *gw = data;
	struct gateway_audio *ga = gw->audio;
	struct audio_route r;

	audio_preview_route(ga->a, true, &r);
	if (r.source.kind != AUDIO_EP_HEADSET_HFP && r.source.kind != AUDIO_EP_CONFIGURED &&
	    ++ga->see_tries < SEE_TRIES)
		return G_SOURCE_CONTINUE;
	ga->see_id = 0;
	if (gw->capturing)
		capture_now(gw);
	return G_SOURCE_REMOVE;
}

void gateway_audio_capture_ready(struct gateway *gw, const char *fail, bool deny)
{
	struct gateway_audio *ga = gw->audio;

	if (!ga || !ga->a || !gw->capturing)
		return;
	if (fail && deny) {
		g_autofree char *why = g_strdup_printf("%s: press denied", fail);

		emit_activation(gw, "capture", 0, AUDIO_FAILED, why);
		activation_result(gw, AUDIO_FAILED, why);
		mic_deny(gw, why);
		return;
	}
	if (fail) {
		audio_cue(ga->a, AUDIO_CUE_BUSY); /* heard: the headset microphone is not used */
		/* fallback: a non-Bluetooth microphone (the headset may still be in HFP,
		 * its source in the route, when its SCO link failed) */
		audio_capture_avoid_bt(ga->a);
		capture_now(gw);
		return;
	}
	ga->see_tries = 0;
	if (!ga->see_id && see_hfp(gw) == G_SOURCE_CONTINUE)
		ga->see_id = g_timeout_add(SEE_PERIOD_MS, see_hfp, gw);
}

void gateway_audio_playback(struct gateway *gw, uint32_t stream_id, bool on)
{
	struct gateway_audio *ga = gw->audio;
	int r;

	if (!ga)
		return;
	if (!ga->a) {
		if (on)
			on_playback(gw, stream_id, AUDIO_FAILED, no_audio_reason(gw));
		return;
	}
	if (ga->headset)
		gateway_headset_playback(ga->headset, on);
	if (on) {
		struct audio_burst_format f = { 0 };

		for (unsigned i = 0; i < ANNOUNCED; i++)
			if (ga->ann[i].stream_id == stream_id) {
				f.packet_usec = ga->ann[i].packet_usec;
				f.error = ga->ann[i].error;
			}
		ga->playing = stream_id;
		r = audio_play_begin(ga->a, stream_id, &f);
		if (r < 0)
			on_playback(gw, stream_id, AUDIO_FAILED, g_strerror(-r));
		return;
	}
	ga->playing = 0;
	/* the talker stopped: play out what is buffered; we pre-empt: cut now */
	if (gw->capturing)
		audio_play_cancel(ga->a, stream_id, "preempted by our talk");
	else
		audio_play_end(ga->a, stream_id);
}

void gateway_audio_announce(struct gateway *gw, uint32_t stream_id, unsigned packet_usec,
			    const char *codec_error)
{
	struct gateway_audio *ga = gw->audio;
	struct announced *n;

	if (!ga)
		return;
	n = &ga->ann[ga->ann_next++ % ANNOUNCED];
	n->stream_id = stream_id;
	n->packet_usec = packet_usec;
	g_free(n->error);
	n->error = g_strdup(codec_error);
}

void gateway_audio_packet(struct gateway *gw, uint32_t stream_id, uint32_t packet_id,
			  const uint8_t *opus, size_t len)
{
	struct gateway_audio *ga = gw->audio;

	if (ga && ga->a && ga->playing == stream_id)
		audio_play_packet(ga->a, stream_id, packet_id, opus, len);
}

void gateway_audio_cue(struct gateway *gw, enum floor_cue cue)
{
	struct gateway_audio *ga = gw->audio;

	if (!ga || !ga->a)
		return;
	if (ga->skip_end) {
		ga->skip_end = false;
		if (cue == FLOOR_CUE_END)
			return;
	}
	if (cue == FLOOR_CUE_PERMIT && gw->capturing && !ga->capture_active) {
		ga->permit_deferred = true; /* played when the microphone is ACTIVE */
		return;
	}
	audio_cue(ga->a, (enum audio_cue)cue);
}

int gateway_audio_volume(struct gateway *gw, int steps)
{
	struct gateway_audio *ga = gw->audio;

	if (!ga)
		return -EOPNOTSUPP;
	/* the config keeps it for an audio bridge made again (PipeWire restarted) */
	ga->cfg.volume = (unsigned)CLAMP((int)ga->cfg.volume + steps * (int)ga->cfg.volume_step, 0,
					 AUDIO_VOLUME_MAX);
	if (ga->a)
		audio_set_volume(ga->a, ga->cfg.volume);
	return (int)ga->cfg.volume;
}

void gateway_audio_status_json(struct gateway *gw, JsonBuilder *b)
{
	struct gateway_audio *ga = gw->audio;
	struct audio_play_stats ps;
	struct audio_capture_stats cs;
	const char *reason = NULL;

	json_builder_set_member_name(b, "enabled");
	json_builder_add_boolean_value(b, ga != NULL);
	if (ga)
		gateway_json_uint(b, "volume", ga->cfg.volume);
	if (!ga || !ga->a)
		return;
	gateway_json_string(b, "hfp_policy", audio_hfp_policy_to_string(ga->cfg.hfp_policy));
	gateway_json_string(b, "playback", audio_activation_to_string(
						 audio_get_playback_state(ga->a, &reason)));
	gateway_json_string(b, "playback_reason", reason);
	gateway_json_string(b, "capture", audio_activation_to_string(
						 audio_get_capture_state(ga->a, &reason)));
	audio_get_play_stats(ga->a, &ps);
	audio_get_capture_stats(ga->a, &cs);
	json_builder_set_member_name(b, "last_burst");
	json_builder_begin_object(b);
	gateway_json_uint(b, "stream_id", ps.stream_id);
	gateway_json_uint(b, "received", ps.received);
	gateway_json_uint(b, "played", ps.played);
	gateway_json_uint(b, "concealed", ps.concealed);
	gateway_json_uint(b, "recovered", ps.recovered);
	gateway_json_uint(b, "invalid", ps.invalid);
	gateway_json_uint(b, "flushed", ps.flushed);
	gateway_json_uint(b, "packet_us", ps.packet_usec);
	gateway_json_string(b, "reason", ps.reason);
	json_builder_end_object(b);
	gateway_json_uint(b, "mic_frames", cs.frames);
	gateway_json_string(b, "mic", mic_state_to_string(ga->mic));
	gateway_json_string(b, "mic_error", ga->mic_error);
	if (ga->headset)
		gateway_headset_status_json(ga->headset, b);
}

/* ---- life cycle ---- */

gboolean gateway_audio_init(struct gateway *gw, GError **error)
{
	gboolean enabled;
	struct gateway_audio *ga;

	if (!conf_get_bool(gw->conf, "general", "audio", TRUE, &enabled, error))
		return FALSE;
	if (!enabled) {
		g_message("audio is off ([general] audio = false)");
		gateway_set_string(gw, &gw->audio_route, "off", GATEWAY_PROP_ROUTE);
		return TRUE;
	}
	ga = g_new0(struct gateway_audio, 1);
	if (!audio_config_load(gw->conf, &ga->cfg, error) ||
	    !gateway_headset_config(gw->conf, &ga->hcfg, error) ||
	    !conf_get_seconds(gw->conf, "audio", "mic-timeout", 4.0, 0.1, 30.0, &ga->mic_timeout,
			      error)) {
		audio_config_clear(&ga->cfg);
		g_free(ga);
		return FALSE;
	}
	gw->audio = ga;
	return TRUE;
}

gboolean gateway_audio_start(struct gateway *gw, GError **error)
{
	struct gateway_audio *ga = gw->audio;

	if (ga && !try_connect(gw))
		ga->retry_id = g_timeout_add_seconds(AUDIO_RETRY_SECONDS, retry, gw);
	if (ga)
		ga->headset = gateway_headset_new(gw, &ga->cfg, &ga->hcfg);
	return TRUE;
}

void gateway_audio_fini(struct gateway *gw)
{
	struct gateway_audio *ga = gw->audio;

	if (!ga)
		return;
	g_clear_handle_id(&ga->retry_id, g_source_remove);
	g_clear_handle_id(&ga->see_id, g_source_remove);
	g_clear_handle_id(&ga->mic_timer, g_source_remove);
	g_free(ga->mic_error);
	ga->headset = gateway_headset_free(ga->headset);
	ga->a = audio_free(ga->a);
	gw->audio = NULL;
	for (unsigned i = 0; i < ANNOUNCED; i++)
		g_free(ga->ann[i].error);
	audio_config_clear(&ga->cfg);
	g_free(ga);
}
