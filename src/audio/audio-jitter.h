/* SPDX-License-Identifier: MIT */
/*
 * audio-jitter.h - jitter buffer for one remote burst, keyed by packet_id,
 * measured in time.
 *
 * Pure: no GLib calls, no clock of its own (time in microseconds from the caller),
 * no allocation after audio_jitter_new(). One packet_id is one packet of any
 * length Zello's API allows (2.5 ms .. 120 ms of audio: 1 or 2 Opus frames); the
 * caller reads each packet's own duration from the Opus packet and passes it
 * with it. Prebuffer, target, min, max and reserve are microseconds, so a burst
 * of 60 ms packets gets the same protection as one of 20 ms packets.
 *
 * Why not speexdsp's JitterBuffer: it is keyed by timestamps and adapts from
 * arrival times, but it has no way to look at the next packet when the head is
 * missing (needed for Opus in-band FEC), and its drop decisions are internal,
 * so it cannot give the exact per-packet accounting the soak test needs.
 *
 * Policy:
 *  - prebuffer: playing starts once `target` + `reserve` of time has passed since
 *    the first arrival, or once that much audio is buffered beyond the packet in
 *    hand (a backlog): the wait is the protection against jitter, whatever the
 *    packet length. `reserve` is what the consumer takes per cycle (one graph
 *    quantum). `target` starts at the configured prebuffer (small) and adapts
 *    between bursts: late packets or repeated stretches: + AUDIO_JITTER_STEP_UP;
 *    a clean burst: - AUDIO_JITTER_STEP_DOWN; within [min, max]. Within a burst a
 *    dry buffer stretches (below), which itself adds delay, and a late packet
 *    makes the next missing head wait a stretch longer (+ AUDIO_JITTER_STEP_UP
 *    of delay for the rest of the burst, up to max) where that stretch cannot put
 *    two PLCs in a row: not right after one, and only when the packet after the
 *    head is there (its FEC follows if the head does not come);
 *  - reordering within the window (audio_jitter_window() packets, >= 1.28 s);
 *    duplicates and packets whose slot has passed are dropped and counted;
 *  - a packet one to two windows ahead means we lag (a stalled consumer): jump
 *    ahead to keep `target` of audio (skipped slots, flushed packets); further
 *    ahead it is a bad id (invalid);
 *  - head missing: the consumer says whether it is dry (its output would run
 *    short before the next chance to ask). Not dry: wait (NONE), the head may
 *    still come. Dry, and a later packet buffered: FEC from head+1 if it is
 *    there, else PLC, for the missing packet's duration; the slot is consumed;
 *  - buffer empty while playing and dry: a PLC "stretch" (AUDIO_JITTER_STRETCH_USEC)
 *    that does not consume the slot (a stall is not a loss: late-but-not-too-late
 *    packets still play). If what comes next is after the head, the head was lost
 *    and that stretch stood in for it (packets up to the stretch's length): its slot
 *    is consumed as concealed without a second concealment in a row, a dropout.
 *    With consumer_holds (no cushion at the start), when the packet after the head
 *    is there, the head comes back from its FEC instead and the stretch's delay
 *    stays: the cushion grows on the first loss (up to max);
 *  - after audio_jitter_end(): what is buffered plays at once (the consumer may
 *    take it all), holes concealed, then END.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audio.h"

#define AUDIO_JITTER_WINDOW_USEC 1280000u /* reordering window, at least */
#define AUDIO_JITTER_MIN_SLOTS 32u
#define AUDIO_JITTER_MAX_SLOTS 256u      /* 2.5 ms packets: 640 ms */
#define AUDIO_JITTER_ARENA (160u * 1024u) /* packet bytes, shared by the slots */
#define AUDIO_JITTER_STRETCH_USEC 20000u
#define AUDIO_JITTER_STEP_UP 20000u
#define AUDIO_JITTER_STEP_DOWN 10000u

