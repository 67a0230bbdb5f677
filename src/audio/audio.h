/* SPDX-License-Identifier: MIT */
/*
 * audio.h - the audio bridge: PipeWire playback/capture, Opus, jitter buffer,
 * routing by node properties, cues, and activation that never fails silently.
 *
 * Threads: every function here and every callback in struct audio_events runs
 * on the caller's GLib main context (the daemon's one main loop). PipeWire's
 * main loop is driven from a GSource on its fd; the real-time process()
 * callbacks run on PipeWire's data thread and talk to the main loop only
 * through lock-free ring buffers and pw_loop_invoke().
 *
 * Activation: audio_play_begin()/audio_capture_begin() start asynchronously.
 * AUDIO_ACTIVE is reported only when the stream is STREAMING, linked to a real
 * node, and process() has moved its first buffer; otherwise AUDIO_FAILED comes
 * with a reason that names the cause (no output node, node gone, format
 * refused, no session manager linked the stream within activation-timeout...).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <glib.h>

#include "conf.h"

#define AUDIO_RATE 16000
#define AUDIO_FRAME_USEC 20000
#define AUDIO_FRAME_SAMPLES 320 /* 20 ms at 16 kHz, mono */
#define AUDIO_MAX_PACKET 1500   /* largest Opus packet accepted from a peer */
/* A peer's packet: 1 or 2 Opus frames of 2.5 .. 60 ms, at most 120 ms of audio,
 * decoded at AUDIO_RATE whatever rate it was encoded at (Opus decodes any
 * packet at any of its rates). */
#define AUDIO_PACKET_MAX_USEC 120000
#define AUDIO_PACKET_MAX_SAMPLES 1920 /* 120 ms at 16 kHz */

enum audio_activation {
	AUDIO_OFF,      /* not requested, or ended normally (reason says why) */
	AUDIO_STARTING, /* requested (or being moved to a fallback), not yet proven */
	AUDIO_ACTIVE,   /* streaming to a real node, first buffer consumed/produced */
	AUDIO_FAILED,   /* cannot play/capture: reason names the cause */
	_AUDIO_ACTIVATION_MAX,
};

enum audio_hfp_policy {
	AUDIO_HFP_ON_TALK, /* A2DP while listening, HFP while talking (default) */
	AUDIO_HFP_ALWAYS,  /* always HFP for the headset */
	AUDIO_HFP_NEVER,   /* never HFP: talk uses the configured/default input */
	_AUDIO_HFP_POLICY_MAX,
};

/* Same order as enum floor_cue, so the daemon may cast (checked by a static assert there). */
enum audio_cue {
	AUDIO_CUE_PERMIT,
	AUDIO_CUE_BUSY,
	AUDIO_CUE_END,
	AUDIO_CUE_INCOMING,
	AUDIO_CUE_TALK_WARNING,
	AUDIO_CUE_LINK_LOST,
	AUDIO_CUE_LINK_RESTORED,
	_AUDIO_CUE_MAX,
};

/* What a routed endpoint is. */
enum audio_endpoint_kind {
	AUDIO_EP_NONE,       /* nothing usable */
	AUDIO_EP_HEADSET_A2DP,
	AUDIO_EP_HEADSET_HFP,
	AUDIO_EP_CONFIGURED, /* [audio] output / input */
	AUDIO_EP_DEFAULT,    /* some other sink/source (the session's default) */
	_AUDIO_EP_KIND_MAX,
};

#define AUDIO_NAME_MAX 128

struct audio_endpoint {
	enum audio_endpoint_kind kind;
	char node_name[AUDIO_NAME_MAX]; /* node.name, "" when kind == AUDIO_EP_NONE */
	char reason[160];               /* why this one ("... A2DP sink", "... not present: ...") */
};

struct audio_route {
	bool talking;             /* the route for talking (true) or listening */
	struct audio_endpoint sink;
	struct audio_endpoint source;
};

struct audio_config {
	char *headset;          /* node.name or Bluetooth address, NULL: any BT headset */
	char *output;           /* fallback sink node.name, NULL: default */
	char *input;            /* microphone node.name (talk), NULL: headset HFP else default */
	enum audio_hfp_policy hfp_policy;
	unsigned bitrate;       /* Opus bit/s, 16000..24000 (6000..64000 accepted) */
	unsigned packet_loss;   /* expected loss %, for Opus in-band FEC, 0..50 */
	bool fec;               /* in-band FEC (encoder) */
	bool dtx;
	bool cues;              /* generate cues at all */
	double cue_volume;      /* 0..1 */
	unsigned volume;        /* playback gain of remote bursts at start, % (100: as sent) */
	unsigned volume_step;   /* % per volume up/down step (the daemon's) */
	uint64_t prebuffer;     /* usec, initial jitter-buffer prebuffer (adapts) */
	uint64_t max_prebuffer; /* usec, upper bound of the adaptation */
	uint64_t activation_timeout; /* usec, bound for a stream to become ACTIVE */
	uint64_t preroll;       /* usec of encoded mic frames the daemon may keep (info only) */
};

/* Defaults (what the example config shows). */
void audio_config_init(struct audio_config *cfg);
/* Group [audio]. On FALSE, error names file, group, key and why; *out is untouched. */
gboolean audio_config_load(const struct conf *c, struct audio_config *out, GError **error);
void audio_config_clear(struct audio_config *cfg);

