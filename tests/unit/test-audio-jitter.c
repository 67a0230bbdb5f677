/* SPDX-License-Identifier: MIT */
/*
 * Jitter buffer: table-driven scripts. Tokens:
 *   +N put N (expect OK)   dN put N (duplicate)   lN put N (late)   iN put N (invalid)
 *   z  put 0-byte packet (invalid)
 *   n get: none   y get: play   f get: fec   c get: plc   s get: stretch   x get: end
 *   E end()   C cancel()   tN advance the clock by N ms
 * then the expected counters.
 */
#include <glib.h>
#include <string.h>

#include "audio-jitter.h"

struct jcase {
	const char *path;
	unsigned prebuffer, reserve; /* ms */
	unsigned packet_ms;          /* each packet's own length (0: 20 ms) */
	unsigned header_ms;          /* what the stream announced (0: packet_ms) */
	const char *script;
	uint32_t played, recovered, concealed, late, duplicate, invalid, flushed, stretched;
};

/* prebuffer/reserve in ms: playing starts when that much time has passed since the
 * first packet, or that much audio is buffered beyond the packet in hand */
static const struct jcase cases[] = {
	{ "/audio/jitter/in-order", 40, 0, 0, 0, "+1 n +2 n +3 y y y E x", 3, 0, 0, 0, 0, 0, 0, 0 },
	{ "/audio/jitter/reserve", 20, 40, 0, 0, "+1 +2 +3 n +4 y y y y E x", 4, 0, 0, 0, 0, 0, 0, 0 },
	{ "/audio/jitter/prebuffer-by-time", 40, 0, 0, 0, "+1 n t30 n t10 y s E x",
	  1, 0, 0, 0, 0, 0, 0, 1 },
	{ "/audio/jitter/start-small", 0, 0, 0, 0, "+1 y s E x", 1, 0, 0, 0, 0, 0, 0, 1 },
	{ "/audio/jitter/reorder", 40, 0, 0, 0, "+2 +1 +3 y y y E x", 3, 0, 0, 0, 0, 0, 0, 0 },
	{ "/audio/jitter/earlier-while-prebuffering", 40, 0, 0, 0, "+5 +4 +3 y y y E x",
	  3, 0, 0, 0, 0, 0, 0, 0 },
	{ "/audio/jitter/duplicate-buffered", 40, 0, 0, 0, "+1 d1 +2 +3 y y y E x",
	  3, 0, 0, 0, 1, 0, 0, 0 },
	{ "/audio/jitter/duplicate-played", 40, 0, 0, 0, "+1 +2 +3 y d1 y y E x",
	  3, 0, 0, 0, 1, 0, 0, 0 },
	{ "/audio/jitter/fec", 40, 0, 0, 0, "+1 +3 +4 y f y y E x", 3, 1, 0, 0, 0, 0, 0, 0 },
	{ "/audio/jitter/plc-then-fec", 40, 0, 0, 0, "+1 +4 +5 y c f y y E x",
	  3, 1, 1, 0, 0, 0, 0, 0 },
	{ "/audio/jitter/late", 40, 0, 0, 0, "+1 +3 +4 y f l2 y y E x", 3, 1, 0, 1, 0, 0, 0, 0 },
	/* the head missing while the consumer still has audio: wait, it may come */
	{ "/audio/jitter/wait-for-head", 40, 0, 0, 0, "+1 +3 +4 y w +2 y y y E x",
	  4, 0, 0, 0, 0, 0, 0, 0 },
	{ "/audio/jitter/not-dry-no-stretch", 0, 0, 0, 0, "+1 y w w +2 y E x",
	  2, 0, 0, 0, 0, 0, 0, 0 },
	/* a late packet: the next missing head gets a stretch more to come, and comes */
	{ "/audio/jitter/grow-on-late", 0, 0, 0, 0, "+1 +3 y f l2 +4 +6 y y s +5 y y E x",
	  5, 1, 0, 1, 0, 0, 0, 1 },
	/* ... but not as a stretch that a PLC follows or that follows one (a dropout):
	 * the head's neighbour is lost too, or the last frame was a PLC */
	{ "/audio/jitter/grow-not-before-plc", 0, 0, 0, 0, "+1 +3 y f y l2 +6 +7 c f y y E x",
	  4, 2, 1, 1, 0, 0, 0, 0 },
	{ "/audio/jitter/grow-not-after-plc", 0, 0, 0, 0, "+1 +4 +5 y c l2 f y y E x",
	  3, 1, 1, 1, 0, 0, 0, 0 },
	{ "/audio/jitter/stall-is-not-loss", 40, 0, 0, 0, "+1 +2 +3 y y y s s +4 y E x",
	  4, 0, 0, 0, 0, 0, 0, 2 },
	/* a stall, then what comes is after the head: the head was lost, and the stretch
	 * already stood in for it; no second concealment in a row (a dropout) */
	{ "/audio/jitter/stretch-stands-in-for-lost", 0, 0, 0, 0,
	  "+1 +2 y y s +4 y E x", 3, 0, 1, 0, 0, 0, 0, 1 },
	{ "/audio/jitter/stretch-then-fec", 0, 0, 0, 0, "+1 y s +4 +5 f y y E x",
	  3, 1, 1, 0, 0, 0, 0, 1 },
	/* not after a 60 ms packet's loss: a 20 ms stretch does not cover 60 ms */
	{ "/audio/jitter/60ms/stretch-then-plc", 0, 0, 60, 0, "+1 y s +4 c f y E x",
	  2, 1, 1, 0, 0, 0, 0, 1 },
	{ "/audio/jitter/drain-conceals-holes", 40, 0, 0, 0, "+1 +2 +5 y y E c f y x",
	  3, 1, 1, 0, 0, 0, 0, 0 },
	/* after the end everything comes out without being dry (a back-to-back burst
	 * decodes the tail into the ring at once) */
	{ "/audio/jitter/drain-all-at-once", 40, 0, 0, 0, "+1 +2 +3 +5 +6 y E D",
	  5, 1, 0, 0, 0, 0, 0, 0 },
	{ "/audio/jitter/end-while-prebuffering", 80, 0, 0, 0, "+1 +2 E y y x",
	  2, 0, 0, 0, 0, 0, 0, 0 },
	{ "/audio/jitter/end-without-packets", 40, 0, 0, 0, "n E x", 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "/audio/jitter/cancel-flushes", 40, 0, 0, 0, "+1 +2 +3 +4 y C n",
	  1, 0, 0, 0, 0, 0, 3, 0 },
	{ "/audio/jitter/invalid", 40, 0, 0, 0, "z +1 i200 +2 +3 y y y E x",
	  3, 0, 0, 0, 0, 4, 0, 0 },
	{ "/audio/jitter/after-end-is-late", 40, 0, 0, 0, "+1 +2 +3 y y y E x l4",
	  3, 0, 0, 1, 0, 0, 0, 0 },
	{ "/audio/jitter/wrap", 40, 0, 0, 0, "+4294967294 +4294967295 +0 y y y +1 y E x",
	  4, 0, 0, 0, 0, 0, 0, 0 },
	/* 60 ms packets (API.md's gD4BPA==): the same protection in time, PLC and FEC for
	 * a lost packet cover 60 ms */
	{ "/audio/jitter/60ms/in-order", 40, 0, 60, 0, "+1 n t39 n t1 y +2 y +3 y E x",
	  3, 0, 0, 0, 0, 0, 0, 0 },
	{ "/audio/jitter/60ms/reserve", 20, 20, 60, 0, "+1 n t20 n t20 y E x",
	  1, 0, 0, 0, 0, 0, 0, 0 },
	{ "/audio/jitter/60ms/backlog", 40, 20, 60, 0, "+1 +2 y y E x", 2, 0, 0, 0, 0, 0, 0, 0 },
	{ "/audio/jitter/60ms/plc", 40, 0, 60, 0, "+1 +2 +5 +8 y y c f y c f y E x",
	  4, 2, 2, 0, 0, 0, 0, 0 },
	{ "/audio/jitter/60ms/fec", 40, 0, 60, 0, "+1 +3 +4 y f y y E x", 3, 1, 0, 0, 0, 0, 0, 0 },
	{ "/audio/jitter/60ms/reorder", 40, 0, 60, 0, "+1 +3 y w +2 y y E x",
	  3, 0, 0, 0, 0, 0, 0, 0 },
	{ "/audio/jitter/60ms/late", 40, 0, 60, 0, "+1 +3 +4 y f l2 y y E x",
	  3, 1, 0, 1, 0, 0, 0, 0 },
	{ "/audio/jitter/60ms/stretch-is-20ms", 0, 0, 60, 0, "+1 y s +2 y E x",
	  2, 0, 0, 0, 0, 0, 0, 1 },
	/* the header says 20 ms, the packets are 60 ms: the packets are right */
	{ "/audio/jitter/header-wrong", 40, 0, 60, 20, "+1 +2 +5 y y c f y E x",
	  3, 1, 1, 0, 0, 0, 0, 0 },
	{ "/audio/jitter/10ms/fec", 20, 0, 10, 0, "+1 +2 +4 y y f y E x", 3, 1, 0, 0, 0, 0, 0, 0 },
	{ "/audio/jitter/120ms/plc", 40, 0, 120, 0, "+1 +4 y c f y E x", 2, 1, 1, 0, 0, 0, 0, 0 },
	{ "/audio/jitter/2.5ms/in-order", 5, 0, 0, 3, "+1 +2 +3 +4 y y y y E x",
	  4, 0, 0, 0, 0, 0, 0, 0 },
};

