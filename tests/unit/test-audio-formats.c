/* SPDX-License-Identifier: MIT */
/*
 * Every format Zello's API allows a talker (codec_header: 8/12/16/24/48 kHz, 1 or 2
 * frames per packet, frames of 2.5 .. 60 ms), encoded here with libopus as a peer
 * would, through the gateway's decoder: each packet's length is read from the packet,
 * and a 1 kHz tone comes out at 1 kHz (within 1 %) at the playback rate. Loss of a
 * packet of any length is concealed (PLC, FEC) for that packet's length.
 */
#include <glib.h>
#include <math.h>
#include <opus.h>
#include <string.h>

#include "audio-codec.h"
#include "audio.h"

struct fmt {
	unsigned rate, fpp;
	unsigned frame_us;
};

#define SECONDS 1

static double tone_freq(const int16_t *s, size_t n)
{
	/* zero crossings upwards, interpolated between the first and the last */
	double first = -1, last = -1;
	unsigned crossings = 0;

	for (size_t i = 1; i < n; i++)
		if (s[i - 1] < 0 && s[i] >= 0) {
			double t = (double)(i - 1) + (double)-s[i - 1] / (double)(s[i] - s[i - 1]);

			if (first < 0)
				first = t;
			else
				crossings++;
			last = t;
		}
	if (crossings == 0)
		return 0;
	return (double)crossings * AUDIO_RATE / (last - first);
}

/* Encode SECONDS of a 1 kHz tone in format f: packets into pkts/lens, returns the count. */
static unsigned encode(const struct fmt *f, uint8_t (*pkts)[AUDIO_MAX_PACKET], size_t *lens,
		       unsigned max)
{
	int err;
	OpusEncoder *e = opus_encoder_create((opus_int32)f->rate, 1, OPUS_APPLICATION_VOIP, &err);
	OpusRepacketizer *rp = opus_repacketizer_create();
	unsigned frame = f->rate / 1000u * f->frame_us / 1000u;
	unsigned total = f->rate * SECONDS, n = 0;
	int16_t pcm[2880];
	uint8_t frames[2][AUDIO_MAX_PACKET];
	double phase = 0;

	g_assert_nonnull(e);
	if (f->frame_us == 2500)
		frame = f->rate / 400u;
	/* CELT frames under 10 ms need more bits to stay a tone */
	opus_encoder_ctl(e, OPUS_SET_BITRATE(f->frame_us < 10000 ? 96000 : 24000));
	/* one bandwidth for the whole stream: two frames of a packet share one TOC */
	opus_encoder_ctl(e, OPUS_SET_BANDWIDTH(f->rate <= 8000    ? OPUS_BANDWIDTH_NARROWBAND
					       : f->rate <= 12000 ? OPUS_BANDWIDTH_WIDEBAND
					       : f->rate <= 16000 ? OPUS_BANDWIDTH_WIDEBAND
					       : f->rate <= 24000 ? OPUS_BANDWIDTH_SUPERWIDEBAND
								  : OPUS_BANDWIDTH_FULLBAND));
	opus_encoder_ctl(e, OPUS_SET_INBAND_FEC(1));
	opus_encoder_ctl(e, OPUS_SET_PACKET_LOSS_PERC(10));
	for (unsigned done = 0; done + frame * f->fpp <= total && n < max;) {
		opus_repacketizer_init(rp);
		for (unsigned k = 0; k < f->fpp; k++, done += frame) {
			opus_int32 len;

			for (unsigned i = 0; i < frame; i++) {
				pcm[i] = (int16_t)lrint(sin(phase) * 8000);
				phase += 2 * M_PI * 1000 / f->rate;
			}
			len = opus_encode(e, pcm, (int)frame, frames[k], sizeof(frames[k]));
			g_assert_cmpint(len, >, 0);
			g_assert_cmpint(opus_repacketizer_cat(rp, frames[k], len), ==, OPUS_OK);
		}
		lens[n] = (size_t)opus_repacketizer_out(rp, pkts[n], AUDIO_MAX_PACKET);
		g_assert_cmpint((int)lens[n], >, 0);
		n++;
	}
	opus_repacketizer_destroy(rp);
	opus_encoder_destroy(e);
	return n;
}

