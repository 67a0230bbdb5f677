/* SPDX-License-Identifier: MIT */
#include "audio-codec.h"

#include <errno.h>
#include <opus.h>
#include <stdlib.h>
#include <string.h>

#include "audio.h"

struct audio_enc {
	OpusEncoder *enc;
	bool dtx;
};

struct audio_dec {
	OpusDecoder *dec;
};

struct audio_enc *audio_enc_new(const struct audio_enc_params *p)
{
	struct audio_enc *e;
	int err;

	e = calloc(1, sizeof(*e));
	if (!e)
		return NULL;
	e->enc = opus_encoder_create(AUDIO_RATE, 1, OPUS_APPLICATION_VOIP, &err);
	if (!e->enc) {
		free(e);
		errno = ENOMEM;
		return NULL;
	}
	e->dtx = p->dtx;
	if (opus_encoder_ctl(e->enc, OPUS_SET_BITRATE((opus_int32)p->bitrate)) != OPUS_OK ||
	    opus_encoder_ctl(e->enc, OPUS_SET_INBAND_FEC(p->fec ? 1 : 0)) != OPUS_OK ||
	    opus_encoder_ctl(e->enc, OPUS_SET_PACKET_LOSS_PERC((opus_int32)p->packet_loss)) !=
		    OPUS_OK ||
	    opus_encoder_ctl(e->enc, OPUS_SET_DTX(p->dtx ? 1 : 0)) != OPUS_OK ||
	    opus_encoder_ctl(e->enc, OPUS_SET_SIGNAL(OPUS_SIGNAL_VOICE)) != OPUS_OK) {
		errno = EINVAL;
		return audio_enc_free(e);
	}
	return e;
}

struct audio_enc *audio_enc_free(struct audio_enc *e)
{
	if (!e)
		return NULL;
	opus_encoder_destroy(e->enc);
	free(e);
	return NULL;
}

int audio_enc_encode(struct audio_enc *e, const int16_t *pcm, uint8_t *out, size_t max)
{
	opus_int32 n;

	n = opus_encode(e->enc, pcm, AUDIO_FRAME_SAMPLES, out, (opus_int32)max);
	if (n < 0)
		return -EINVAL;
	/* with DTX, Opus signals "nothing to send" by a packet of 1 or 2 bytes */
	if (e->dtx && n <= 2)
		return 0;
	return n;
}

struct audio_dec *audio_dec_new(void)
{
	struct audio_dec *d;
	int err;

	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	d->dec = opus_decoder_create(AUDIO_RATE, 1, &err);
	if (!d->dec) {
		free(d);
		errno = ENOMEM;
		return NULL;
	}
	return d;
}

struct audio_dec *audio_dec_free(struct audio_dec *d)
{
	if (!d)
		return NULL;
	opus_decoder_destroy(d->dec);
	free(d);
	return NULL;
}

void audio_dec_reset(struct audio_dec *d)
{
	opus_decoder_ctl(d->dec, OPUS_RESET_STATE);
}

int64_t audio_packet_usec(const uint8_t *data, size_t len)
{
	int n;

	if (!data || len == 0 || len > AUDIO_MAX_PACKET)
		return -EINVAL;
	n = opus_packet_get_nb_samples(data, (opus_int32)len, 48000);
	/* 120 samples = 2.5 ms at 48 kHz, the shortest Opus frame */
	if (n < 120 || (int64_t)n * 1000 / 48 > AUDIO_PACKET_MAX_USEC)
		return -EINVAL;
	return (int64_t)n * 1000 / 48;
}

int audio_dec_conceal(struct audio_dec *d, int16_t *pcm, unsigned n)
{
	int got = 0;

	/* PLC goes in 20 ms steps at most, as the decoder concealed packets of that size */
	for (unsigned off = 0; off < n && got >= 0;) {
		unsigned step = n - off > AUDIO_FRAME_SAMPLES ? AUDIO_FRAME_SAMPLES : n - off;

		got = opus_decode(d->dec, NULL, 0, pcm + off, (int)step, 0);
		if (got != (int)step)
			break;
		off += step;
		if (off == n) {
			return 0;
		}
	}
	memset(pcm, 0, n * sizeof(*pcm));
	return -EIO;
}

int audio_dec_decode(struct audio_dec *d, const uint8_t *data, size_t len, int16_t *pcm,
		     unsigned max)
{
	int64_t usec = audio_packet_usec(data, len);
	unsigned want;
	int n;

	if (usec < 0)
		return -EINVAL;
	want = audio_usec_samples((uint64_t)usec);
	if (want > max)
		return -ENOSPC;
	n = opus_decode(d->dec, data, (opus_int32)len, pcm, (int)want, 0);
	if (n != (int)want)
		return -EINVAL;
	return n;
}

int audio_dec_decode_fec(struct audio_dec *d, const uint8_t *next, size_t len, int16_t *pcm,
			 unsigned n)
{
	int got;

	if (audio_packet_usec(next, len) < 0)
		return audio_dec_conceal(d, pcm, n);
	/* libopus conceals all but the next packet's frame length, then fills that from
	 * the FEC data (or conceals it too when there is none) */
	got = opus_decode(d->dec, next, (opus_int32)len, pcm, (int)n, 1);
	if (got != (int)n)
		return audio_dec_conceal(d, pcm, n);
	return 0;
}

void audio_enc_reset(struct audio_enc *e)
{
	opus_encoder_ctl(e->enc, OPUS_RESET_STATE);
}

void audio_pcm_gain(int16_t *pcm, size_t n, unsigned percent)
{
	if (percent == 100)
		return;
	for (size_t i = 0; i < n; i++) {
		int32_t v = (int32_t)pcm[i] * (int32_t)percent / 100;

		pcm[i] = (int16_t)(v > INT16_MAX ? INT16_MAX : v < INT16_MIN ? INT16_MIN : v);
	}
}