static uint64_t packet_usec(const struct jcase *c)
{
	/* 3 stands for 2.5 ms here */
	return c->packet_ms == 3 ? 2500 : c->packet_ms ? c->packet_ms * 1000u : 20000u;
}

/* The same scripts for a consumer that holds the first sample itself (the daemon's):
 * the burst starts with no cushion, which grows on the first loss. */
static const struct jcase holds_cases[] = {
	/* a stall, then the packet after the head: the head comes back from its FEC and
	 * the stretch's delay stays (the next loss finds the packet after it in time) */
	{ "/audio/jitter/holds/stretch-then-fec-keeps-delay", 0, 0, 0, 0, "+1 y s +3 f y E x",
	  2, 1, 0, 0, 0, 0, 0, 1 },
	/* the packet after the head is lost too: the stretch stands in for the head,
	 * the next one recovers that one */
	{ "/audio/jitter/holds/stretch-stands-in-for-lost", 0, 0, 0, 0,
	  "+1 +2 y y s +5 f y E x", 3, 1, 1, 0, 0, 0, 0, 1 },
	/* a stretch for the head, then its packet: it plays */
	{ "/audio/jitter/holds/stall-is-not-loss", 0, 0, 0, 0, "+1 y s +2 +3 y y E x",
	  3, 0, 0, 0, 0, 0, 0, 1 },
};

