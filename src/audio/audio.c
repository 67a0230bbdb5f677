/* SPDX-License-Identifier: MIT */
/*
 * audio.c - the bridge: bursts through the jitter buffer and the decoder into
 * the playback stream, the microphone through the encoder to events.frame,
 * cues mixed into playback, and the route followed as nodes come and go.
 *
 * Structural changes (open, move, park, close a stream) happen in one place,
 * reconcile(), run from an idle source, so that no stream is destroyed from
 * inside its own callback. A drained playback stream is parked (inactive, as a
 * corked one: no cycles, no wake-ups) rather than closed, so that the next burst
 * to the same sink starts without connecting a stream.
 *
 * Latency: a burst's first sample is due one graph cycle (+ START_MARGIN_USEC)
 * after its first packet (+ the jitter target); the stream holds it back until
 * then within the cycle that reaches it (audio_stream_hold), and dryness is judged
 * just before the cycle that would run short (DRY_LEAD_USEC), not a margin ahead.
 */
#include "audio.h"

#include <errno.h>
#include <gio/gio.h>
#include <string.h>

#include "audio-codec.h"
#include "audio-cue.h"
#include "audio-jitter.h"
#include "audio-pw.h"
#include "audio-route.h"
#include "audio-stream.h"

/* Decoded audio the ring may hold ahead of process(): what the graph takes per
 * cycle plus RING_HEADROOM frames, at least RING_FRAMES. This is a ceiling, not a
 * level to reach: the ring takes what the jitter buffer has and conceals only when
 * it runs dry (less than a cycle plus DRY_MARGIN left), so latency is what the
 * jitter buffer waited at the start (its target + one quantum), not this. */
#define RING_FRAMES 2
#define RING_HEADROOM 3
#define DRY_MARGIN (AUDIO_FRAME_SAMPLES / 2)  /* 10 ms for the main loop to come round */
/* With the cycle's schedule known, whether the ring runs dry is decided this long
 * before the next cycle (a timer), not right after the last one: a packet that comes
 * in between is no reason to conceal. Less than START_MARGIN_USEC, so that a packet
 * on time is in before the decision. */
#define DRY_LEAD_USEC 2000
#define MAX_MOVES 3 /* fallbacks per burst / talk */
#define UNDECODABLE_FAIL 5 /* packets in a row from the start: the stream fails */

struct audio {
	struct audio_config cfg;
	struct audio_events ev;
	void *data;
	struct audio_pw *pw;
	struct audio_route route;
	bool talking;
	guint reconcile_id;
	bool ready;              /* audio_new() done: registry changes reconcile */
	guint reconnect_id;      /* PipeWire went away: trying again */
	uint32_t quantum_hint;   /* samples per graph cycle seen last */
	uint64_t period_hint;    /* usec between graph cycles seen last */
	guint dry_id;            /* decide on dryness just before the next cycle */
	bool dry_now;            /* that timer is running refill() */
	bool last_concealed;     /* the burst's last frame was a PLC or a stretch */

	/* playback */
	struct audio_stream *out;
	struct audio_jitter *jit;
	struct audio_dec *dec;
	struct audio_cue_gen cue;
	bool burst;              /* a burst is playing (until drained or cut) */
	bool burst_ended;        /* the jitter buffer is empty after end: waiting for drain */
	char *refused;           /* the burst cannot be played: why (its packets are invalid) */
	bool undecodable;        /* its first packets were all undecodable: FAILED, not ACTIVE */
	uint32_t play_id;
	enum audio_activation play_act;
	char play_reason[256];
	unsigned play_moves;
	bool play_retried;
	uint32_t underruns_base;
	bool first_pending;      /* the first burst sample is in the ring, not out yet */
	uint32_t first_index;    /* its ring write index */
	bool first_told;
	struct audio_play_stats last;
	/* the burst's latency timeline (monotonic usec, 0: not yet), logged at first_sample */
	uint64_t t_begin, t_packet, t_prebuffered;
	unsigned pre_frames;     /* packets buffered when the prebuffer let go */

	/* capture */
	struct audio_stream *in;
	struct audio_enc *enc;
	enum audio_activation cap_act;
	char cap_reason[256];
	unsigned cap_moves;
	bool cap_retried;
	struct audio_capture_stats cstats;
	bool no_bt_source;       /* this talk avoids Bluetooth microphones (audio_capture_avoid_bt) */
	int16_t cap_pcm[AUDIO_FRAME_SAMPLES];
	unsigned cap_fill;
};

static void schedule(struct audio *a);
static gboolean reconnect(gpointer data);

#define RECONNECT_SECONDS 2
#define LOST "lost the connection to PipeWire"

static bool lost(const struct audio *a)
{
	return !a->pw || !audio_pw_connected(a->pw);
}

static void set_play(struct audio *a, enum audio_activation st, const char *reason)
{
	if (a->play_act == st && strcmp(a->play_reason, reason) == 0)
		return;
	g_info("playback %u: %s -> %s: %s", a->play_id, audio_activation_to_string(a->play_act),
	       audio_activation_to_string(st), reason);
	a->play_act = st;
	g_strlcpy(a->play_reason, reason, sizeof(a->play_reason));
	if (a->ev.playback)
		a->ev.playback(a->data, a->play_id, st, reason);
}

static void set_cap(struct audio *a, enum audio_activation st, const char *reason)
{
	if (a->cap_act == st && strcmp(a->cap_reason, reason) == 0)
		return;
	g_info("capture: %s -> %s: %s", audio_activation_to_string(a->cap_act),
	       audio_activation_to_string(st), reason);
	a->cap_act = st;
	g_strlcpy(a->cap_reason, reason, sizeof(a->cap_reason));
	if (a->ev.capture)
		a->ev.capture(a->data, st, reason);
}

