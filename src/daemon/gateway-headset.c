/* SPDX-License-Identifier: MIT */
/*
 * gateway-headset.c - the gateway owns the headset's Bluetooth profile.
 *
 * [audio] hfp-policy:
 *  on-talk  a press switches the headset device to its HFP profile (mSBC when
 *           offered) and the microphone opens once the HFP nodes exist, within
 *           hfp-switch-timeout; after the release, when neither we nor a remote
 *           talker have spoken for hfp-hangover, it goes back to A2DP. A remote
 *           burst that arrives while on HFP plays on HFP.
 *  always   HFP whenever the headset is there.
 *  never    A2DP only: a profile switch to HFP by anybody else is undone while
 *           idle; the microphone is the configured (non-Bluetooth) input.
 * A switch that fails (no HFP profile, refused, timed out) is reported by name
 * (event "headset", status, the busy cue); hfp-switch-fail decides the press:
 * fallback (capture from the configured/default input) or deny (release it).
 *
 * WirePlumber's bluetooth policy would switch the headset too, for capture
 * streams with media.role Communication; ours carries no role (audio.c), so
 * that policy leaves the device to us.
 */
#include "gateway-headset.h"

#include <errno.h>

#include "audio-profile.h"
#include "audio-pw.h"

#define G "audio"
#define RECONNECT_SECONDS 2

struct gateway_headset {
	struct gateway *gw;
	enum audio_hfp_policy policy;
	enum gateway_headset_fail on_fail;
	uint64_t switch_timeout; /* usec */
	uint64_t hangover;       /* usec */
	char *headset;

	struct audio_pw *pw;
	struct audio_profile *prof;
	guint reconnect_id;

	bool capturing;       /* the press wants the microphone */
	bool pending;         /* ... and waits for the HFP nodes */
	bool saw_hfp;         /* since we asked for HFP, the Profile was HFP */
	bool playing;         /* a remote burst plays */
	bool ours;            /* HFP because we asked for it (only then do we switch back) */
	bool back_pending;    /* we asked for A2DP: its nodes are not there yet */
	bool retaken;         /* this talk already took the headset back to HFP once */
	bool audio_failed;    /* this talk's HFP capture failed (no SCO link) */
	uint64_t back_started;
	guint switch_id;      /* hfp-switch-timeout */
	guint hangover_id;
	enum audio_profile_mode last_mode;
	char *error;          /* the last switch failure, NULL: none */
	uint64_t switch_started; /* monotonic usec of the last HFP request */
	uint64_t switch_usec;    /* how long the last successful switch took */
};

static void emit_ms(struct gateway_headset *hs, const char *state, const char *reason,
		    int64_t switch_usec)
{
	JsonBuilder *b = gateway_event_begin("headset");

	gateway_json_string(b, "state", state);
	if (switch_usec >= 0) {
		json_builder_set_member_name(b, "switch_ms");
		json_builder_add_double_value(b, (double)switch_usec / 1e3);
	}
	gateway_json_string(b, "device", audio_profile_device_name(hs->prof));
	gateway_json_string(b, "profile", audio_profile_name(hs->prof));
	if (reason)
		gateway_json_string(b, "reason", reason);
	gateway_emit(hs->gw, "headset", b);
}

static void emit(struct gateway_headset *hs, const char *state, const char *reason)
{
	emit_ms(hs, state, reason, -1);
}

static void set_error(struct gateway_headset *hs, const char *reason)
{
	g_free(hs->error);
	hs->error = g_strdup(reason);
}

static void go(struct gateway_headset *hs, const char *fail)
{
	hs->pending = false;
	g_clear_handle_id(&hs->switch_id, g_source_remove);
	if (fail) {
		g_warning("headset: %s", fail);
		set_error(hs, fail);
		emit(hs, "failed", fail);
	}
	gateway_audio_capture_ready(hs->gw, fail,
				    fail && hs->on_fail == GATEWAY_HEADSET_FAIL_DENY);
}

