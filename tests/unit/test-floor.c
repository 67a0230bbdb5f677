/* SPDX-License-Identifier: MIT */
/*
 * test-floor.c - one case per rule of the floor (see floor.h), table-driven.
 *
 * Each case is a script: an input, the exact effects it must cause (in order),
 * the state after it and, for press/release/push, the return value.
 */
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdio.h>
#include <string.h>

#include "floor-config.h"
#include "floor.h"

#define S(sec) ((floor_usec_t)((sec) * 1000000.0 + 0.5))
#define T0 S(1000) /* the clock does not start at 0 */

/* ---- a recording ops struct ---- */

struct rec {
	GString *log;
};

static void add(struct rec *r, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void add(struct rec *r, const char *fmt, ...)
{
	va_list ap;

	if (r->log->len)
		g_string_append(r->log, "; ");
	va_start(ap, fmt);
	g_string_append_vprintf(r->log, fmt, ap);
	va_end(ap);
}

static void on_transition(void *d, enum floor_state o, enum floor_state n, const char *why)
{
	add(d, "%s->%s (%s)", floor_state_to_string(o), floor_state_to_string(n), why);
}

static void on_request(void *d, bool emergency)
{
	add(d, emergency ? "request emergency" : "request");
}

static void on_release(void *d, uint32_t id)
{
	add(d, "release %u", id);
}

static void on_reconnect(void *d)
{
	add(d, "reconnect");
}

static void on_capture(void *d, bool on)
{
	add(d, "capture %s", on ? "on" : "off");
}

static void on_granted(void *d, uint32_t id)
{
	add(d, "granted %u", id);
}

static void on_playback(void *d, uint32_t id, bool on)
{
	add(d, "play %u %s", id, on ? "on" : "off");
}

static void on_cue(void *d, enum floor_cue c)
{
	add(d, "cue %s", floor_cue_to_string(c));
}

static void on_outcome(void *d, uint32_t id, enum floor_outcome o, const char *why)
{
	add(d, "outcome %u %s (%s)", id, floor_outcome_to_string(o), why);
}

static void on_talker(void *d, const char *name)
{
	add(d, "talker %s", name ? name : "-");
}

static const struct floor_ops rec_ops = {
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

/* request 1 s x 3, release 1 s x 2, max talk 10 s (warning 2 s), queue 5 s,
 * receive 4 s, connect 3 s */
static void test_config(struct floor_config *c)
{
	*c = (struct floor_config){
		.request_timeout = S(1),
		.request_attempts = 3,
		.release_timeout = S(1),
		.release_attempts = 2,
		.max_talk = S(10),
		.talk_warning = S(2),
		.queue_timeout = S(5),
		.receive_timeout = S(4),
		.connect_timeout = S(3),
	};
}

/* ---- scripts ---- */

#define ANY_RET 0x7fff /* return value not checked */

struct step {
	/* press SRC | emergency SRC | release SRC | granted ID | denied WHY |
	 * queued POS | taken ID WHO | idle ID | revoked WHY | link up|down |
	 * push ID WHO | activity ID | tick SECONDS (advance the clock, fire timers) |
	 * wait SECONDS (advance the clock only: a late timer) */
	const char *in;
	const char *effects; /* "" for none */
	const char *state;   /* after the step */
	int ret;             /* press/release/push; ANY_RET: not checked */
};

struct script {
	const char *path;
	const struct step *steps;
	floor_usec_t max_talk; /* 0: the default of test_config; 1: unlimited */
};

#define UP { "link up", "", "idle", ANY_RET }
#define PRESS_CLI { "press cli", "idle->requesting (press cli); capture on; request", \
		    "requesting", 1 }
#define GRANT_7 { "granted 7", "requesting->transmitting (granted); granted 7; cue permit; " \
		  "outcome 1 granted (granted)", "transmitting", ANY_RET }
#define TAKEN_5 { "taken 5 bob", "idle->receiving (taken by bob); play 5 on; cue incoming; " \
		  "talker bob", "receiving", ANY_RET }
#define END { NULL, NULL, NULL, 0 }