static void burst_finish(struct audio *a, enum audio_activation st, const char *reason)
{
	if (!a->burst)
		return;
	if (audio_jitter_active(a->jit))
		audio_jitter_cancel(a->jit);
	a->burst = false;
	a->burst_ended = false;
	a->first_pending = false;
	if (a->dry_id) {
		g_source_remove(a->dry_id);
		a->dry_id = 0;
	}
	a->last = *audio_jitter_stats(a->jit);
	a->last.packet_usec = audio_jitter_packet_usec(a->jit);
	g_strlcpy(a->last.reason, reason, sizeof(a->last.reason));
	g_clear_pointer(&a->refused, g_free);
	if (a->out) {
		a->last.underruns = audio_stream_underruns(a->out) - a->underruns_base;
		audio_stream_set_started(a->out, false);
		audio_stream_set_eos(a->out, true);
	}
	reason = a->last.reason; /* it may have been a->refused */
	g_info("burst %u (%s): received %u played %u recovered %u concealed %u skipped %u "
	       "late %u duplicate %u invalid %u flushed %u stretched %u underruns %u "
	       "(packets of %.1f ms)",
	       a->last.stream_id, reason, a->last.received, a->last.played, a->last.recovered,
	       a->last.concealed, a->last.skipped, a->last.late, a->last.duplicate, a->last.invalid,
	       a->last.flushed, a->last.stretched, a->last.underruns,
	       (double)a->last.packet_usec / 1000.0);
	set_play(a, st, a->last.reason);
	if (a->ev.play_stats)
		a->ev.play_stats(a->data, &a->last);
	schedule(a);
}

static uint32_t ring_target(struct audio *a)
{
	uint32_t q = a->out ? audio_stream_quantum(a->out) : 0;
	uint32_t t = RING_FRAMES * AUDIO_FRAME_SAMPLES;

	/* a new stream does not know the graph's quantum before its first cycle */
	if (q)
		a->quantum_hint = q;
	else
		q = a->quantum_hint;

	if (q + RING_HEADROOM * AUDIO_FRAME_SAMPLES > t)
		t = q + RING_HEADROOM * AUDIO_FRAME_SAMPLES;
	if (t > AUDIO_RING_SAMPLES - AUDIO_FRAME_SAMPLES)
		t = AUDIO_RING_SAMPLES - AUDIO_FRAME_SAMPLES;
	return t;
}

/* PipeWire's default.clock.max-quantum (2048 at 48 kHz), in our samples. */
#define GRAPH_MAX_QUANTUM_SAMPLES (AUDIO_RATE * 2048 / 48000)

/* What the graph takes at once per cycle: a quantum. Before a new stream's first cycle
 * the largest one the graph's default settings allow: assuming one frame there made
 * the first burst of every new bridge underrun 33 ms in at quantum 2048. */
static uint32_t cycle_samples(const struct audio *a)
{
	return a->quantum_hint ? a->quantum_hint : GRAPH_MAX_QUANTUM_SAMPLES;
}

/* usec from a burst's first packet (+ jitter target) to its first sample: one cycle,
 * for the graph takes a whole quantum at once and the packet that completes it comes
 * in real time, plus START_MARGIN for the main loop to decode it before the cycle.
 * The jitter buffer hands the first packet out at once and the stream holds its
 * first sample back until then (audio_stream_hold: silence in front of it within
 * the cycle), so the burst starts exactly when due, not at the next cycle after a
 * wait. Once: the ring holds what the jitter buffer gives rather than a level of its
 * own, so nothing else comes on top. */
#define START_MARGIN_USEC 3000
static uint64_t ring_reserve(const struct audio *a)
{
	return (uint64_t)cycle_samples(a) * 1000000u / AUDIO_RATE + START_MARGIN_USEC;
}

static void refill(struct audio *a);

static gboolean on_dry_check(gpointer data)
{
	struct audio *a = data;

	a->dry_id = 0;
	a->dry_now = true;
	refill(a);
	a->dry_now = false;
	return G_SOURCE_REMOVE;
}

/* Has this burst shown loss, reordering, a stall or an underrun? */
static bool burst_troubled(struct audio *a)
{
	const struct audio_play_stats *st = audio_jitter_stats(a->jit);

	return st->late || st->concealed || st->recovered || st->stretched || st->skipped ||
	       audio_stream_underruns(a->out) != a->underruns_base;
}

/* Will the ring run short at the next cycle unless audio goes in now? The silence a
 * held first sample still has in front counts.
 * A clean burst starts with no cushion beyond START_MARGIN_USEC: with the cycles'
 * schedule known, the answer waits until DRY_LEAD_USEC before the next cycle (a timer
 * comes back then): the packet the cycle needs may still come in time, as the hold
 * planned, and a missing one (reordered) has the longest chance to.
 * Once the burst has shown trouble, it is judged DRY_MARGIN ahead of the cycle, as a
 * burst that started a cycle later would be: the cushion grows by stretches, one at
 * a time with a frame between them (never two concealments in a row where the last
 * moment does not force it), until the packet after a loss comes before the loss
 * must be concealed and a stalled main loop finds audio in the ring.
 * Without the schedule: below DRY_MARGIN ahead with a hole (later packets
 * buffered), yes. */