static void test_format(gconstpointer data)
{
	const struct fmt *f = data;
	static uint8_t pkts[400][AUDIO_MAX_PACKET];
	static size_t lens[400];
	static int16_t out[AUDIO_RATE * SECONDS + AUDIO_PACKET_MAX_SAMPLES];
	unsigned n = encode(f, pkts, lens, G_N_ELEMENTS(lens));
	uint64_t pu = (uint64_t)f->fpp * f->frame_us;
	unsigned want = (unsigned)(pu * AUDIO_RATE / 1000000u), got = 0;
	struct audio_dec *d = audio_dec_new();
	double hz;

	g_assert_cmpuint(n, >, 4);
	for (unsigned i = 0; i < n; i++) {
		int r;

		/* the packet says how long it is */
		g_assert_cmpint(audio_packet_usec(pkts[i], lens[i]), ==, (int64_t)pu);
		if (i == n / 2) {
			/* a lost packet: FEC from the next one covers the whole packet */
			g_assert_cmpint(audio_dec_decode_fec(d, pkts[i + 1], lens[i + 1],
							     out + got, want), ==, 0);
			got += want;
			continue;
		}
		if (i == n / 2 + 2) {
			g_assert_cmpint(audio_dec_conceal(d, out + got, want), ==, 0);
			got += want;
			continue;
		}
		r = audio_dec_decode(d, pkts[i], lens[i], out + got, AUDIO_PACKET_MAX_SAMPLES);
		g_assert_cmpint(r, ==, (int)want);
		got += (unsigned)r;
	}
	g_assert_cmpuint(got, ==, n * want);
	/* skip the codec's start-up; the tone is there at its pitch (before the loss,
	 * which shifts its phase) */
	hz = tone_freq(out + AUDIO_RATE / 10, n / 2 * want - AUDIO_RATE / 10);
	if (fabs(hz - 1000) > 10)
		g_error("%u Hz, %u x %.1f ms: %.1f Hz", f->rate, f->fpp, f->frame_us / 1000.0, hz);
	audio_dec_free(d);
}

static void test_refused(void)
{
	uint8_t pkt[AUDIO_MAX_PACKET + 1] = { 0 };

	g_assert_cmpint(audio_packet_usec(NULL, 0), <, 0);
	g_assert_cmpint(audio_packet_usec(pkt, 0), <, 0);
	g_assert_cmpint(audio_packet_usec(pkt, sizeof(pkt)), <, 0);
	/* code 3, 48 frames of 20 ms: 960 ms, more than Opus' 120 ms */
	pkt[0] = 0x09 << 3 | 3;
	pkt[1] = 48;
	g_assert_cmpint(audio_packet_usec(pkt, 100), <, 0);
	/* code 3 with 6 frames of 20 ms: 120 ms, the most a packet may carry */
	pkt[1] = 6;
	g_assert_cmpint(audio_packet_usec(pkt, 100), ==, 120000);
}

int main(int argc, char **argv)
{
	static const unsigned rates[] = { 8000, 12000, 16000, 24000, 48000 };
	static const unsigned frames[] = { 2500, 5000, 10000, 20000, 40000, 60000 };
	static struct fmt f[G_N_ELEMENTS(rates) * G_N_ELEMENTS(frames) * 2];
	unsigned n = 0;

	g_test_init(&argc, &argv, NULL);
	for (size_t r = 0; r < G_N_ELEMENTS(rates); r++)
		for (size_t k = 0; k < G_N_ELEMENTS(frames); k++)
			for (unsigned fpp = 1; fpp <= 2; fpp++) {
				g_autofree char *path = NULL;

				f[n] = (struct fmt){ rates[r], fpp, frames[k] };
				path = g_strdup_printf("/audio/formats/%u/%ux%.1fms", rates[r], fpp,
						       frames[k] / 1000.0);
				g_test_add_data_func(path, &f[n], test_format);
				n++;
			}
	g_test_add_func("/audio/formats/refused", test_refused);
	return g_test_run();
}
