/* SPDX-License-Identifier: MIT */
/*
 * test-scan.c - one case per rule of the channel priority (see scan.h),
 * table-driven: each case is a script of steps over three channels ranked
 * 0 > 1 > 2 (channel 0 wins), each step with its expected verdict.
 */
#include <errno.h>
#include <glib.h>

#include "scan.h"

enum op { START, STOP, SELECT, RESET, END };

struct step {
	enum op op;
	unsigned ch;
	uint32_t stream;
	uint32_t playing;     /* START: what the floor plays */
	bool busy;            /* START: our own talk */
	int expect;           /* START: verdict; STOP: through (0/1) */
	uint32_t lost;        /* START: the burst that lost the speaker */
};

struct scan_case {
	const char *path;
	bool priority_selected;
	struct step steps[10];
	uint64_t preempted[3]; /* per channel at the end */
};

static const struct scan_case cases[] = {
	{ "/scan/start/nothing-playing",
	  false, { { START, 2, 10, 0, false, SCAN_PLAY, 0 }, { END, 0, 0, 0, false, 0, 0 } }, { 0, 0, 0 } },
	{ "/scan/start/higher-takes-the-speaker",
	  false, { { START, 2, 10, 0, false, SCAN_PLAY, 0 },
		   { START, 0, 11, 10, false, SCAN_PLAY, 10 },
		   { END, 0, 0, 0, false, 0, 0 } }, { 0, 0, 1 } },
	{ "/scan/start/lower-is-pre-empted",
	  false, { { START, 0, 10, 0, false, SCAN_PLAY, 0 },
		   { START, 1, 11, 10, false, SCAN_PREEMPTED, 0 },
		   { START, 2, 12, 10, false, SCAN_PREEMPTED, 0 },
		   { END, 0, 0, 0, false, 0, 0 } }, { 0, 1, 1 } },
	{ "/scan/start/same-channel-replaces-uncounted",
	  false, { { START, 1, 10, 0, false, SCAN_PLAY, 0 },
		   { START, 1, 11, 10, false, SCAN_PLAY, 0 },
		   { END, 0, 0, 0, false, 0, 0 } }, { 0, 0, 0 } },
	{ "/scan/start/not-played-by-the-floor-does-not-block",
	  /* the floor let 10 go (receive timeout, link): a lower burst plays */
	  false, { { START, 0, 10, 0, false, SCAN_PLAY, 0 },
		   { START, 2, 11, 0, false, SCAN_PLAY, 0 },
		   { END, 0, 0, 0, false, 0, 0 } }, { 0, 0, 0 } },
	{ "/scan/start/duplicate-ignored",
	  false, { { START, 0, 10, 0, false, SCAN_PLAY, 0 },
		   { START, 0, 10, 10, false, SCAN_IGNORED, 0 },
		   { START, 5, 11, 10, false, SCAN_IGNORED, 0 },
		   { START, 1, 0, 10, false, SCAN_IGNORED, 0 },
		   { END, 0, 0, 0, false, 0, 0 } }, { 0, 0, 0 } },
	{ "/scan/busy/other-channel-pre-empted",
	  false, { { SELECT, 1, 0, 0, false, 0, 0 },
		   { START, 0, 10, 0, true, SCAN_PREEMPTED, 0 },
		   { START, 1, 11, 0, true, SCAN_PLAY, 0 },
		   { END, 0, 0, 0, false, 0, 0 } }, { 1, 0, 0 } },
	{ "/scan/priority-selected/selected-wins",
	  true, { { SELECT, 2, 0, 0, false, 0, 0 },
		  { START, 0, 10, 0, false, SCAN_PLAY, 0 },
		  { START, 2, 11, 10, false, SCAN_PLAY, 10 },
		  { START, 1, 12, 11, false, SCAN_PREEMPTED, 0 },
		  { START, 0, 13, 11, false, SCAN_PREEMPTED, 0 },
		  { END, 0, 0, 0, false, 0, 0 } }, { 2, 1, 0 } },
	{ "/scan/priority-selected/off-rank-only",
	  false, { { SELECT, 2, 0, 0, false, 0, 0 },
		   { START, 0, 10, 0, false, SCAN_PLAY, 0 },
		   { START, 2, 11, 10, false, SCAN_PREEMPTED, 0 },
		   { END, 0, 0, 0, false, 0, 0 } }, { 0, 0, 1 } },
	{ "/scan/stop/not-resumed",
	  /* 10 lost the speaker to 11; 11 ends: 10 stays off, and its stop is
	   * still due to the floor (it had been let through) */
	  false, { { START, 1, 10, 0, false, SCAN_PLAY, 0 },
		   { START, 0, 11, 10, false, SCAN_PLAY, 10 },
		   { STOP, 0, 11, 0, false, 1, 0 },
		   { STOP, 0, 10, 0, false, 1, 0 },
		   { STOP, 0, 10, 0, false, 0, 0 },
		   { END, 0, 0, 0, false, 0, 0 } }, { 0, 1, 0 } },
	{ "/scan/stop/pre-empted-never-through",
	  false, { { START, 0, 10, 0, false, SCAN_PLAY, 0 },
		   { START, 2, 11, 10, false, SCAN_PREEMPTED, 0 },
		   { STOP, 0, 11, 0, false, 0, 0 },
		   { END, 0, 0, 0, false, 0, 0 } }, { 0, 0, 1 } },
	{ "/scan/reset/forgets-bursts-keeps-counts",
	  false, { { START, 0, 10, 0, false, SCAN_PLAY, 0 },
		   { START, 1, 11, 10, false, SCAN_PREEMPTED, 0 },
		   { RESET, 0, 0, 0, false, 0, 0 },
		   { STOP, 0, 10, 0, false, 0, 0 },
		   { START, 2, 12, 0, false, SCAN_PLAY, 0 },
		   { END, 0, 0, 0, false, 0, 0 } }, { 0, 1, 0 } },
};