static int apply(struct floor *f, floor_usec_t *now, const char *in)
{
	char word[32] = "", arg[64] = "", arg2[64] = "";
	unsigned id = 0;
	double sec;

	sscanf(in, "%31s %63s %63s", word, arg, arg2);
	id = (unsigned)strtoul(arg, NULL, 10);
	if (!strcmp(word, "press"))
		return floor_press(f, *now, arg, false);
	if (!strcmp(word, "emergency"))
		return floor_press(f, *now, arg, true);
	if (!strcmp(word, "release"))
		return floor_release(f, *now, arg);
	if (!strcmp(word, "granted"))
		floor_granted(f, *now, id);
	else if (!strcmp(word, "denied"))
		floor_denied(f, *now, arg);
	else if (!strcmp(word, "queued"))
		floor_queued(f, *now, id);
	else if (!strcmp(word, "taken"))
		floor_taken(f, *now, id, arg2);
	else if (!strcmp(word, "idle"))
		floor_remote_idle(f, *now, id);
	else if (!strcmp(word, "revoked"))
		floor_revoked(f, *now, arg);
	else if (!strcmp(word, "link"))
		floor_link(f, *now, !strcmp(arg, "up"));
	else if (!strcmp(word, "push"))
		return floor_push(f, *now, id, arg2[0] ? arg2 : NULL);
	else if (!strcmp(word, "activity"))
		floor_remote_activity(f, *now, id);
	else if (!strcmp(word, "tick") || !strcmp(word, "wait")) {
		sec = g_ascii_strtod(arg, NULL);
		*now += S(sec);
		if (word[0] == 't')
			floor_tick(f, *now);
	} else
		g_error("bad script input '%s'", in);
	return ANY_RET;
}

static void run_script(gconstpointer data)
{
	const struct script *sc = data;
	struct rec r = { .log = g_string_new(NULL) };
	struct floor_config cfg;
	floor_usec_t now = T0;
	struct floor *f;

	test_config(&cfg);
	if (sc->max_talk)
		cfg.max_talk = sc->max_talk == 1 ? 0 : sc->max_talk;
	f = floor_new(&cfg, &rec_ops, &r);
	g_assert_nonnull(f);
	for (const struct step *s = sc->steps; s->in; s++) {
		int ret;

		g_string_truncate(r.log, 0);
		ret = apply(f, &now, s->in);
		if (g_test_verbose())
			g_printerr("  %-16s -> %s [%s]\n", s->in, r.log->str,
				   floor_state_to_string(floor_get_state(f)));
		if (strcmp(r.log->str, s->effects) != 0)
			g_error("%s: step '%s':\n  effects  '%s'\n  expected '%s'", sc->path,
				s->in, r.log->str, s->effects);
		g_assert_cmpstr(floor_state_to_string(floor_get_state(f)), ==, s->state);
		if (s->ret != ANY_RET)
			g_assert_cmpint(ret, ==, s->ret);
	}
	floor_free(f);
	g_string_free(r.log, TRUE);
}

/* -- press -- */
static const struct step press_idle[] = {
	UP, PRESS_CLI,
	{ "tick 0.5", "", "requesting", ANY_RET },
	END,
};
static const struct step press_granted[] = {
	UP, PRESS_CLI, GRANT_7, END,
};
static const struct step press_denied[] = {
	UP, PRESS_CLI,
	{ "denied busy", "capture off; requesting->idle (denied: busy); cue busy; "
	  "outcome 1 denied (busy)", "idle", ANY_RET },
	END,
};
static const struct step press_link_down[] = {
	{ "press cli", "idle->requesting (press cli); capture on; reconnect", "requesting", 1 },
	{ "tick 2.9", "", "requesting", ANY_RET },
	{ "link up", "cue link-restored; request", "requesting", ANY_RET },
	GRANT_7, END,
};
static const struct step press_link_down_timeout[] = {
	{ "press cli", "idle->requesting (press cli); capture on; reconnect", "requesting", 1 },
	{ "tick 3", "capture off; requesting->idle (denied: no link); cue busy; "
	  "outcome 1 denied (no link)", "idle", ANY_RET },
	END,
};
static const struct step press_second_source[] = {
	UP, PRESS_CLI,
	{ "press gatt", "", "requesting", -EALREADY },
	GRANT_7,
	{ "press gatt", "", "transmitting", -EALREADY },
	{ "emergency gatt", "", "transmitting", -EALREADY },
	{ "release gatt", "", "transmitting", -EPERM },
	{ "release cli", "capture off; transmitting->releasing (release cli); release 7; cue end",
	  "releasing", 0 },
	END,
};
static const struct step press_same_source_twice[] = {
	UP, PRESS_CLI,
	{ "press cli", "", "requesting", -EALREADY },
	END,
};
static const struct step press_while_releasing[] = {
	UP, PRESS_CLI, GRANT_7,
	{ "release cli", "capture off; transmitting->releasing (release cli); release 7; cue end",
	  "releasing", 0 },
	{ "press cli", "releasing->requesting (press cli); capture on; request", "requesting", 2 },
	{ "idle 7", "", "requesting", ANY_RET },
	{ "granted 8", "requesting->transmitting (granted); granted 8; cue permit; "
	  "outcome 2 granted (granted)", "transmitting", ANY_RET },
	END,
};
static const struct step press_bad_source[] = {
	UP,
	{ "press", "", "idle", -EINVAL },
	END,
};

