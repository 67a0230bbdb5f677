/* SPDX-License-Identifier: MIT */
/*
 * audio-ring.h - single-producer single-consumer ring of S16 samples over a
 * fixed array (spa_ringbuffer: lock-free, no allocation). One side runs in
 * process() on PipeWire's data thread, the other on the main loop.
 */
#pragma once

#include <stdint.h>
#include <string.h>

#include <spa/utils/ringbuffer.h>

#define AUDIO_RING_SAMPLES 32768u /* power of two: 2.05 s at 16 kHz (room for the tails of
				   * back-to-back bursts delivered faster than real time) */

struct audio_ring {
	struct spa_ringbuffer rb;
	int16_t buf[AUDIO_RING_SAMPLES];
};

static inline void audio_ring_init(struct audio_ring *r)
{
	spa_ringbuffer_init(&r->rb);
}

/* The read index, as the consumer last published it (any thread). */
static inline uint32_t audio_ring_read_index(const struct audio_ring *r)
{
	return __atomic_load_n(&r->rb.readindex, __ATOMIC_ACQUIRE);
}

/* The write index, as the producer last published it (any thread). */
static inline uint32_t audio_ring_write_index(const struct audio_ring *r)
{
	return __atomic_load_n(&r->rb.writeindex, __ATOMIC_ACQUIRE);
}

/* Samples ready to read. */
static inline uint32_t audio_ring_fill(struct audio_ring *r)
{
	uint32_t idx;
	int32_t n = spa_ringbuffer_get_read_index(&r->rb, &idx);

	return n < 0 ? 0 : (uint32_t)n;
}

static inline uint32_t audio_ring_space(struct audio_ring *r)
{
	uint32_t idx;
	int32_t n = spa_ringbuffer_get_write_index(&r->rb, &idx);

	return n < 0 ? 0 : AUDIO_RING_SAMPLES - (uint32_t)n;
}

/* Write up to n samples; returns how many fit. */
static inline uint32_t audio_ring_write(struct audio_ring *r, const int16_t *s, uint32_t n)
{
	uint32_t idx;
	int32_t filled = spa_ringbuffer_get_write_index(&r->rb, &idx);
	uint32_t space = filled < 0 ? 0 : AUDIO_RING_SAMPLES - (uint32_t)filled;

	if (n > space)
		n = space;
	if (n == 0)
		return 0;
	spa_ringbuffer_write_data(&r->rb, r->buf, sizeof(r->buf),
				  (idx % AUDIO_RING_SAMPLES) * sizeof(int16_t), s,
				  n * sizeof(int16_t));
	spa_ringbuffer_write_update(&r->rb, idx + n);
	return n;
}

/* Read up to n samples; returns how many there were. */
static inline uint32_t audio_ring_read(struct audio_ring *r, int16_t *s, uint32_t n)
{
	uint32_t idx;
	int32_t avail = spa_ringbuffer_get_read_index(&r->rb, &idx);

	if (avail <= 0)
		return 0;
	if (n > (uint32_t)avail)
		n = (uint32_t)avail;
	spa_ringbuffer_read_data(&r->rb, r->buf, sizeof(r->buf),
				 (idx % AUDIO_RING_SAMPLES) * sizeof(int16_t), s,
				 n * sizeof(int16_t));
	spa_ringbuffer_read_update(&r->rb, idx + n);
	return n;
}
