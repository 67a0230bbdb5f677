/* SPDX-License-Identifier: MIT */
/*
 * bench-proto - cost of the codec on the hot paths (a program, not a test).
 *
 *   bench-proto [RUNS]
 *
 * Median, p99 and max in microseconds over RUNS (default 1000) of: building start_stream,
 * parsing on_stream_start, parsing a reply, building and parsing a 60-byte audio frame.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *what, double *t, int n)
{
	qsort(t, n, sizeof(double), cmp);
	printf("%-28s median %7.2f us  p99 %7.2f us  max %7.2f us  (%d runs)\n", what,
	       t[n / 2], t[n * 99 / 100], t[n - 1], n);
}

int main(int argc, char **argv)
{
	static const struct proto_codec_header h = { 16000, 1, 20 };
	static const char oss[] =
		"{\"command\":\"on_stream_start\",\"type\":\"audio\",\"codec\":\"opus\","
		"\"codec_header\":\"gD4BFA==\",\"packet_duration\":20,\"stream_id\":22695,"
		"\"channel\":\"ops\",\"from\":\"dispatcher\"}";
	static const char reply[] = "{\"seq\":2,\"success\":true,\"stream_id\":22695}";
	int n = argc > 1 ? atoi(argv[1]) : 1000, i;
	double *t = g_new(double, n > 0 ? n : 1);
	uint8_t opus[60], frame[128];
	struct proto_msg m = PROTO_MSG_INIT;
	struct proto_audio a;

	if (n <= 0)
		return 2;
	memset(opus, 0x5a, sizeof(opus));
	for (i = 0; i < n; i++) {
		gint64 s = g_get_monotonic_time();
		char *j = proto_build_start_stream(i, "ops", &h, 20, false);

		t[i] = g_get_monotonic_time() - s;
		g_free(j);
	}
	report("build start_stream", t, n);
	for (i = 0; i < n; i++) {
		gint64 s = g_get_monotonic_time();

		if (proto_parse_text(oss, sizeof(oss) - 1, &m, NULL) != 0)
			return 1;
		t[i] = g_get_monotonic_time() - s;
	}
	report("parse on_stream_start", t, n);
	for (i = 0; i < n; i++) {
		gint64 s = g_get_monotonic_time();

		if (proto_parse_text(reply, sizeof(reply) - 1, &m, NULL) != 0)
			return 1;
		t[i] = g_get_monotonic_time() - s;
	}
	report("parse start_stream reply", t, n);
	for (i = 0; i < n; i++) {
		gint64 s = g_get_monotonic_time();
		size_t len = proto_build_audio(frame, sizeof(frame), 22695, i, opus, sizeof(opus));

		if (proto_parse_audio(frame, len, &a, NULL) != 0)
			return 1;
		t[i] = g_get_monotonic_time() - s;
	}
	report("build+parse audio frame", t, n);
	proto_msg_clear(&m);
	g_free(t);
	return 0;
}