static void ask(struct gateway_headset *hs, enum audio_profile_mode mode)
{
	int r = audio_profile_set(hs->prof, mode);

	if (r < 0) {
		g_warning("headset: cannot switch %s to %s: %s",
			  audio_profile_device_name(hs->prof), audio_profile_mode_to_string(mode),
			  g_strerror(-r));
		return;
	}
	emit(hs, mode == AUDIO_PROFILE_HFP ? "switching-hfp" : "switching-a2dp", NULL);
	hs->ours = mode == AUDIO_PROFILE_HFP;
	if (mode == AUDIO_PROFILE_A2DP) {
		hs->back_pending = true;
		hs->back_started = gateway_now();
	}
}

static gboolean hangover_done(gpointer data)
{
	struct gateway_headset *hs = data;

	hs->hangover_id = 0;
	/* both directions idle: back to A2DP */
	if (!hs->capturing && !hs->playing && audio_profile_get_mode(hs->prof) == AUDIO_PROFILE_HFP)
		ask(hs, AUDIO_PROFILE_A2DP);
	return G_SOURCE_REMOVE;
}

static void hangover_start(struct gateway_headset *hs)
{
	g_clear_handle_id(&hs->hangover_id, g_source_remove);
	if (hs->policy != AUDIO_HFP_ON_TALK || hs->capturing || hs->playing || !hs->ours)
		return;
	if (audio_profile_get_mode(hs->prof) != AUDIO_PROFILE_HFP && !hs->pending)
		return;
	hs->hangover_id = g_timeout_add((guint)(hs->hangover / 1000), hangover_done, hs);
}

static gboolean switch_timeout(gpointer data)
{
	struct gateway_headset *hs = data;
	g_autofree char *why = g_strdup_printf("headset switch to HFP timed out after %.1f s",
					       (double)hs->switch_timeout / 1e6);

	hs->switch_id = 0;
	go(hs, why);
	return G_SOURCE_REMOVE;
}

static void on_changed(void *data)
{
	struct gateway_headset *hs = data;
	enum audio_profile_mode mode = audio_profile_get_mode(hs->prof);
	bool moved = mode != hs->last_mode;

	if (moved)
		g_info("headset: %s -> %s (%s)", audio_profile_mode_to_string(hs->last_mode),
		       audio_profile_mode_to_string(mode), audio_profile_name(hs->prof));
	hs->last_mode = mode;
	if (hs->pending) {
		if (audio_profile_ready(hs->prof, AUDIO_PROFILE_HFP)) {
			hs->switch_usec = gateway_now() - hs->switch_started;
			g_info("headset: HFP ready after %.0f ms", (double)hs->switch_usec / 1e3);
			emit_ms(hs, "hfp", NULL, (int64_t)hs->switch_usec);
			go(hs, NULL);
		} else if (mode == AUDIO_PROFILE_ABSENT) {
			go(hs, "headset gone while switching to HFP");
		} else if (mode == AUDIO_PROFILE_HFP) {
			hs->saw_hfp = true;
		} else if (hs->saw_hfp) {
			/* the Profile went back: the switch was refused (SCO not set up) */
			g_autofree char *why = g_strdup_printf(
				"headset refused HFP (stays in %s)", audio_profile_name(hs->prof));

			go(hs, why);
		}
		return;
	}
	if (hs->back_pending && audio_profile_ready(hs->prof, AUDIO_PROFILE_A2DP)) {
		hs->back_pending = false;
		emit_ms(hs, "a2dp", NULL, (int64_t)(gateway_now() - hs->back_started));
	}
	if (mode == AUDIO_PROFILE_ABSENT)
		hs->ours = false;
	if (!moved || mode == AUDIO_PROFILE_ABSENT)
		return;
	emit(hs, "profile", NULL);
	if (hs->capturing && hs->ours && mode != AUDIO_PROFILE_HFP && !hs->retaken &&
	    audio_profile_offers(hs->prof, AUDIO_PROFILE_HFP)) {
		/* somebody else (a session manager's profile policy, a user) moved the
		 * headset during our talk: take it back, once per talk */
		g_warning("headset: moved to %s during a talk, switching back to HFP",
			  audio_profile_name(hs->prof));
		hs->retaken = true;
		ask(hs, AUDIO_PROFILE_HFP);
		/* the microphone opens again once the HFP nodes are back */
		hs->pending = true;
		hs->saw_hfp = false;
		hs->switch_started = gateway_now();
		g_clear_handle_id(&hs->switch_id, g_source_remove);
		hs->switch_id = g_timeout_add((guint)(hs->switch_timeout / 1000), switch_timeout, hs);
		return;
	}
	if (hs->policy == AUDIO_HFP_ALWAYS && mode != AUDIO_PROFILE_HFP &&
	    audio_profile_offers(hs->prof, AUDIO_PROFILE_HFP))
		ask(hs, AUDIO_PROFILE_HFP);
	else if (hs->policy == AUDIO_HFP_NEVER && mode == AUDIO_PROFILE_HFP && !hs->capturing)
		ask(hs, AUDIO_PROFILE_A2DP);
	else if (hs->policy == AUDIO_HFP_ON_TALK && mode == AUDIO_PROFILE_HFP)
		hangover_start(hs);
}

