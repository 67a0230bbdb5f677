/* SPDX-License-Identifier: MIT */
/*
 * bench-audio-formats - what a talker's packet length costs the gateway: decode CPU per
 * second of audio, and the jitter buffer's wait and wire -> graph latency, for 20 ms and
 * 60 ms packets (and 2 x 20, 10 ms), at 16 and 48 kHz encodings.
 *
 * Decode: libopus encodes 10 s of speech-like signal in the format, the gateway's
 * decoder (audio-codec.c) decodes it at 16 kHz, best of 5 runs, CPU time.
 * Latency: a simulated clock (no PipeWire): packets arrive on time (a clean link) or
 * with up to 30 ms of jitter; the ring is refilled as audio.c does (take what the jitter
 * buffer has, conceal only when less than a quantum + 10 ms is left) on every arrival
 * and every graph cycle; a cycle takes one quantum (1024/48000 = 21.3 ms by default,
 * --quantum N). Wire -> graph: from a packet's arrival until the cycle that takes its
 * first sample (the sink's own buffering comes on top: about one quantum more).
 * Prints figures; not a test.
 */
#include <glib.h>
#include <math.h>
#include <opus.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "audio-codec.h"
#include "audio-jitter.h"
#include "audio-ring.h"
#include "audio.h"

#define SECONDS 10

struct fmt {
	const char *name;
	int rate;
	unsigned frame_us, fpp;
};

static double cpu_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint8_t pkts[SECONDS * 1000 / 10][AUDIO_MAX_PACKET];
static size_t lens[G_N_ELEMENTS(pkts)];

static unsigned encode(const struct fmt *f)
{
	int err;
	OpusEncoder *e = opus_encoder_create(f->rate, 1, OPUS_APPLICATION_VOIP, &err);
	OpusRepacketizer *rp = opus_repacketizer_create();
	unsigned fs = (unsigned)f->rate / 1000u * f->frame_us / 1000u, n = 0;
	static uint8_t fr[2][AUDIO_MAX_PACKET];
	int16_t pcm[2880];
	double t = 0;

	opus_encoder_ctl(e, OPUS_SET_BITRATE(24000));
	opus_encoder_ctl(e, OPUS_SET_INBAND_FEC(1));
	opus_encoder_ctl(e, OPUS_SET_PACKET_LOSS_PERC(10));
	opus_encoder_ctl(e, OPUS_SET_BANDWIDTH(f->rate <= 16000 ? OPUS_BANDWIDTH_WIDEBAND
							       : OPUS_BANDWIDTH_FULLBAND));
	while (n < G_N_ELEMENTS(pkts) && t < SECONDS) {
		opus_repacketizer_init(rp);
		for (unsigned k = 0; k < f->fpp; k++) {
			opus_int32 len;

			/* a voice-like signal: a 150 Hz buzz with formant-ish partials */
			for (unsigned i = 0; i < fs; i++, t += 1.0 / f->rate)
				pcm[i] = (int16_t)(3000 * sin(2 * M_PI * 150 * t) +
						   2000 * sin(2 * M_PI * 700 * t) *
							   sin(2 * M_PI * 3 * t) +
						   1000 * sin(2 * M_PI * 2400 * t));
			len = opus_encode(e, pcm, (int)fs, fr[k], AUDIO_MAX_PACKET);
			if (len < 0 || opus_repacketizer_cat(rp, fr[k], len) != OPUS_OK)
				g_error("%s: cannot encode", f->name);
		}
		lens[n] = (size_t)opus_repacketizer_out(rp, pkts[n], AUDIO_MAX_PACKET);
		n++;
	}
	opus_repacketizer_destroy(rp);
	opus_encoder_destroy(e);
	return n;
}

