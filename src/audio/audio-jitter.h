/* SPDX-License-Identifier: MIT */
/*
 * audio-jitter.h - jitter buffer for one remote burst, keyed by packet_id.
 *
 * Pure: no GLib calls, no clock of its own (time in microseconds from the caller),
 * no allocation after audio_jitter_new(). One packet_id is one 20 ms frame.
 *
 * Why not speexdsp's JitterBuffer: it is keyed by timestamps and adapts from
 * arrival times, but it has no way to look at the next packet when the head is
 * missing (needed for Opus in-band FEC), and its drop decisions are internal,
 * so it cannot give the exact per-packet accounting the soak test needs.
 *
 * Policy:
 *  - prebuffer: playing starts when `target` frames are buffered (counted from
 *    the lowest id seen) or `target` frame times after the first arrival;
 *    `target` adapts between bursts (late packets: +1 frame, a clean burst: -1),
 *    within [min, max];
 *  - reordering within the window (AUDIO_JITTER_SLOTS frames); duplicates and
 *    packets whose slot has passed are dropped and counted;
 *  - a packet one to two windows ahead means we lag (a stalled consumer): jump
 *    ahead to keep `target` frames (skipped slots, flushed packets); further
 *    ahead it is a bad id (invalid);
 *  - head missing and a later packet buffered: FEC from head+1 if it is there,
 *    else PLC; the slot is consumed;
 *  - buffer empty while playing: a PLC "stretch" frame that does not consume
 *    the slot (a stall is not a loss: late-but-not-too-late packets still play);
 *  - after audio_jitter_end(): what is buffered plays, holes concealed, then END.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audio.h"

#define AUDIO_JITTER_SLOTS 64 /* 1.28 s window */

enum audio_jitter_action {
	AUDIO_JITTER_NONE,    /* nothing to play yet (idle or prebuffering) */
	AUDIO_JITTER_PLAY,    /* decode *ret_data normally */
	AUDIO_JITTER_FEC,     /* decode *ret_data (the next packet) with FEC for the missing one */
	AUDIO_JITTER_PLC,     /* conceal a lost packet */
	AUDIO_JITTER_STRETCH, /* conceal while the buffer is dry (no slot consumed) */
	AUDIO_JITTER_END,     /* drained: the burst is over */
};

enum audio_jitter_put {
	AUDIO_JITTER_PUT_OK,
	AUDIO_JITTER_PUT_DUPLICATE,
	AUDIO_JITTER_PUT_LATE,
	AUDIO_JITTER_PUT_INVALID,
	AUDIO_JITTER_PUT_NO_BURST,
};

struct audio_jitter;

/* prebuffer, min, max in frames (min >= 1, max <= half the slots); reserve: frames the
 * consumer keeps decoded ahead (its ring), added to the prebuffer so that the
 * buffer still holds `prebuffer` frames once the consumer has filled up. */
struct audio_jitter *audio_jitter_new(unsigned prebuffer, unsigned min, unsigned max,
				      unsigned reserve);
void audio_jitter_free(struct audio_jitter *j);

/* The consumer's reserve changed (the graph's quantum); counts while prebuffering. */
void audio_jitter_set_reserve(struct audio_jitter *j, unsigned reserve);
void audio_jitter_begin(struct audio_jitter *j, uint32_t stream_id, uint64_t now);
enum audio_jitter_put audio_jitter_put(struct audio_jitter *j, uint32_t packet_id,
				       const uint8_t *data, size_t len, uint64_t now);
/* The next 20 ms frame. For PLAY and FEC the data stays valid until the next call. */
enum audio_jitter_action audio_jitter_get(struct audio_jitter *j, uint64_t now,
					  const uint8_t **ret_data, size_t *ret_len);
/* Mark the frame just returned as undecodable (PLAY -> counted invalid, not played). */
void audio_jitter_undecodable(struct audio_jitter *j);
void audio_jitter_end(struct audio_jitter *j);
/* Cut: buffered packets are counted as flushed. Adapts the target like an end. */
void audio_jitter_cancel(struct audio_jitter *j);

bool audio_jitter_active(const struct audio_jitter *j); /* between begin and END/cancel */
uint32_t audio_jitter_stream_id(const struct audio_jitter *j);
unsigned audio_jitter_target(const struct audio_jitter *j); /* frames */
unsigned audio_jitter_buffered(const struct audio_jitter *j);
const struct audio_play_stats *audio_jitter_stats(const struct audio_jitter *j);

const char *audio_jitter_action_to_string(enum audio_jitter_action a);
