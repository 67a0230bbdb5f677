/* SPDX-License-Identifier: MIT */
/*
 * audio-stream.h - one PipeWire stream (playback or capture), 16 kHz mono S16,
 * node.latency of one frame, with its sample ring and its activation.
 *
 * Activation: STARTING at creation; ACTIVE when the stream is STREAMING, is
 * linked to a node we know and process() has moved its first buffer (capture:
 * its first buffer with samples in it, the microphone is live); FAILED
 * (terminal for this object) with a reason that names the cause. The owner
 * calls audio_stream_check() on registry changes and audio_stream_poll() when
 * process() asked for attention.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "audio-pw.h"
#include "audio-ring.h"

struct audio_stream;

struct audio_stream_events {
	/* activation changed */
	void (*state)(void *data, struct audio_stream *s, enum audio_activation st,
		      const char *reason);
	/* playback: process() consumed samples (refill the ring); capture: samples are there */
	void (*io)(void *data, struct audio_stream *s);
	/* playback: eos set and the ring ran empty */
	void (*drained)(void *data, struct audio_stream *s);
	/* playback: the first non-silent buffer went out */
	void (*first_sample)(void *data, struct audio_stream *s);
};

struct audio_stream_params {
	bool capture;
	const char *target;      /* node.name, NULL or "": let the session manager choose */
	const char *name;        /* node.name of the stream */
	const char *role;        /* media.role, or NULL */
	uint64_t activation_timeout; /* usec */
};

struct audio_stream *audio_stream_new(struct audio_pw *pw, const struct audio_stream_params *p,
				      const struct audio_stream_events *ev, void *data);
struct audio_stream *audio_stream_free(struct audio_stream *s); /* NULL-safe, returns NULL */

struct audio_ring *audio_stream_ring(struct audio_stream *s);
enum audio_activation audio_stream_state(const struct audio_stream *s, const char **ret_reason);
const char *audio_stream_peer_name(const struct audio_stream *s); /* "" until linked */
const char *audio_stream_target(const struct audio_stream *s);
/* playback: no more samples will come; drained fires when the ring is empty */
void audio_stream_set_eos(struct audio_stream *s, bool eos);
/* playback: eos was set and process() found the ring empty since */
bool audio_stream_drained(const struct audio_stream *s);
/* playback: park (set inactive, as a corked stream: out of the graph's cycles, no
 * process() and no wake-ups, links kept) or resume a stream that has drained */
void audio_stream_park(struct audio_stream *s, bool park);
bool audio_stream_parked(const struct audio_stream *s);
/* playback: the sample at ring write index `index` (written or about to be) plays
 * no earlier than `until` (monotonic usec): process() puts silence before it in the
 * cycle that reaches it, so that it plays when due rather than at a cycle boundary. */
void audio_stream_hold(struct audio_stream *s, uint32_t index, uint64_t until);
/* playback: usec between the last two cycles (0: fewer than two yet) */
uint64_t audio_stream_period(const struct audio_stream *s);
/* playback: when process() is due next (monotonic usec): the last cycle + the period
 * between the last two, or `period` (a previous stream's) after the first; 0 when the
 * stream is not cycling regularly */
uint64_t audio_stream_next_cycle(const struct audio_stream *s, uint64_t now, uint64_t period);
/* playback: samples of silence a hold still puts in front (0: none), as of now */
uint32_t audio_stream_hold_pending(const struct audio_stream *s, uint64_t now);
/* playback: samples are flowing now (underruns count from here) */
void audio_stream_set_started(struct audio_stream *s, bool started);
uint32_t audio_stream_underruns(const struct audio_stream *s); /* playback */
uint32_t audio_stream_overruns(const struct audio_stream *s);  /* capture */
/* playback: samples the graph takes per cycle (0 until the first cycle) */
uint32_t audio_stream_quantum(const struct audio_stream *s);
uint64_t audio_stream_last_io(const struct audio_stream *s);   /* capture: usec of last write */

/* Milestones in monotonic usec, 0 until reached: where activation time goes. */
struct audio_stream_times {
	uint64_t connect;    /* pw_stream_connect() */
	uint64_t streaming;  /* PipeWire said STREAMING (last time) */
	uint64_t first_cycle; /* first process() */
	uint64_t last_cycle; /* latest process() (data thread clock) */
};
void audio_stream_get_times(const struct audio_stream *s, struct audio_stream_times *ret);
/* Registry changed: re-evaluate (gone: a node that is going away, or NULL). */
void audio_stream_check(struct audio_stream *s, const struct audio_node *gone);
/* process() asked for attention: deliver io/first_sample/drained/activation. */
void audio_stream_poll(struct audio_stream *s);
