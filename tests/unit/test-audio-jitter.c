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
	unsigned prebuffer, reserve;
	const char *script;
	uint32_t played, recovered, concealed, late, duplicate, invalid, flushed, stretched;
};

static const struct jcase cases[] = {
	{ "/audio/jitter/in-order", 3, 0, "+1 n +2 n +3 y y y E x", 3, 0, 0, 0, 0, 0, 0, 0 },
	{ "/audio/jitter/reserve", 2, 2, "+1 +2 +3 n +4 y y y y E x", 4, 0, 0, 0, 0, 0, 0, 0 },
	{ "/audio/jitter/prebuffer-by-time", 3, 0, "+1 n t30 n t40 y s E x",
	  1, 0, 0, 0, 0, 0, 0, 1 },
	{ "/audio/jitter/reorder", 3, 0, "+2 +1 +3 y y y E x", 3, 0, 0, 0, 0, 0, 0, 0 },
	{ "/audio/jitter/earlier-while-prebuffering", 3, 0, "+5 +4 +3 y y y E x",
	  3, 0, 0, 0, 0, 0, 0, 0 },
	{ "/audio/jitter/duplicate-buffered", 3, 0, "+1 d1 +2 +3 y y y E x",
	  3, 0, 0, 0, 1, 0, 0, 0 },
	{ "/audio/jitter/duplicate-played", 3, 0, "+1 +2 +3 y d1 y y E x",
	  3, 0, 0, 0, 1, 0, 0, 0 },
	{ "/audio/jitter/fec", 3, 0, "+1 +3 +4 y f y y E x", 3, 1, 0, 0, 0, 0, 0, 0 },
	{ "/audio/jitter/plc-then-fec", 3, 0, "+1 +4 +5 y c f y y E x", 3, 1, 1, 0, 0, 0, 0, 0 },
	{ "/audio/jitter/late", 3, 0, "+1 +3 +4 y f l2 y y E x", 3, 1, 0, 1, 0, 0, 0, 0 },
	{ "/audio/jitter/stall-is-not-loss", 3, 0, "+1 +2 +3 y y y s s +4 y E x",
	  4, 0, 0, 0, 0, 0, 0, 2 },
	{ "/audio/jitter/drain-conceals-holes", 3, 0, "+1 +2 +5 y y E c f y x",
	  3, 1, 1, 0, 0, 0, 0, 0 },
	{ "/audio/jitter/end-while-prebuffering", 5, 0, "+1 +2 E y y x", 2, 0, 0, 0, 0, 0, 0, 0 },
	{ "/audio/jitter/end-without-packets", 3, 0, "n E x", 0, 0, 0, 0, 0, 0, 0, 0 },
	{ "/audio/jitter/cancel-flushes", 3, 0, "+1 +2 +3 +4 y C n", 1, 0, 0, 0, 0, 0, 3, 0 },
	{ "/audio/jitter/invalid", 3, 0, "z +1 i200 +2 +3 y y y E x", 3, 0, 0, 0, 0, 3, 0, 0 },
	{ "/audio/jitter/after-end-is-late", 3, 0, "+1 +2 +3 y y y E x l4",
	  3, 0, 0, 1, 0, 0, 0, 0 },
	{ "/audio/jitter/wrap", 3, 0, "+4294967294 +4294967295 +0 y y y +1 y E x",
	  4, 0, 0, 0, 0, 0, 0, 0 },
};