/* -- request retries (T101/C101) -- */
static const struct step request_no_resend[] = {
	UP, PRESS_CLI,
	{ "tick 1", "", "requesting", ANY_RET },
	{ "tick 1", "", "requesting", ANY_RET },
	{ "tick 1", "release 0; capture off; requesting->idle (denied: no answer); "
	  "cue busy; "
	  "outcome 1 denied (no answer)", "idle", ANY_RET },
	/* the answer comes after all: the stream is handed back */
	{ "granted 9", "release 9", "idle", ANY_RET },
	END,
};
static const struct step request_resend_after_reconnect[] = {
	UP, PRESS_CLI,
	{ "link down", "cue link-lost; reconnect", "requesting", ANY_RET },
	{ "granted 3", "", "requesting", ANY_RET }, /* stale: the link is down */
	{ "link up", "cue link-restored; request", "requesting", ANY_RET },
	GRANT_7, END,
};
static const struct step request_link_lost_last_attempt[] = {
	UP, PRESS_CLI,
	{ "tick 1", "", "requesting", ANY_RET },
	{ "tick 1", "", "requesting", ANY_RET },
	{ "link down", "cue link-lost; capture off; requesting->idle (denied: link lost); "
	  "cue busy; outcome 1 denied (link lost)", "idle", ANY_RET },
	END,
};
static const struct step request_cancel_late_grant[] = {
	UP, PRESS_CLI,
	{ "release cli", "capture off; requesting->idle (cancelled: release cli); "
	  "outcome 1 cancelled (release cli)", "idle", 0 },
	{ "granted 7", "release 7", "idle", ANY_RET },
	{ "push 7", "", "idle", false },
	END,
};
static const struct step request_cancel_then_press_adopts[] = {
	UP, PRESS_CLI,
	{ "release cli", "capture off; requesting->idle (cancelled: release cli); "
	  "outcome 1 cancelled (release cli)", "idle", 0 },
	{ "press cli", "idle->requesting (press cli); capture on", "requesting", 2 },
	{ "granted 7", "requesting->transmitting (granted); granted 7; cue permit; "
	  "outcome 2 granted (granted)", "transmitting", ANY_RET },
	END,
};
static const struct step request_unasked_grant[] = {
	UP,
	{ "granted 4", "release 4", "idle", ANY_RET },
	UP, PRESS_CLI, GRANT_7,
	{ "granted 7", "", "transmitting", ANY_RET }, /* a repeat */
	{ "granted 8", "release 8", "transmitting", ANY_RET },
	{ "denied late", "", "transmitting", ANY_RET },
	END,
};

/* -- queue -- */
static const struct step queue_granted[] = {
	UP, PRESS_CLI,
	{ "queued 2", "capture off; requesting->queued (queued at 2)", "queued", ANY_RET },
	{ "queued 1", "", "queued", ANY_RET },
	{ "taken 5 bob", "play 5 on; cue incoming; talker bob", "queued", ANY_RET },
	{ "press gatt", "", "queued", -EALREADY },
	{ "granted 7", "play 5 off; talker -; queued->transmitting (granted); capture on; "
	  "granted 7; cue permit; outcome 1 granted (granted)", "transmitting", ANY_RET },
	END,
};
static const struct step queue_timeout[] = {
	UP, PRESS_CLI,
	{ "queued 2", "capture off; requesting->queued (queued at 2)", "queued", ANY_RET },
	{ "tick 4.9", "", "queued", ANY_RET },
	{ "tick 0.1", "queued->idle (denied: queue timeout); cue busy; "
	  "outcome 1 denied (queue timeout)", "idle", ANY_RET },
	{ "granted 7", "release 7", "idle", ANY_RET },
	END,
};
static const struct step queue_timeout_playing[] = {
	UP, PRESS_CLI,
	{ "queued 1", "capture off; requesting->queued (queued at 1)", "queued", ANY_RET },
	{ "taken 5 bob", "play 5 on; cue incoming; talker bob", "queued", ANY_RET },
	{ "tick 5", "queued->receiving (denied: queue timeout); cue busy; "
	  "outcome 1 denied (queue timeout)", "receiving", ANY_RET },
	{ "tick 4", "play 5 off; talker -; receiving->idle (receive timeout); cue end", "idle",
	  ANY_RET },
	END,
};
static const struct step queue_cancel[] = {
	UP, PRESS_CLI,
	{ "queued 1", "capture off; requesting->queued (queued at 1)", "queued", ANY_RET },
	{ "release cli", "queued->idle (cancelled: release cli); "
	  "outcome 1 cancelled (release cli)", "idle", 0 },
	END,
};
static const struct step queue_link_down[] = {
	UP, PRESS_CLI,
	{ "queued 1", "capture off; requesting->queued (queued at 1)", "queued", ANY_RET },
	{ "taken 5 bob", "play 5 on; cue incoming; talker bob", "queued", ANY_RET },
	{ "link down", "play 5 off; talker -; cue link-lost; queued->idle (denied: link lost); "
	  "cue busy; outcome 1 denied (link lost)", "idle", ANY_RET },
	END,
};

