/* SPDX-License-Identifier: MIT */
/*
 * test-floor-model.c - random event and timer sequences against the floor's
 * invariants, checked after every step (and inside every effect):
 *
 *  - half-duplex: capture and playback are never on together; at most one
 *    burst plays; capture/playback effects come in on/off pairs;
 *  - the effects agree with the state (transmitting: capture on; receiving:
 *    playing; idle: neither), and every transition is reported once, old
 *    matching the state before;
 *  - every accepted press gets exactly one outcome, within the press bound,
 *    and never by the hard bound; the press table of floor.h holds (-EBUSY,
 *    -EALREADY, emergency); refused presses and foreign releases change
 *    nothing; the holder's release is obeyed;
 *  - a grant from the server is used or handed back at once; at most one
 *    request is in flight per link session (no second stream), release(0)
 *    only abandons one that is; a push for a burst that just ended is no news;
 *  - channels (scan.h in front of the floor, three channels ranked 1 > 0 > 2,
 *    sometimes with the selected channel first): remote bursts start on a
 *    random channel; for every channel, a burst the scan pre-empted never
 *    plays and is counted once, on its channel; a burst on a higher-ranked
 *    channel takes the speaker from the one playing (which is counted), a
 *    lower one leaves it alone, and during our own talk another channel's
 *    burst changes nothing; whatever plays is a live burst the scan let
 *    through;
 *  - no stuck state: every non-idle state has a deadline, a tick fires all
 *    that is due, and after the last input, ticking from deadline to deadline
 *    reaches idle (no talker, no audio, no pending press) within
 *    floor_config_settle_bound() with no further input.
 *
 * PTTGW_SEED=<n> repeats a run; PTTGW_SEQUENCES=<n> sets the count
 * (default 100000). A failure prints the seed, the sequence and its trace.
 */
#include <errno.h>
#include <glib.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "floor.h"
#include "scan.h"

#define MS(ms) ((floor_usec_t)(ms) * 1000)
#define MAX_STEPS 200
#define MIN_STEPS 50
#define N_CHANNELS 3
#define MAX_LIVE 12

/* what the sequences covered, across all of them */
struct stats {
	uint64_t pairs[_FLOOR_STATE_MAX][_FLOOR_STATE_MAX];
	uint64_t outcomes[_FLOOR_OUTCOME_MAX];
	uint64_t cues[_FLOOR_CUE_MAX];
};

struct model {
	struct stats *stats;
	struct floor *f;
	struct floor_config cfg;
	floor_usec_t now;
	uint64_t rng;
	bool trace;
	bool failed;
	char err[512];

	bool link;
	bool in_flight;         /* a request on this link session awaits its answer */
	uint32_t last_ended;    /* the last remote burst whose playback stopped */
	enum floor_state state; /* as reported by transitions */
	bool capture;
	uint32_t playing;
	unsigned effects;       /* effects during the current input */
	uint32_t released[8];   /* release() stream ids during the current input */
	unsigned n_released;

	uint32_t presses;       /* accepted so far; ids are 1..presses */
	floor_usec_t press_time[MAX_STEPS + 2];
	uint8_t outcomes[MAX_STEPS + 2];
	uint32_t decided;       /* outcomes so far */
	uint32_t next_grant;

	/* channels */
	struct scan *scan;
	uint32_t next_remote;   /* remote stream ids are fresh, as a server's */
	uint32_t live[MAX_LIVE];/* remote bursts started and not stopped */
	unsigned live_ch[MAX_LIVE];
	unsigned n_live;
	uint64_t preempted[N_CHANNELS]; /* counted by the model */
};

static const unsigned channel_rank[N_CHANNELS] = { 1, 0, 2 };

