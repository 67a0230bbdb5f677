/* SPDX-License-Identifier: MIT */
/*
 * floor.c - the half-duplex floor participant. The rules are in floor.h.
 *
 * Only libc: no GLib, no logging (observers see every transition through
 * ops.transition), no allocation after floor_new().
 */
#include "floor.h"
#include "stream-ring.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FLOOR_SOURCE_MAX 64
#define FLOOR_TALKER_MAX 128
#define FLOOR_REASON_MAX 160

struct floor {
	struct floor_config cfg;
	struct floor_ops ops;
	void *data;

	enum floor_state state;
	bool link_up;
	bool capture_on;
	uint32_t playing;       /* remote stream being played, 0 none */
	char talker[FLOOR_TALKER_MAX];
	bool has_talker;

	/* our talk */
	char source[FLOOR_SOURCE_MAX];
	bool has_source;
	bool emergency;
	uint32_t next_press_id;
	uint32_t press_id;      /* outcome still due, 0 none */
	uint32_t own_stream;    /* granted stream, 0 none */
	unsigned attempts;      /* T101 periods started for this press (C101) */
	bool req_in_flight;     /* a request on this link session awaits its answer */
	unsigned rel_attempts;  /* releases sent (C100) */
	unsigned queue_pos;

	/* timers, 0 = not armed */
	floor_usec_t t_state;   /* T101 or connect wait, queue, cut, T100, receive */
	floor_usec_t t_press;   /* hard bound of a press (requesting, queued) */
	floor_usec_t t_warn;    /* talk warning (transmitting) */
	floor_usec_t t_announce; /* push announcement (idle) */
	uint32_t announced;     /* stream announced by a push, 0 none */
	uint32_t deferred;      /* remote burst that came while our emergency request was
				 * pending; played if that press ends without the floor */
	char deferred_talker[FLOOR_TALKER_MAX];

	struct stream_ring recent; /* ended stream ids remembered for floor_push() */

	char reason[FLOOR_REASON_MAX];
};