/* -- release (T100/C100) -- */
static const struct step release_transmitting[] = {
	UP, PRESS_CLI, GRANT_7,
	{ "release cli", "capture off; transmitting->releasing (release cli); release 7; cue end",
	  "releasing", 0 },
	{ "idle 7", "releasing->idle (released)", "idle", ANY_RET },
	{ "push 7", "", "idle", false },
	END,
};
static const struct step release_unconfirmed[] = {
	UP, PRESS_CLI, GRANT_7,
	{ "release cli", "capture off; transmitting->releasing (release cli); release 7; cue end",
	  "releasing", 0 },
	{ "tick 1", "release 7", "releasing", ANY_RET },
	{ "tick 1", "releasing->idle (release unconfirmed)", "idle", ANY_RET },
	END,
};
static const struct step release_foreign_source[] = {
	UP, PRESS_CLI,
	{ "release gatt", "", "requesting", -EPERM },
	GRANT_7,
	{ "release gatt", "", "transmitting", -EPERM },
	END,
};
static const struct step release_nobody[] = {
	UP,
	{ "release cli", "", "idle", -EPERM },
	TAKEN_5,
	{ "release cli", "", "receiving", -EPERM },
	END,
};

/* -- max talk -- */
static const struct step max_talk_warning_then_cut[] = {
	UP, PRESS_CLI, GRANT_7,
	{ "tick 7.9", "", "transmitting", ANY_RET },
	{ "tick 0.1", "cue talk-warning", "transmitting", ANY_RET },
	{ "tick 1.9", "", "transmitting", ANY_RET },
	{ "tick 0.1", "capture off; transmitting->releasing (max talk); release 7; cue end",
	  "releasing", ANY_RET },
	{ "release cli", "", "releasing", -EPERM },
	{ "idle 7", "releasing->idle (released)", "idle", ANY_RET },
	END,
};
static const struct step max_talk_unlimited[] = {
	UP, PRESS_CLI, GRANT_7,
	{ "tick 3600", "", "transmitting", ANY_RET },
	END,
};

/* -- receiving and half-duplex -- */
static const struct step receive_remote_idle[] = {
	UP, TAKEN_5,
	{ "idle 6", "", "receiving", ANY_RET },
	{ "idle 5", "play 5 off; talker -; receiving->idle (remote idle); cue end", "idle",
	  ANY_RET },
	{ "taken 5 bob", "", "idle", ANY_RET }, /* stale: that burst ended */
	END,
};
static const struct step receive_timeout[] = {
	UP, TAKEN_5,
	{ "tick 3", "", "receiving", ANY_RET },
	{ "activity 5", "", "receiving", ANY_RET },
	{ "activity 6", "", "receiving", ANY_RET },
	{ "tick 3", "", "receiving", ANY_RET },
	{ "taken 5 bob", "", "receiving", ANY_RET }, /* refresh too */
	{ "tick 3.9", "", "receiving", ANY_RET },
	{ "tick 0.1", "play 5 off; talker -; receiving->idle (receive timeout); cue end", "idle",
	  ANY_RET },
	END,
};
static const struct step receive_switch[] = {
	UP, TAKEN_5,
	{ "taken 6 eve", "play 5 off; play 6 on; cue incoming; talker eve", "receiving", ANY_RET },
	{ "idle 5", "", "receiving", ANY_RET },
	END,
};
static const struct step press_while_receiving[] = {
	UP, TAKEN_5,
	{ "press cli", "cue busy", "receiving", -EBUSY },
	END,
};
static const struct step emergency_preempts_receiving[] = {
	UP, TAKEN_5,
	{ "emergency cli", "play 5 off; talker -; receiving->requesting (emergency cli); "
	  "capture on; request emergency", "requesting", 1 },
	{ "taken 6 eve", "", "requesting", ANY_RET },
	GRANT_7, END,
};
static const struct step emergency_deferred_remote[] = {
	UP, TAKEN_5,
	{ "emergency cli", "play 5 off; talker -; receiving->requesting (emergency cli); "
	  "capture on; request emergency", "requesting", 1 },
	{ "taken 6 eve", "", "requesting", ANY_RET },
	{ "denied no", "capture off; requesting->receiving (denied: no); play 6 on; talker eve; "
	  "cue busy; outcome 1 denied (no)", "receiving", ANY_RET },
	{ "tick 4", "play 6 off; talker -; receiving->idle (receive timeout); cue end", "idle",
	  ANY_RET },
	END,
};
static const struct step emergency_deferred_ended[] = {
	UP,
	{ "emergency cli", "idle->requesting (emergency cli); capture on; request emergency",
	  "requesting", 1 },
	{ "taken 6 eve", "", "requesting", ANY_RET },
	{ "idle 6", "", "requesting", ANY_RET },
	{ "release cli", "capture off; requesting->idle (cancelled: release cli); "
	  "outcome 1 cancelled (release cli)", "idle", 0 },
	END,
};
static const struct step taken_while_requesting[] = {
	UP, PRESS_CLI,
	{ "taken 5 bob", "capture off; requesting->receiving (taken by bob); play 5 on; "
	  "cue busy; talker bob; outcome 1 denied (taken by another talker)", "receiving",
	  ANY_RET },
	{ "granted 7", "release 7", "receiving", ANY_RET },
	END,
};
static const struct step taken_while_transmitting[] = {
	UP, PRESS_CLI, GRANT_7,
	{ "taken 7 me", "", "transmitting", ANY_RET },
	{ "taken 5 bob", "capture off; release 7; transmitting->receiving (pre-empted by bob); "
	  "play 5 on; "
	  "cue incoming; talker bob", "receiving", ANY_RET },
	{ "release cli", "", "receiving", -EPERM },
	END,
};
static const struct step taken_while_releasing[] = {
	UP, PRESS_CLI, GRANT_7,
	{ "release cli", "capture off; transmitting->releasing (release cli); release 7; cue end",
	  "releasing", 0 },
	{ "taken 5 bob", "releasing->receiving (pre-empted by bob); play 5 on; "
	  "cue incoming; talker bob", "receiving", ANY_RET },
	END,
};