static bool fail(struct model *m, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static bool fail(struct model *m, const char *fmt, ...)
{
	va_list ap;

	if (m->failed)
		return false;
	m->failed = true;
	va_start(ap, fmt);
	vsnprintf(m->err, sizeof(m->err), fmt, ap);
	va_end(ap);
	return false;
}

static void trace_print(const char *fmt, ...) G_GNUC_PRINTF(1, 2);
static void trace_print(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
}

/* only a failed sequence, replayed, is traced */
#define trace(m, ...) do { if ((m)->trace) trace_print(__VA_ARGS__); } while (0)

/* xorshift64*: small, fast, and the same everywhere */
static uint32_t rnd(struct model *m)
{
	m->rng ^= m->rng >> 12;
	m->rng ^= m->rng << 25;
	m->rng ^= m->rng >> 27;
	return (uint32_t)((m->rng * 2685821657736338717ULL) >> 32);
}

static uint32_t rnd_below(struct model *m, uint32_t n)
{
	return n ? rnd(m) % n : 0;
}

/* ---- effects ---- */

static void on_transition(void *d, enum floor_state o, enum floor_state n, const char *why)
{
	struct model *m = d;

	m->effects++;
	trace(m, "    %s -> %s (%s)\n", floor_state_to_string(o), floor_state_to_string(n), why);
	if (o != m->state)
		fail(m, "transition from %s, but the state was %s", floor_state_to_string(o),
		     floor_state_to_string(m->state));
	if (o == n)
		fail(m, "transition %s -> itself", floor_state_to_string(o));
	if (n < 0 || n >= _FLOOR_STATE_MAX)
		fail(m, "transition to invalid state %d", n);
	if (!why || !*why)
		fail(m, "transition without a reason");
	if (!m->failed)
		m->stats->pairs[o][n]++;
	m->state = n;
}

static void on_request(void *d, bool emergency)
{
	struct model *m = d;

	m->effects++;
	trace(m, "    request%s\n", emergency ? " emergency" : "");
	if (!m->link)
		fail(m, "request while the link is down");
	if (m->in_flight)
		fail(m, "second request on one link session: two streams");
	m->in_flight = true;
}

static void on_release(void *d, uint32_t id)
{
	struct model *m = d;

	m->effects++;
	trace(m, "    release %u\n", id);
	if (!id) {
		/* our unanswered request abandoned: a new one may follow */
		if (!m->in_flight)
			fail(m, "release 0 without a request in flight");
		m->in_flight = false;
	}
	if (m->n_released < G_N_ELEMENTS(m->released))
		m->released[m->n_released++] = id;
}

static void on_reconnect(void *d)
{
	struct model *m = d;

	m->effects++;
	trace(m, "    reconnect\n");
	if (m->link)
		fail(m, "reconnect while the link is up");
}

static void on_capture(void *d, bool on)
{
	struct model *m = d;

	m->effects++;
	trace(m, "    capture %s\n", on ? "on" : "off");
	if (on == m->capture)
		fail(m, "capture %s twice", on ? "on" : "off");
	if (on && m->playing)
		fail(m, "half-duplex: capture on while %u plays", m->playing);
	m->capture = on;
}

static void on_granted(void *d, uint32_t id)
{
	struct model *m = d;

	m->effects++;
	trace(m, "    granted %u\n", id);
	if (!m->capture)
		fail(m, "granted %u without capture", id);
}

static void on_playback(void *d, uint32_t id, bool on)
{
	struct model *m = d;

	m->effects++;
	trace(m, "    play %u %s\n", id, on ? "on" : "off");
	if (on) {
		if (m->capture)
			fail(m, "half-duplex: play %u while capturing", id);
		if (m->playing)
			fail(m, "play %u while %u plays", id, m->playing);
		m->playing = id;
	} else {
		if (m->playing != id)
			fail(m, "play %u off, but %u plays", id, m->playing);
		m->playing = 0;
		m->last_ended = id;
	}
}

static void on_cue(void *d, enum floor_cue c)
{
	struct model *m = d;

	m->effects++;
	trace(m, "    cue %s\n", floor_cue_to_string(c));
	if (c < 0 || c >= _FLOOR_CUE_MAX)
		fail(m, "invalid cue %d", c);
	else
		m->stats->cues[c]++;
}

static void on_outcome(void *d, uint32_t id, enum floor_outcome o, const char *why)
{
	struct model *m = d;

	m->effects++;
	trace(m, "    outcome %u %s (%s)\n", id, floor_outcome_to_string(o), why);
	if (!id || id > m->presses) {
		fail(m, "outcome for press %u that was never accepted", id);
		return;
	}
	if (m->outcomes[id])
		fail(m, "second outcome for press %u", id);
	m->outcomes[id]++;
	m->decided++;
	if (o < 0 || o >= _FLOOR_OUTCOME_MAX)
		fail(m, "invalid outcome %d", o);
	else
		m->stats->outcomes[o]++;
	if (!why || !*why)
		fail(m, "outcome without a reason");
	else if (!strcmp(why, "timeout"))
		fail(m, "press %u hit the hard bound: the per-state bounds leak", id);
}

static void on_talker(void *d, const char *name)
{
	struct model *m = d;

	m->effects++;
	trace(m, "    talker %s\n", name ? name : "-");
}

static const struct floor_ops model_ops = {
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

/* ---- invariants ---- */

static bool check(struct model *m)
{
	enum floor_state s = floor_get_state(m->f);
	uint32_t pending = floor_get_press_id(m->f);

	if (s < 0 || s >= _FLOOR_STATE_MAX)
		return fail(m, "invalid state %d", s);
	if (s != m->state)
		return fail(m, "state %s but transitions said %s", floor_state_to_string(s),
			    floor_state_to_string(m->state));
	if (m->capture && m->playing)
		return fail(m, "half-duplex: capture and playback on");
	if (m->capture && s != FLOOR_REQUESTING && s != FLOOR_TRANSMITTING)
		return fail(m, "capture on in %s", floor_state_to_string(s));
	if (m->playing && s != FLOOR_RECEIVING && s != FLOOR_QUEUED)
		return fail(m, "playback on in %s", floor_state_to_string(s));
	if (s == FLOOR_TRANSMITTING && !m->capture)
		return fail(m, "transmitting without capture");
	if (s == FLOOR_RECEIVING && !m->playing)
		return fail(m, "receiving without playback");
	if ((s == FLOOR_REQUESTING || s == FLOOR_QUEUED) != (pending != 0))
		return fail(m, "press %u pending in %s", pending, floor_state_to_string(s));
	if (pending && pending != m->presses)
		return fail(m, "pending press %u, last accepted %u", pending, m->presses);
	if ((s == FLOOR_REQUESTING || s == FLOOR_QUEUED || s == FLOOR_TRANSMITTING) !=
	    (floor_get_source(m->f) != NULL))
		return fail(m, "source %s in %s", floor_get_source(m->f),
			    floor_state_to_string(s));
	if (s != FLOOR_IDLE && !floor_next_deadline(m->f))
		return fail(m, "%s without a deadline", floor_state_to_string(s));
	if (m->decided != m->presses - (pending != 0))
		return fail(m, "%u presses, %u outcomes, %u pending", m->presses, m->decided,
			    pending);
	if (floor_get_link(m->f) != m->link)
		return fail(m, "link state lost");
	if (floor_get_playing(m->f) != m->playing)
		return fail(m, "playing %u, playback effects say %u", floor_get_playing(m->f),
			    m->playing);
	if (m->playing && scan_channel_of(m->scan, m->playing) < 0)
		return fail(m, "playing %u, which the scan does not know", m->playing);
	if (m->playing && scan_is_preempted(m->scan, m->playing))
		return fail(m, "playing %u, which was pre-empted", m->playing);
	for (unsigned c = 0; c < N_CHANNELS; c++)
		if (scan_get_preempted(m->scan, c) != m->preempted[c])
			return fail(m, "channel %u: %" PRIu64 " pre-empted, the model counts %"
				    PRIu64, c, scan_get_preempted(m->scan, c), m->preempted[c]);
	return true;
}

/* ---- inputs ---- */

static const char *const sources[] = { "cli", "gatt:AA:BB", "evdev:event3" };
static const char *const talkers[] = { "bob", "eve", NULL };

static uint32_t remote_id(struct model *m)
{
	return 1 + rnd_below(m, 40);
}

static void begin(struct model *m)
{
	m->effects = 0;
	m->n_released = 0;
}

static void do_tick(struct model *m)
{
	floor_usec_t d;
	uint32_t p;

	trace(m, "  @%" PRIu64 " tick\n", m->now);
	floor_tick(m->f, m->now);
	d = floor_next_deadline(m->f);
	if (d && d <= m->now)
		fail(m, "deadline %" PRIu64 " still due after tick at %" PRIu64, d, m->now);
	/* the clock has been through every due deadline: an old press is decided */
	p = floor_get_press_id(m->f);
	if (p && m->now - m->press_time[p] > floor_config_press_bound(&m->cfg))
		fail(m, "press %u undecided after %" PRIu64 " us, bound %" PRIu64, p,
		     m->now - m->press_time[p], floor_config_press_bound(&m->cfg));
}

static void advance(struct model *m)
{
	floor_usec_t d = floor_next_deadline(m->f);
	uint32_t r = rnd_below(m, 100);

	if (r < 40 || !d)
		m->now += rnd_below(m, 500000);
	else if (r < 70)
		m->now = d > m->now ? d : m->now;
	else if (r < 85)
		m->now = d > m->now + 1 ? d - 1 : m->now;
	else
		m->now += rnd_below(m, 10000000);
	if (rnd_below(m, 10))
		do_tick(m);
}

static bool busy_state(enum floor_state s)
{
	return s == FLOOR_REQUESTING || s == FLOOR_TRANSMITTING || s == FLOOR_RELEASING ||
	       s == FLOOR_QUEUED;
}

/* on_stream_start on a random channel, through the scan as the gateway does */
static void remote_start(struct model *m, const char *talker, bool overdue)
{
	unsigned ch = rnd_below(m, N_CHANNELS), i;
	enum floor_state before = floor_get_state(m->f);
	uint32_t playing = floor_get_playing(m->f), id, lost = 0;
	int pch = playing ? scan_channel_of(m->scan, playing) : -1;
	bool busy = busy_state(before), dup = m->n_live && rnd_below(m, 8) == 0;
	uint64_t was[N_CHANNELS];
	enum scan_verdict v;

	if (rnd_below(m, 6) == 0) {
		unsigned sel = rnd_below(m, N_CHANNELS);

		trace(m, "  @%" PRIu64 " select %u\n", m->now, sel);
		scan_select(m->scan, sel);
		return;
	}
	id = dup ? m->live[rnd_below(m, m->n_live)] : ++m->next_remote;
	for (i = 0; i < N_CHANNELS; i++)
		was[i] = scan_get_preempted(m->scan, i);
	v = scan_start(m->scan, ch, id, playing, busy, &lost);
	trace(m, "  @%" PRIu64 " taken %u %s on channel %u: %s\n", m->now, id, talker, ch,
	      scan_verdict_to_string(v));
	if (dup) {
		if (v != SCAN_IGNORED)
			fail(m, "stream %u announced twice: %s", id, scan_verdict_to_string(v));
		return;
	}
	if (v == SCAN_IGNORED) {
		fail(m, "fresh stream %u ignored", id);
		return;
	}
	if (m->n_live < MAX_LIVE) {
		m->live[m->n_live] = id;
		m->live_ch[m->n_live++] = ch;
	}
	if (v == SCAN_PREEMPTED)
		m->preempted[ch]++;
	if (lost) {
		if (lost != playing)
			fail(m, "stream %u lost the speaker, but %u played", lost, playing);
		m->preempted[pch >= 0 ? pch : 0]++;
	}
	if (v == SCAN_PLAY)
		floor_taken(m->f, m->now, id, talker);
	/* for every channel: priority decides, our own talk keeps the speaker */
	if (busy && ch != scan_get_selected(m->scan) && v != SCAN_PREEMPTED)
		fail(m, "channel %u burst during our talk on channel %u not kept off", ch,
		     scan_get_selected(m->scan));
	if (playing && pch >= 0 && !busy && (unsigned)pch != ch) {
		bool higher = scan_rank(m->scan, ch) < scan_rank(m->scan, pch);

		if (higher && (v != SCAN_PLAY || lost != playing))
			fail(m, "channel %u ranks above %d, but %s", ch, pch,
			     scan_verdict_to_string(v));
		if (higher && m->link && !overdue && floor_get_playing(m->f) != id)
			fail(m, "channel %u took the speaker, but %u plays", ch,
			     floor_get_playing(m->f));
		if (!higher && v != SCAN_PREEMPTED)
			fail(m, "channel %u ranks below %d, but %s", ch, pch,
			     scan_verdict_to_string(v));
		if (!higher && !overdue && (m->effects || floor_get_playing(m->f) != playing))
			fail(m, "a lower channel's burst changed the floor");
	}
	for (i = 0; i < N_CHANNELS; i++)
		if (scan_get_preempted(m->scan, i) < was[i] ||
		    scan_get_preempted(m->scan, i) > was[i] + 1)
			fail(m, "channel %u: pre-empted went %" PRIu64 " -> %" PRIu64, i, was[i],
			     scan_get_preempted(m->scan, i));
}

static void remote_stop(struct model *m, uint32_t id)
{
	bool known = scan_channel_of(m->scan, id) >= 0, pre = scan_is_preempted(m->scan, id);
	bool through = scan_stop(m->scan, id);
	unsigned i;

	trace(m, "  @%" PRIu64 " idle %u%s\n", m->now, id, pre ? " (pre-empted)" : "");
	for (i = 0; i < m->n_live; i++)
		if (m->live[i] == id) {
			m->live[i] = m->live[--m->n_live];
			m->live_ch[i] = m->live_ch[m->n_live];
			break;
		}
	if (known && pre && through == false && id == m->playing)
		fail(m, "pre-empted stream %u was playing", id);
	/* the floor hears of every burst it was told of, and of unknown ones */
	if (through || !known)
		floor_remote_idle(m->f, m->now, id);
}

static void input(struct model *m)
{
	uint32_t r = rnd_below(m, 100), id;
	floor_usec_t d = floor_next_deadline(m->f);
	/* an input may come before an overdue timer was ticked: the floor then
	 * fires it first, and the checks of "nothing changed" do not apply */
	bool overdue = d && d <= m->now;
	enum floor_state before;
	const char *src = sources[rnd_below(m, G_N_ELEMENTS(sources))];
	const char *holder;
	const char *talker = talkers[rnd_below(m, G_N_ELEMENTS(talkers))];
	int ret;

	/* the server's answers and the link change the model's own bookkeeping
	 * before the call: let what is overdue happen first there */
	if (overdue && ((r >= 27 && r < 47) || (r >= 68 && r < 80))) {
		do_tick(m);
		overdue = false;
	}
	before = floor_get_state(m->f);
	holder = floor_get_source(m->f);
	begin(m);
	if (r < 15) {
		bool emergency = rnd_below(m, 5) == 0;

		trace(m, "  @%" PRIu64 " press %s%s\n", m->now, src,
		      emergency ? " emergency" : "");
		ret = floor_press(m->f, m->now, src, emergency);
		if (!overdue) {
			/* the press table of floor.h */
			int want = before == FLOOR_IDLE || before == FLOOR_RELEASING ? 1 :
				   before == FLOOR_RECEIVING ? (emergency ? 1 : -EBUSY) :
				   -EALREADY;

			if ((want > 0) != (ret > 0) || (want < 0 && ret != want))
				fail(m, "press%s in %s returned %d", emergency ? " (emergency)" : "",
				     floor_state_to_string(before), ret);
		}
		if (ret > 0) {
			if ((uint32_t)ret != m->presses + 1)
				fail(m, "press id %d, expected %u", ret, m->presses + 1);
			m->presses = (uint32_t)ret;
			m->press_time[ret] = m->now;
			if (floor_get_state(m->f) != FLOOR_REQUESTING)
				fail(m, "accepted press not requesting");
		} else if (ret == -EALREADY || ret == -EBUSY) {
			if (!overdue && floor_get_state(m->f) != before)
				fail(m, "refused press changed the state");
			if (!overdue && m->effects > (ret == -EBUSY))
				fail(m, "refused press had effects");
			if (ret == -EBUSY && floor_get_state(m->f) != FLOOR_RECEIVING)
				fail(m, "-EBUSY in %s",
				     floor_state_to_string(floor_get_state(m->f)));
		} else {
			fail(m, "press returned %d", ret);
		}
	} else if (r < 27) {
		/* mostly the holder, sometimes anyone */
		if (holder && rnd_below(m, 3))
			src = holder;
		trace(m, "  @%" PRIu64 " release %s\n", m->now, src);
		bool holds = holder && strcmp(holder, src) == 0;
		ret = floor_release(m->f, m->now, src);
		if (!holds && !overdue && ret != -EPERM)
			fail(m, "release from %s (holder %s) returned %d", src, holder, ret);
		if (ret == -EPERM && !overdue && (m->effects || floor_get_state(m->f) != before))
			fail(m, "refused release changed something");
		if (ret != 0 && ret != -EPERM)
			fail(m, "release returned %d", ret);
		if (!overdue && holds && ret != 0)
			fail(m, "release from the holder returned %d", ret);
		if (!overdue && holds && before == FLOOR_TRANSMITTING &&
		    floor_get_state(m->f) != FLOOR_RELEASING)
			fail(m, "release while transmitting led to %s",
			     floor_state_to_string(floor_get_state(m->f)));
	} else if (r < 37) {
		uint32_t own = (before == FLOOR_TRANSMITTING || before == FLOOR_RELEASING) ?
			       floor_get_stream_id(m->f) : 0;
		uint32_t q = rnd_below(m, 20);

		id = q == 0 && own ? own : q == 1 ? remote_id(m) : ++m->next_grant;
		trace(m, "  @%" PRIu64 " granted %u\n", m->now, id);
		if (m->link)
			m->in_flight = false;
		floor_granted(m->f, m->now, id);
		if (m->link && id != own && !overdue) {
			bool used = floor_get_state(m->f) == FLOOR_TRANSMITTING &&
				    floor_get_stream_id(m->f) == id;
			bool handed_back = m->n_released == 1 && m->released[0] == id;

			if (used == handed_back)
				fail(m, "grant %u: used %d, handed back %d", id, used, handed_back);
		}
	} else if (r < 42) {
		trace(m, "  @%" PRIu64 " denied\n", m->now);
		if (m->link)
			m->in_flight = false;
		floor_denied(m->f, m->now, rnd_below(m, 2) ? "busy" : NULL);
	} else if (r < 47) {
		id = rnd_below(m, 5);
		trace(m, "  @%" PRIu64 " queued %u\n", m->now, id);
		floor_queued(m->f, m->now, id);
	} else if (r < 58) {
		remote_start(m, talker, overdue);
	} else if (r < 68) {
		uint32_t cur = floor_get_stream_id(m->f);

		id = m->n_live && rnd_below(m, 2) ? m->live[rnd_below(m, m->n_live)] :
		     cur && rnd_below(m, 2) ? cur : remote_id(m);
		remote_stop(m, id);
	} else if (r < 71) {
		trace(m, "  @%" PRIu64 " revoked\n", m->now);
		if (m->link && (before == FLOOR_REQUESTING || before == FLOOR_QUEUED))
			m->in_flight = false;
		floor_revoked(m->f, m->now, "test");
	} else if (r < 80) {
		m->link = !m->link;
		m->in_flight = false;
		trace(m, "  @%" PRIu64 " link %s\n", m->now, m->link ? "up" : "down");
		if (!m->link) {
			/* the server's bursts end with the link */
			scan_reset(m->scan);
			m->n_live = 0;
		}
		floor_link(m->f, m->now, m->link);
	} else if (r < 86) {
		/* sometimes the burst that starts next (a push, then its join) */
		id = rnd_below(m, 2) ? remote_id(m) : m->next_remote + 1;
		trace(m, "  @%" PRIu64 " push %u %s\n", m->now, id, talker);
		if (rnd_below(m, 4) == 0 && m->last_ended)
			id = m->last_ended;
		bool news = floor_push(m->f, m->now, id, talker);
		if (news && id == m->last_ended)
			fail(m, "push %u is news, but that burst has just ended", id);
		if (news && id == m->playing)
			fail(m, "push %u is news while it plays", id);
		if (news && floor_push(m->f, m->now, id, talker) &&
		    floor_get_state(m->f) == FLOOR_IDLE)
			fail(m, "push %u twice is news twice", id);
	} else if (r < 90) {
		id = m->playing && rnd_below(m, 2) ? m->playing : remote_id(m);
		trace(m, "  @%" PRIu64 " activity %u\n", m->now, id);
		floor_remote_activity(m->f, m->now, id);
	} else {
		advance(m);
	}
}

static void random_config(struct model *m)
{
	struct floor_config *c = &m->cfg;

	c->request_timeout = MS(100 + rnd_below(m, 2900));
	c->request_attempts = 1 + rnd_below(m, 4);
	c->release_timeout = MS(100 + rnd_below(m, 2900));
	c->release_attempts = 1 + rnd_below(m, 3);
	c->max_talk = MS(1000 + rnd_below(m, 19000));
	c->talk_warning = MS(rnd_below(m, 22000)); /* sometimes >= max_talk: no warning */
	c->queue_timeout = MS(rnd_below(m, 10000));
	c->receive_timeout = MS(500 + rnd_below(m, 9500));
	c->connect_timeout = MS(rnd_below(m, 5000));
}

/* One sequence; returns false (with m->err) on the first broken invariant. */
static bool run_sequence(struct model *m, struct stats *st, uint64_t seed, bool with_trace)
{
	unsigned steps;
	floor_usec_t last_input, bound;
	int i;

	memset(m, 0, sizeof(*m));
	m->stats = st;
	m->rng = seed ? seed : 1;
	m->trace = with_trace;
	m->state = FLOOR_IDLE;
	m->next_grant = 1000;
	m->now = MS(1000) + rnd_below(m, 1000000);
	random_config(m);
	m->f = floor_new(&m->cfg, &model_ops, m);
	g_assert_nonnull(m->f);
	m->next_remote = 100;
	m->scan = scan_new(N_CHANNELS, channel_rank, rnd_below(m, 3) == 0);
	g_assert_nonnull(m->scan);
	scan_select(m->scan, rnd_below(m, N_CHANNELS));
	if (rnd_below(m, 4)) {
		m->link = true;
		floor_link(m->f, m->now, true);
	}

	steps = MIN_STEPS + rnd_below(m, MAX_STEPS - MIN_STEPS + 1);
	for (unsigned s = 0; s < steps && !m->failed; s++) {
		input(m);
		check(m);
	}

	/* no further input: from deadline to deadline, back to idle */
	last_input = m->now;
	bound = floor_config_settle_bound(&m->cfg);
	trace(m, "  settle (bound %" PRIu64 " us)\n", bound);
	for (i = 0; i < 1000 && !m->failed; i++) {
		floor_usec_t d = floor_next_deadline(m->f);

		if (!d)
			break;
		if (d > m->now)
			m->now = d;
		begin(m);
		do_tick(m);
		check(m);
	}
	if (m->failed)
		goto out;
	if (i == 1000)
		fail(m, "timers never settle");
	else if (floor_get_state(m->f) != FLOOR_IDLE)
		fail(m, "stuck in %s", floor_state_to_string(floor_get_state(m->f)));
	else if (m->now - last_input > bound)
		fail(m, "idle after %" PRIu64 " us, bound %" PRIu64, m->now - last_input, bound);
	else if (m->capture || m->playing || floor_get_talker(m->f) || floor_get_press_id(m->f))
		fail(m, "idle but capture %d playing %u talker %s press %u", m->capture,
		     m->playing, floor_get_talker(m->f), floor_get_press_id(m->f));
	for (uint32_t id = 1; id <= m->presses && !m->failed; id++)
		if (m->outcomes[id] != 1)
			fail(m, "press %u: %u outcomes", id, m->outcomes[id]);
out:
	m->f = floor_free(m->f);
	m->scan = scan_free(m->scan);
	return !m->failed;
}

static uint64_t env_u64(const char *name, uint64_t def)
{
	const char *v = g_getenv(name);

	return v && *v ? g_ascii_strtoull(v, NULL, 0) : def;
}

static void test_model(void)
{
	uint64_t seed = env_u64("PTTGW_SEED", g_random_int() | (uint64_t)g_random_int() << 32);
	uint64_t n = env_u64("PTTGW_SEQUENCES", 100000);
	struct model m;
	uint64_t presses = 0, steps_total = 0;
	g_autofree struct stats *st = g_new0(struct stats, 1);
	unsigned pairs = 0;

	g_test_message("seed %" PRIu64 " (PTTGW_SEED=%" PRIu64 " repeats), %" PRIu64
		       " sequences", seed, seed, n);
	for (uint64_t i = 0; i < n; i++) {
		/* each sequence has its own seed: a failure replays alone */
		uint64_t s = seed ^ ((i + 1) * 0x9e3779b97f4a7c15ULL);

		if (!run_sequence(&m, st, s, false)) {
			char err[sizeof(m.err)];

			memcpy(err, m.err, sizeof(err));
			g_printerr("floor model: sequence %" PRIu64 " failed: %s\n"
				   "  PTTGW_SEED=%" PRIu64 " (sequence seed %" PRIu64 ")\n"
				   "  trace of that sequence:\n", i, err, seed, s);
			run_sequence(&m, st, s, true);
			g_error("floor model: %s (PTTGW_SEED=%" PRIu64 ", sequence %" PRIu64 ")",
				err, seed, i);
		}
		presses += m.presses;
		steps_total++;
	}
	g_printerr("floor model: %" PRIu64 " sequences, %" PRIu64 " accepted presses, "
		   "seed %" PRIu64 ": all invariants held\n", steps_total, presses, seed);
	for (int o = 0; o < _FLOOR_STATE_MAX; o++)
		for (int k = 0; k < _FLOOR_STATE_MAX; k++)
			pairs += st->pairs[o][k] > 0;
	g_printerr("floor model: %u kinds of transition; outcomes granted %" PRIu64
		   ", denied %" PRIu64 ", cancelled %" PRIu64 "\n", pairs,
		   st->outcomes[FLOOR_OUTCOME_GRANTED], st->outcomes[FLOOR_OUTCOME_DENIED],
		   st->outcomes[FLOOR_OUTCOME_CANCELLED]);
	if (n < 10000)
		return; /* too few for the coverage checks */
	/* the generator must reach every rule, or the invariants prove little */
	for (int o = 0; o < _FLOOR_STATE_MAX; o++) {
		uint64_t in = 0, out = 0;

		for (int k = 0; k < _FLOOR_STATE_MAX; k++) {
			in += st->pairs[k][o];
			out += st->pairs[o][k];
		}
		if (!in || !out)
			g_error("floor model: state %s never entered or left",
				floor_state_to_string((enum floor_state)o));
	}
	for (int o = 0; o < _FLOOR_OUTCOME_MAX; o++)
		g_assert_cmpuint(st->outcomes[o], >, 0);
	for (int c = 0; c < _FLOOR_CUE_MAX; c++)
		if (!st->cues[c])
			g_error("floor model: cue %s never played",
				floor_cue_to_string((enum floor_cue)c));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/floor/model/random-sequences", test_model);
	return g_test_run();
}