static const struct audio_profile_events profile_events = {
	.changed = on_changed,
};

static void pw_disconnected(void *data, const char *message);
static gboolean reconnect(gpointer data);

static const struct audio_pw_events pw_events = {
	.disconnected = pw_disconnected,
};

static void disconnect(struct gateway_headset *hs)
{
	g_clear_pointer(&hs->prof, audio_profile_free);
	g_clear_pointer(&hs->pw, audio_pw_free);
}

static bool connect_pw(struct gateway_headset *hs)
{
	g_autoptr(GError) error = NULL;

	hs->pw = audio_pw_new(&pw_events, hs, &error);
	if (!hs->pw) {
		g_debug("headset: %s", error->message);
		return false;
	}
	hs->prof = audio_profile_new(audio_pw_get_core(hs->pw), hs->headset, &profile_events, hs);
	if (!hs->prof) {
		disconnect(hs);
		return false;
	}
	return true;
}

static gboolean reconnect(gpointer data)
{
	struct gateway_headset *hs = data;

	disconnect(hs);
	if (!connect_pw(hs))
		return G_SOURCE_CONTINUE;
	hs->reconnect_id = 0;
	return G_SOURCE_REMOVE;
}

static void pw_disconnected(void *data, const char *message)
{
	struct gateway_headset *hs = data;

	g_warning("headset: %s", message);
	/* not from inside its own callback: the next main-loop turn frees it */
	if (!hs->reconnect_id)
		hs->reconnect_id = g_timeout_add_seconds(RECONNECT_SECONDS, reconnect, hs);
	if (hs->pending)
		go(hs, "lost PipeWire while switching the headset to HFP");
}

/* ---- the gateway's side ---- */

gboolean gateway_headset_config(const struct conf *c, struct gateway_headset_config *ret,
				GError **error)
{
	static const char *const fails[] = { "fallback", "deny", NULL };
	int fail;

	if (!conf_get_seconds(c, G, "hfp-switch-timeout", 3.0, 0.1, 30.0, &ret->switch_timeout,
			      error) ||
	    !conf_get_seconds(c, G, "hfp-hangover", 2.0, 0.0, 600.0, &ret->hangover, error) ||
	    !conf_get_enum(c, G, "hfp-switch-fail", fails, GATEWAY_HEADSET_FAIL_FALLBACK, &fail,
			   error))
		return FALSE;
	ret->on_fail = (enum gateway_headset_fail)fail;
	return TRUE;
}

struct gateway_headset *gateway_headset_new(struct gateway *gw, const struct audio_config *cfg,
					    const struct gateway_headset_config *hc)
{
	struct gateway_headset *hs = g_new0(struct gateway_headset, 1);

	hs->gw = gw;
	hs->policy = cfg->hfp_policy;
	hs->on_fail = hc->on_fail;
	hs->switch_timeout = hc->switch_timeout;
	hs->hangover = hc->hangover;
	hs->headset = g_strdup(cfg->headset);
	hs->last_mode = AUDIO_PROFILE_ABSENT;
	if (!connect_pw(hs))
		hs->reconnect_id = g_timeout_add_seconds(RECONNECT_SECONDS, reconnect, hs);
	return hs;
}

