/* SPDX-License-Identifier: MIT */
/* Ring buffer, cues, Opus wrapper, [audio] configuration, *_to_string. */
#include <glib.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "audio-codec.h"
#include "audio-cue.h"
#include "audio-ring.h"
#include "audio.h"

static void test_ring(void)
{
	static struct audio_ring r;
	int16_t in[1000], out[1000];
	uint32_t total_in = 0, total_out = 0;

	audio_ring_init(&r);
	g_assert_cmpuint(audio_ring_fill(&r), ==, 0);
	g_assert_cmpuint(audio_ring_space(&r), ==, AUDIO_RING_SAMPLES);
	/* many wraps, values checked in order */
	for (int round = 0; round < 100; round++) {
		for (int i = 0; i < 1000; i++)
			in[i] = (int16_t)(total_in + (uint32_t)i);
		g_assert_cmpuint(audio_ring_write(&r, in, 1000), ==, 1000);
		total_in += 1000;
		uint32_t n = audio_ring_read(&r, out, 700 + (uint32_t)(round % 300));

		for (uint32_t i = 0; i < n; i++)
			g_assert_cmpint(out[i], ==, (int16_t)(total_out + i));
		total_out += n;
		while (audio_ring_fill(&r) > 4000) {
			n = audio_ring_read(&r, out, 1000);
			for (uint32_t i = 0; i < n; i++)
				g_assert_cmpint(out[i], ==, (int16_t)(total_out + i));
			total_out += n;
		}
	}
	/* overflow: what does not fit is refused, not overwritten */
	while (audio_ring_space(&r) >= 1000)
		audio_ring_write(&r, in, 1000);
	{
		uint32_t space = audio_ring_space(&r);

		g_assert_cmpuint(audio_ring_write(&r, in, 1000), ==, space);
		g_assert_cmpuint(audio_ring_space(&r), ==, 0);
		g_assert_cmpuint(audio_ring_write(&r, in, 1000), ==, 0);
		g_assert_cmpuint(audio_ring_fill(&r), ==, AUDIO_RING_SAMPLES);
	}
}

static void test_cues(void)
{
	for (int c = 0; c < _AUDIO_CUE_MAX; c++) {
		struct audio_cue_gen g;
		int16_t pcm[AUDIO_FRAME_SAMPLES];
		uint32_t len = audio_cue_length(c), frames = 0;
		double energy = 0;

		g_assert_cmpuint(len, >, 0);
		g_assert_cmpuint(len, <, AUDIO_RATE); /* under a second */
		audio_cue_gen_start(&g, c, 0.5);
		for (;;) {
			memset(pcm, 0, sizeof(pcm));
			if (!audio_cue_gen_mix(&g, pcm))
				break;
			frames++;
			for (int i = 0; i < AUDIO_FRAME_SAMPLES; i++)
				energy += (double)pcm[i] * pcm[i];
			g_assert_cmpuint(frames, <, 100);
		}
		g_assert_cmpuint(frames, ==, (len + AUDIO_FRAME_SAMPLES - 1) / AUDIO_FRAME_SAMPLES);
		g_assert_cmpfloat(energy, >, 0);
		g_assert_cmpstr(audio_cue_to_string(c), !=, "invalid");
	}
	/* volume 0: silence; mixing saturates instead of wrapping */
	{
		struct audio_cue_gen g;
		int16_t pcm[AUDIO_FRAME_SAMPLES];

		audio_cue_gen_start(&g, AUDIO_CUE_PERMIT, 0);
		memset(pcm, 0, sizeof(pcm));
		audio_cue_gen_mix(&g, pcm);
		for (int i = 0; i < AUDIO_FRAME_SAMPLES; i++)
			g_assert_cmpint(pcm[i], ==, 0);
		audio_cue_gen_start(&g, AUDIO_CUE_PERMIT, 1);
		for (int i = 0; i < AUDIO_FRAME_SAMPLES; i++)
			pcm[i] = 32000;
		audio_cue_gen_mix(&g, pcm);
		for (int i = 0; i < AUDIO_FRAME_SAMPLES; i++)
			g_assert_cmpint(pcm[i], >=, 0);
	}
}

static double tone_freq(const int16_t *s, size_t n)
{
	long crossings = 0;

	for (size_t i = 1; i < n; i++)
		if (s[i - 1] < 0 && s[i] >= 0)
			crossings++;
	return (double)crossings * AUDIO_RATE / (double)n;
}