/* Per-burst accounting: every received packet lands in exactly one bucket. */
struct audio_play_stats {
	uint32_t stream_id;
	uint32_t received;   /* audio_play_packet() calls for this burst */
	uint32_t played;     /* decoded from their own data */
	uint32_t duplicate;  /* same packet_id already buffered or played: dropped */
	uint32_t late;       /* arrived after its slot was played/concealed: dropped */
	uint32_t invalid;    /* empty, oversize, undecodable, or too far ahead: dropped */
	uint32_t flushed;    /* dropped from the buffer unplayed (cancel, catch-up jump) */
	/* slots (packet ids) that never arrived in time: */
	uint32_t recovered;  /* rebuilt from the next packet's in-band FEC */
	uint32_t concealed;  /* packet-loss concealment */
	uint32_t skipped;    /* jumped over to catch up after lagging a whole window */
	/* frames that are not packet slots: */
	uint32_t stretched;  /* PLC frames inserted while the buffer ran dry */
	uint32_t underruns;  /* process() found no PCM (silence; should stay 0) */
	uint32_t first_id, last_id; /* packet_id range played */
	uint64_t prebuffer;  /* usec waited before playing (jitter target + quantum) */
	uint64_t packet_usec; /* the stream's packet length (from the packets) */
	char reason[160];    /* how it ended: "drained", "preempted by stream N", "codec header: ..." */
};

struct audio_capture_stats {
	uint32_t frames;     /* encoded frames handed to events.frame */
	uint32_t dtx;        /* frames DTX suppressed (not handed out) */
	uint32_t overruns;   /* PCM frames lost because the main loop fell behind */
};

struct audio_events {
	/* playback activation of a remote burst (stream_id) changed */
	void (*playback)(void *data, uint32_t stream_id, enum audio_activation st,
			 const char *reason);
	void (*capture)(void *data, enum audio_activation st, const char *reason);
	/* one encoded 20 ms mic frame; captured: monotonic usec when its PCM was complete */
	void (*frame)(void *data, const uint8_t *opus, size_t len, uint64_t captured);
	/* the route changed (node appeared/disappeared, talk/listen) */
	void (*route)(void *data, const struct audio_route *r);
	/* the first decoded sample of stream_id reached PipeWire */
	void (*first_sample)(void *data, uint32_t stream_id);
	/* a burst finished (drained or cancelled): its accounting */
	void (*play_stats)(void *data, const struct audio_play_stats *s);
};

struct audio;

/* Connects to PipeWire on the thread-default GMainContext. NULL + error when
 * PipeWire cannot be reached. */
struct audio *audio_new(const struct audio_config *cfg, const struct audio_events *events,
			void *data, GError **error);
struct audio *audio_free(struct audio *a); /* NULL-safe, returns NULL */

/* What the stream announced (on_stream_start). */
struct audio_burst_format {
	uint64_t packet_usec; /* packet length from codec header / packet_duration; 0: 20 ms.
			       * The packets themselves decide (opus_packet_get_nb_samples). */
	const char *error;    /* NULL, or why this stream cannot be played ("codec header:
			       * sample rate 44100 not supported"): playback FAILED with it,
			       * its packets are counted invalid, the burst event names it */
};

/* Start playing remote burst stream_id (one at a time). f NULL: 20 ms packets.
 * A burst still playing out its tail after audio_play_end() finishes first: the
 * tail is decoded into the ring ahead of the new burst (nothing flushed); a burst
 * that has not ended is cut (reason "preempted by stream N", counted flushed).
 * Returns 0 (result comes through events.playback) or -errno. */
int audio_play_begin(struct audio *a, uint32_t stream_id, const struct audio_burst_format *f);
/* One Opus packet of that burst (1 or 2 frames, 2.5 .. 120 ms, any encoding rate);
 * packet_id increases by one per packet. */
void audio_play_packet(struct audio *a, uint32_t stream_id, uint32_t packet_id,
		       const uint8_t *opus, size_t len);
/* The talker stopped: play what is buffered (concealing holes), then AUDIO_OFF "drained". */
void audio_play_end(struct audio *a, uint32_t stream_id);
/* Cut now (AUDIO_OFF with reason). */
void audio_play_cancel(struct audio *a, uint32_t stream_id, const char *reason);

/* Microphone on (talk route) / off. Frames come through events.frame. */
int audio_capture_begin(struct audio *a);
void audio_capture_end(struct audio *a);
/* The headset's microphone failed in this talk: capture (now, or from the next
 * audio_capture_begin()) from a non-Bluetooth source, the configured input, else
 * the first other source, until audio_capture_end(). */
void audio_capture_avoid_bt(struct audio *a);

/* Playback volume of remote bursts, in percent of the received level
 * (AUDIO_VOLUME_MAX at most; cues keep cue_volume); takes effect from the next
 * decoded frame. */
#define AUDIO_VOLUME_MAX 150
void audio_set_volume(struct audio *a, unsigned percent);

/* Play a cue on the current sink (no-op when cues are off). */
void audio_cue(struct audio *a, enum audio_cue cue);

const struct audio_route *audio_get_route(const struct audio *a);
/* The route that would be taken now for talking or listening (changes nothing). */
void audio_preview_route(const struct audio *a, bool talking, struct audio_route *ret);
enum audio_activation audio_get_playback_state(const struct audio *a, const char **ret_reason);
enum audio_activation audio_get_capture_state(const struct audio *a, const char **ret_reason);
/* The current (or last finished) burst. */
void audio_get_play_stats(const struct audio *a, struct audio_play_stats *ret);
void audio_get_capture_stats(const struct audio *a, struct audio_capture_stats *ret);

const char *audio_activation_to_string(enum audio_activation s);
const char *audio_hfp_policy_to_string(enum audio_hfp_policy p);
const char *audio_cue_to_string(enum audio_cue c);
const char *audio_endpoint_kind_to_string(enum audio_endpoint_kind k);