static double decode_cost(unsigned n)
{
	static int16_t pcm[AUDIO_PACKET_MAX_SAMPLES];
	double best = 1e9;

	for (int run = 0; run < 5; run++) {
		struct audio_dec *d = audio_dec_new();
		double t0 = cpu_now();

		for (unsigned i = 0; i < n; i++)
			if (audio_dec_decode(d, pkts[i], lens[i], pcm, AUDIO_PACKET_MAX_SAMPLES) < 0)
				g_error("decode failed");
		best = MIN(best, cpu_now() - t0);
		audio_dec_free(d);
	}
	return best / SECONDS;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The playback path on a simulated clock. Returns the median wire -> graph latency (us);
 * *ret_wait: the jitter buffer's wait before playing (us), *ret_stretch: stretches. */
static uint64_t simulate(unsigned n, uint64_t pu, unsigned quantum, unsigned jitter_ms,
			 uint64_t *ret_wait, unsigned *ret_stretch, unsigned *ret_underruns)
{
	static struct audio_ring ring;
	static int16_t pcm[AUDIO_PACKET_MAX_SAMPLES], out[4096];
	static uint64_t arrive[G_N_ELEMENTS(pkts)], lat[G_N_ELEMENTS(pkts)];
	/* which packet the sample at a ring position came from (+1), 0: concealment */
	static uint32_t owner[AUDIO_RING_SAMPLES];
	static bool put[G_N_ELEMENTS(pkts)];
	struct audio_jitter *j = audio_jitter_new(0, 0, 200000, 0);
	struct audio_dec *d = audio_dec_new();
	uint64_t cycle = (uint64_t)quantum * 1000000u / AUDIO_RATE, phase = 7000;
	uint64_t now = 0, next_cycle = phase, t_start = 0;
	unsigned next = 0, nlat = 0, underruns = 0;
	uint32_t wpos = 0, rpos = 0;
	GRand *r = g_rand_new_with_seed(1);
	bool started = false;

	memset(put, 0, sizeof(put));
	memset(lat, 0, sizeof(lat));
	for (unsigned i = 0; i < n; i++)
		arrive[i] = i * pu + (jitter_ms ? (uint64_t)g_rand_int_range(r, 0, (gint32)jitter_ms * 1000) : 0);
	audio_ring_init(&ring);
	audio_jitter_set_reserve(j, cycle);
	audio_jitter_begin(j, 1, pu, 0);
	for (;;) {
		bool is_cycle = false;
		uint64_t t_next = UINT64_MAX;

		/* the next event: an arrival or a graph cycle */
		for (unsigned i = next; i < n; i++)
			if (!put[i])
				t_next = MIN(t_next, arrive[i]);
		if (next_cycle <= t_next) {
			now = next_cycle;
			is_cycle = true;
			next_cycle += cycle;
		} else {
			now = t_next;
			for (unsigned i = next; i < n; i++)
				if (!put[i] && arrive[i] == now) {
					int64_t us = audio_packet_usec(pkts[i], lens[i]);

					audio_jitter_put(j, i, pkts[i], lens[i], (uint64_t)us, now);
					put[i] = true;
				}
			while (next < n && put[next])
				next++;
			if (next >= n && audio_jitter_active(j))
				audio_jitter_end(j);
		}
		if (is_cycle && started) {
			uint32_t got = audio_ring_read(&ring, out, quantum);

			if (got < quantum && audio_jitter_active(j)) /* not the burst's end */
				underruns++;
			for (uint32_t k = 0; k < got; k++, rpos++) {
				uint32_t o = owner[rpos % AUDIO_RING_SAMPLES];

				if (o && lat[o - 1] == 0 && nlat < n) {
					lat[o - 1] = now - arrive[o - 1] + 1;
					nlat++;
				}
			}
			if (!audio_jitter_active(j) && audio_ring_fill(&ring) == 0)
				break;
		}
		/* refill as audio.c does */
		while (audio_ring_fill(&ring) < quantum + 3 * AUDIO_FRAME_SAMPLES &&
		       audio_ring_space(&ring) >= AUDIO_PACKET_MAX_SAMPLES) {
			const uint8_t *data;
			size_t len;
			uint64_t usec;
			/* as audio.c's refill(): less than a cycle + 10 ms left */
			bool dry = audio_ring_fill(&ring) < quantum + AUDIO_FRAME_SAMPLES / 2;
			enum audio_jitter_action a = audio_jitter_get(j, now, dry, &data, &len, &usec);
			unsigned m = audio_usec_samples(usec);
			uint32_t who = 0;

			if (a == AUDIO_JITTER_NONE || a == AUDIO_JITTER_END)
				break;
			if (!started) {
				started = true;
				t_start = now;
			}
			if (a == AUDIO_JITTER_PLAY) {
				audio_dec_decode(d, data, len, pcm, AUDIO_PACKET_MAX_SAMPLES);
				who = audio_jitter_stats(j)->last_id + 1;
			} else {
				audio_dec_conceal(d, pcm, m);
			}
			for (unsigned k = 0; k < m; k++)
				owner[(wpos + k) % AUDIO_RING_SAMPLES] = k == 0 ? who : 0;
			wpos += m;
			audio_ring_write(&ring, pcm, m);
		}
		if (now > (uint64_t)(SECONDS + 5) * 1000000u)
			break;
	}
	*ret_wait = t_start - arrive[0];
	*ret_stretch = audio_jitter_stats(j)->stretched;
	*ret_underruns = underruns;
	for (unsigned i = 0, k = 0; i < n; i++)
		if (lat[i])
			lat[k++] = lat[i] - 1;
	qsort(lat, nlat, sizeof(lat[0]), cmp_u64);
	g_rand_free(r);
	audio_jitter_free(j);
	audio_dec_free(d);
	return nlat ? lat[nlat / 2] : 0;
}

int main(int argc, char **argv)
{
	static const struct fmt fmts[] = {
		{ "16 kHz 20 ms", 16000, 20000, 1 },   { "16 kHz 60 ms (gD4BPA==)", 16000, 60000, 1 },
		{ "48 kHz 20 ms", 48000, 20000, 1 },   { "48 kHz 60 ms", 48000, 60000, 1 },
		{ "16 kHz 2 x 20 ms", 16000, 20000, 2 }, { "16 kHz 10 ms", 16000, 10000, 1 },
	};
	unsigned quantum = 341; /* 1024 at 48 kHz, in 16 kHz samples */

	if (argc > 2 && strcmp(argv[1], "--quantum") == 0)
		quantum = (unsigned)atoi(argv[2]) / 3;
	printf("bench-audio-formats: decode CPU per second of audio (best of 5, %d s), jitter\n"
	       "buffer wait and median wire -> graph latency on a simulated clock, graph quantum\n"
	       "%u/48000 (%.1f ms), start target 0 (prebuffer default)\n\n",
	       SECONDS, quantum * 3, quantum / 16.0);
	printf("%-24s %9s %10s %8s %9s %7s %13s %7s\n", "format", "decode", "prebuffer",
	       "wait", "latency", "str/und", "latency 30ms", "str/und");
	for (size_t i = 0; i < G_N_ELEMENTS(fmts); i++) {
		unsigned n = encode(&fmts[i]), st0, st30, u0, u30;
		uint64_t pu = (uint64_t)fmts[i].frame_us * fmts[i].fpp, w0, w30, l0, l30;
		double cost = decode_cost(n);

		l0 = simulate(n, pu, quantum, 0, &w0, &st0, &u0);
		l30 = simulate(n, pu, quantum, 30, &w30, &st30, &u30);
		printf("%-24s %6.2f ms %7.1f ms %5.1f ms %6.1f ms %3u/%-3u %10.1f ms %3u/%-3u\n",
		       fmts[i].name, cost * 1000, quantum / 16.0, (double)w0 / 1000,
		       (double)l0 / 1000, st0, u0, (double)l30 / 1000, st30, u30);
	}
	printf("\n(decode: CPU ms per s of audio; prebuffer: the jitter buffer's wait (start "
	       "target 0 + one quantum),\n the same for every packet length; wait: first "
	       "arrival -> playing starts, up to a cycle later;\n latency: a packet's arrival "
	       "-> the graph cycle that takes its first sample (the sink adds its\n own buffer); "
	       "str/und: PLC stretches inserted while dry / cycles short of audio; the 30 ms\n"
	       " columns: arrivals jittered uniformly by 0..30 ms)\n");
	return 0;
}