static bool is_dry(struct audio *a, struct audio_ring *ring, uint64_t now)
{
	uint32_t pending = audio_stream_hold_pending(a->out, now);
	uint32_t have = audio_ring_fill(ring) + pending;
	uint64_t next;

	if (have >= cycle_samples(a) + DRY_MARGIN)
		return false;
	if (!a->last_concealed && burst_troubled(a))
		return true;
	if (audio_stream_period(a->out))
		a->period_hint = audio_stream_period(a->out);
	next = audio_stream_next_cycle(a->out, now, a->period_hint);
	if (!next)
		/* not cycling regularly (yet, or stalled): nothing is taken, nothing to
		 * conceal (the hold waited a cycle's worth for the packets on time); a
		 * hole with later packets buffered is concealed the margin ahead */
		return audio_jitter_buffered(a->jit) > 0;
	/* the timer may come a little early (ms), or late: then it is the next cycle's turn */
	if (next > now + DRY_LEAD_USEC + (a->dry_now ? 1000u : 0u)) {
		if (!a->dry_id)
			a->dry_id = g_timeout_add((guint)((next - now - DRY_LEAD_USEC) / 1000u),
						  on_dry_check, a);
		return false;
	}
	return have < audio_stream_quantum(a->out);
}

/* Decode what the jitter buffer gives, mix cues, up to target samples in the ring.
 * tail_only: the burst's own frames and no more (a cue is mixed into them, but a cue
 * that outlasts them is not written on its own: it goes on mixed into what follows). */
static void refill_to(struct audio *a, uint32_t target, bool tail_only)
{
	struct audio_ring *ring;
	int16_t pcm[AUDIO_PACKET_MAX_SAMPLES];

	if (!a->out || audio_stream_state(a->out, NULL) == AUDIO_FAILED)
		return;
	ring = audio_stream_ring(a->out);
	ring_target(a); /* the graph's quantum is known once the stream cycles */
	audio_jitter_set_reserve(a->jit, ring_reserve(a));
	while (audio_ring_fill(ring) < target &&
	       audio_ring_space(ring) >= AUDIO_PACKET_MAX_SAMPLES) {
		bool have = false, burst_frame = false;
		unsigned n = AUDIO_FRAME_SAMPLES;

		if (a->burst && !a->burst_ended && !a->refused) {
			const uint8_t *d = NULL;
			size_t len = 0;
			uint64_t usec = 0;
			uint64_t now = (uint64_t)g_get_monotonic_time();
			bool dry = is_dry(a, ring, now);
			enum audio_jitter_action act;
			int r;

			act = audio_jitter_get(a->jit, now, dry, &d, &len, &usec);
			if (act != AUDIO_JITTER_NONE)
				a->last_concealed = act == AUDIO_JITTER_PLC ||
						    act == AUDIO_JITTER_STRETCH;
			if (usec)
				n = MIN(audio_usec_samples(usec), AUDIO_PACKET_MAX_SAMPLES);
			if (act != AUDIO_JITTER_PLAY && act != AUDIO_JITTER_NONE)
				g_debug("burst %u: %s at slot %u (%u buffered)", a->play_id,
					audio_jitter_action_to_string(act),
					audio_jitter_stats(a->jit)->last_id,
					audio_jitter_buffered(a->jit));
			switch (act) {
			case AUDIO_JITTER_NONE:
				break;
			case AUDIO_JITTER_PLAY:
				r = audio_dec_decode(a->dec, d, len, pcm, AUDIO_PACKET_MAX_SAMPLES);
				if (r < 0) {
					audio_jitter_undecodable(a->jit);
					a->last_concealed = true;
					audio_dec_conceal(a->dec, pcm, n);
				} else {
					n = (unsigned)r;
				}
				burst_frame = true;
				break;
			case AUDIO_JITTER_FEC:
				audio_dec_decode_fec(a->dec, d, len, pcm, n);
				burst_frame = true;
				break;
			case AUDIO_JITTER_PLC:
			case AUDIO_JITTER_STRETCH:
				audio_dec_conceal(a->dec, pcm, n);
				burst_frame = true;
				break;
			case AUDIO_JITTER_END:
				a->burst_ended = true;
				audio_stream_set_started(a->out, false);
				break;
			}
		}
		if (!burst_frame)
			memset(pcm, 0, n * sizeof(*pcm));
		if (burst_frame) {
			have = true;
			audio_pcm_gain(pcm, n, a->cfg.volume);
			audio_stream_set_started(a->out, true);
			if (!a->first_told && !a->first_pending) {
				a->first_pending = true;
				a->first_index = audio_ring_write_index(ring);
				/* before it is written: the data thread must not see it unheld */
				audio_stream_hold(a->out, a->first_index, audio_jitter_due(a->jit));
				a->t_prebuffered = (uint64_t)g_get_monotonic_time();
				a->pre_frames = audio_jitter_buffered(a->jit) + 1;
			}
		}
		if (tail_only && !burst_frame)
			break;
		if (a->cue.active && audio_cue_gen_mix_n(&a->cue, pcm, n))
			have = true;
		if (!have)
			break;
		audio_ring_write(ring, pcm, n);
	}
	if (a->burst_ended || (!a->burst && !a->cue.active))
		audio_stream_set_eos(a->out, true);
	else
		audio_stream_set_eos(a->out, false);
}

static void refill(struct audio *a)
{
	refill_to(a, ring_target(a), false);
}

static void out_state(void *data, struct audio_stream *s, enum audio_activation st,
		      const char *reason)
{
	struct audio *a = data;

	if (st == AUDIO_ACTIVE) {
		if (a->burst && !a->undecodable)
			set_play(a, AUDIO_ACTIVE, reason);
		refill(a);
	} else if (st == AUDIO_FAILED) {
		g_message("playback stream: %s", reason);
		schedule(a);
	}
}

