/* SPDX-License-Identifier: MIT */
/*
 * audio-analyse - frequency and gaps of a recorded tone (raw S16LE mono).
 *
 *   audio-analyse FILE [--rate 16000] [--expect-freq HZ] [--tolerance PCT]
 *                      [--max-gap-ms MS] [--min-active-ms MS] [--periods]
 *
 * The active region runs from the first to the last sample above -30 dBFS-ish.
 * Frequency: interpolated rising zero crossings, the median over 100 ms blocks;
 * --periods: the rate over the median period between two rising crossings (the
 * pitch, even when frames were dropped or spliced often: a splice spoils one period,
 * but every 100 ms block).
 * Gaps: 2.5 ms windows whose RMS is 20 dB or more under the region's median
 * window RMS (a dropout, not the dip of a concealed frame); the longest run of
 * them is the longest gap.
 * Prints "freq=... active_ms=... start_ms=... longest_gap_ms=..."; exit 1 when an
 * expectation fails.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	double rate = 16000, expect = 0, tol = 1, max_gap = -1, min_active = 0;
	const char *path = NULL;
	FILE *f;
	short *s = NULL;
	size_t n = 0, cap = 0, first, last, win, nw, run = 0, longest = 0, longest_at = 0;
	double *rms, median, thr, freq = 0, t0 = -1, t1 = -1;
	long crossings = -1;
	int rc = 0, periods = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--rate") == 0 && i + 1 < argc)
			rate = atof(argv[++i]);
		else if (strcmp(argv[i], "--expect-freq") == 0 && i + 1 < argc)
			expect = atof(argv[++i]);
		else if (strcmp(argv[i], "--tolerance") == 0 && i + 1 < argc)
			tol = atof(argv[++i]);
		else if (strcmp(argv[i], "--max-gap-ms") == 0 && i + 1 < argc)
			max_gap = atof(argv[++i]);
		else if (strcmp(argv[i], "--min-active-ms") == 0 && i + 1 < argc)
			min_active = atof(argv[++i]);
		else if (strcmp(argv[i], "--periods") == 0)
			periods = 1;
		else
			path = argv[i];
	}
	if (!path || !(f = fopen(path, "rb"))) {
		fprintf(stderr, "audio-analyse: cannot open %s\n", path ? path : "(none)");
		return 2;
	}
	for (;;) {
		if (n == cap) {
			cap = cap ? cap * 2 : 65536;
			s = realloc(s, cap * sizeof(*s));
		}
		size_t r = fread(s + n, sizeof(*s), cap - n, f);

		if (r == 0)
			break;
		n += r;
	}
	fclose(f);
	for (first = 0; first < n && abs(s[first]) < 1000; first++)
		;
	for (last = n; last > first && abs(s[last - 1]) < 1000; last--)
		;
	if (last <= first) {
		printf("freq=0 active_ms=0 start_ms=0 longest_gap_ms=0 (silence)\n");
		return expect > 0 || min_active > 0 ? 1 : 0;
	}
	/* frequency: median of 100 ms blocks (a gap or a concealed frame skews one block) */
	{
		size_t blk = (size_t)(rate / 10), nb = (last - first) / blk, k = 0;
		double *fb = calloc(nb + 1, sizeof(double));

		for (size_t b = 0; b < nb; b++) {
			size_t s0 = first + b * blk;

			t0 = t1 = -1;
			crossings = -1;
			for (size_t i = s0 + 1; i < s0 + blk; i++) {
				if (s[i - 1] < 0 && s[i] >= 0) {
					double t = (double)(i - 1) +
						   (double)-s[i - 1] / (double)(s[i] - s[i - 1]);

					if (t0 < 0)
						t0 = t;
					t1 = t;
					crossings++;
				}
			}
			if (crossings > 0 && t1 > t0)
				fb[k++] = (double)crossings * rate / (t1 - t0);
		}
		qsort(fb, k, sizeof(double), cmp_double);
		freq = k ? fb[k / 2] : 0;
		free(fb);
	}
	if (periods) {
		double *pd = malloc((last - first) * sizeof(double)), prev = -1;
		size_t k = 0;
		int armed = 0;

		/* with hysteresis: a crossing counts after the signal went under -1000 (low
		 * noise between bursts and codec noise around zero make no periods) */
		for (size_t i = first + 1; i < last; i++) {
			if (s[i] < -1000)
				armed = 1;
			if (armed && s[i - 1] < 0 && s[i] >= 0) {
				armed = 0;
				double t = (double)(i - 1) + (double)-s[i - 1] / (double)(s[i] - s[i - 1]);

				if (prev >= 0)
					pd[k++] = t - prev;
				prev = t;
			}
		}
		qsort(pd, k, sizeof(double), cmp_double);
		freq = k && pd[k / 2] > 0 ? rate / pd[k / 2] : 0;
		printf("periods=%zu ", k);
		free(pd);
	}
	/* gaps */
	win = (size_t)(rate * 0.0025);
	nw = (last - first) / win;
	rms = calloc(nw + 1, sizeof(*rms));
	for (size_t w = 0; w < nw; w++) {
		double acc = 0;

		for (size_t i = 0; i < win; i++) {
			double v = s[first + w * win + i];

			acc += v * v;
		}
		rms[w] = sqrt(acc / (double)win);
	}
	{
		double *sorted = malloc((nw + 1) * sizeof(double));

		memcpy(sorted, rms, nw * sizeof(double));
		qsort(sorted, nw, sizeof(double), cmp_double);
		median = nw ? sorted[nw / 2] : 0;
		free(sorted);
	}
	thr = median / 10;
	for (size_t w = 0; w < nw; w++) {
		if (rms[w] < thr) {
			if (++run > longest) {
				longest = run;
				longest_at = w + 1 - run;
			}
		} else {
			run = 0;
		}
	}
	printf("freq=%.2f active_ms=%.1f start_ms=%.1f longest_gap_ms=%.1f gap_at_ms=%.1f "
	       "median_rms=%.0f\n",
	       freq, (double)(last - first) * 1000 / rate, (double)first * 1000 / rate,
	       (double)longest * win * 1000 / rate,
	       (double)(first + longest_at * win) * 1000 / rate, median);
	if (expect > 0 && fabs(freq - expect) > expect * tol / 100) {
		printf("FAIL: frequency %.2f not within %.1f%% of %.0f\n", freq, tol, expect);
		rc = 1;
	}
	if (max_gap >= 0 && (double)longest * win * 1000 / rate > max_gap) {
		printf("FAIL: gap of %.1f ms > %.1f ms\n", (double)longest * win * 1000 / rate,
		       max_gap);
		rc = 1;
	}
	if (min_active > 0 && (double)(last - first) * 1000 / rate < min_active) {
		printf("FAIL: only %.1f ms of tone\n", (double)(last - first) * 1000 / rate);
		rc = 1;
	}
	free(rms);
	free(s);
	return rc;
}