static void test_codec(void)
{
	struct audio_enc_params p = { .bitrate = 20000, .packet_loss = 10, .fec = true };
	struct audio_enc *e = audio_enc_new(&p);
	struct audio_dec *d = audio_dec_new();
	int16_t pcm[AUDIO_FRAME_SAMPLES], all[50 * AUDIO_FRAME_SAMPLES];
	uint8_t pkt[AUDIO_MAX_PACKET];
	double phase = 0;

	g_assert_nonnull(e);
	g_assert_nonnull(d);
	for (int f = 0; f < 50; f++) {
		int n;

		for (int i = 0; i < AUDIO_FRAME_SAMPLES; i++) {
			pcm[i] = (int16_t)lrint(sin(phase) * 10000);
			phase += 2 * M_PI * 440 / AUDIO_RATE;
		}
		n = audio_enc_encode(e, pcm, pkt, sizeof(pkt));
		g_assert_cmpint(n, >, 2);
		g_assert_cmpint(n, <=, 24000 / 8 / 50 * 2); /* about the bitrate */
		g_assert_cmpint(audio_dec_decode(d, pkt, (size_t)n, all + f * AUDIO_FRAME_SAMPLES,
						 AUDIO_FRAME_SAMPLES),
				==, AUDIO_FRAME_SAMPLES);
	}
	g_assert_cmpfloat(fabs(tone_freq(all + 10 * AUDIO_FRAME_SAMPLES, 40 * AUDIO_FRAME_SAMPLES) -
			       440),
			  <, 5);
	/* garbage is refused; PLC goes in its place */
	memset(pkt, 0xff, sizeof(pkt));
	g_assert_cmpint(audio_dec_decode(d, pkt, 3, pcm, AUDIO_FRAME_SAMPLES), <, 0);
	g_assert_cmpint(audio_dec_conceal(d, pcm, AUDIO_FRAME_SAMPLES), ==, 0);
	audio_enc_free(e);
	audio_dec_free(d);
	/* DTX: silence is not sent */
	p.dtx = true;
	e = audio_enc_new(&p);
	{
		int zeros = 0;

		memset(pcm, 0, sizeof(pcm));
		for (int f = 0; f < 50; f++)
			if (audio_enc_encode(e, pcm, pkt, sizeof(pkt)) == 0)
				zeros++;
		g_assert_cmpint(zeros, >, 30);
	}
	audio_enc_free(e);
}

struct ccase {
	const char *path;
	const char *text;
	bool ok;
	const char *error_part;
};

static const struct ccase ccases[] = {
	{ "/audio/config/defaults", "", true, NULL },
	{ "/audio/config/all", "[audio]\nheadset = 00:11:22:33:44:55\noutput = speaker\n"
			      "input = mic\nhfp-policy = never\nbitrate = 16000\npacket-loss = 20\n"
			      "fec = false\ndtx = false\ncues = false\ncue-volume = 30\n"
			      "prebuffer = 0.08\nmax-prebuffer = 0.3\nactivation-timeout = 1.5\n"
			      "volume = 70\nvolume-step = 5\n",
	  true, NULL },
	{ "/audio/config/bad-volume", "[audio]\nvolume = 151\n", false, "volume: 151 is out of range" },
	{ "/audio/config/bad-volume-step", "[audio]\nvolume-step = 0\n", false, "volume-step" },
	{ "/audio/config/bad-policy", "[audio]\nhfp-policy = sometimes\n", false, "hfp-policy" },
	{ "/audio/config/bad-bitrate", "[audio]\nbitrate = 100\n", false, "bitrate" },
	{ "/audio/config/bad-prebuffer", "[audio]\nprebuffer = 0.3\nmax-prebuffer = 0.1\n", false,
	  "max-prebuffer" },
	{ "/audio/config/bad-bool", "[audio]\ncues = maybe\n", false, "cues" },
};