static double ms_after(uint64_t t, uint64_t base)
{
	return t ? ((double)t - (double)base) / 1000.0 : -1.0;
}

/* Where the time between audio_play_begin() and the first sample went. */
static void log_timeline(struct audio *a, struct audio_stream *s)
{
	struct audio_stream_times t;
	uint64_t now = (uint64_t)g_get_monotonic_time();

	audio_stream_get_times(s, &t);
	g_info("burst %u timeline: begin %" G_GUINT64_FORMAT " us; ms after begin: "
	       "stream connect %.1f streaming %.1f first cycle %.1f first packet %.1f "
	       "prebuffered %.1f (%u packets, target %.1f ms) first sample out %.1f told %.1f; "
	       "quantum %u ring %u",
	       a->play_id, a->t_begin, ms_after(t.connect, a->t_begin),
	       ms_after(t.streaming, a->t_begin), ms_after(t.first_cycle, a->t_begin),
	       ms_after(a->t_packet, a->t_begin), ms_after(a->t_prebuffered, a->t_begin),
	       a->pre_frames, (double)audio_jitter_target(a->jit) / 1000.0,
	       ms_after(t.last_cycle, a->t_begin),
	       ms_after(now, a->t_begin), audio_stream_quantum(s), ring_target(a));
}

static void out_io(void *data, struct audio_stream *s)
{
	struct audio *a = data;
	struct audio_ring *ring = audio_stream_ring(s);

	refill(a);
	if (a->first_pending && (int32_t)(audio_ring_read_index(ring) - a->first_index) > 0) {
		a->first_pending = false;
		a->first_told = true;
		log_timeline(a, s);
		if (a->ev.first_sample)
			a->ev.first_sample(a->data, a->play_id);
	}
}

static void out_drained(void *data, struct audio_stream *s)
{
	schedule(data);
}

static const struct audio_stream_events out_events = {
	.state = out_state,
	.io = out_io,
	.drained = out_drained,
};

static void in_state(void *data, struct audio_stream *s, enum audio_activation st,
		     const char *reason)
{
	struct audio *a = data;

	if (st == AUDIO_ACTIVE && a->talking)
		set_cap(a, AUDIO_ACTIVE, reason);
	else if (st == AUDIO_FAILED)
		schedule(a);
}

static void in_io(void *data, struct audio_stream *s)
{
	struct audio *a = data;
	struct audio_ring *ring = audio_stream_ring(s);
	uint8_t pkt[AUDIO_MAX_PACKET];
	uint64_t when = audio_stream_last_io(s);
	int n;

	a->cstats.overruns = audio_stream_overruns(s);
	for (;;) {
		a->cap_fill += audio_ring_read(ring, a->cap_pcm + a->cap_fill,
					       AUDIO_FRAME_SAMPLES - a->cap_fill);
		if (a->cap_fill < AUDIO_FRAME_SAMPLES)
			break;
		a->cap_fill = 0;
		if (!a->talking)
			continue;
		n = audio_enc_encode(a->enc, a->cap_pcm, pkt, sizeof(pkt));
		if (n < 0) {
			g_warning("opus encode failed, frame dropped");
			continue;
		}
		if (n == 0) {
			a->cstats.dtx++;
			continue;
		}
		a->cstats.frames++;
		if (a->ev.frame)
			a->ev.frame(a->data, pkt, (size_t)n, when);
	}
}

static const struct audio_stream_events in_events = {
	.state = in_state,
	.io = in_io,
};

static struct audio_stream *open_stream(struct audio *a, bool capture, const char *target)
{
	struct audio_stream_params p = {
		.capture = capture,
		.target = target,
		.name = capture ? "pttgw-capture" : "pttgw-playback",
		/* no media.role: with "Communication" WirePlumber's bluetooth policy would
		 * switch the headset's profile itself; the daemon owns it (gateway-headset.c) */
		.role = NULL,
		.activation_timeout = a->cfg.activation_timeout,
	};

	return audio_stream_new(a->pw, &p, capture ? &in_events : &out_events, a);
}

static void update_route(struct audio *a)
{
	struct audio_route r;
	size_t n;
	const struct audio_node *const *nodes = audio_pw_get_nodes(a->pw, &n);

	audio_route_compute(&a->cfg, nodes, n, a->talking, &r);
	if (a->no_bt_source)
		audio_route_avoid_bt_source(&a->cfg, nodes, n, &r);
	if (audio_route_equal(&r, &a->route))
		return;
	g_info("route: sink %s (%s) -> %s (%s); source %s (%s) -> %s (%s)",
	       a->route.sink.node_name[0] ? a->route.sink.node_name : "-", a->route.sink.reason,
	       r.sink.node_name[0] ? r.sink.node_name : "-", r.sink.reason,
	       a->route.source.node_name[0] ? a->route.source.node_name : "-",
	       a->route.source.reason, r.source.node_name[0] ? r.source.node_name : "-",
	       r.source.reason);
	a->route = r;
	if (a->ev.route)
		a->ev.route(a->data, &a->route);
}

/* A stream failed on the target it was opened on: try that target once more?
 * The session manager can refuse a target it has not prepared yet (a node that
 * just appeared, or while it handles one that went): one retry per *retried. */
static bool retry_same_target(struct audio *a, const struct audio_endpoint *ep,
			      const char *reason, bool *retried)
{
	if (ep->kind == AUDIO_EP_NONE || *retried || !strstr(reason, "found no") ||
	    !audio_pw_find_node_by_name(a->pw, ep->node_name))
		return false;
	*retried = true;
	return true;
}

