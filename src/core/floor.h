/* SPDX-License-Identifier: MIT */
/*
 * floor.h - the half-duplex floor participant (3GPP TS 24.380 in spirit).
 *
 * Pure: no GLib, no D-Bus, no sockets, no clock of its own. Every input takes
 * the current time (microseconds, monotonic) from the caller; every effect goes
 * out through struct floor_ops. Timers are reported by floor_next_deadline()
 * and fired by floor_tick(). Given the same inputs it always does the same.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

typedef uint64_t floor_usec_t;

enum floor_state {
	FLOOR_IDLE,
	FLOOR_REQUESTING,   /* press accepted, waiting for the server (T101/C101) */
	FLOOR_TRANSMITTING, /* we hold the floor */
	FLOOR_RELEASING,    /* stop sent, waiting for the server (T100/C100) */
	FLOOR_RECEIVING,    /* a remote talker holds the floor */
	FLOOR_QUEUED,       /* the server queued our request */
	_FLOOR_STATE_MAX,
	_FLOOR_STATE_INVALID = -1,
};

enum floor_outcome {
	FLOOR_OUTCOME_GRANTED,
	FLOOR_OUTCOME_DENIED,
	FLOOR_OUTCOME_CANCELLED,
	_FLOOR_OUTCOME_MAX,
};

enum floor_cue {
	FLOOR_CUE_PERMIT,       /* talk permit tone */
	FLOOR_CUE_BUSY,         /* denied / busy */
	FLOOR_CUE_END,          /* end of transmission */
	FLOOR_CUE_INCOMING,     /* a remote talker starts */
	FLOOR_CUE_TALK_WARNING, /* max talk time is near */
	FLOOR_CUE_LINK_LOST,
	FLOOR_CUE_LINK_RESTORED,
	_FLOOR_CUE_MAX,
};

struct floor_config {
	floor_usec_t request_timeout;  /* T101: wait for granted/denied per attempt */
	unsigned request_attempts;     /* C101: attempts before the press is denied */
	floor_usec_t release_timeout;  /* T100 */
	unsigned release_attempts;     /* C100 */
	floor_usec_t max_talk;         /* 0: unlimited */
	floor_usec_t talk_warning;     /* warn this long before the max_talk cut */
	floor_usec_t queue_timeout;    /* longest wait in the queue */
	floor_usec_t receive_timeout;  /* a remote burst with no stop: back to idle */
	floor_usec_t connect_timeout;  /* press while the link is down: bound to get through */
};

/* Sensible defaults, documented in the example config. */
void floor_config_init(struct floor_config *cfg);

/*
 * Effects. All are optional. They are called synchronously from inside the
 * input functions; they must not call back into the floor (queue instead).
 */
struct floor_ops {
	/* every state change: old -> new, with a short reason ("press cli", "granted") */
	void (*transition)(void *data, enum floor_state old, enum floor_state new_state,
			   const char *reason);
	/* ask the server for the floor (start_stream); link down: reconnect() comes too */
	void (*request)(void *data, bool emergency);
	/* give the floor back (stop_stream for stream_id) */
	void (*release)(void *data, uint32_t stream_id);
	/* the link is down and a press or push waits on it: connect now, skip backoff */
	void (*reconnect)(void *data);
	/* microphone: on at press (pre-roll while requesting), off when the talk ends */
	void (*capture)(void *data, bool on);
	/* transmitting with a stream id: pre-roll and live audio may flow upstream */
	void (*granted)(void *data, uint32_t stream_id);
	/* play a remote burst (on) or stop playing it (off) */
	void (*playback)(void *data, uint32_t stream_id, bool on);
	void (*cue)(void *data, enum floor_cue cue);
	/* exactly once per accepted press */
	void (*outcome)(void *data, uint32_t press_id, enum floor_outcome outcome,
			const char *reason);
	/* active talker changed; NULL when nobody talks */
	void (*talker)(void *data, const char *name);
};

struct floor;

struct floor *floor_new(const struct floor_config *cfg, const struct floor_ops *ops,
			void *data);
struct floor *floor_free(struct floor *f); /* NULL-safe, returns NULL */

/* User inputs. source names the transmit source ("cli", "gatt:AA:BB:..", "evdev:event3").
 * Return the press id (> 0) when the press is accepted, or a negative errno:
 * -EBUSY (a remote talker holds the floor and nothing queues us), -EALREADY. */
int floor_press(struct floor *f, floor_usec_t now, const char *source, bool emergency);
/* A release from a source that does not hold the talk is ignored (-EPERM). */
int floor_release(struct floor *f, floor_usec_t now, const char *source);

/* Server inputs. */
void floor_granted(struct floor *f, floor_usec_t now, uint32_t stream_id);
void floor_denied(struct floor *f, floor_usec_t now, const char *reason);
void floor_queued(struct floor *f, floor_usec_t now, unsigned position);
void floor_taken(struct floor *f, floor_usec_t now, uint32_t stream_id, const char *talker);
void floor_remote_idle(struct floor *f, floor_usec_t now, uint32_t stream_id);
void floor_revoked(struct floor *f, floor_usec_t now, const char *reason);
void floor_link(struct floor *f, floor_usec_t now, bool up);
/* A push for stream_id. Returns true when it is news (start the late join),
 * false when that burst is already playing or already ended (a no-op). */
bool floor_push(struct floor *f, floor_usec_t now, uint32_t stream_id, const char *talker);

/* Timers: the earliest deadline (0 = none) and the call that fires what is due. */
floor_usec_t floor_next_deadline(const struct floor *f);
void floor_tick(struct floor *f, floor_usec_t now);

/* Observers. */
enum floor_state floor_get_state(const struct floor *f);
const char *floor_get_talker(const struct floor *f);   /* NULL: nobody */
const char *floor_get_source(const struct floor *f);   /* who holds our talk, or NULL */
uint32_t floor_get_stream_id(const struct floor *f);   /* ours or the remote's; 0 none */
bool floor_get_emergency(const struct floor *f);
unsigned floor_get_queue_position(const struct floor *f);

const char *floor_state_to_string(enum floor_state s);
enum floor_state floor_state_from_string(const char *s);
const char *floor_outcome_to_string(enum floor_outcome o);
const char *floor_cue_to_string(enum floor_cue c);