struct gateway_headset *gateway_headset_free(struct gateway_headset *hs)
{
	if (!hs)
		return NULL;
	g_clear_handle_id(&hs->reconnect_id, g_source_remove);
	g_clear_handle_id(&hs->switch_id, g_source_remove);
	g_clear_handle_id(&hs->hangover_id, g_source_remove);
	disconnect(hs);
	g_free(hs->error);
	g_free(hs->headset);
	g_free(hs);
	return NULL;
}

bool gateway_headset_capture(struct gateway_headset *hs, bool on)
{
	enum audio_profile_mode mode;
	int r;

	hs->capturing = on;
	if (!on) {
		if (hs->pending) {
			hs->pending = false;
			g_clear_handle_id(&hs->switch_id, g_source_remove);
		}
		hangover_start(hs);
		return true;
	}
	g_clear_handle_id(&hs->hangover_id, g_source_remove);
	hs->back_pending = false;
	hs->retaken = false;
	hs->audio_failed = false;
	mode = audio_profile_get_mode(hs->prof);
	if (hs->policy == AUDIO_HFP_NEVER || mode == AUDIO_PROFILE_ABSENT)
		return true; /* no headset to switch: the route decides */
	if (audio_profile_ready(hs->prof, AUDIO_PROFILE_HFP))
		return true;
	set_error(hs, NULL);
	hs->switch_started = gateway_now();
	hs->saw_hfp = false;
	hs->ours = true;
	r = audio_profile_set(hs->prof, AUDIO_PROFILE_HFP);
	if (r == -ENOENT) {
		go(hs, "headset has no HFP profile");
		return false;
	}
	if (r < 0) {
		g_autofree char *why = g_strdup_printf("headset switch to HFP failed: %s",
						       g_strerror(-r));

		go(hs, why);
		return false;
	}
	emit(hs, "switching-hfp", NULL);
	hs->pending = true;
	hs->switch_id = g_timeout_add((guint)(hs->switch_timeout / 1000), switch_timeout, hs);
	return false;
}

bool gateway_headset_capture_failed(struct gateway_headset *hs, const char *reason)
{
	g_autofree char *why = NULL;

	if (!hs->capturing || hs->pending || hs->audio_failed ||
	    audio_profile_get_mode(hs->prof) != AUDIO_PROFILE_HFP)
		return false;
	/* the HFP nodes are there but the microphone never ran: PipeWire could not
	 * set up the SCO link (refused, no SCO support, out of range) */
	hs->audio_failed = true;
	why = g_strdup_printf("headset HFP audio (SCO) did not start: %s", reason ? reason : "?");
	go(hs, why);
	return true;
}

void gateway_headset_playback(struct gateway_headset *hs, bool on)
{
	hs->playing = on;
	if (on)
		g_clear_handle_id(&hs->hangover_id, g_source_remove);
	else
		hangover_start(hs);
}

void gateway_headset_status_json(struct gateway_headset *hs, JsonBuilder *b)
{
	json_builder_set_member_name(b, "headset");
	json_builder_begin_object(b);
	gateway_json_string(b, "device", audio_profile_device_name(hs->prof));
	gateway_json_string(b, "mode", audio_profile_mode_to_string(
					       audio_profile_get_mode(hs->prof)));
	gateway_json_string(b, "profile", audio_profile_name(hs->prof));
	gateway_json_string(b, "switching", hs->pending ? "hfp" : "");
	gateway_json_string(b, "error", hs->error ? hs->error : "");
	gateway_json_string(b, "on_fail",
			    hs->on_fail == GATEWAY_HEADSET_FAIL_DENY ? "deny" : "fallback");
	gateway_json_uint(b, "last_switch_ms", hs->switch_usec / 1000);
	json_builder_end_object(b);
}