static void run_config(gconstpointer data)
{
	const struct ccase *c = data;
	struct conf conf = { .kf = g_key_file_new(), .path = (char *)"test.conf" };
	struct audio_config cfg;
	g_autoptr(GError) error = NULL;
	gboolean ok;

	g_assert_true(g_key_file_load_from_data(conf.kf, c->text, (gsize)-1, 0, NULL) ||
		      !*c->text);
	memset(&cfg, 0xaa, sizeof(cfg));
	ok = audio_config_load(&conf, &cfg, &error);
	g_assert_true(ok == c->ok);
	if (!ok) {
		g_assert_nonnull(strstr(error->message, "test.conf"));
		g_assert_nonnull(strstr(error->message, "[audio]"));
		g_assert_nonnull(strstr(error->message, c->error_part));
	} else if (strcmp(c->path, "/audio/config/all") == 0) {
		g_assert_cmpstr(cfg.headset, ==, "00:11:22:33:44:55");
		g_assert_cmpstr(cfg.output, ==, "speaker");
		g_assert_cmpstr(cfg.input, ==, "mic");
		g_assert_cmpint(cfg.hfp_policy, ==, AUDIO_HFP_NEVER);
		g_assert_cmpuint(cfg.bitrate, ==, 16000);
		g_assert_cmpuint(cfg.packet_loss, ==, 20);
		g_assert_false(cfg.fec || cfg.dtx || cfg.cues);
		g_assert_cmpfloat(fabs(cfg.cue_volume - 0.3), <, 1e-9);
		g_assert_cmpuint(cfg.prebuffer, ==, 80000);
		g_assert_cmpuint(cfg.max_prebuffer, ==, 300000);
		g_assert_cmpuint(cfg.activation_timeout, ==, 1500000);
		g_assert_cmpuint(cfg.volume, ==, 70);
		g_assert_cmpuint(cfg.volume_step, ==, 5);
		audio_config_clear(&cfg);
	} else {
		g_assert_null(cfg.headset);
		g_assert_cmpint(cfg.hfp_policy, ==, AUDIO_HFP_ON_TALK);
		g_assert_cmpuint(cfg.bitrate, ==, 20000);
		g_assert_cmpuint(cfg.prebuffer, ==, 0);
		g_assert_true(cfg.cues && cfg.fec && cfg.dtx);
		g_assert_cmpuint(cfg.volume, ==, 100);
		g_assert_cmpuint(cfg.volume_step, ==, 10);
		audio_config_clear(&cfg);
	}
	g_key_file_free(conf.kf);
}

static void test_gain(void)
{
	static const struct {
		unsigned percent;
		int16_t in, out;
	} cases[] = {
		{ 100, 12345, 12345 }, { 100, INT16_MIN, INT16_MIN },
		{ 50, 12000, 6000 },   { 50, -12001, -6000 },  /* toward zero */
		{ 0, 32767, 0 },       { 150, 12000, 18000 },
		{ 150, 30000, INT16_MAX }, { 150, -30000, INT16_MIN }, /* saturates */
		{ 150, INT16_MIN, INT16_MIN },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		int16_t s[3] = { cases[i].in, cases[i].in, 7 };

		audio_pcm_gain(s, 2, cases[i].percent);
		g_assert_cmpint(s[0], ==, cases[i].out);
		g_assert_cmpint(s[1], ==, cases[i].out);
		g_assert_cmpint(s[2], ==, 7); /* n samples, no more */
	}
}

static void test_strings(void)
{
	for (int i = 0; i < _AUDIO_ACTIVATION_MAX; i++)
		g_assert_cmpstr(audio_activation_to_string(i), !=, "invalid");
	for (int i = 0; i < _AUDIO_HFP_POLICY_MAX; i++)
		g_assert_cmpstr(audio_hfp_policy_to_string(i), !=, "invalid");
	for (int i = 0; i < _AUDIO_EP_KIND_MAX; i++)
		g_assert_cmpstr(audio_endpoint_kind_to_string(i), !=, "invalid");
	g_assert_cmpstr(audio_activation_to_string(_AUDIO_ACTIVATION_MAX), ==, "invalid");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/audio/ring/wrap-and-overflow", test_ring);
	g_test_add_func("/audio/cue/all", test_cues);
	g_test_add_func("/audio/codec/roundtrip-440", test_codec);
	for (size_t i = 0; i < G_N_ELEMENTS(ccases); i++)
		g_test_add_data_func(ccases[i].path, &ccases[i], run_config);
	g_test_add_func("/audio/strings", test_strings);
	g_test_add_func("/audio/gain", test_gain);
	return g_test_run();
}
