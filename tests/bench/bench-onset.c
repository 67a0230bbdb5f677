/* SPDX-License-Identifier: MIT */
/*
 * bench-onset - sharp onsets into, and found at, PipeWire nodes, timed on
 * CLOCK_MONOTONIC (the clock pttgw-dispatch --onsets prints), for the latency
 * benchmark (bench-latency.sh). Knows PipeWire's public API only.
 *
 *   bench-onset listen NODE [SECONDS]
 *     Captures what NODE (a sink: its monitor) outputs. Each sample that turns
 *     loud after 200 ms of quiet prints "onset out at T us": T is the time of
 *     the graph cycle that carried it plus its offset in the cycle.
 *   bench-onset inject LOUD_S
 *     Plays silence from a node named bench-onset-in that nothing links by
 *     itself (link it: pw-link bench-onset-in:output_MONO NODE:input_MONO). Each
 *     line on stdin starts LOUD_S of a full-scale 1 kHz square at the next cycle
 *     and prints "onset in at T us": the time of the cycle that carries it. Exits
 *     at the end of stdin.
 */
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <pipewire/pipewire.h>
#include <spa/param/audio/format-utils.h>

#define RATE 48000
#define LEVEL 4000
#define QUIET_SAMPLES (RATE / 5)

struct onset {
	struct pw_main_loop *loop;
	struct pw_stream *stream;
	struct spa_hook listener;
	bool inject;
	uint64_t quiet;
	uint64_t loud;          /* inject: samples of each onset */
	uint64_t loud_left;     /* data thread */
	uint64_t phase;
	atomic_bool go;         /* inject: a line came in */
	uint64_t end_usec;      /* listen: stop then */
};

static uint64_t mono_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* The monotonic time of the cycle: the driver's, when the stream knows it. */
static uint64_t cycle_usec(struct onset *o)
{
	struct pw_time t;

	if (pw_stream_get_time_n(o->stream, &t, sizeof(t)) == 0 && t.now > 0)
		return (uint64_t)t.now / 1000u;
	return mono_usec();
}

static void on_process(void *data)
{
	struct onset *o = data;
	struct pw_buffer *b = pw_stream_dequeue_buffer(o->stream);
	struct spa_data *d;
	uint64_t t0;

	if (!b)
		return;
	t0 = cycle_usec(o);
	d = &b->buffer->datas[0];
	if (!d->data) {
		pw_stream_queue_buffer(o->stream, b);
		return;
	}
	if (o->inject) {
		int16_t *dst = d->data;
		uint32_t n = d->maxsize / sizeof(int16_t);

		if (b->requested && b->requested < n)
			n = (uint32_t)b->requested;
		if (atomic_exchange(&o->go, false)) {
			o->loud_left = o->loud;
			printf("onset in at %llu us\n", (unsigned long long)t0);
			fflush(stdout);
		}
		for (uint32_t i = 0; i < n; i++, o->phase++) {
			dst[i] = o->loud_left ? ((o->phase / 24) % 2 ? 30000 : -30000) : 0;
			if (o->loud_left)
				o->loud_left--;
		}
		d->chunk->offset = 0;
		d->chunk->stride = sizeof(int16_t);
		d->chunk->size = n * sizeof(int16_t);
	} else if (d->chunk) {
		const int16_t *src = SPA_PTROFF(d->data, SPA_MIN(d->chunk->offset, d->maxsize),
						const int16_t);
		uint32_t n = SPA_MIN(d->chunk->size, d->maxsize) / sizeof(int16_t);

		for (uint32_t i = 0; i < n; i++) {
			if (abs(src[i]) < LEVEL) {
				o->quiet++;
				continue;
			}
			if (o->quiet >= QUIET_SAMPLES) {
				printf("onset out at %llu us\n",
				       (unsigned long long)(t0 + (uint64_t)i * 1000000u / RATE));
				fflush(stdout);
			}
			o->quiet = 0;
		}
		if (o->end_usec && mono_usec() >= o->end_usec)
			pw_main_loop_quit(o->loop);
	}
	pw_stream_queue_buffer(o->stream, b);
}

static void on_stdin(void *data, int fd, uint32_t mask)
{
	struct onset *o = data;
	char buf[256];
	ssize_t r = read(fd, buf, sizeof(buf));

	if (r <= 0) {
		pw_main_loop_quit(o->loop);
		return;
	}
	atomic_store(&o->go, true);
}

static const struct pw_stream_events events = {
	PW_VERSION_STREAM_EVENTS,
	.process = on_process,
};

int main(int argc, char **argv)
{
	struct onset o = { .quiet = QUIET_SAMPLES };
	uint8_t buf[1024];
	struct spa_pod_builder b = SPA_POD_BUILDER_INIT(buf, sizeof(buf));
	const struct spa_pod *params[1];
	struct spa_audio_info_raw info = {
		.format = SPA_AUDIO_FORMAT_S16, .rate = RATE, .channels = 1,
		.position = { SPA_AUDIO_CHANNEL_MONO },
	};
	struct pw_properties *props;

	if (argc < 3 || (strcmp(argv[1], "listen") && strcmp(argv[1], "inject")) ||
	    (!strcmp(argv[1], "inject") && argc < 3)) {
		fprintf(stderr, "usage: %s listen NODE [SECONDS] | inject LOUD_S\n",
			argv[0]);
		return 2;
	}
	o.inject = !strcmp(argv[1], "inject");
	if (o.inject) {
		o.loud = (uint64_t)(atof(argv[2]) * RATE);
	} else if (argc > 3) {
		o.end_usec = mono_usec() + (uint64_t)(atof(argv[3]) * 1e6);
	}
	pw_init(&argc, &argv);
	o.loop = pw_main_loop_new(NULL);
	props = pw_properties_new(PW_KEY_MEDIA_TYPE, "Audio",
				  PW_KEY_MEDIA_CATEGORY, o.inject ? "Playback" : "Capture",
				  PW_KEY_NODE_DONT_RECONNECT, "true",
				  NULL);
	if (o.inject) {
		pw_properties_set(props, PW_KEY_NODE_NAME, "bench-onset-in");
		pw_properties_set(props, PW_KEY_NODE_AUTOCONNECT, "false");
		pw_loop_add_io(pw_main_loop_get_loop(o.loop), 0, SPA_IO_IN | SPA_IO_HUP, false,
			       on_stdin, &o);
	} else {
		pw_properties_set(props, PW_KEY_TARGET_OBJECT, argv[2]);
		pw_properties_set(props, PW_KEY_STREAM_CAPTURE_SINK, "true");
	}
	o.stream = pw_stream_new_simple(pw_main_loop_get_loop(o.loop),
					o.inject ? "bench-onset-in" : "bench-onset-out", props,
					&events, &o);
	params[0] = spa_format_audio_raw_build(&b, SPA_PARAM_EnumFormat, &info);
	if (pw_stream_connect(o.stream, o.inject ? PW_DIRECTION_OUTPUT : PW_DIRECTION_INPUT,
			      PW_ID_ANY,
			      (o.inject ? 0 : PW_STREAM_FLAG_AUTOCONNECT) |
				      PW_STREAM_FLAG_MAP_BUFFERS | PW_STREAM_FLAG_RT_PROCESS,
			      params, 1) < 0) {
		fprintf(stderr, "bench-onset: cannot connect\n");
		return 1;
	}
	pw_main_loop_run(o.loop);
	pw_stream_set_active(o.stream, false);
	pw_stream_disconnect(o.stream);
	pw_stream_destroy(o.stream);
	pw_main_loop_destroy(o.loop);
	pw_deinit();
	return 0;
}