/* -- revoked -- */
static const struct step revoked_transmitting[] = {
	UP, PRESS_CLI, GRANT_7,
	{ "revoked priority", "capture off; transmitting->idle (revoked: priority); cue end",
	  "idle", ANY_RET },
	{ "push 7", "", "idle", false },
	END,
};
static const struct step revoked_requesting[] = {
	UP, PRESS_CLI,
	{ "revoked nope", "capture off; requesting->idle (denied: nope); cue busy; "
	  "outcome 1 denied (nope)", "idle", ANY_RET },
	END,
};
static const struct step revoked_own_stream_idle[] = {
	UP, PRESS_CLI, GRANT_7,
	{ "idle 7", "capture off; transmitting->idle (revoked: stream ended by the server); "
	  "cue end", "idle", ANY_RET },
	END,
};

/* -- link -- */
static const struct step link_down_transmitting[] = {
	UP, PRESS_CLI, GRANT_7,
	{ "link down", "capture off; transmitting->idle (link lost); cue link-lost", "idle",
	  ANY_RET },
	{ "link up", "", "idle", ANY_RET },
	END,
};
static const struct step link_down_receiving[] = {
	UP, TAKEN_5,
	{ "link down", "play 5 off; talker -; receiving->idle (link lost); cue link-lost", "idle",
	  ANY_RET },
	END,
};
static const struct step link_down_releasing[] = {
	UP, PRESS_CLI, GRANT_7,
	{ "release cli", "capture off; transmitting->releasing (release cli); release 7; cue end",
	  "releasing", 0 },
	{ "link down", "releasing->idle (link lost)", "idle", ANY_RET },
	END,
};
static const struct step link_server_input_while_down[] = {
	{ "taken 5 bob", "", "idle", ANY_RET },
	{ "granted 5", "", "idle", ANY_RET },
	UP,
	{ "link up", "", "idle", ANY_RET }, /* idempotent */
	TAKEN_5,
	END,
};

/* -- push -- */
static const struct step push_news[] = {
	UP,
	{ "push 5 bob", "talker bob", "idle", true },
	{ "push 5 bob", "", "idle", false },
	{ "taken 5 bob", "idle->receiving (taken by bob); play 5 on; cue incoming", "receiving",
	  ANY_RET },
	{ "push 5 bob", "", "receiving", false },
	{ "idle 5", "play 5 off; talker -; receiving->idle (remote idle); cue end", "idle",
	  ANY_RET },
	{ "push 5 bob", "", "idle", false },
	{ "push 6", "", "idle", true },
	END,
};
static const struct step push_link_down[] = {
	{ "push 5 bob", "reconnect; talker bob", "idle", true },
	{ "tick 3.9", "", "idle", ANY_RET },
	{ "tick 0.1", "talker -", "idle", ANY_RET },
	END,
};
static const struct step push_while_transmitting[] = {
	UP, PRESS_CLI, GRANT_7,
	{ "push 7", "", "transmitting", false },
	{ "push 9 bob", "", "transmitting", true },
	END,
};

