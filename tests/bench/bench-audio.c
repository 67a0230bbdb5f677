/* SPDX-License-Identifier: MIT */
/*
 * bench-audio - CPU cost of the gateway's audio path against bare libopus.
 *
 *   bench-audio [--seconds 60]
 *       In-process, as fast as it goes: 60 s of duplex audio through the
 *       gateway's code (jitter buffer with reordering, Opus decode, the SPSC
 *       ring both ways, Opus encode) against bare opus_decode + opus_encode of
 *       the same packets and samples. Prints CPU seconds and the ratio.
 *
 *   bench-audio --pipewire --seconds 60 --mic FILE.raw [--headset X]
 *       Against a running PipeWire (see bench-audio-pw.sh): a 60 s remote burst
 *       is played while the microphone is captured (real streams, PipeWire's
 *       resampling in this process), CPU time from getrusage against bare
 *       libopus on the same audio; median and 99th percentile of "mic frame
 *       complete in process() -> frame callback"; VmRSS idle and during.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "audio-codec.h"
#include "audio-jitter.h"
#include "audio-ring.h"
#include "audio.h"

#define MAXP 4000

struct packets {
	uint8_t data[MAXP][AUDIO_MAX_PACKET];
	size_t len[MAXP];
	unsigned n;
};

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double rusage_cpu(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
	       (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

static long rss_kb(void)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	long kb = -1;

	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "VmRSS: %ld", &kb) == 1)
			break;
	if (f)
		fclose(f);
	return kb;
}

/* Speech-like test signal: two drifting partials, syllable-rate envelope, a little noise. */
static void make_signal(int16_t *pcm, size_t n, unsigned seed)
{
	double p1 = 0, p2 = 0;

	srand(seed);
	for (size_t i = 0; i < n; i++) {
		double t = (double)i / AUDIO_RATE;
		double env = 0.55 + 0.45 * sin(2 * M_PI * 4 * t);
		double f1 = 180 + 60 * sin(2 * M_PI * 0.7 * t);
		double f2 = 900 + 400 * sin(2 * M_PI * 0.3 * t);
		double noise = 0.02 * ((double)rand() / RAND_MAX - 0.5);
		double v = env * (0.6 * sin(p1) + 0.3 * sin(p2)) + noise;

		p1 += 2 * M_PI * f1 / AUDIO_RATE;
		p2 += 2 * M_PI * f2 / AUDIO_RATE;
		pcm[i] = (int16_t)lrint(v * 14000);
	}
}

static void encode_all(const int16_t *pcm, unsigned frames, struct packets *p)
{
	struct audio_enc_params ep = { .bitrate = 20000, .packet_loss = 10, .fec = true };
	struct audio_enc *e = audio_enc_new(&ep);

	p->n = 0;
	for (unsigned f = 0; f < frames && f < MAXP; f++) {
		int n = audio_enc_encode(e, pcm + (size_t)f * AUDIO_FRAME_SAMPLES, p->data[p->n],
					 AUDIO_MAX_PACKET);

		if (n > 0)
			p->len[p->n++] = (size_t)n;
	}
	audio_enc_free(e);
}

/* Bare libopus: decode every packet, encode every frame. */
static double run_bare(const struct packets *in, const int16_t *mic, unsigned frames)
{
	struct audio_enc_params ep = {
		.bitrate = 20000, .packet_loss = 10, .fec = true, .dtx = true,
	};
	struct audio_enc *e = audio_enc_new(&ep);
	struct audio_dec *d = audio_dec_new();
	int16_t pcm[AUDIO_PACKET_MAX_SAMPLES];
	uint8_t out[AUDIO_MAX_PACKET];
	volatile unsigned sink = 0;
	double t0 = cpu_now();

	for (unsigned i = 0; i < in->n; i++) {
		audio_dec_decode(d, in->data[i], in->len[i], pcm, AUDIO_PACKET_MAX_SAMPLES);
		sink += (unsigned)pcm[0];
	}
	for (unsigned f = 0; f < frames; f++)
		sink += (unsigned)audio_enc_encode(e, mic + (size_t)f * AUDIO_FRAME_SAMPLES, out,
						   sizeof(out));
	t0 = cpu_now() - t0;
	audio_enc_free(e);
	audio_dec_free(d);
	return t0;
}