/* A parked output plays again (a burst or a cue on the same sink). */
static void unpark_output(struct audio *a)
{
	if (a->out && audio_stream_parked(a->out))
		audio_stream_park(a->out, false);
}

static void reconcile_output(struct audio *a)
{
	const char *reason = NULL;
	bool want = (a->burst && !a->refused) || a->cue.active;
	const struct audio_endpoint *ep = &a->route.sink;
	g_autofree char *why = NULL;

	if (a->out) {
		enum audio_activation st = audio_stream_state(a->out, &reason);
		bool moved = strcmp(audio_stream_target(a->out), ep->node_name) != 0;

		if (st == AUDIO_FAILED) {
			why = g_strdup(reason);
			if (!moved && retry_same_target(a, ep, reason, &a->play_retried))
				moved = true;
			g_clear_pointer(&a->out, audio_stream_free);
			if (a->burst && (!moved || ep->kind == AUDIO_EP_NONE ||
					 a->play_moves >= MAX_MOVES)) {
				burst_finish(a, AUDIO_FAILED, why);
				return;
			}
			if (!a->burst) {
				if (a->cue.active)
					g_message("cue %s not played: %s",
						  audio_cue_to_string(a->cue.cue), why);
				a->cue.active = false;
				return;
			}
		} else if (!want && audio_stream_state(a->out, NULL) != AUDIO_STARTING) {
			/* nothing left to play: close once the ring ran dry */
			refill(a);
			return;
		} else if (want && moved && ep->kind != AUDIO_EP_NONE) {
			why = g_strdup_printf("route changed: %s", ep->reason);
			g_clear_pointer(&a->out, audio_stream_free);
			/* what was in the old ring is lost: a cue starts over on the new sink */
			if (a->cue.active)
				audio_cue_gen_start(&a->cue, a->cue.cue, a->cue.volume);
		} else {
			if (want)
				unpark_output(a);
			return;
		}
		if (a->burst)
			a->play_moves++;
	}
	if (!want)
		return;
	if (ep->kind == AUDIO_EP_NONE) {
		if (a->burst)
			burst_finish(a, AUDIO_FAILED, ep->reason);
		else
			g_message("cue %s not played: %s", audio_cue_to_string(a->cue.cue),
				  ep->reason);
		a->cue.active = false;
		return;
	}
	a->out = open_stream(a, false, ep->node_name);
	a->underruns_base = 0;
	a->first_pending = false;
	if (a->burst) {
		g_autofree char *msg = why ? g_strdup_printf("moving to %s: %s",
							     ep->node_name[0] ? ep->node_name
									       : "the default sink",
							     why)
					   : g_strdup_printf("connecting to %s (%s)",
							     ep->node_name[0] ? ep->node_name
									       : "the default sink",
							     ep->reason);
		set_play(a, AUDIO_STARTING, msg);
	}
	if (audio_stream_state(a->out, &reason) == AUDIO_FAILED)
		schedule(a);
	else
		refill(a);
}

/* Nothing to play: a drained stream is parked (inactive, still linked: the next burst
 * starts without connecting a stream), and closed when it failed or the route moved. */
static void close_drained_output(struct audio *a)
{
	const char *reason;
	bool moved;

	if (!a->out || a->burst || a->cue.active)
		return;
	switch (audio_stream_state(a->out, &reason)) {
	case AUDIO_STARTING:
		return;
	case AUDIO_ACTIVE:
		moved = strcmp(audio_stream_target(a->out), a->route.sink.node_name) != 0 ||
			a->route.sink.kind == AUDIO_EP_NONE;
		if (audio_stream_parked(a->out)) {
			if (moved)
				break;
			return;
		}
		/* eos is set: the last samples (a cue's tail) still go out first */
		audio_stream_set_eos(a->out, true);
		if (!audio_stream_drained(a->out))
			return;
		if (moved)
			break;
		audio_stream_park(a->out, true);
		return;
	case AUDIO_OFF:
	case AUDIO_FAILED:
	case _AUDIO_ACTIVATION_MAX:
		break;
	}
	g_clear_pointer(&a->out, audio_stream_free);
}

static void reconcile_input(struct audio *a)
{
	const char *reason = NULL;
	const struct audio_endpoint *ep = &a->route.source;
	g_autofree char *why = NULL;

	if (!a->talking) {
		g_clear_pointer(&a->in, audio_stream_free);
		return;
	}
	if (a->in) {
		enum audio_activation st = audio_stream_state(a->in, &reason);
		bool moved = strcmp(audio_stream_target(a->in), ep->node_name) != 0;

		if (st == AUDIO_FAILED) {
			why = g_strdup(reason);
			if (!moved && retry_same_target(a, ep, reason, &a->cap_retried))
				moved = true;
			g_clear_pointer(&a->in, audio_stream_free);
			if (!moved || ep->kind == AUDIO_EP_NONE || a->cap_moves >= MAX_MOVES) {
				set_cap(a, AUDIO_FAILED, why);
				return;
			}
		} else if (moved && ep->kind != AUDIO_EP_NONE) {
			why = g_strdup_printf("route changed: %s", ep->reason);
			g_clear_pointer(&a->in, audio_stream_free);
		} else {
			return;
		}
		a->cap_moves++;
	}
	if (a->cap_act == AUDIO_FAILED)
		return;
	if (ep->kind == AUDIO_EP_NONE) {
		set_cap(a, AUDIO_FAILED, ep->reason);
		return;
	}
	a->in = open_stream(a, true, ep->node_name);
	{
		g_autofree char *msg = g_strdup_printf(
			"%s %s (%s)", why ? "moving to" : "connecting to",
			ep->node_name[0] ? ep->node_name : "the default source",
			why ? why : ep->reason);

		set_cap(a, AUDIO_STARTING, msg);
	}
	if (audio_stream_state(a->in, &reason) == AUDIO_FAILED)
		schedule(a);
}