/* -- timers -- */
static const struct step timers_overdue_before_input[] = {
	{ "press cli", "idle->requesting (press cli); capture on; reconnect", "requesting", 1 },
	{ "wait 5", "", "requesting", ANY_RET },
	/* the connect wait ended at +3 s: that comes first, no request */
	{ "link up", "capture off; requesting->idle (denied: no link); cue busy; "
	  "outcome 1 denied (no link)", "idle", ANY_RET },
	END,
};
static const struct step timers_late_tick_catches_up[] = {
	UP, PRESS_CLI,
	{ "wait 2.5", "", "requesting", ANY_RET },
	/* three T101 periods from the press, not from the late tick */
	{ "tick 0.5", "release 0; capture off; requesting->idle (denied: no answer); "
	  "cue busy; "
	  "outcome 1 denied (no answer)", "idle", ANY_RET },
	END,
};
static const struct step timers_late_tick_in_order[] = {
	UP, PRESS_CLI, GRANT_7,
	/* warning, cut, both releases: all in one late tick, in deadline order */
	{ "tick 30", "cue talk-warning; capture off; transmitting->releasing (max talk); "
	  "release 7; cue end; release 7; releasing->idle (release unconfirmed)", "idle",
	  ANY_RET },
	END,
};
static const struct step revoked_releasing[] = {
	UP, PRESS_CLI, GRANT_7,
	{ "release cli", "capture off; transmitting->releasing (release cli); release 7; cue end",
	  "releasing", 0 },
	{ "revoked gone", "releasing->idle (revoked: gone)", "idle", ANY_RET },
	{ "revoked again", "", "idle", ANY_RET },
	END,
};

static const struct script scripts[] = {
	{ "/floor/timers/overdue-before-input", timers_overdue_before_input, 0 },
	{ "/floor/timers/late-tick-catches-up", timers_late_tick_catches_up, 0 },
	{ "/floor/timers/late-tick-in-order", timers_late_tick_in_order, 0 },
	{ "/floor/revoked/releasing", revoked_releasing, 0 },
	{ "/floor/press/idle", press_idle, 0 },
	{ "/floor/press/granted", press_granted, 0 },
	{ "/floor/press/denied", press_denied, 0 },
	{ "/floor/press/link-down", press_link_down, 0 },
	{ "/floor/press/link-down-timeout", press_link_down_timeout, 0 },
	{ "/floor/press/second-source", press_second_source, 0 },
	{ "/floor/press/same-source-twice", press_same_source_twice, 0 },
	{ "/floor/press/while-releasing", press_while_releasing, 0 },
	{ "/floor/press/while-receiving", press_while_receiving, 0 },
	{ "/floor/press/no-source", press_bad_source, 0 },
	{ "/floor/request/no-resend-while-link-up", request_no_resend, 0 },
	{ "/floor/request/resend-after-reconnect", request_resend_after_reconnect, 0 },
	{ "/floor/request/link-lost-after-last-attempt", request_link_lost_last_attempt, 0 },
	{ "/floor/request/cancel-late-grant-released", request_cancel_late_grant, 0 },
	{ "/floor/request/cancel-then-press-adopts", request_cancel_then_press_adopts, 0 },
	{ "/floor/request/unasked-grant-released", request_unasked_grant, 0 },
	{ "/floor/queue/granted", queue_granted, 0 },
	{ "/floor/queue/timeout", queue_timeout, 0 },
	{ "/floor/queue/timeout-while-playing", queue_timeout_playing, 0 },
	{ "/floor/queue/cancel", queue_cancel, 0 },
	{ "/floor/queue/link-down", queue_link_down, 0 },
	{ "/floor/release/transmitting", release_transmitting, 0 },
	{ "/floor/release/unconfirmed", release_unconfirmed, 0 },
	{ "/floor/release/foreign-source", release_foreign_source, 0 },
	{ "/floor/release/nobody-holds", release_nobody, 0 },
	{ "/floor/max-talk/warning-then-cut", max_talk_warning_then_cut, 0 },
	{ "/floor/max-talk/unlimited", max_talk_unlimited, 1 },
	{ "/floor/receive/remote-idle", receive_remote_idle, 0 },
	{ "/floor/receive/timeout-and-activity", receive_timeout, 0 },
	{ "/floor/receive/switch-talker", receive_switch, 0 },
	{ "/floor/emergency/preempts-receiving", emergency_preempts_receiving, 0 },
	{ "/floor/emergency/deferred-remote-after-denial", emergency_deferred_remote, 0 },
	{ "/floor/emergency/deferred-remote-ended", emergency_deferred_ended, 0 },
	{ "/floor/half-duplex/taken-while-requesting", taken_while_requesting, 0 },
	{ "/floor/half-duplex/taken-while-transmitting", taken_while_transmitting, 0 },
	{ "/floor/half-duplex/taken-while-releasing", taken_while_releasing, 0 },
	{ "/floor/revoked/transmitting", revoked_transmitting, 0 },
	{ "/floor/revoked/requesting", revoked_requesting, 0 },
	{ "/floor/revoked/own-stream-idle", revoked_own_stream_idle, 0 },
	{ "/floor/link/down-transmitting", link_down_transmitting, 0 },
	{ "/floor/link/down-receiving", link_down_receiving, 0 },
	{ "/floor/link/down-releasing", link_down_releasing, 0 },
	{ "/floor/link/server-input-while-down", link_server_input_while_down, 0 },
	{ "/floor/push/news", push_news, 0 },
	{ "/floor/push/link-down", push_link_down, 0 },
	{ "/floor/push/while-transmitting", push_while_transmitting, 0 },
};