enum audio_jitter_action {
	AUDIO_JITTER_NONE,    /* nothing to play yet (idle, prebuffering, or waiting for the head) */
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

/* All in usec. max is bounded by half the smallest window. reserve: what the consumer
 * takes at once per cycle, waited for on top of the target before playing starts. */
struct audio_jitter *audio_jitter_new(uint64_t prebuffer, uint64_t min, uint64_t max,
				      uint64_t reserve);
struct audio_jitter *audio_jitter_free(struct audio_jitter *j); /* NULL-safe, returns NULL */

/* The consumer's reserve changed (the graph's quantum); counts while prebuffering. */
void audio_jitter_set_reserve(struct audio_jitter *j, uint64_t reserve);
/* holds: the consumer waits the reserve itself: playing starts (get() hands out
 * packets) once `target` has passed, and the consumer holds the first sample back
 * until audio_jitter_due(), on its own clock (PipeWire's cycle, which the jitter
 * buffer cannot see): the sample plays exactly when due, not at the next cycle
 * after a wait. Off: the jitter buffer waits target + reserve. Holding, a burst
 * starts with no cushion: a stretch for a lost head keeps its delay when the next
 * packet's FEC recovers the head (see Policy). */
void audio_jitter_set_consumer_holds(struct audio_jitter *j, bool holds);
/* packet_usec: the packet length the stream announced (codec header), used until a
 * packet says otherwise; 0: 20 ms. */
void audio_jitter_begin(struct audio_jitter *j, uint32_t stream_id, uint64_t packet_usec,
			uint64_t now);
/* usec: the packet's own duration (from the Opus packet); 0 = undecodable (invalid). */
enum audio_jitter_put audio_jitter_put(struct audio_jitter *j, uint32_t packet_id,
				       const uint8_t *data, size_t len, uint64_t usec,
				       uint64_t now);
/* The next piece of audio. dry: the consumer runs short unless it gets audio now.
 * *ret_usec: how much audio to produce (the packet's length for PLAY, the missing
 * packet's for FEC and PLC, AUDIO_JITTER_STRETCH_USEC for STRETCH). For PLAY and FEC
 * the data stays valid until the next call. */
enum audio_jitter_action audio_jitter_get(struct audio_jitter *j, uint64_t now, bool dry,
					  const uint8_t **ret_data, size_t *ret_len,
					  uint64_t *ret_usec);
/* Mark the packet just returned as undecodable (PLAY -> counted invalid, not played). */
void audio_jitter_undecodable(struct audio_jitter *j);
void audio_jitter_end(struct audio_jitter *j);
/* Cut: buffered packets are counted as flushed. Adapts the target like an end. */
void audio_jitter_cancel(struct audio_jitter *j);

bool audio_jitter_active(const struct audio_jitter *j); /* between begin and END/cancel */
/* audio_jitter_end() was called and the burst has not drained: get() hands out the rest */
bool audio_jitter_ending(const struct audio_jitter *j);
uint32_t audio_jitter_stream_id(const struct audio_jitter *j);
uint64_t audio_jitter_target(const struct audio_jitter *j);   /* usec */
/* When the burst's first sample is to play (monotonic usec as given to get()): the
 * first arrival + target + reserve, earlier by a backlog, never before the release;
 * without consumer_holds, the release. 0 until playing starts. */
uint64_t audio_jitter_due(const struct audio_jitter *j);
uint64_t audio_jitter_packet_usec(const struct audio_jitter *j); /* the stream's packet length */
unsigned audio_jitter_window(const struct audio_jitter *j);   /* slots (packets) this burst */
unsigned audio_jitter_buffered(const struct audio_jitter *j); /* packets */
uint64_t audio_jitter_buffered_usec(const struct audio_jitter *j);
const struct audio_play_stats *audio_jitter_stats(const struct audio_jitter *j);

const char *audio_jitter_action_to_string(enum audio_jitter_action a);