static floor_usec_t add_sat(floor_usec_t a, floor_usec_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

static floor_usec_t mul_sat(floor_usec_t a, unsigned n)
{
	if (n && a > UINT64_MAX / n)
		return UINT64_MAX;
	return a * n;
}

void floor_config_init(struct floor_config *cfg)
{
	*cfg = (struct floor_config){
		.request_timeout = 2000000,
		.request_attempts = 3,
		.release_timeout = 2000000,
		.release_attempts = 2,
		.max_talk = 60000000,
		.talk_warning = 5000000,
		.queue_timeout = 30000000,
		.receive_timeout = 10000000,
		.connect_timeout = 5000000,
	};
}

floor_usec_t floor_config_press_bound(const struct floor_config *cfg)
{
	unsigned n = cfg->request_attempts ? cfg->request_attempts : 1;
	floor_usec_t b;

	b = mul_sat(cfg->connect_timeout, n + 1);
	b = add_sat(b, mul_sat(cfg->request_timeout, n));
	return add_sat(b, cfg->queue_timeout);
}

floor_usec_t floor_config_settle_bound(const struct floor_config *cfg)
{
	unsigned n = cfg->release_attempts ? cfg->release_attempts : 1;
	floor_usec_t press, talk;

	if (!cfg->max_talk)
		return 0;
	press = add_sat(floor_config_press_bound(cfg), cfg->receive_timeout);
	talk = add_sat(cfg->max_talk, mul_sat(cfg->release_timeout, n));
	return press > talk ? press : talk;
}

/* ---- effects ---- */

static void set_state(struct floor *f, enum floor_state new_state, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_state(struct floor *f, enum floor_state new_state, const char *fmt, ...)
{
	enum floor_state old = f->state;
	va_list ap;

	if (old == new_state)
		return;
	f->state = new_state;
	/* timers belong to the state they were armed in */
	f->t_state = 0;
	f->t_warn = 0;
	if (new_state != FLOOR_REQUESTING && new_state != FLOOR_QUEUED)
		f->t_press = 0;
	if (new_state != FLOOR_IDLE) {
		f->t_announce = 0;
		f->announced = 0;
	}
	if (new_state != FLOOR_QUEUED)
		f->queue_pos = 0;
	if (!f->ops.transition)
		return;
	va_start(ap, fmt);
	vsnprintf(f->reason, sizeof(f->reason), fmt, ap);
	va_end(ap);
	f->ops.transition(f->data, old, new_state, f->reason);
}

static void cue(struct floor *f, enum floor_cue c)
{
	if (f->ops.cue)
		f->ops.cue(f->data, c);
}

static void capture(struct floor *f, bool on)
{
	if (f->capture_on == on)
		return;
	f->capture_on = on;
	if (f->ops.capture)
		f->ops.capture(f->data, on);
}

static void set_talker(struct floor *f, const char *name)
{
	if (!name && !f->has_talker)
		return;
	if (name && f->has_talker && strncmp(f->talker, name, sizeof(f->talker) - 1) == 0)
		return;
	f->has_talker = name != NULL;
	if (name)
		snprintf(f->talker, sizeof(f->talker), "%s", name);
	else
		f->talker[0] = '\0';
	if (f->ops.talker)
		f->ops.talker(f->data, name ? f->talker : NULL);
}

static void playback_start(struct floor *f, uint32_t stream_id)
{
	f->playing = stream_id;
	if (f->ops.playback)
		f->ops.playback(f->data, stream_id, true);
}

static void playback_stop(struct floor *f)
{
	uint32_t id = f->playing;

	if (!id)
		return;
	f->playing = 0;
	stream_ring_add(&f->recent, id);
	if (f->ops.playback)
		f->ops.playback(f->data, id, false);
}

static void outcome(struct floor *f, enum floor_outcome o, const char *reason)
{
	uint32_t id = f->press_id;

	if (!id)
		return;
	f->press_id = 0;
	if (f->ops.outcome)
		f->ops.outcome(f->data, id, o, reason);
}

static void drop_source(struct floor *f)
{
	f->has_source = false;
	f->source[0] = '\0';
	f->emergency = false;
}

static void end_own_stream(struct floor *f)
{
	stream_ring_add(&f->recent, f->own_stream);
	f->own_stream = 0;
}

/* ---- the press ---- */

/* Start one T101 period: send the request unless one is already in flight on
 * this link session (the link is a reliable stream: a second request there
 * would open a second stream; the first one's answer is still coming). */
static void request(struct floor *f, floor_usec_t now)
{
	f->attempts++;
	f->t_state = add_sat(now, f->cfg.request_timeout);
	if (f->req_in_flight)
		return;
	f->req_in_flight = true;
	if (f->ops.request)
		f->ops.request(f->data, f->emergency);
}

static void wait_for_link(struct floor *f, floor_usec_t now)
{
	f->t_state = add_sat(now, f->cfg.connect_timeout);
	if (f->ops.reconnect)
		f->ops.reconnect(f->data);
}

/* A press ends without the floor (denied or cancelled). A remote burst that
 * plays (from queued) goes on, and one that started while our emergency
 * request was pending (deferred) starts now: both in receiving. */
static void press_ends(struct floor *f, floor_usec_t now, const char *what, const char *why)
{
	uint32_t deferred = f->deferred;

	capture(f, false);
	drop_source(f);
	f->deferred = 0;
	if (!f->playing && !deferred) {
		set_state(f, FLOOR_IDLE, "%s: %s", what, why);
		return;
	}
	set_state(f, FLOOR_RECEIVING, "%s: %s", what, why);
	f->t_state = add_sat(now, f->cfg.receive_timeout);
	if (!f->playing) {
		playback_start(f, deferred);
		set_talker(f, f->deferred_talker);
	}
}

static void deny(struct floor *f, floor_usec_t now, const char *why)
{
	press_ends(f, now, "denied", why);
	cue(f, FLOOR_CUE_BUSY);
	outcome(f, FLOOR_OUTCOME_DENIED, why);
}

int floor_press(struct floor *f, floor_usec_t now, const char *source, bool emergency)
{
	const char *what = emergency ? "emergency" : "press";

	floor_tick(f, now); /* overdue timers first: the order stays that of time */

	if (!source || !*source)
		return -EINVAL;
	switch (f->state) {
	case FLOOR_IDLE:
	case FLOOR_RELEASING:
		break;
	case FLOOR_RECEIVING:
		if (!emergency) {
			cue(f, FLOOR_CUE_BUSY);
			return -EBUSY;
		}
		playback_stop(f);
		set_talker(f, NULL);
		break;
	case FLOOR_REQUESTING:
	case FLOOR_QUEUED:
	case FLOOR_TRANSMITTING:
		return -EALREADY;
	case _FLOOR_STATE_MAX:
	case _FLOOR_STATE_INVALID:
		return -EINVAL;
	}

	if (f->state == FLOOR_RELEASING)
		end_own_stream(f); /* its stop is sent; its idle may still come */
	if (f->state == FLOOR_IDLE)
		set_talker(f, NULL); /* a push announcement gives way */
	snprintf(f->source, sizeof(f->source), "%s", source);
	f->has_source = true;
	f->emergency = emergency;
	if (++f->next_press_id > INT32_MAX)
		f->next_press_id = 1;
	f->press_id = f->next_press_id;
	f->attempts = 0;
	f->rel_attempts = 0;

	set_state(f, FLOOR_REQUESTING, "%s %s", what, f->source);
	f->t_press = add_sat(now, floor_config_press_bound(&f->cfg));
	capture(f, true);
	if (f->link_up)
		request(f, now);
	else
		wait_for_link(f, now);
	return (int)f->press_id;
}

static void start_release(struct floor *f, floor_usec_t now, const char *why)
{
	capture(f, false);
	drop_source(f);
	set_state(f, FLOOR_RELEASING, "%s", why);
	f->rel_attempts = 1;
	f->t_state = add_sat(now, f->cfg.release_timeout);
	if (f->ops.release)
		f->ops.release(f->data, f->own_stream);
	cue(f, FLOOR_CUE_END);
}

int floor_release(struct floor *f, floor_usec_t now, const char *source)
{
	char why[FLOOR_SOURCE_MAX + 16];

	floor_tick(f, now); /* overdue timers first: the order stays that of time */

	if (!source || !f->has_source || strcmp(source, f->source) != 0)
		return -EPERM;
	snprintf(why, sizeof(why), "release %s", f->source);
	switch (f->state) {
	case FLOOR_REQUESTING:
	case FLOOR_QUEUED:
		/* A request in flight stays so: its late grant is released
		 * (floor_granted), or a new press adopts it. */
		press_ends(f, now, "cancelled", why);
		outcome(f, FLOOR_OUTCOME_CANCELLED, why);
		return 0;
	case FLOOR_TRANSMITTING:
		start_release(f, now, why);
		return 0;
	case FLOOR_IDLE:
	case FLOOR_RELEASING:
	case FLOOR_RECEIVING:
	case _FLOOR_STATE_MAX:
	case _FLOOR_STATE_INVALID:
		break;
	}
	return -EPERM;
}

/* ---- server ---- */

static void talk_ends(struct floor *f, enum floor_cue c, const char *why)
{
	capture(f, false);
	drop_source(f);
	end_own_stream(f);
	set_state(f, FLOOR_IDLE, "%s", why);
	cue(f, c);
}

void floor_granted(struct floor *f, floor_usec_t now, uint32_t stream_id)
{
	floor_tick(f, now); /* overdue timers first: the order stays that of time */
	if (!f->link_up || !stream_id)
		return;
	f->req_in_flight = false;
	switch (f->state) {
	case FLOOR_REQUESTING:
	case FLOOR_QUEUED:
		playback_stop(f);
		set_talker(f, NULL);
		f->deferred = 0;
		f->own_stream = stream_id;
		set_state(f, FLOOR_TRANSMITTING, "granted");
		if (f->cfg.max_talk) {
			f->t_state = add_sat(now, f->cfg.max_talk);
			if (f->cfg.talk_warning && f->cfg.talk_warning < f->cfg.max_talk)
				f->t_warn = f->t_state - f->cfg.talk_warning;
		}
		capture(f, true);
		if (f->ops.granted)
			f->ops.granted(f->data, stream_id);
		cue(f, FLOOR_CUE_PERMIT);
		outcome(f, FLOOR_OUTCOME_GRANTED, "granted");
		return;
	case FLOOR_TRANSMITTING:
	case FLOOR_RELEASING:
		if (stream_id == f->own_stream)
			return; /* a repeat */
		break;
	case FLOOR_IDLE:
	case FLOOR_RECEIVING:
	case _FLOOR_STATE_MAX:
	case _FLOOR_STATE_INVALID:
		break;
	}
	/* A late grant for a press that has ended: give the stream back. */
	stream_ring_add(&f->recent, stream_id);
	if (f->ops.release)
		f->ops.release(f->data, stream_id);
}

void floor_denied(struct floor *f, floor_usec_t now, const char *reason)
{
	floor_tick(f, now); /* overdue timers first: the order stays that of time */
	if (!f->link_up)
		return;
	f->req_in_flight = false;
	if (f->state == FLOOR_REQUESTING || f->state == FLOOR_QUEUED)
		deny(f, now, reason && *reason ? reason : "denied");
}

void floor_queued(struct floor *f, floor_usec_t now, unsigned position)
{
	floor_tick(f, now); /* overdue timers first: the order stays that of time */
	if (!f->link_up)
		return;
	if (f->state == FLOOR_QUEUED) {
		f->queue_pos = position;
		return;
	}
	if (f->state != FLOOR_REQUESTING)
		return;
	capture(f, false); /* no pre-roll through a wait of unknown length */
	set_state(f, FLOOR_QUEUED, "queued at %u", position);
	f->queue_pos = position;
	f->t_state = add_sat(now, f->cfg.queue_timeout);
}

void floor_taken(struct floor *f, floor_usec_t now, uint32_t stream_id, const char *talker)
{
	const char *who = talker && *talker ? talker : "?";

	floor_tick(f, now); /* overdue timers first: the order stays that of time */

	if (!f->link_up || !stream_id || stream_ring_has(&f->recent, stream_id))
		return;
	switch (f->state) {
	case FLOOR_IDLE:
		set_state(f, FLOOR_RECEIVING, "taken by %s", who);
		playback_start(f, stream_id);
		cue(f, FLOOR_CUE_INCOMING);
		set_talker(f, who);
		break;
	case FLOOR_RECEIVING:
	case FLOOR_QUEUED:
		if (stream_id != f->playing) {
			playback_stop(f);
			playback_start(f, stream_id);
			cue(f, FLOOR_CUE_INCOMING);
		}
		set_talker(f, who);
		if (f->state == FLOOR_QUEUED)
			return; /* the queue timeout bounds it */
		break;
	case FLOOR_REQUESTING:
		if (f->emergency) {
			/* we pre-empt; the server decides. Should it not
			 * grant us, this burst is played then. */
			f->deferred = stream_id;
			snprintf(f->deferred_talker, sizeof(f->deferred_talker), "%s", who);
			return;
		}
		capture(f, false);
		drop_source(f);
		set_state(f, FLOOR_RECEIVING, "taken by %s", who);
		playback_start(f, stream_id);
		cue(f, FLOOR_CUE_BUSY);
		set_talker(f, who);
		outcome(f, FLOOR_OUTCOME_DENIED, "taken by another talker");
		break;
	case FLOOR_TRANSMITTING:
	case FLOOR_RELEASING:
		if (stream_id == f->own_stream)
			return; /* our own burst echoed */
		/* the server let a remote pre-empt us: revoked. While we
		 * transmit, our stream may still be open there (a burst joined
		 * late, replayed while our press was granted): stop it. After a
		 * real pre-emption the server has ended it and the stop is moot. */
		capture(f, false);
		drop_source(f);
		if (f->state == FLOOR_TRANSMITTING && f->ops.release)
			f->ops.release(f->data, f->own_stream);
		end_own_stream(f);
		set_state(f, FLOOR_RECEIVING, "pre-empted by %s", who);
		playback_start(f, stream_id);
		cue(f, FLOOR_CUE_INCOMING);
		set_talker(f, who);
		break;
	case _FLOOR_STATE_MAX:
	case _FLOOR_STATE_INVALID:
		return;
	}
	f->t_state = add_sat(now, f->cfg.receive_timeout);
}

static void receive_ends(struct floor *f, enum floor_cue c, const char *why)
{
	playback_stop(f);
	set_talker(f, NULL);
	set_state(f, FLOOR_IDLE, "%s", why);
	cue(f, c);
}

void floor_remote_idle(struct floor *f, floor_usec_t now, uint32_t stream_id)
{
	floor_tick(f, now); /* overdue timers first: the order stays that of time */
	if (!f->link_up || !stream_id)
		return;
	switch (f->state) {
	case FLOOR_RECEIVING:
		if (stream_id == f->playing)
			receive_ends(f, FLOOR_CUE_END, "remote idle");
		break;
	case FLOOR_QUEUED:
		if (stream_id == f->playing) {
			playback_stop(f);
			set_talker(f, NULL);
		}
		/* the burst held back for our emergency request ended while queued */
		if (stream_id == f->deferred)
			f->deferred = 0;
		break;
	case FLOOR_RELEASING:
		if (stream_id == f->own_stream) {
			end_own_stream(f);
			set_state(f, FLOOR_IDLE, "released");
		}
		break;
	case FLOOR_TRANSMITTING:
		if (stream_id == f->own_stream)
			talk_ends(f, FLOOR_CUE_END, "revoked: stream ended by the server");
		break;
	case FLOOR_IDLE:
		if (stream_id == f->announced) {
			f->announced = 0;
			f->t_announce = 0;
			set_talker(f, NULL);
		}
		break;
	case FLOOR_REQUESTING:
		if (stream_id == f->deferred)
			f->deferred = 0;
		break;
	case _FLOOR_STATE_MAX:
	case _FLOOR_STATE_INVALID:
		break;
	}
	stream_ring_add(&f->recent, stream_id);
}

void floor_revoked(struct floor *f, floor_usec_t now, const char *reason)
{
	const char *why = reason && *reason ? reason : "revoked";

	floor_tick(f, now); /* overdue timers first: the order stays that of time */

	if (!f->link_up)
		return;
	switch (f->state) {
	case FLOOR_TRANSMITTING: {
		char buf[FLOOR_REASON_MAX];

		snprintf(buf, sizeof(buf), "revoked: %s", why);
		talk_ends(f, FLOOR_CUE_END, buf);
		break;
	}
	case FLOOR_REQUESTING:
	case FLOOR_QUEUED:
		f->req_in_flight = false;
		deny(f, now, why);
		break;
	case FLOOR_RELEASING:
		end_own_stream(f);
		set_state(f, FLOOR_IDLE, "revoked: %s", why);
		break;
	case FLOOR_IDLE:
	case FLOOR_RECEIVING:
	case _FLOOR_STATE_MAX:
	case _FLOOR_STATE_INVALID:
		break;
	}
}

void floor_remote_activity(struct floor *f, floor_usec_t now, uint32_t stream_id)
{
	floor_tick(f, now); /* overdue timers first: the order stays that of time */
	if (f->link_up && f->state == FLOOR_RECEIVING && stream_id && stream_id == f->playing)
		f->t_state = add_sat(now, f->cfg.receive_timeout);
}

void floor_link(struct floor *f, floor_usec_t now, bool up)
{
	floor_tick(f, now); /* overdue timers first: the order stays that of time */
	if (f->link_up == up)
		return;
	f->link_up = up;
	if (up) {
		if (f->state == FLOOR_REQUESTING && !f->req_in_flight) {
			cue(f, FLOOR_CUE_LINK_RESTORED);
			request(f, now);
		}
		return;
	}
	/* every request and stream of that session is gone with it */
	f->req_in_flight = false;
	f->deferred = 0;
	switch (f->state) {
	case FLOOR_REQUESTING:
		cue(f, FLOOR_CUE_LINK_LOST);
		if (f->attempts >= f->cfg.request_attempts)
			deny(f, now, "link lost");
		else
			wait_for_link(f, now);
		break;
	case FLOOR_QUEUED:
		playback_stop(f);
		set_talker(f, NULL);
		cue(f, FLOOR_CUE_LINK_LOST);
		deny(f, now, "link lost");
		break;
	case FLOOR_TRANSMITTING:
		talk_ends(f, FLOOR_CUE_LINK_LOST, "link lost");
		break;
	case FLOOR_RELEASING:
		end_own_stream(f);
		set_state(f, FLOOR_IDLE, "link lost");
		break;
	case FLOOR_RECEIVING:
		receive_ends(f, FLOOR_CUE_LINK_LOST, "link lost");
		break;
	case FLOOR_IDLE:
	case _FLOOR_STATE_MAX:
	case _FLOOR_STATE_INVALID:
		break;
	}
}

bool floor_push(struct floor *f, floor_usec_t now, uint32_t stream_id, const char *talker)
{
	floor_tick(f, now); /* overdue timers first: the order stays that of time */
	if (!stream_id || stream_id == f->playing || stream_id == f->own_stream ||
	    stream_id == f->announced || stream_ring_has(&f->recent, stream_id))
		return false;
	if (!f->link_up && f->ops.reconnect)
		f->ops.reconnect(f->data);
	if (f->state == FLOOR_IDLE) {
		f->announced = stream_id;
		f->t_announce = add_sat(now, f->cfg.receive_timeout);
		if (talker && *talker)
			set_talker(f, talker);
	}
	return true;
}

/* ---- timers ---- */

static floor_usec_t earlier(floor_usec_t a, floor_usec_t b)
{
	if (!a)
		return b;
	return b && b < a ? b : a;
}

floor_usec_t floor_next_deadline(const struct floor *f)
{
	return earlier(earlier(f->t_state, f->t_press), earlier(f->t_warn, f->t_announce));
}

/* The state's own timer fired at its deadline "at" (a late tick catches up:
 * the next period counts from the deadline, not from the tick). */
static void state_timer(struct floor *f, floor_usec_t at)
{
	f->t_state = 0;
	switch (f->state) {
	case FLOOR_IDLE:
		break;
	case FLOOR_REQUESTING:
		if (!f->link_up) {
			deny(f, at, "no link");
		} else if (f->attempts >= f->cfg.request_attempts) {
			/* deemed lost: abandon it, so that the next press may ask
			 * again; the link layer stops its grant should it come */
			f->req_in_flight = false;
			if (f->ops.release)
				f->ops.release(f->data, 0);
			deny(f, at, "no answer");
		} else {
			request(f, at);
		}
		break;
	case FLOOR_QUEUED:
		deny(f, at, "queue timeout");
		break;
	case FLOOR_TRANSMITTING:
		start_release(f, at, "max talk");
		break;
	case FLOOR_RELEASING:
		if (f->rel_attempts < f->cfg.release_attempts) {
			f->rel_attempts++;
			f->t_state = add_sat(at, f->cfg.release_timeout);
			if (f->ops.release)
				f->ops.release(f->data, f->own_stream);
		} else {
			end_own_stream(f);
			set_state(f, FLOOR_IDLE, "release unconfirmed");
		}
		break;
	case FLOOR_RECEIVING:
		receive_ends(f, FLOOR_CUE_END, "receive timeout");
		break;
	case _FLOOR_STATE_MAX:
	case _FLOOR_STATE_INVALID:
		break;
	}
}

/* Fire the earliest due timer; false when none is due. */
static bool tick_one(struct floor *f, floor_usec_t now)
{
	floor_usec_t at = floor_next_deadline(f);

	if (!at || at > now)
		return false;
	if (at == f->t_warn) {
		f->t_warn = 0;
		cue(f, FLOOR_CUE_TALK_WARNING);
	} else if (at == f->t_state) {
		state_timer(f, at);
	} else if (at == f->t_press) {
		f->t_press = 0;
		deny(f, at, "timeout");
	} else {
		f->t_announce = 0;
		f->announced = 0;
		set_talker(f, NULL);
	}
	return true;
}

void floor_tick(struct floor *f, floor_usec_t now)
{
	/* each firing disarms a timer or moves it later; every chain of them
	 * is short (C101, C100, a warning); the bound is a safety net */
	for (int i = 0; i < 256 && tick_one(f, now); i++)
		;
}

/* ---- life and observers ---- */

struct floor *floor_new(const struct floor_config *cfg, const struct floor_ops *ops,
			void *data)
{
	struct floor *f = calloc(1, sizeof(*f));

	if (!f)
		return NULL;
	if (cfg)
		f->cfg = *cfg;
	else
		floor_config_init(&f->cfg);
	if (!f->cfg.request_attempts)
		f->cfg.request_attempts = 1;
	if (!f->cfg.release_attempts)
		f->cfg.release_attempts = 1;
	if (ops)
		f->ops = *ops;
	f->data = data;
	f->state = FLOOR_IDLE;
	return f;
}

struct floor *floor_free(struct floor *f)
{
	free(f);
	return NULL;
}

enum floor_state floor_get_state(const struct floor *f)
{
	return f->state;
}

const char *floor_get_talker(const struct floor *f)
{
	return f->has_talker ? f->talker : NULL;
}

const char *floor_get_source(const struct floor *f)
{
	return f->has_source ? f->source : NULL;
}

uint32_t floor_get_stream_id(const struct floor *f)
{
	return f->own_stream ? f->own_stream : f->playing;
}

uint32_t floor_get_playing(const struct floor *f)
{
	return f->playing;
}

bool floor_get_emergency(const struct floor *f)
{
	return f->emergency;
}

unsigned floor_get_queue_position(const struct floor *f)
{
	return f->state == FLOOR_QUEUED ? f->queue_pos : 0;
}

bool floor_get_link(const struct floor *f)
{
	return f->link_up;
}

bool floor_get_waiting(const struct floor *f)
{
	if (f->link_up)
		return false;
	return f->state == FLOOR_REQUESTING || (f->state == FLOOR_IDLE && f->announced);
}

uint32_t floor_get_press_id(const struct floor *f)
{
	return f->press_id;
}

const char *floor_state_to_string(enum floor_state s)
{
	switch (s) {
	case FLOOR_IDLE:
		return "idle";
	case FLOOR_REQUESTING:
		return "requesting";
	case FLOOR_TRANSMITTING:
		return "transmitting";
	case FLOOR_RELEASING:
		return "releasing";
	case FLOOR_RECEIVING:
		return "receiving";
	case FLOOR_QUEUED:
		return "queued";
	case _FLOOR_STATE_MAX:
	case _FLOOR_STATE_INVALID:
		break;
	}
	return "invalid";
}

enum floor_state floor_state_from_string(const char *s)
{
	for (int i = 0; s && i < _FLOOR_STATE_MAX; i++)
		if (strcmp(s, floor_state_to_string((enum floor_state)i)) == 0)
			return (enum floor_state)i;
	return _FLOOR_STATE_INVALID;
}

const char *floor_outcome_to_string(enum floor_outcome o)
{
	switch (o) {
	case FLOOR_OUTCOME_GRANTED:
		return "granted";
	case FLOOR_OUTCOME_DENIED:
		return "denied";
	case FLOOR_OUTCOME_CANCELLED:
		return "cancelled";
	case _FLOOR_OUTCOME_MAX:
		break;
	}
	return "invalid";
}

const char *floor_cue_to_string(enum floor_cue c)
{
	switch (c) {
	case FLOOR_CUE_PERMIT:
		return "permit";
	case FLOOR_CUE_BUSY:
		return "busy";
	case FLOOR_CUE_END:
		return "end";
	case FLOOR_CUE_INCOMING:
		return "incoming";
	case FLOOR_CUE_TALK_WARNING:
		return "talk-warning";
	case FLOOR_CUE_LINK_LOST:
		return "link-lost";
	case FLOOR_CUE_LINK_RESTORED:
		return "link-restored";
	case _FLOOR_CUE_MAX:
		break;
	}
	return "invalid";
}