static void run_script(const struct jcase *c, bool holds)
{
	struct audio_jitter *j = audio_jitter_new(c->prebuffer * 1000u, 0, 200000,
						  c->reserve * 1000u);
	g_auto(GStrv) tok = g_strsplit(c->script, " ", -1);
	uint8_t pkt[AUDIO_MAX_PACKET + 1];
	uint64_t now = 1000000, pu = packet_usec(c);
	uint64_t hu = c->header_ms == 3 ? 2500 : c->header_ms ? c->header_ms * 1000u : pu;
	const struct audio_play_stats *st;

	memset(pkt, 0x55, sizeof(pkt));
	audio_jitter_set_consumer_holds(j, holds);
	audio_jitter_begin(j, 7, hu, now);
	for (unsigned i = 0; tok[i]; i++) {
		const char *t = tok[i];
		uint32_t id = (uint32_t)g_ascii_strtoull(t + 1, NULL, 10);
		const uint8_t *d = NULL;
		size_t len = 0;
		uint64_t usec = 0;
		bool dry = true;
		enum audio_jitter_action want = AUDIO_JITTER_NONE, got;

		switch (t[0]) {
		case '+':
			g_assert_cmpint(audio_jitter_put(j, id, pkt, 10, pu, now), ==,
					AUDIO_JITTER_PUT_OK);
			continue;
		case 'd':
			g_assert_cmpint(audio_jitter_put(j, id, pkt, 10, pu, now), ==,
					AUDIO_JITTER_PUT_DUPLICATE);
			continue;
		case 'l': {
			enum audio_jitter_put r = audio_jitter_put(j, id, pkt, 10, pu, now);

			g_assert_true(r == AUDIO_JITTER_PUT_LATE || r == AUDIO_JITTER_PUT_NO_BURST);
			continue;
		}
		case 'i':
			g_assert_cmpint(audio_jitter_put(j, id, pkt, 10, pu, now), ==,
					AUDIO_JITTER_PUT_INVALID);
			continue;
		case 'z':
			g_assert_cmpint(audio_jitter_put(j, 1, pkt, 0, pu, now), ==,
					AUDIO_JITTER_PUT_INVALID);
			g_assert_cmpint(audio_jitter_put(j, 1, pkt, AUDIO_MAX_PACKET + 1, pu, now),
					==, AUDIO_JITTER_PUT_INVALID);
			/* not an Opus packet (no length): invalid */
			g_assert_cmpint(audio_jitter_put(j, 1, pkt, 10, 0, now), ==,
					AUDIO_JITTER_PUT_INVALID);
			continue;
		case 'E':
			audio_jitter_end(j);
			continue;
		case 'C':
			audio_jitter_cancel(j);
			continue;
		case 'D': {
			/* everything after the end, consumer not dry */
			unsigned n = 0;

			while (audio_jitter_get(j, now, false, &d, &len, &usec) != AUDIO_JITTER_END)
				g_assert_cmpuint(++n, <, 100);
			continue;
		}
		case 't':
			now += (uint64_t)id * 1000;
			continue;
		case 'n':
			want = AUDIO_JITTER_NONE;
			break;
		case 'w':
			want = AUDIO_JITTER_NONE;
			dry = false;
			break;
		case 'y':
			want = AUDIO_JITTER_PLAY;
			break;
		case 'f':
			want = AUDIO_JITTER_FEC;
			break;
		case 'c':
			want = AUDIO_JITTER_PLC;
			break;
		case 's':
			want = AUDIO_JITTER_STRETCH;
			break;
		case 'x':
			want = AUDIO_JITTER_END;
			break;
		default:
			g_assert_not_reached();
		}
		got = audio_jitter_get(j, now, dry, &d, &len, &usec);
		if (got != want)
			g_error("%s: token %u '%s': got %s, want %s", c->path, i, t,
				audio_jitter_action_to_string(got),
				audio_jitter_action_to_string(want));
		if (got == AUDIO_JITTER_PLAY || got == AUDIO_JITTER_FEC)
			g_assert_cmpuint(len, ==, 10);
		/* a packet plays for its length; a lost one is concealed for as long */
		if (got == AUDIO_JITTER_PLAY || got == AUDIO_JITTER_FEC || got == AUDIO_JITTER_PLC)
			g_assert_cmpuint(usec, ==, pu);
		if (got == AUDIO_JITTER_STRETCH)
			g_assert_cmpuint(usec, ==, AUDIO_JITTER_STRETCH_USEC);
	}
	st = audio_jitter_stats(j);
	g_assert_cmpuint(st->stream_id, ==, 7);
	g_assert_cmpuint(st->played, ==, c->played);
	g_assert_cmpuint(st->recovered, ==, c->recovered);
	g_assert_cmpuint(st->concealed, ==, c->concealed);
	g_assert_cmpuint(st->late, ==, c->late);
	g_assert_cmpuint(st->duplicate, ==, c->duplicate);
	g_assert_cmpuint(st->invalid, ==, c->invalid);
	g_assert_cmpuint(st->flushed, ==, c->flushed);
	g_assert_cmpuint(st->stretched, ==, c->stretched);
	g_assert_cmpuint(audio_jitter_packet_usec(j), ==, pu);
	audio_jitter_free(j);
}

