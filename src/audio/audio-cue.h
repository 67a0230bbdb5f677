/* SPDX-License-Identifier: MIT */
/*
 * audio-cue.h - generated cue tones, 16 kHz mono, in 20 ms frames.
 * Pure: no allocation, no I/O. Each cue is a short list of (frequency, length)
 * segments with 4 ms fades so that nothing clicks.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "audio.h"

struct audio_cue_gen {
	enum audio_cue cue;
	bool active;
	unsigned seg;      /* current segment */
	uint32_t pos;      /* sample within the segment */
	double phase;
	double volume;
};

void audio_cue_gen_start(struct audio_cue_gen *g, enum audio_cue cue, double volume);
/* Mix (add, saturating) the next frame into pcm; false when the cue is over
 * (pcm untouched). */
bool audio_cue_gen_mix(struct audio_cue_gen *g, int16_t *pcm);
/* The same for the next n samples (a packet of any length). */
bool audio_cue_gen_mix_n(struct audio_cue_gen *g, int16_t *pcm, unsigned n);
/* Total length of a cue in samples. */
uint32_t audio_cue_length(enum audio_cue cue);