static void run_case(const void *p)
{
	const struct scan_case *c = p;
	struct scan *s = scan_new(3, (const unsigned[]){ 0, 1, 2 }, c->priority_selected);
	unsigned i;

	g_assert_nonnull(s);
	for (i = 0; c->steps[i].op != END; i++) {
		const struct step *st = &c->steps[i];
		uint32_t lost = 99;

		switch (st->op) {
		case START: {
			enum scan_verdict v = scan_start(s, st->ch, st->stream, st->playing,
							 st->busy, &lost);

			g_test_message("step %u: start %u on %u -> %s (lost %u)", i, st->stream,
				       st->ch, scan_verdict_to_string(v), lost);
			g_assert_cmpstr(scan_verdict_to_string(v), ==,
					scan_verdict_to_string(st->expect));
			g_assert_cmpuint(lost, ==, st->lost);
			if (v == SCAN_PREEMPTED)
				g_assert_true(scan_is_preempted(s, st->stream));
			if (v != SCAN_IGNORED)
				g_assert_cmpint(scan_channel_of(s, st->stream), ==, st->ch);
			break;
		}
		case STOP:
			g_assert_cmpint(scan_stop(s, st->stream), ==, st->expect);
			g_assert_cmpint(scan_channel_of(s, st->stream), ==, -1);
			break;
		case SELECT:
			g_assert_cmpint(scan_select(s, st->ch), ==, 0);
			break;
		case RESET:
			scan_reset(s);
			break;
		case END:
			break;
		}
	}
	for (i = 0; i < 3; i++)
		g_assert_cmpuint(scan_get_preempted(s, i), ==, c->preempted[i]);
	scan_free(s);
}

static void test_config(void)
{
	struct scan *s;

	g_assert_null(scan_new(0, NULL, false));
	g_assert_null(scan_new(SCAN_MAX_CHANNELS + 1, NULL, false));
	g_assert_null(scan_new(2, (const unsigned[]){ 3, 3 }, false));
	s = scan_new(SCAN_MAX_CHANNELS, NULL, false);
	g_assert_nonnull(s);
	g_assert_cmpint(scan_select(s, SCAN_MAX_CHANNELS), ==, -EINVAL);
	g_assert_cmpint(scan_select(s, SCAN_MAX_CHANNELS - 1), ==, 0);
	g_assert_cmpuint(scan_get_selected(s), ==, SCAN_MAX_CHANNELS - 1);
	g_assert_cmpuint(scan_rank(s, 7), ==, 7);
	s = scan_free(s);
	/* ranks given: channel 1 first */
	s = scan_new(3, (const unsigned[]){ 2, 0, 1 }, true);
	g_assert_cmpint(scan_select(s, 0), ==, 0);
	g_assert_cmpuint(scan_rank(s, 0), <, scan_rank(s, 1));
	g_assert_cmpuint(scan_rank(s, 1), <, scan_rank(s, 2));
	scan_free(s);
}

static void test_full(void)
{
	struct scan *s = scan_new(2, NULL, false);
	uint32_t i;

	/* more live bursts than slots: the extra ones are kept off, counted */
	g_assert_cmpint(scan_start(s, 0, 1, 0, false, NULL), ==, SCAN_PLAY);
	for (i = 2; i <= SCAN_MAX_BURSTS; i++)
		g_assert_cmpint(scan_start(s, 1, i, 1, false, NULL), ==, SCAN_PREEMPTED);
	g_assert_cmpint(scan_start(s, 0, 100, 1, false, NULL), ==, SCAN_PREEMPTED);
	g_assert_cmpuint(scan_get_preempted(s, 0), ==, 1);
	g_assert_cmpuint(scan_get_preempted(s, 1), ==, SCAN_MAX_BURSTS - 1);
	scan_free(s);
}

int main(int argc, char **argv)
{
	unsigned i;

	g_test_init(&argc, &argv, NULL);
	for (i = 0; i < G_N_ELEMENTS(cases); i++)
		g_test_add_data_func(cases[i].path, &cases[i], run_case);
	g_test_add_func("/scan/config", test_config);
	g_test_add_func("/scan/full", test_full);
	return g_test_run();
}