static void run_case(gconstpointer data)
{
	run_script(data, false);
}

static void run_holds_case(gconstpointer data)
{
	run_script(data, true);
}

/* Random loss, reordering and duplicates: every packet lands in one bucket,
 * every slot is played, recovered or concealed, and the burst ends. */
static void test_accounting(void)
{
	for (guint32 seed = 1; seed <= 200; seed++) {
		GRand *r = g_rand_new_with_seed(seed);
		struct audio_jitter *j = audio_jitter_new(40000, 0, 200000, 40000);
		uint8_t pkt[20] = { 1 };
		uint64_t pu = seed % 2 ? 20000 : 60000, usec;
		uint32_t order[400], n = 0, sent = 0, ended = 0;
		uint64_t now = 0;
		const struct audio_play_stats *st;
		const uint8_t *d;
		size_t len;
		unsigned gets = 0;

		for (uint32_t i = 0; i < 300; i++) {
			if (g_rand_int_range(r, 0, 100) < 10)
				continue; /* lost */
			order[n++] = 5000 + i;
			if (g_rand_int_range(r, 0, 100) < 3)
				order[n++] = 5000 + i; /* duplicated */
		}
		for (uint32_t i = 0; i + 1 < n; i++) /* reorder neighbours */
			if (g_rand_int_range(r, 0, 100) < 10) {
				uint32_t t = order[i];

				order[i] = order[i + 1];
				order[i + 1] = t;
			}
		audio_jitter_begin(j, 1, pu, now);
		for (uint32_t i = 0; i < n; i++) {
			audio_jitter_put(j, order[i], pkt, sizeof(pkt), pu, now);
			sent++;
			now += pu;
			if (i > 5) {
				audio_jitter_get(j, now, i % 3 == 0, &d, &len, &usec);
				gets++;
			}
		}
		audio_jitter_end(j);
		while (audio_jitter_get(j, now, false, &d, &len, &usec) != AUDIO_JITTER_END) {
			g_assert_cmpuint(++gets, <, 2000);
		}
		ended = 1;
		st = audio_jitter_stats(j);
		g_assert_cmpuint(ended, ==, 1);
		g_assert_cmpuint(st->received, ==, sent);
		g_assert_cmpuint(st->received, ==,
				 st->played + st->late + st->duplicate + st->invalid + st->flushed);
		g_assert_cmpuint(st->last_id - st->first_id + 1, ==,
				 st->played + st->recovered + st->concealed + st->skipped);
		g_assert_false(audio_jitter_active(j));
		audio_jitter_free(j);
		g_rand_free(r);
	}
}

