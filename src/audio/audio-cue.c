/* SPDX-License-Identifier: MIT */
#include "audio-cue.h"

#include <math.h>

struct seg {
	uint16_t hz; /* 0: silence */
	uint16_t ms;
};

#define MAX_SEGS 6
#define FADE (AUDIO_RATE / 250) /* 4 ms */

static const struct seg cues[_AUDIO_CUE_MAX][MAX_SEGS] = {
	[AUDIO_CUE_PERMIT] = { { 880, 70 }, { 0, 30 }, { 1320, 90 } },
	[AUDIO_CUE_BUSY] = { { 480, 120 }, { 0, 80 }, { 480, 120 }, { 0, 80 }, { 480, 120 } },
	[AUDIO_CUE_END] = { { 1320, 60 }, { 0, 20 }, { 880, 90 } },
	[AUDIO_CUE_INCOMING] = { { 660, 70 } },
	[AUDIO_CUE_TALK_WARNING] = { { 1000, 100 }, { 0, 100 }, { 1000, 100 } },
	[AUDIO_CUE_LINK_LOST] = { { 440, 150 }, { 0, 30 }, { 330, 200 } },
	[AUDIO_CUE_LINK_RESTORED] = { { 330, 100 }, { 0, 30 }, { 440, 150 } },
};

static uint32_t seg_len(const struct seg *s)
{
	return (uint32_t)s->ms * (AUDIO_RATE / 1000);
}

uint32_t audio_cue_length(enum audio_cue cue)
{
	uint32_t n = 0;

	if ((unsigned)cue >= _AUDIO_CUE_MAX)
		return 0;
	for (unsigned i = 0; i < MAX_SEGS && cues[cue][i].ms; i++)
		n += seg_len(&cues[cue][i]);
	return n;
}

void audio_cue_gen_start(struct audio_cue_gen *g, enum audio_cue cue, double volume)
{
	g->cue = cue;
	g->active = (unsigned)cue < _AUDIO_CUE_MAX;
	g->seg = 0;
	g->pos = 0;
	g->phase = 0;
	g->volume = volume < 0 ? 0 : volume > 1 ? 1 : volume;
}

bool audio_cue_gen_mix(struct audio_cue_gen *g, int16_t *pcm)
{
	return audio_cue_gen_mix_n(g, pcm, AUDIO_FRAME_SAMPLES);
}

bool audio_cue_gen_mix_n(struct audio_cue_gen *g, int16_t *pcm, unsigned n)
{
	if (!g->active)
		return false;
	for (unsigned i = 0; i < n; i++) {
		const struct seg *s;
		uint32_t len;
		double env, v;
		int32_t x;

		if (g->seg >= MAX_SEGS || cues[g->cue][g->seg].ms == 0)
			break; /* the rest of the last frame stays as it is */
		s = &cues[g->cue][g->seg];
		len = seg_len(s);
		if (s->hz) {
			env = 1.0;
			if (g->pos < FADE)
				env = (double)g->pos / FADE;
			else if (len - g->pos < FADE)
				env = (double)(len - g->pos) / FADE;
			v = sin(g->phase) * env * g->volume * 0.5 * 32767.0;
			g->phase += 2.0 * M_PI * s->hz / AUDIO_RATE;
			if (g->phase > 2.0 * M_PI)
				g->phase -= 2.0 * M_PI;
			x = pcm[i] + (int32_t)lrint(v);
			pcm[i] = (int16_t)(x > 32767 ? 32767 : x < -32768 ? -32768 : x);
		}
		if (++g->pos >= len) {
			g->seg++;
			g->pos = 0;
			g->phase = 0;
		}
	}
	if (g->seg >= MAX_SEGS || cues[g->cue][g->seg].ms == 0)
		g->active = false;
	return true;
}