static void run_case(gconstpointer data)
{
	const struct jcase *c = data;
	struct audio_jitter *j = audio_jitter_new(c->prebuffer, 1, 10, c->reserve);
	g_auto(GStrv) tok = g_strsplit(c->script, " ", -1);
	uint8_t pkt[AUDIO_MAX_PACKET + 1];
	uint64_t now = 1000000;
	const struct audio_play_stats *st;

	memset(pkt, 0x55, sizeof(pkt));
	audio_jitter_begin(j, 7, now);
	for (unsigned i = 0; tok[i]; i++) {
		const char *t = tok[i];
		uint32_t id = (uint32_t)g_ascii_strtoull(t + 1, NULL, 10);
		const uint8_t *d = NULL;
		size_t len = 0;
		enum audio_jitter_action want = AUDIO_JITTER_NONE, got;

		switch (t[0]) {
		case '+':
			g_assert_cmpint(audio_jitter_put(j, id, pkt, 10, now), ==,
					AUDIO_JITTER_PUT_OK);
			continue;
		case 'd':
			g_assert_cmpint(audio_jitter_put(j, id, pkt, 10, now), ==,
					AUDIO_JITTER_PUT_DUPLICATE);
			continue;
		case 'l': {
			enum audio_jitter_put r = audio_jitter_put(j, id, pkt, 10, now);

			g_assert_true(r == AUDIO_JITTER_PUT_LATE || r == AUDIO_JITTER_PUT_NO_BURST);
			continue;
		}
		case 'i':
			g_assert_cmpint(audio_jitter_put(j, id, pkt, 10, now), ==,
					AUDIO_JITTER_PUT_INVALID);
			continue;
		case 'z':
			g_assert_cmpint(audio_jitter_put(j, 1, pkt, 0, now), ==,
					AUDIO_JITTER_PUT_INVALID);
			g_assert_cmpint(audio_jitter_put(j, 1, pkt, AUDIO_MAX_PACKET + 1, now), ==,
					AUDIO_JITTER_PUT_INVALID);
			continue;
		case 'E':
			audio_jitter_end(j);
			continue;
		case 'C':
			audio_jitter_cancel(j);
			continue;
		case 't':
			now += (uint64_t)id * 1000;
			continue;
		case 'n':
			want = AUDIO_JITTER_NONE;
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
		got = audio_jitter_get(j, now, &d, &len);
		if (got != want)
			g_error("%s: token %u '%s': got %s, want %s", c->path, i, t,
				audio_jitter_action_to_string(got),
				audio_jitter_action_to_string(want));
		if (got == AUDIO_JITTER_PLAY || got == AUDIO_JITTER_FEC)
			g_assert_cmpuint(len, ==, 10);
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
	audio_jitter_free(j);
}

/* Random loss, reordering and duplicates: every packet lands in one bucket,
 * every slot is played, recovered or concealed, and the burst ends. */
static void test_accounting(void)
{
	for (guint32 seed = 1; seed <= 200; seed++) {
		GRand *r = g_rand_new_with_seed(seed);
		struct audio_jitter *j = audio_jitter_new(3, 1, 10, 2);
		uint8_t pkt[20] = { 1 };
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
		audio_jitter_begin(j, 1, now);
		for (uint32_t i = 0; i < n; i++) {
			audio_jitter_put(j, order[i], pkt, sizeof(pkt), now);
			sent++;
			now += 20000;
			if (i > 5)
				audio_jitter_get(j, now, &d, &len), gets++;
		}
		audio_jitter_end(j);
		while (audio_jitter_get(j, now, &d, &len) != AUDIO_JITTER_END) {
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

/* A consumer that stalled for more than the window: catch up, keep playing. */
static void test_catch_up(void)
{
	struct audio_jitter *j = audio_jitter_new(3, 1, 10, 0);
	uint8_t pkt[10] = { 0 };
	const uint8_t *d;
	size_t len;
	const struct audio_play_stats *st;
	uint32_t id;

	audio_jitter_begin(j, 1, 0);
	for (id = 0; id < 3; id++)
		audio_jitter_put(j, id, pkt, 10, 0);
	g_assert_cmpint(audio_jitter_get(j, 0, &d, &len), ==, AUDIO_JITTER_PLAY); /* 0 */
	/* the consumer stalls while 100 packets come in */
	for (; id < 103; id++)
		audio_jitter_put(j, id, pkt, 10, 0);
	st = audio_jitter_stats(j);
	g_assert_cmpuint(st->skipped, >, 0);
	g_assert_cmpuint(st->invalid, ==, 0);
	/* then plays on in real time: every later packet plays, none is invalid */
	for (; id < 300; id++) {
		audio_jitter_put(j, id, pkt, 10, 0);
		g_assert_cmpint(audio_jitter_get(j, 0, &d, &len), ==, AUDIO_JITTER_PLAY);
	}
	audio_jitter_end(j);
	while (audio_jitter_get(j, 0, &d, &len) != AUDIO_JITTER_END)
		;
	g_assert_cmpuint(st->invalid, ==, 0);
	g_assert_cmpuint(st->received, ==, st->played + st->flushed);
	g_assert_cmpuint(st->last_id - st->first_id + 1, ==,
			 st->played + st->recovered + st->concealed + st->skipped);
	g_assert_cmpuint(st->last_id, ==, 299);
	/* a wild id (two windows ahead) is refused, not followed */
	audio_jitter_begin(j, 2, 0);
	audio_jitter_put(j, 10, pkt, 10, 0);
	g_assert_cmpint(audio_jitter_put(j, 10 + 2 * AUDIO_JITTER_SLOTS, pkt, 10, 0), ==,
			AUDIO_JITTER_PUT_INVALID);
	audio_jitter_free(j);
}

static void test_adapt(void)
{
	struct audio_jitter *j = audio_jitter_new(3, 2, 5, 0);
	uint8_t pkt[10] = { 0 };
	const uint8_t *d;
	size_t len;

	/* a burst with a late packet: +1 frame */
	audio_jitter_begin(j, 1, 0);
	audio_jitter_put(j, 1, pkt, 10, 0);
	audio_jitter_put(j, 3, pkt, 10, 0);
	audio_jitter_put(j, 4, pkt, 10, 0);
	while (audio_jitter_get(j, 0, &d, &len) != AUDIO_JITTER_FEC)
		;
	audio_jitter_put(j, 2, pkt, 10, 0);
	audio_jitter_cancel(j);
	g_assert_cmpuint(audio_jitter_target(j), ==, 4);
	/* clean bursts: back down to the minimum, no lower */
	for (int b = 0; b < 5; b++) {
		audio_jitter_begin(j, 2 + (uint32_t)b, 0);
		audio_jitter_put(j, 1, pkt, 10, 0);
		audio_jitter_end(j);
		while (audio_jitter_get(j, 0, &d, &len) != AUDIO_JITTER_END)
			;
	}
	g_assert_cmpuint(audio_jitter_target(j), ==, 2);
	audio_jitter_free(j);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
		g_test_add_data_func(cases[i].path, &cases[i], run_case);
	g_test_add_func("/audio/jitter/accounting-random", test_accounting);
	g_test_add_func("/audio/jitter/adapt", test_adapt);
	g_test_add_func("/audio/jitter/catch-up", test_catch_up);
	return g_test_run();
}