/* A consumer that stalled for more than the window: drop the overflow, keep playing. */
static void test_catch_up(void)
{
	struct audio_jitter *j = audio_jitter_new(40000, 0, 200000, 0);
	uint8_t pkt[10] = { 0 };
	const uint8_t *d;
	size_t len;
	uint64_t usec;
	const struct audio_play_stats *st;
	uint32_t id, win;

	audio_jitter_begin(j, 1, 20000, 0);
	win = audio_jitter_window(j);
	g_assert_cmpuint(win * 20000u, >=, AUDIO_JITTER_WINDOW_USEC);
	for (id = 0; id < 3; id++)
		audio_jitter_put(j, id, pkt, 10, 20000, 0);
	g_assert_cmpint(audio_jitter_get(j, 0, true, &d, &len, &usec), ==, AUDIO_JITTER_PLAY);
	/* the consumer stalls while more than a window of packets comes in */
	for (; id < 3 + win + 36; id++)
		audio_jitter_put(j, id, pkt, 10, 20000, 0);
	st = audio_jitter_stats(j);
	/* only what overflowed the window is dropped (ids 1 .. win + 38 came in,
	 * win fit), not the window's worth: a sink that starts late loses no words */
	g_assert_cmpuint(st->flushed, ==, 38);
	g_assert_cmpuint(st->skipped, ==, 38);
	g_assert_cmpuint(audio_jitter_buffered(j), ==, win);
	g_assert_cmpuint(st->invalid, ==, 0);
	/* then plays on in real time: every later packet plays, none is invalid */
	for (; id < 300; id++) {
		audio_jitter_put(j, id, pkt, 10, 20000, 0);
		g_assert_cmpint(audio_jitter_get(j, 0, true, &d, &len, &usec), ==,
				AUDIO_JITTER_PLAY);
	}
	audio_jitter_end(j);
	while (audio_jitter_get(j, 0, true, &d, &len, &usec) != AUDIO_JITTER_END)
		;
	g_assert_cmpuint(st->invalid, ==, 0);
	g_assert_cmpuint(st->received, ==, st->played + st->flushed);
	g_assert_cmpuint(st->last_id - st->first_id + 1, ==,
			 st->played + st->recovered + st->concealed + st->skipped);
	g_assert_cmpuint(st->last_id, ==, 299);
	/* a wild id (two windows ahead) is refused, not followed */
	audio_jitter_begin(j, 2, 20000, 0);
	audio_jitter_put(j, 10, pkt, 10, 20000, 0);
	g_assert_cmpint(audio_jitter_put(j, 10 + 2 * win, pkt, 10, 20000, 0), ==,
			AUDIO_JITTER_PUT_INVALID);
	audio_jitter_free(j);
}

