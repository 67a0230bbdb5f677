/* SPDX-License-Identifier: MIT */
/*
 * audio-codec.h - Opus at 16 kHz mono, 20 ms frames: VOIP encoder with in-band
 * FEC and DTX, decoder with PLC and FEC recovery.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct audio_enc;
struct audio_dec;

struct audio_enc_params {
	unsigned bitrate;     /* bit/s */
	unsigned packet_loss; /* % */
	bool fec;
	bool dtx;
};

/* NULL + errno on failure. */
struct audio_enc *audio_enc_new(const struct audio_enc_params *p);
void audio_enc_free(struct audio_enc *e);
void audio_enc_reset(struct audio_enc *e);
/* One frame of AUDIO_FRAME_SAMPLES samples. Returns the packet length, 0 when DTX
 * says nothing needs sending, or -errno. */
int audio_enc_encode(struct audio_enc *e, const int16_t *pcm, uint8_t *out, size_t max);

struct audio_dec *audio_dec_new(void);
void audio_dec_free(struct audio_dec *d);
void audio_dec_reset(struct audio_dec *d);
/* Fill pcm with AUDIO_FRAME_SAMPLES samples. Return 0 or -errno (pcm is then PLC). */
int audio_dec_decode(struct audio_dec *d, const uint8_t *data, size_t len, int16_t *pcm);
/* The frame before `next` from its in-band FEC (PLC when it carries none). */
int audio_dec_decode_fec(struct audio_dec *d, const uint8_t *next, size_t len, int16_t *pcm);
int audio_dec_conceal(struct audio_dec *d, int16_t *pcm);

/* Scale n samples by percent/100, saturating at the int16 range. */
void audio_pcm_gain(int16_t *pcm, size_t n, unsigned percent);
