/* SPDX-License-Identifier: MIT */
#include "audio-codec.h"

#include <errno.h>
#include <opus.h>
#include <stdlib.h>

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
		audio_enc_free(e);
		errno = EINVAL;
		return NULL;
	}
	return e;
}

void audio_enc_free(struct audio_enc *e)
{
	if (!e)
		return;
	opus_encoder_destroy(e->enc);
	free(e);
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

void audio_dec_free(struct audio_dec *d)
{
	if (!d)
		return;
	opus_decoder_destroy(d->dec);
	free(d);
}

void audio_dec_reset(struct audio_dec *d)
{
	opus_decoder_ctl(d->dec, OPUS_RESET_STATE);
}

int audio_dec_conceal(struct audio_dec *d, int16_t *pcm)
{
	int n = opus_decode(d->dec, NULL, 0, pcm, AUDIO_FRAME_SAMPLES, 0);

	if (n != AUDIO_FRAME_SAMPLES) {
		for (int i = 0; i < AUDIO_FRAME_SAMPLES; i++)
			pcm[i] = 0;
		return -EIO;
	}
	return 0;
}

int audio_dec_decode(struct audio_dec *d, const uint8_t *data, size_t len, int16_t *pcm)
{
	int n;

	/* a packet with more or less than one 20 ms frame is refused, not played */
	if (opus_packet_get_nb_samples(data, (opus_int32)len, AUDIO_RATE) != AUDIO_FRAME_SAMPLES) {
		audio_dec_conceal(d, pcm);
		return -EINVAL;
	}
	n = opus_decode(d->dec, data, (opus_int32)len, pcm, AUDIO_FRAME_SAMPLES, 0);
	if (n != AUDIO_FRAME_SAMPLES) {
		audio_dec_conceal(d, pcm);
		return -EINVAL;
	}
	return 0;
}

int audio_dec_decode_fec(struct audio_dec *d, const uint8_t *next, size_t len, int16_t *pcm)
{
	int n;

	if (opus_packet_get_nb_samples(next, (opus_int32)len, AUDIO_RATE) != AUDIO_FRAME_SAMPLES)
		return audio_dec_conceal(d, pcm);
	n = opus_decode(d->dec, next, (opus_int32)len, pcm, AUDIO_FRAME_SAMPLES, 1);
	if (n != AUDIO_FRAME_SAMPLES)
		return audio_dec_conceal(d, pcm);
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