/* ---- cases that are not scripts ---- */

/* floor_push() remembers at least 64 ended bursts. */
static void test_push_ring(void)
{
	struct floor_config cfg;
	struct floor *f;
	floor_usec_t now = T0;

	test_config(&cfg);
	f = floor_new(&cfg, NULL, NULL);
	floor_link(f, now, true);
	for (uint32_t id = 1; id <= 64; id++) {
		floor_taken(f, now, id, "bob");
		g_assert_cmpint(floor_get_state(f), ==, FLOOR_RECEIVING);
		floor_remote_idle(f, now, id);
		g_assert_cmpint(floor_get_state(f), ==, FLOOR_IDLE);
	}
	for (uint32_t id = 1; id <= 64; id++)
		g_assert_false(floor_push(f, now, id, NULL));
	floor_remote_idle(f, now, 65); /* the oldest gives way */
	g_assert_true(floor_push(f, now, 1, NULL));
	g_assert_false(floor_push(f, now, 2, NULL));
	floor_free(f);
}

/* With no ops at all nothing crashes, and the observers tell the state. */
static void test_observers(void)
{
	struct floor *f = floor_new(NULL, NULL, NULL);
	floor_usec_t now = T0;

	g_assert_false(floor_get_link(f));
	g_assert_cmpint(floor_press(f, now, "evdev:event3", true), ==, 1);
	g_assert_true(floor_get_waiting(f));
	g_assert_cmpstr(floor_get_source(f), ==, "evdev:event3");
	g_assert_true(floor_get_emergency(f));
	g_assert_cmpuint(floor_get_press_id(f), ==, 1);
	floor_link(f, now, true);
	g_assert_false(floor_get_waiting(f));
	floor_queued(f, now, 3);
	g_assert_cmpuint(floor_get_queue_position(f), ==, 3);
	floor_granted(f, now, 42);
	g_assert_cmpuint(floor_get_stream_id(f), ==, 42);
	g_assert_cmpuint(floor_get_press_id(f), ==, 0);
	g_assert_cmpuint(floor_get_queue_position(f), ==, 0);
	floor_revoked(f, now, NULL);
	g_assert_null(floor_get_source(f));
	g_assert_false(floor_get_emergency(f));
	floor_taken(f, now, 9, "a-very-long-talker-name-that-is-fine");
	g_assert_cmpstr(floor_get_talker(f), ==, "a-very-long-talker-name-that-is-fine");
	g_assert_cmpuint(floor_get_stream_id(f), ==, 9);
	g_assert_cmpuint(floor_get_playing(f), ==, 9);
	floor_remote_idle(f, now, 9);
	g_assert_cmpuint(floor_get_playing(f), ==, 0);
	g_assert_null(floor_free(f));
	g_assert_null(floor_free(NULL));
}

static void test_strings(void)
{
	for (int s = 0; s < _FLOOR_STATE_MAX; s++) {
		const char *name = floor_state_to_string((enum floor_state)s);

		g_assert_cmpstr(name, !=, "invalid");
		g_assert_cmpint(floor_state_from_string(name), ==, s);
	}
	g_assert_cmpint(floor_state_from_string("talking"), ==, _FLOOR_STATE_INVALID);
	g_assert_cmpint(floor_state_from_string(NULL), ==, _FLOOR_STATE_INVALID);
	for (int o = 0; o < _FLOOR_OUTCOME_MAX; o++)
		g_assert_cmpstr(floor_outcome_to_string((enum floor_outcome)o), !=, "invalid");
	for (int c = 0; c < _FLOOR_CUE_MAX; c++)
		g_assert_cmpstr(floor_cue_to_string((enum floor_cue)c), !=, "invalid");
}

static void test_bounds(void)
{
	struct floor_config cfg;

	test_config(&cfg);
	/* 4 x connect 3 + 3 x request 1 + queue 5 */
	g_assert_cmpuint(floor_config_press_bound(&cfg), ==, S(20));
	/* max(press 20 + receive 4, talk 10 + 2 x release 1) */
	g_assert_cmpuint(floor_config_settle_bound(&cfg), ==, S(24));
	cfg.max_talk = 0;
	g_assert_cmpuint(floor_config_settle_bound(&cfg), ==, 0);
	cfg.connect_timeout = UINT64_MAX / 2;
	g_assert_cmpuint(floor_config_press_bound(&cfg), ==, UINT64_MAX);
}

/* ---- the configuration ---- */