/* The gateway's path, without PipeWire: what audio.c and process() do per frame. */
static double run_path(const struct packets *in, const int16_t *mic, unsigned frames)
{
	static struct audio_ring play, cap;
	struct audio_enc_params ep = {
		.bitrate = 20000, .packet_loss = 10, .fec = true, .dtx = true,
	};
	struct audio_enc *e = audio_enc_new(&ep);
	struct audio_dec *d = audio_dec_new();
	struct audio_jitter *j = audio_jitter_new(20000, 0, 200000, AUDIO_FRAME_USEC);
	int16_t pcm[AUDIO_PACKET_MAX_SAMPLES], quantum[AUDIO_FRAME_SAMPLES];
	uint8_t out[AUDIO_MAX_PACKET];
	volatile unsigned sink = 0;
	uint64_t now = 0;
	unsigned next = 0, fill = 0;
	double t0 = cpu_now();

	audio_ring_init(&play);
	audio_ring_init(&cap);
	audio_jitter_begin(j, 1, AUDIO_FRAME_USEC, now);
	for (unsigned f = 0; f < frames + 10; f++, now += AUDIO_FRAME_USEC) {
		const uint8_t *data;
		size_t len;
		uint64_t usec;

		/* network: packets arrive, every 10th swapped with its neighbour */
		if (next < in->n) {
			unsigned id = next % 10 == 8 && next + 1 < in->n ? next + 1
					: next % 10 == 9 ? next - 1 : next;

			audio_jitter_put(j, id, in->data[id], in->len[id],
					 (uint64_t)audio_packet_usec(in->data[id], in->len[id]), now);
			next++;
		} else if (next == in->n) {
			audio_jitter_end(j);
			next++;
		}
		/* main loop: refill the playback ring */
		while (audio_ring_fill(&play) < 2 * AUDIO_FRAME_SAMPLES) {
			enum audio_jitter_action a = audio_jitter_get(j, now, true, &data, &len,
								      &usec);
			unsigned n = audio_usec_samples(usec);

			if (a == AUDIO_JITTER_PLAY)
				audio_dec_decode(d, data, len, pcm, AUDIO_PACKET_MAX_SAMPLES);
			else if (a == AUDIO_JITTER_FEC)
				audio_dec_decode_fec(d, data, len, pcm, n);
			else if (a == AUDIO_JITTER_PLC || a == AUDIO_JITTER_STRETCH)
				audio_dec_conceal(d, pcm, n);
			else
				break;
			audio_ring_write(&play, pcm, n);
		}
		/* process() playback and capture */
		sink += audio_ring_read(&play, quantum, AUDIO_FRAME_SAMPLES);
		if (f < frames)
			audio_ring_write(&cap, mic + (size_t)f * AUDIO_FRAME_SAMPLES,
					 AUDIO_FRAME_SAMPLES);
		/* main loop: encode complete mic frames */
		for (;;) {
			fill += audio_ring_read(&cap, pcm + fill, AUDIO_FRAME_SAMPLES - fill);
			if (fill < AUDIO_FRAME_SAMPLES)
				break;
			fill = 0;
			sink += (unsigned)audio_enc_encode(e, pcm, out, sizeof(out));
		}
	}
	t0 = cpu_now() - t0;
	audio_jitter_free(j);
	audio_enc_free(e);
	audio_dec_free(d);
	return t0;
}

/* ---- against PipeWire ---- */

struct live {
	GMainLoop *loop;
	struct audio *a;
	const struct packets *in;
	unsigned next;
	uint64_t start;
	GArray *lat; /* double ms */
	long rss_burst, rss_base;
	bool done;
	unsigned frames;
};

static void lv_playback(void *data, uint32_t id, enum audio_activation st, const char *reason)
{
	struct live *l = data;

	fprintf(stderr, "playback %s: %s\n", audio_activation_to_string(st), reason);
	if (st == AUDIO_OFF || st == AUDIO_FAILED) {
		l->done = true;
		g_main_loop_quit(l->loop);
	}
}

static void lv_capture(void *data, enum audio_activation st, const char *reason)
{
	fprintf(stderr, "capture %s: %s\n", audio_activation_to_string(st), reason);
}

static void lv_frame(void *data, const uint8_t *opus, size_t len, uint64_t captured)
{
	struct live *l = data;
	double ms = (double)((uint64_t)g_get_monotonic_time() - captured) / 1000.0;

	l->frames++;
	g_array_append_val(l->lat, ms);
}