static gboolean reconcile(gpointer data)
{
	struct audio *a = data;

	a->reconcile_id = 0;
	if (lost(a)) {
		g_clear_pointer(&a->out, audio_stream_free);
		g_clear_pointer(&a->in, audio_stream_free);
		burst_finish(a, AUDIO_FAILED, LOST);
		a->cue.active = false;
		if (a->talking)
			set_cap(a, AUDIO_FAILED, LOST);
		return G_SOURCE_REMOVE;
	}
	update_route(a);
	if (a->out && !a->burst && !a->cue.active)
		close_drained_output(a);
	else
		reconcile_output(a);
	reconcile_input(a);
	return G_SOURCE_REMOVE;
}

static void schedule(struct audio *a)
{
	if (!a->reconcile_id)
		a->reconcile_id = g_idle_add(reconcile, a);
}

static void pw_nodes(void *data, const struct audio_node *gone)
{
	struct audio *a = data;

	audio_stream_check(a->out, gone);
	audio_stream_check(a->in, gone);
	if (a->ready)
		schedule(a);
}

static void pw_links(void *data)
{
	struct audio *a = data;

	audio_stream_check(a->out, NULL);
	audio_stream_check(a->in, NULL);
}

static void pw_rt_notify(void *data)
{
	struct audio *a = data;

	audio_stream_poll(a->out);
	audio_stream_poll(a->in);
	/* a drained burst ends when its last sample has gone out */
	if (a->burst && a->burst_ended && a->out) {
		struct audio_ring *ring = audio_stream_ring(a->out);

		if (audio_ring_fill(ring) == 0)
			burst_finish(a, AUDIO_OFF, "drained");
	}
}

static void pw_disconnected(void *data, const char *message)
{
	struct audio *a = data;

	/* inside PipeWire's dispatch: tear down and reconnect from a timer */
	g_warning("%s: reconnecting every %d s", message, RECONNECT_SECONDS);
	if (!a->reconnect_id)
		a->reconnect_id = g_timeout_add_seconds(RECONNECT_SECONDS, reconnect, a);
	schedule(a);
}

static const struct audio_pw_events pw_events;

static gboolean reconnect(gpointer data)
{
	struct audio *a = data;
	g_autoptr(GError) error = NULL;

	g_clear_pointer(&a->out, audio_stream_free);
	g_clear_pointer(&a->in, audio_stream_free);
	g_clear_pointer(&a->pw, audio_pw_free);
	a->pw = audio_pw_new(&pw_events, a, &error);
	if (!a->pw) {
		g_message("PipeWire: %s, retrying in %d s", error->message, RECONNECT_SECONDS);
		return G_SOURCE_CONTINUE;
	}
	/* the registry comes in asynchronously: each node updates the route */
	g_message("PipeWire connection restored");
	a->reconnect_id = 0;
	schedule(a);
	return G_SOURCE_REMOVE;
}

static const struct audio_pw_events pw_events = {
	.nodes = pw_nodes,
	.links = pw_links,
	.rt_notify = pw_rt_notify,
	.disconnected = pw_disconnected,
};

struct audio *audio_new(const struct audio_config *cfg, const struct audio_events *events,
			void *data, GError **error)
{
	struct audio *a = g_new0(struct audio, 1);
	struct audio_enc_params ep = {
		.bitrate = cfg->bitrate,
		.packet_loss = cfg->packet_loss,
		.fec = cfg->fec,
		.dtx = cfg->dtx,
	};

	a->cfg = *cfg;
	a->cfg.headset = g_strdup(cfg->headset);
	a->cfg.output = g_strdup(cfg->output);
	a->cfg.input = g_strdup(cfg->input);
	a->ev = *events;
	a->data = data;
	g_strlcpy(a->play_reason, "idle", sizeof(a->play_reason));
	g_strlcpy(a->cap_reason, "idle", sizeof(a->cap_reason));
	/* starts at prebuffer (small), grows on jitter up to max-prebuffer, shrinks to 0 */
	a->jit = audio_jitter_new(cfg->prebuffer, 0, cfg->max_prebuffer,
				  AUDIO_FRAME_USEC);
	if (a->jit)
		audio_jitter_set_consumer_holds(a->jit, true);
	a->dec = audio_dec_new();
	a->enc = audio_enc_new(&ep);
	if (!a->jit || !a->dec || !a->enc) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot set up Opus (%s)",
			    g_strerror(errno));
		audio_free(a);
		return NULL;
	}
	a->pw = audio_pw_new(&pw_events, a, error);
	if (!a->pw) {
		audio_free(a);
		return NULL;
	}
	/* twice: the registry's globals, then the bound nodes' info (their properties) */
	if (audio_pw_roundtrip(a->pw, 2000) < 0 || audio_pw_roundtrip(a->pw, 2000) < 0) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_TIMED_OUT,
			    "PipeWire did not answer within 2 s");
		audio_free(a);
		return NULL;
	}
	update_route(a);
	a->ready = true;
	return a;
}