static void assert_config_equal(const struct floor_config *a, const struct floor_config *b)
{
	g_assert_cmpuint(a->request_timeout, ==, b->request_timeout);
	g_assert_cmpuint(a->request_attempts, ==, b->request_attempts);
	g_assert_cmpuint(a->release_timeout, ==, b->release_timeout);
	g_assert_cmpuint(a->release_attempts, ==, b->release_attempts);
	g_assert_cmpuint(a->max_talk, ==, b->max_talk);
	g_assert_cmpuint(a->talk_warning, ==, b->talk_warning);
	g_assert_cmpuint(a->queue_timeout, ==, b->queue_timeout);
	g_assert_cmpuint(a->receive_timeout, ==, b->receive_timeout);
	g_assert_cmpuint(a->connect_timeout, ==, b->connect_timeout);
}

static gboolean load(const char *text, struct floor_config *out, GError **error)
{
	struct conf c = { .kf = g_key_file_new(), .path = (char *)"test.conf" };
	gboolean ok;

	g_assert_true(g_key_file_load_from_data(c.kf, text, -1, G_KEY_FILE_NONE, NULL));
	ok = floor_config_load(&c, out, error);
	g_key_file_free(c.kf);
	return ok;
}

/* The example config documents every [floor] key with the default of
 * floor_config_init(): uncomment them and nothing may change. */
static void test_config_example(void)
{
	static const char *const floor_keys[] = {
		"request-timeout", "request-attempts", "release-timeout", "release-attempts",
		"max-talk", "talk-warning", "queue-timeout", "receive-timeout",
		"connect-timeout", NULL,
	};
	g_autofree char *text = NULL;
	g_autoptr(GError) error = NULL;
	g_autoptr(GString) floor_group = g_string_new("[floor]\n");
	g_auto(GStrv) lines = NULL;
	struct floor_config want, got;
	gboolean in_floor = FALSE;
	unsigned keys = 0;

	g_assert_true(g_file_get_contents(PTTGW_CONF_EXAMPLE, &text, NULL, &error));
	lines = g_strsplit(text, "\n", -1);
	for (char **l = lines; *l; l++) {
		if ((*l)[0] == '[')
			in_floor = strcmp(*l, "[floor]") == 0;
		else if (in_floor && (*l)[0] == '#' && g_ascii_islower((*l)[1]) &&
			 strchr(*l, '=')) {
			g_autofree char *key = g_strndup(*l + 1, strcspn(*l + 1, " ="));

			/* [floor] has keys of others too (the daemon's preroll) */
			if (!g_strv_contains(floor_keys, key))
				continue;
			g_string_append_printf(floor_group, "%s\n", *l + 1);
			keys++;
		}
	}
	g_assert_cmpuint(keys, ==, g_strv_length((char **)floor_keys));
	memset(&got, 0xa5, sizeof(got));
	g_assert_true(load(floor_group->str, &got, &error));
	g_assert_no_error(error);
	floor_config_init(&want);
	assert_config_equal(&got, &want);
	/* and an empty file gives the same */
	memset(&got, 0xa5, sizeof(got));
	g_assert_true(load("", &got, &error));
	assert_config_equal(&got, &want);
}

static void test_config_values(void)
{
	g_autoptr(GError) error = NULL;
	struct floor_config cfg, before;

	g_assert_true(load("[floor]\nrequest-timeout=0.5\nrequest-attempts=5\nmax-talk=0\n"
			   "talk-warning=0\nconnect-timeout=0\n", &cfg, &error));
	g_assert_cmpuint(cfg.request_timeout, ==, S(0.5));
	g_assert_cmpuint(cfg.request_attempts, ==, 5);
	g_assert_cmpuint(cfg.max_talk, ==, 0);
	g_assert_cmpuint(cfg.connect_timeout, ==, 0);

	before = cfg;
	g_assert_false(load("[floor]\nrequest-attempts=0\n", &cfg, &error));
	g_assert_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE);
	g_assert_nonnull(strstr(error->message, "test.conf: [floor] request-attempts:"));
	assert_config_equal(&cfg, &before);
	g_clear_error(&error);

	g_assert_false(load("[floor]\nqueue-timeout=soon\n", &cfg, &error));
	g_assert_nonnull(strstr(error->message, "[floor] queue-timeout:"));
	g_clear_error(&error);

	g_assert_false(load("[floor]\nmax-talk=10\ntalk-warning=10\n", &cfg, &error));
	g_assert_nonnull(strstr(error->message, "[floor] talk-warning: must be shorter"));
	g_clear_error(&error);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(scripts); i++)
		g_test_add_data_func(scripts[i].path, &scripts[i], run_script);
	g_test_add_func("/floor/push/remembers-64-ended", test_push_ring);
	g_test_add_func("/floor/observers", test_observers);
	g_test_add_func("/floor/strings", test_strings);
	g_test_add_func("/floor/bounds", test_bounds);
	g_test_add_func("/floor/config/example-matches-defaults", test_config_example);
	g_test_add_func("/floor/config/values-and-errors", test_config_values);
	return g_test_run();
}
