/* SPDX-License-Identifier: MIT */
/*
 * audio-codec.h - Opus at 16 kHz mono: VOIP encoder (20 ms frames) with in-band
 * FEC and DTX; decoder with PLC and FEC recovery for packets of any length and
 * any encoding rate Zello's API allows (decoded at 16 kHz, the playback rate).
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
struct audio_enc *audio_enc_free(struct audio_enc *e); /* NULL-safe, returns NULL */
void audio_enc_reset(struct audio_enc *e);
/* One frame of AUDIO_FRAME_SAMPLES samples. Returns the packet length, 0 when DTX
 * says nothing needs sending, or -errno. */
int audio_enc_encode(struct audio_enc *e, const int16_t *pcm, uint8_t *out, size_t max);

/* The audio length of an Opus packet in usec (what the packet says, whatever the
 * codec header announced), or -EINVAL when it is not a packet of 2.5 .. 120 ms. */
int64_t audio_packet_usec(const uint8_t *data, size_t len);
/* usec -> samples at AUDIO_RATE */
static inline unsigned audio_usec_samples(uint64_t usec)
{
	return (unsigned)(usec * 16u / 1000u);
}

struct audio_dec *audio_dec_new(void);
struct audio_dec *audio_dec_free(struct audio_dec *d); /* NULL-safe, returns NULL */
void audio_dec_reset(struct audio_dec *d);
/* Decode one packet into pcm (room for max samples, AUDIO_PACKET_MAX_SAMPLES will
 * do). Returns the samples written, or -errno (nothing written). */
int audio_dec_decode(struct audio_dec *d, const uint8_t *data, size_t len, int16_t *pcm,
		     unsigned max);
/* n samples (a multiple of 2.5 ms) for a missing packet, from the in-band FEC of the
 * packet after it (its last frame's worth; the rest PLC), or PLC when it carries none.
 * Always fills n samples; returns 0 or -errno (pcm is then PLC or silence). */
int audio_dec_decode_fec(struct audio_dec *d, const uint8_t *next, size_t len, int16_t *pcm,
			 unsigned n);
/* n samples (a multiple of 2.5 ms) of packet-loss concealment; silence on failure. */
int audio_dec_conceal(struct audio_dec *d, int16_t *pcm, unsigned n);

/* Scale n samples by percent/100, saturating at the int16 range. */
void audio_pcm_gain(int16_t *pcm, size_t n, unsigned percent);
