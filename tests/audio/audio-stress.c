/* SPDX-License-Identifier: MIT */
/*
 * audio-stress - PipeWire streams created, played and destroyed in a tight loop
 * against a real PipeWire (tests/audio/pw-fixture.sh), for ASan and ThreadSanitizer.
 *
 * Several playback streams (and one capture stream) live at once; each is torn
 * down after a short random life, most of them from the real-time notification,
 * that is right after a process() cycle, while the data thread goes on to the
 * other streams of the same graph cycle: the moment a teardown that removes the
 * listener under a running stream gets wrong. Linked with pw-hook-delay.c, which
 * widens PipeWire 0.3.65's nanosecond window so that a wrong order fails every run
 * (UBSan: process() with NULL data; TSan: a race on the callback's data).
 *
 * audio-stress --sink NAME [--source NAME] [--seconds N] [--streams K] [--seed S]
 * Prints "stress created=.. active=.. freed=.. cycles=.." and exits 0 when at
 * least one stream of each kind became active and every stream was freed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <glib.h>

#include "audio-pw.h"
#include "audio-stream.h"
#include "audio.h"

#define MAX_SLOTS 16

struct slot {
	struct stress *st;
	struct audio_stream *s;
	bool capture;
	bool was_active;
	gint64 born, die_at;
	uint32_t phase;
};

struct stress {
	GMainLoop *loop;
	struct audio_pw *pw;
	GRand *rand;
	const char *sink, *source;
	struct slot slots[MAX_SLOTS];
	unsigned n_slots;
	gint64 end;
	unsigned created, active, freed, cycles, failed;
	unsigned active_play, active_cap;
	bool stopping;
};

static void slot_state(void *data, struct audio_stream *s, enum audio_activation st,
		       const char *reason)
{
	struct slot *sl = data;

	if (st == AUDIO_ACTIVE && !sl->was_active) {
		sl->was_active = true;
		sl->st->active++;
		if (sl->capture)
			sl->st->active_cap++;
		else
			sl->st->active_play++;
	} else if (st == AUDIO_FAILED) {
		sl->st->failed++;
	}
}

/* playback: keep ~100 ms of a 1 kHz square in the ring; capture: drain it */
static void slot_io(void *data, struct audio_stream *s)
{
	struct slot *sl = data;
	struct audio_ring *ring = audio_stream_ring(s);
	int16_t buf[AUDIO_FRAME_SAMPLES];

	sl->st->cycles++;
	if (sl->capture) {
		while (audio_ring_read(ring, buf, AUDIO_FRAME_SAMPLES) > 0)
			;
		return;
	}
	while (audio_ring_fill(ring) < 1600 && audio_ring_space(ring) >= AUDIO_FRAME_SAMPLES) {
		for (unsigned i = 0; i < AUDIO_FRAME_SAMPLES; i++, sl->phase++)
			buf[i] = (sl->phase / 8) % 2 ? 8000 : -8000;
		audio_ring_write(ring, buf, AUDIO_FRAME_SAMPLES);
	}
}

static const struct audio_stream_events slot_events = {
	.state = slot_state,
	.io = slot_io,
};

static void slot_start(struct stress *st, struct slot *sl)
{
	char name[64];
	struct audio_stream_params p = {
		.capture = sl->capture,
		.target = sl->capture ? st->source : st->sink,
		.name = name,
		.activation_timeout = 5 * G_USEC_PER_SEC,
	};

	snprintf(name, sizeof(name), "pttgw-stress-%u", st->created);
	sl->st = st;
	sl->was_active = false;
	sl->born = g_get_monotonic_time();
	/* 0-120 ms of life; a third go before they are linked at all */
	sl->die_at = sl->born + g_rand_int_range(st->rand, 0, 120000);
	sl->s = audio_stream_new(st->pw, &p, &slot_events, sl);
	st->created++;
	audio_stream_set_started(sl->s, true);
}

static void slot_stop(struct stress *st, struct slot *sl)
{
	g_clear_pointer(&sl->s, audio_stream_free);
	st->freed++;
}