static gboolean lv_tick(gpointer data)
{
	struct live *l = data;
	uint64_t now = (uint64_t)g_get_monotonic_time() - l->start;

	while (l->next < l->in->n && (uint64_t)l->next * AUDIO_FRAME_USEC <= now) {
		audio_play_packet(l->a, 1, l->next, l->in->data[l->next], l->in->len[l->next]);
		l->next++;
	}
	if (l->next == l->in->n / 2 && l->rss_burst < 0)
		l->rss_burst = rss_kb();
	if (l->next < l->in->n) {
		/* wake when the next packet is due, as a socket would: 50 times a second,
		 * not a polling tick (whose wake-ups counted as the gateway's CPU) */
		uint64_t due = (uint64_t)l->next * AUDIO_FRAME_USEC;

		g_timeout_add((guint)((due - MIN(due, now) + 999) / 1000), lv_tick, l);
		return G_SOURCE_REMOVE;
	}
	audio_play_end(l->a, 1);
	return G_SOURCE_REMOVE;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static int run_live(const struct packets *in, const int16_t *mic, unsigned frames,
		    const char *headset)
{
	struct audio_events ev = {
		.playback = lv_playback, .capture = lv_capture, .frame = lv_frame,
	};
	struct live l = { .in = in, .rss_burst = -1 };
	struct audio_config cfg;
	g_autoptr(GError) error = NULL;
	double bare, cpu0, cpu, med, p99;
	long rss_idle, rss_base;

	bare = run_bare(in, mic, frames);
	rss_base = rss_kb(); /* the benchmark's own buffers, before the library */
	audio_config_init(&cfg);
	cfg.headset = (char *)headset;
	cfg.cues = false;
	l.lat = g_array_new(FALSE, FALSE, sizeof(double));
	l.loop = g_main_loop_new(NULL, FALSE);
	l.a = audio_new(&cfg, &ev, &l, &error);
	if (!l.a) {
		fprintf(stderr, "bench-audio: %s\n", error->message);
		return 1;
	}
	rss_idle = rss_kb();
	l.rss_base = rss_base;
	cpu0 = rusage_cpu();
	l.start = (uint64_t)g_get_monotonic_time();
	audio_capture_begin(l.a);
	audio_play_begin(l.a, 1, NULL);
	g_timeout_add(0, lv_tick, &l);
	g_main_loop_run(l.loop);
	audio_capture_end(l.a);
	cpu = rusage_cpu() - cpu0;
	g_array_sort(l.lat, cmp_double);
	med = l.lat->len ? g_array_index(l.lat, double, l.lat->len / 2) : -1;
	p99 = l.lat->len ? g_array_index(l.lat, double, l.lat->len * 99 / 100) : -1;
	printf("pipewire: %.0f s duplex: gateway process CPU %.3f s (user+sys, all threads, "
	       "incl. PipeWire client + resampling), bare libopus %.3f s, ratio %.2f\n",
	       (double)frames * 0.02, cpu, bare, bare > 0 ? cpu / bare : 0);
	printf("pipewire: mic frame complete in process() -> frame callback: median %.3f ms, "
	       "p99 %.3f ms over %u frames\n", med, p99, l.frames);
	printf("pipewire: VmRSS idle %ld kB, during the burst %ld kB; of which the benchmark's "
	       "own buffers %ld kB: library + PipeWire client idle %ld kB, burst %ld kB\n",
	       rss_idle, l.rss_burst, rss_base, rss_idle - rss_base, l.rss_burst - rss_base);
	audio_free(l.a);
	g_main_loop_unref(l.loop);
	g_array_unref(l.lat);
	return 0;
}

int main(int argc, char **argv)
{
	static struct packets in;
	double seconds = 60, bare, path;
	const char *mic_path = NULL, *headset = NULL;
	bool live = false;
	unsigned frames;
	int16_t *remote, *mic;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
			seconds = atof(argv[++i]);
		else if (strcmp(argv[i], "--pipewire") == 0)
			live = true;
		else if (strcmp(argv[i], "--mic") == 0 && i + 1 < argc)
			mic_path = argv[++i];
		else if (strcmp(argv[i], "--headset") == 0 && i + 1 < argc)
			headset = argv[++i];
	}
	frames = (unsigned)(seconds * 50);
	if (frames > MAXP)
		frames = MAXP;
	remote = calloc((size_t)frames * AUDIO_FRAME_SAMPLES, sizeof(int16_t));
	mic = calloc((size_t)frames * AUDIO_FRAME_SAMPLES, sizeof(int16_t));
	make_signal(remote, (size_t)frames * AUDIO_FRAME_SAMPLES, 1);
	if (mic_path) {
		FILE *f = fopen(mic_path, "rb");

		size_t want = (size_t)frames * AUDIO_FRAME_SAMPLES;

		if (!f || fread(mic, sizeof(int16_t), want, f) == 0) {
			fprintf(stderr, "bench-audio: cannot read %s\n", mic_path);
			return 1;
		}
		fclose(f);
	} else {
		make_signal(mic, (size_t)frames * AUDIO_FRAME_SAMPLES, 2);
	}
	encode_all(remote, frames, &in);
	if (live)
		return run_live(&in, mic, frames, headset);

	/* warm up, then best of three of each */
	run_bare(&in, mic, frames);
	bare = path = 1e9;
	for (int r = 0; r < 3; r++) {
		double b = run_bare(&in, mic, frames), p = run_path(&in, mic, frames);

		bare = b < bare ? b : bare;
		path = p < path ? p : path;
	}
	printf("in-process: %.0f s duplex (%u packets in, %u frames out)\n", seconds, in.n, frames);
	printf("in-process: bare libopus decode+encode  %.3f s CPU\n", bare);
	printf("in-process: gateway path (jitter, decode, rings, encode) %.3f s CPU\n", path);
	printf("in-process: ratio %.3f (target <= 1.25)\n", path / bare);
	printf("in-process: VmRSS %ld kB\n", rss_kb());
	free(remote);
	free(mic);
	return 0;
}