struct audio *audio_free(struct audio *a)
{
	if (!a)
		return NULL;
	if (a->reconcile_id)
		g_source_remove(a->reconcile_id);
	if (a->reconnect_id)
		g_source_remove(a->reconnect_id);
	if (a->dry_id)
		g_source_remove(a->dry_id);
	audio_stream_free(a->in);
	audio_stream_free(a->out);
	audio_pw_free(a->pw);
	audio_enc_free(a->enc);
	audio_dec_free(a->dec);
	audio_jitter_free(a->jit);
	g_free(a->refused);
	audio_config_clear(&a->cfg);
	g_free(a);
	return NULL;
}

/* A new burst begins while this one is still here. */
static void burst_supersede(struct audio *a, uint32_t next)
{
	g_autofree char *why = NULL;

	if (!a->burst_ended && !a->refused && audio_jitter_ending(a->jit) && a->out &&
	    audio_stream_state(a->out, NULL) != AUDIO_FAILED) {
		/* The talker has stopped and its tail is still in the jitter buffer (the
		 * next talker was granted at once): decode the tail into the ring, where
		 * the new burst's samples follow it. After the end, the jitter buffer
		 * hands out all it has; the ring holds 2 s. Only the tail: a cue that
		 * outlasts it (the end cue is 170 ms) goes on mixed into the next burst
		 * instead of being written ahead of it, else back-to-back short bursts
		 * each pushed the next one a cue later, until the ring was full. */
		refill_to(a, AUDIO_RING_SAMPLES, true);
		if (!a->burst_ended)
			g_debug("burst %u: tail left at supersede: ring fill %u space %u, "
				"%u buffered", a->play_id,
				audio_ring_fill(audio_stream_ring(a->out)),
				audio_ring_space(audio_stream_ring(a->out)),
				audio_jitter_buffered(a->jit));
	}
	if (a->burst_ended || a->refused || audio_jitter_ending(a->jit)) {
		/* ended normally: whatever could not be played out is still flushed (no
		 * output, or a tail longer than the ring), and says so */
		if (a->refused)
			why = g_strdup(a->refused);
		else if (a->burst_ended)
			why = g_strdup("drained");
		else
			why = g_strdup_printf("superseded by stream %u before its tail played "
					      "out (%s)", next, a->out ? "ring full" : "no output");
		burst_finish(a, a->refused ? AUDIO_FAILED : AUDIO_OFF, why);
		return;
	}
	/* still talking: a pre-emption (emergency, a higher priority) cuts it */
	why = g_strdup_printf("preempted by stream %u", next);
	burst_finish(a, AUDIO_OFF, why);
}

int audio_play_begin(struct audio *a, uint32_t stream_id, const struct audio_burst_format *f)
{
	if (a->burst)
		burst_supersede(a, stream_id);
	/* one quantum of the graph is waited for on top of the jitter target */
	ring_target(a);
	audio_jitter_set_reserve(a->jit, ring_reserve(a));
	audio_jitter_begin(a->jit, stream_id, f ? f->packet_usec : 0,
			   (uint64_t)g_get_monotonic_time());
	g_clear_pointer(&a->refused, g_free);
	a->undecodable = false;
	if (f && f->error) {
		/* nothing to play: say why now, count its packets, report it at its end */
		a->burst = true;
		a->burst_ended = false;
		a->play_id = stream_id;
		a->refused = g_strdup(f->error);
		a->play_act = AUDIO_OFF;
		set_play(a, AUDIO_FAILED, f->error);
		return 0;
	}
	if (lost(a)) {
		a->burst = true;
		a->play_id = stream_id;
		burst_finish(a, AUDIO_FAILED, LOST);
		return 0;
	}
	audio_dec_reset(a->dec);
	a->burst = true;
	a->burst_ended = false;
	a->play_id = stream_id;
	a->play_moves = 0;
	a->play_retried = false;
	a->first_told = false;
	a->first_pending = false;
	a->last_concealed = false;
	a->play_act = AUDIO_OFF;
	a->t_begin = (uint64_t)g_get_monotonic_time();
	a->t_packet = 0;
	a->t_prebuffered = 0;
	if (a->out) {
		const char *reason;

		a->underruns_base = audio_stream_underruns(a->out);
		audio_stream_set_eos(a->out, false);
		unpark_output(a);
		if (audio_stream_state(a->out, &reason) == AUDIO_ACTIVE)
			set_play(a, AUDIO_ACTIVE, reason);
		else
			set_play(a, AUDIO_STARTING, reason);
		schedule(a);
	} else {
		reconcile_output(a);
	}
	return 0;
}

void audio_play_packet(struct audio *a, uint32_t stream_id, uint32_t packet_id,
		       const uint8_t *opus, size_t len)
{
	enum audio_jitter_put r;

	int64_t usec;
	const struct audio_play_stats *st = audio_jitter_stats(a->jit);

	if (!a->burst || stream_id != a->play_id) {
		g_debug("packet %u of stream %u: no such burst playing, dropped", packet_id,
			stream_id);
		return;
	}
	if (!a->t_packet)
		a->t_packet = (uint64_t)g_get_monotonic_time();
	/* the packet says how long it is (the codec header may not) */
	usec = a->refused ? -EINVAL : audio_packet_usec(opus, len);
	r = audio_jitter_put(a->jit, packet_id, opus, len, usec > 0 ? (uint64_t)usec : 0,
			     (uint64_t)g_get_monotonic_time());
	if (a->refused)
		return;
	/* the first one is logged; the burst's accounting counts them all */
	if (r == AUDIO_JITTER_PUT_INVALID && st->invalid == 1)
		g_message("stream %u packet %u: invalid (%zu bytes%s), dropped; more are "
			  "counted, not logged", stream_id, packet_id, len,
			  usec < 0 ? ", not an Opus packet of 2.5..120 ms" : ", or id out of the window");
	/* never "playing" over silence: a stream whose packets cannot be decoded fails */
	if (r == AUDIO_JITTER_PUT_INVALID && st->invalid == UNDECODABLE_FAIL &&
	    st->received == st->invalid && a->play_act != AUDIO_FAILED) {
		g_autofree char *why = g_strdup_printf(
			"undecodable audio: the first %u packets are not Opus packets of "
			"2.5..120 ms", UNDECODABLE_FAIL);

		a->undecodable = true;
		set_play(a, AUDIO_FAILED, why);
	}
	refill(a);
}