/* The window covers >= 1.28 s whatever the packet length; slots share one arena. */
static void test_window(void)
{
	static const struct {
		uint64_t pu;
		unsigned slots;
	} w[] = { { 2500, 256 }, { 5000, 256 }, { 10000, 128 }, { 20000, 64 },
		  { 40000, 32 }, { 60000, 32 }, { 120000, 32 } };
	struct audio_jitter *j = audio_jitter_new(0, 0, 200000, 0);
	uint8_t pkt[AUDIO_MAX_PACKET] = { 0 };

	for (size_t i = 0; i < G_N_ELEMENTS(w); i++) {
		audio_jitter_begin(j, 1, w[i].pu, 0);
		g_assert_cmpuint(audio_jitter_window(j), ==, w[i].slots);
		g_assert_cmpuint(audio_jitter_packet_usec(j), ==, w[i].pu);
		/* a full window of the largest packets a slot takes */
		for (uint32_t id = 0; id < w[i].slots; id++)
			g_assert_cmpint(audio_jitter_put(j, id, pkt,
							 MIN(AUDIO_MAX_PACKET,
							     AUDIO_JITTER_ARENA / w[i].slots),
							 w[i].pu, 0),
					==, AUDIO_JITTER_PUT_OK);
		g_assert_cmpuint(audio_jitter_buffered_usec(j), ==, w[i].slots * w[i].pu);
		audio_jitter_cancel(j);
	}
	audio_jitter_free(j);
}

/* The target starts where it is told (small), grows when a burst had jitter (late
 * packets, repeated stretches), shrinks on clean bursts, within [min, max]. */
static void test_adapt(void)
{
	struct audio_jitter *j = audio_jitter_new(0, 0, 60000, 21333);
	uint8_t pkt[10] = { 0 };
	const uint8_t *d;
	size_t len;
	uint64_t usec;

	/* a clean link: the first packet plays one quantum after it came */
	audio_jitter_begin(j, 1, 20000, 0);
	g_assert_cmpuint(audio_jitter_stats(j)->prebuffer, ==, 21333);
	audio_jitter_put(j, 1, pkt, 10, 20000, 0);
	g_assert_cmpint(audio_jitter_get(j, 21000, true, &d, &len, &usec), ==, AUDIO_JITTER_NONE);
	g_assert_cmpint(audio_jitter_get(j, 21333, true, &d, &len, &usec), ==, AUDIO_JITTER_PLAY);
	audio_jitter_end(j);
	while (audio_jitter_get(j, 0, true, &d, &len, &usec) != AUDIO_JITTER_END)
		;
	g_assert_cmpuint(audio_jitter_target(j), ==, 0);

	/* a burst with a late packet: + 20 ms */
	audio_jitter_begin(j, 2, 60000, 0);
	audio_jitter_put(j, 1, pkt, 10, 60000, 0);
	audio_jitter_put(j, 3, pkt, 10, 60000, 0);
	audio_jitter_put(j, 4, pkt, 10, 60000, 0);
	while (audio_jitter_get(j, 100000, true, &d, &len, &usec) != AUDIO_JITTER_FEC)
		;
	audio_jitter_put(j, 2, pkt, 10, 60000, 0);
	audio_jitter_cancel(j);
	g_assert_cmpuint(audio_jitter_target(j), ==, AUDIO_JITTER_STEP_UP);
	/* a burst that ran dry again and again: + 20 ms more, up to max */
	for (int b = 0; b < 3; b++) {
		audio_jitter_begin(j, 3, 20000, 0);
		audio_jitter_put(j, 1, pkt, 10, 20000, 0);
		for (int k = 0; k < 4; k++)
			audio_jitter_get(j, 1000000, true, &d, &len, &usec);
		g_assert_cmpuint(audio_jitter_stats(j)->stretched, ==, 3);
		audio_jitter_cancel(j);
	}
	g_assert_cmpuint(audio_jitter_target(j), ==, 60000);
	g_assert_cmpuint(audio_jitter_stats(j)->prebuffer, ==, 60000 + 21333);
	/* clean bursts: back down to the minimum, no lower */
	for (int b = 0; b < 10; b++) {
		audio_jitter_begin(j, 4 + (uint32_t)b, 20000, 0);
		audio_jitter_put(j, 1, pkt, 10, 20000, 0);
		audio_jitter_end(j);
		while (audio_jitter_get(j, 0, true, &d, &len, &usec) != AUDIO_JITTER_END)
			;
	}
	g_assert_cmpuint(audio_jitter_target(j), ==, 0);
	audio_jitter_free(j);
}