/* Tear down what is due and start its successor. */
static void reap(struct stress *st)
{
	gint64 now = g_get_monotonic_time();

	for (unsigned i = 0; i < st->n_slots; i++) {
		struct slot *sl = &st->slots[i];

		if (!sl->s || now < sl->die_at)
			continue;
		slot_stop(st, sl);
		if (!st->stopping)
			slot_start(st, sl);
	}
}

static void on_rt_notify(void *data)
{
	struct stress *st = data;

	for (unsigned i = 0; i < st->n_slots; i++)
		audio_stream_poll(st->slots[i].s);
	reap(st);
}

static void on_nodes(void *data, const struct audio_node *gone)
{
	struct stress *st = data;

	for (unsigned i = 0; i < st->n_slots; i++)
		audio_stream_check(st->slots[i].s, gone);
}

static void on_links(void *data)
{
	on_nodes(data, NULL);
}

static void on_disconnected(void *data, const char *message)
{
	struct stress *st = data;

	fprintf(stderr, "stress: PipeWire gone: %s\n", message);
	g_main_loop_quit(st->loop);
}

static const struct audio_pw_events pw_events = {
	.nodes = on_nodes,
	.links = on_links,
	.rt_notify = on_rt_notify,
	.disconnected = on_disconnected,
};

/* Streams that never cycle (not linked yet) are reaped here too. */
static gboolean on_tick(gpointer data)
{
	struct stress *st = data;

	if (g_get_monotonic_time() >= st->end) {
		st->stopping = true;
		for (unsigned i = 0; i < st->n_slots; i++)
			if (st->slots[i].s)
				slot_stop(st, &st->slots[i]);
		g_main_loop_quit(st->loop);
		return G_SOURCE_REMOVE;
	}
	reap(st);
	return G_SOURCE_CONTINUE;
}

int main(int argc, char **argv)
{
	struct stress st = { .sink = NULL };
	unsigned seconds = 20, streams = 6;
	guint32 seed = 1;
	g_autoptr(GError) error = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--sink") && i + 1 < argc)
			st.sink = argv[++i];
		else if (!strcmp(argv[i], "--source") && i + 1 < argc)
			st.source = argv[++i];
		else if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
			seconds = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--streams") && i + 1 < argc)
			streams = (unsigned)atoi(argv[++i]);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = (guint32)atoi(argv[++i]);
		else {
			fprintf(stderr, "usage: %s --sink NAME [--source NAME] [--seconds N] "
					"[--streams K] [--seed S]\n", argv[0]);
			return 2;
		}
	}
	if (!st.sink || streams < 1 || streams > MAX_SLOTS - 1 || seconds < 1 || seconds > 600) {
		fprintf(stderr, "stress: need --sink, 1-%u streams, 1-600 s\n", MAX_SLOTS - 1);
		return 2;
	}
	st.loop = g_main_loop_new(NULL, FALSE);
	st.rand = g_rand_new_with_seed(seed);
	st.pw = audio_pw_new(&pw_events, &st, &error);
	if (!st.pw) {
		fprintf(stderr, "stress: %s\n", error->message);
		return 1;
	}
	if (audio_pw_roundtrip(st.pw, 5000) < 0) {
		fprintf(stderr, "stress: no PipeWire round trip\n");
		return 1;
	}
	st.n_slots = streams + (st.source ? 1 : 0);
	for (unsigned i = 0; i < st.n_slots; i++) {
		st.slots[i].capture = st.source && i == streams;
		slot_start(&st, &st.slots[i]);
	}
	st.end = g_get_monotonic_time() + (gint64)seconds * G_USEC_PER_SEC;
	g_timeout_add(5, on_tick, &st);
	g_main_loop_run(st.loop);

	printf("stress created=%u active=%u active_playback=%u active_capture=%u freed=%u "
	       "cycles=%u failed=%u\n", st.created, st.active, st.active_play, st.active_cap,
	       st.freed, st.cycles, st.failed);
	audio_pw_free(st.pw);
	g_rand_free(st.rand);
	g_main_loop_unref(st.loop);
	if (st.freed != st.created || st.active_play == 0 || (st.source && st.active_cap == 0)) {
		printf("FAIL: every stream freed, at least one of each kind active\n");
		return 1;
	}
	return 0;
}