void audio_play_end(struct audio *a, uint32_t stream_id)
{
	if (!a->burst || stream_id != a->play_id)
		return;
	audio_jitter_end(a->jit);
	if (a->refused) {
		burst_finish(a, AUDIO_FAILED, a->refused);
		return;
	}
	if (a->out && audio_stream_state(a->out, NULL) == AUDIO_STARTING) {
		/* a short burst (or a late join of one that has ended) can end before
		 * its stream is up: play it out once the stream is active; activation
		 * is bounded (activation-timeout) and a failure ends the burst */
		refill(a);
		return;
	}
	if (!a->out || audio_stream_state(a->out, NULL) != AUDIO_ACTIVE) {
		/* nothing can drain: end now */
		burst_finish(a, AUDIO_OFF, "ended before playback was active");
		return;
	}
	refill(a);
}

void audio_play_cancel(struct audio *a, uint32_t stream_id, const char *reason)
{
	if (!a->burst || stream_id != a->play_id)
		return;
	burst_finish(a, AUDIO_OFF, reason ? reason : "cancelled");
}

int audio_capture_begin(struct audio *a)
{
	if (a->talking)
		return -EALREADY;
	a->talking = true;
	a->cap_moves = 0;
	a->cap_retried = false;
	a->cap_fill = 0;
	a->cap_act = AUDIO_OFF;
	memset(&a->cstats, 0, sizeof(a->cstats));
	audio_enc_reset(a->enc);
	if (lost(a)) {
		set_cap(a, AUDIO_FAILED, LOST);
		return 0;
	}
	update_route(a);
	reconcile_input(a);
	if (a->in) {
		/* a stream left from a release that reconcile() has not closed yet */
		const char *reason;
		enum audio_activation st = audio_stream_state(a->in, &reason);

		if (st == AUDIO_ACTIVE || st == AUDIO_STARTING)
			set_cap(a, st, reason);
	}
	schedule(a); /* the output may move to HFP */
	return 0;
}

void audio_capture_end(struct audio *a)
{
	a->no_bt_source = false;
	if (!a->talking)
		return;
	a->talking = false;
	/* the stream goes in reconcile(): this may be called from one of our events,
	 * raised inside that stream's own callback; frames stop here already */
	set_cap(a, AUDIO_OFF, "released");
	schedule(a); /* the route returns to listening */
}

void audio_capture_avoid_bt(struct audio *a)
{
	if (a->no_bt_source)
		return;
	a->no_bt_source = true;
	if (!a->talking || lost(a))
		return;
	update_route(a);
	schedule(a); /* reconcile() moves the stream off the headset */
}

void audio_set_volume(struct audio *a, unsigned percent)
{
	a->cfg.volume = MIN(percent, AUDIO_VOLUME_MAX);
	g_info("audio: playback volume %u%%", a->cfg.volume);
}

void audio_cue(struct audio *a, enum audio_cue cue)
{
	if (!a->cfg.cues || (unsigned)cue >= _AUDIO_CUE_MAX || lost(a))
		return;
	audio_cue_gen_start(&a->cue, cue, a->cfg.cue_volume);
	/* the route may have changed (a press moves to HFP): reconcile moves first */
	update_route(a);
	if (a->out && audio_stream_state(a->out, NULL) != AUDIO_FAILED &&
	    strcmp(audio_stream_target(a->out), a->route.sink.node_name) == 0) {
		audio_stream_set_eos(a->out, false);
		unpark_output(a);
		refill(a);
	} else {
		schedule(a);
	}
}

const struct audio_route *audio_get_route(const struct audio *a)
{
	return &a->route;
}

void audio_preview_route(const struct audio *a, bool talking, struct audio_route *ret)
{
	size_t n = 0;
	const struct audio_node *const *nodes = lost(a) ? NULL : audio_pw_get_nodes(a->pw, &n);

	audio_route_compute(&a->cfg, nodes, n, talking, ret);
	if (talking && a->no_bt_source)
		audio_route_avoid_bt_source(&a->cfg, nodes, n, ret);
}

enum audio_activation audio_get_playback_state(const struct audio *a, const char **ret_reason)
{
	if (ret_reason)
		*ret_reason = a->play_reason;
	return a->play_act;
}

enum audio_activation audio_get_capture_state(const struct audio *a, const char **ret_reason)
{
	if (ret_reason)
		*ret_reason = a->cap_reason;
	return a->cap_act;
}

void audio_get_play_stats(const struct audio *a, struct audio_play_stats *ret)
{
	if (a->burst) {
		*ret = *audio_jitter_stats(a->jit);
		if (a->out)
			ret->underruns = audio_stream_underruns(a->out) - a->underruns_base;
	} else {
		*ret = a->last;
	}
}

void audio_get_capture_stats(const struct audio *a, struct audio_capture_stats *ret)
{
	*ret = a->cstats;
}