/* The consumer holds the reserve itself: packets come out once the target has passed,
 * and due says when the first sample is to play. */
struct hcase {
	const char *path;
	bool holds;
	unsigned target, reserve; /* ms */
	unsigned backlog;         /* packets that came with the first one */
	unsigned wait;            /* ms after the first arrival until get() plays */
	unsigned due;             /* ms after the first arrival, as audio_jitter_due() says */
};

static const struct hcase hcases[] = {
	{ "/audio/jitter/holds/at-once", true, 0, 25, 0, 0, 25 },
	{ "/audio/jitter/holds/after-target", true, 20, 25, 0, 20, 45 },
	/* a backlog covers the reserve: due at once */
	{ "/audio/jitter/holds/backlog", true, 0, 25, 2, 0, 0 },
	/* a backlog shorter than the reserve covers part of it */
	{ "/audio/jitter/holds/short-backlog", true, 0, 25, 1, 0, 5 },
	/* without: the jitter buffer waits target + reserve, due when it lets go */
	{ "/audio/jitter/holds/off", false, 20, 25, 0, 45, 45 },
};

static void run_hold_case(gconstpointer data)
{
	const struct hcase *c = data;
	struct audio_jitter *j = audio_jitter_new(c->target * 1000u, 0, 200000,
						  c->reserve * 1000u);
	uint8_t pkt[10];
	const uint64_t t0 = 5000000;
	const uint8_t *d;
	size_t len;
	uint64_t usec;

	memset(pkt, 0x55, sizeof(pkt));
	audio_jitter_set_consumer_holds(j, c->holds);
	audio_jitter_begin(j, 7, 20000, t0);
	for (unsigned i = 0; i <= c->backlog; i++)
		g_assert_cmpint(audio_jitter_put(j, 100 + i, pkt, sizeof(pkt), 20000, t0), ==,
				AUDIO_JITTER_PUT_OK);
	g_assert_cmpuint(audio_jitter_due(j), ==, 0);
	if (c->wait) {
		g_assert_cmpint(audio_jitter_get(j, t0 + c->wait * 1000u - 1, true, &d, &len,
						 &usec), ==, AUDIO_JITTER_NONE);
		g_assert_cmpuint(audio_jitter_due(j), ==, 0);
	}
	g_assert_cmpint(audio_jitter_get(j, t0 + c->wait * 1000u, true, &d, &len, &usec), ==,
			AUDIO_JITTER_PLAY);
	g_assert_cmpuint(audio_jitter_due(j), ==, t0 + MAX(c->due, c->wait) * 1000u);
	audio_jitter_free(j);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
		g_test_add_data_func(cases[i].path, &cases[i], run_case);
	for (size_t i = 0; i < G_N_ELEMENTS(holds_cases); i++)
		g_test_add_data_func(holds_cases[i].path, &holds_cases[i], run_holds_case);
	for (size_t i = 0; i < G_N_ELEMENTS(hcases); i++)
		g_test_add_data_func(hcases[i].path, &hcases[i], run_hold_case);
	g_test_add_func("/audio/jitter/accounting-random", test_accounting);
	g_test_add_func("/audio/jitter/adapt", test_adapt);
	g_test_add_func("/audio/jitter/catch-up", test_catch_up);
	g_test_add_func("/audio/jitter/window", test_window);
	return g_test_run();
}
