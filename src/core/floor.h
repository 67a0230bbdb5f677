/* SPDX-License-Identifier: MIT */
/*
 * floor.h - the half-duplex floor participant (3GPP TS 24.380 in spirit).
 *
 * Pure: no GLib, no D-Bus, no sockets, no clock of its own. Every input takes
 * the current time (microseconds, monotonic) from the caller; every effect goes
 * out through struct floor_ops. Timers are reported by floor_next_deadline()
 * and fired by floor_tick(). Given the same inputs it always does the same.
 *
 * The rules (test-floor has one case per rule, test-floor-model checks the
 * invariants over random sequences):
 *
 * Press. idle (or releasing) --press--> requesting: capture(true) for the
 *   pre-roll, then request(emergency) when the link is up; when it is down,
 *   reconnect() and the press waits up to connect_timeout for link up, then
 *   requests. A second press from any source while requesting, queued or
 *   transmitting: -EALREADY (the first source holds the talk). A press while
 *   releasing starts a new talk (our stop is already sent).
 * Request retries (T101/C101). Each attempt lasts request_timeout; there are
 *   request_attempts of them. The link is a reliable stream, so a request is
 *   never sent twice on one link session (a second one would open a second
 *   stream): an attempt that expires with the link up just waits one more
 *   period for the answer. A request is known lost only when the link goes
 *   down; on the next link up it is sent again (a new attempt). The last
 *   attempt expired: release(0) abandons the request, denied ("no answer").
 *   The link lost after the last attempt: denied ("link lost"). Link still down after connect_timeout: denied ("no link"). A hard
 *   bound, floor_config_press_bound(), denies whatever is still undecided.
 * Answers. granted(stream) -> transmitting: granted(stream), cue permit,
 *   outcome granted. denied -> idle (receiving when a remote burst plays or
 *   waits, see Half-duplex): capture off, cue busy, outcome denied.
 *   queued(pos) -> queued: capture off (no pre-roll through an open-ended
 *   wait); queue_timeout bounds it (then denied "queue timeout"); link down
 *   while queued: denied "link lost". revoked while requesting/queued = denied.
 * Cancel. release from the holding source while requesting/queued -> idle
 *   (or receiving, as for denied), outcome cancelled. The request stays in flight: a later grant for it (or
 *   any grant we did not ask for) is handed back at once with release(stream);
 *   a new press on the same link session adopts it instead of sending another.
 * Release. From the holder while transmitting -> releasing: capture off,
 *   release(stream), cue end; T100/C100: release() is repeated every
 *   release_timeout, release_attempts in all, then idle ("release
 *   unconfirmed"); remote_idle(our stream) -> idle ("released"). A release from
 *   any other source, or when nobody holds a talk: -EPERM, nothing changes.
 * Max talk. talk_warning before the cut: cue talk-warning; at max_talk after
 *   the grant: released as if the holder let go ("max talk"). max_talk 0: no
 *   limit.
 * Half-duplex. Capture and playback are never on at once: every "off" effect
 *   comes before the "on" effect it makes room for. taken(stream, talker)
 *   while idle -> receiving: playback(stream, true), cue incoming, talker.
 *   A press while receiving: -EBUSY with cue busy (not accepted: no outcome;
 *   the server's queue is reached only through a request it answers with
 *   queued), unless emergency: playback off, talker NULL, then
 *   requesting(emergency).
 *   taken while requesting (not emergency): the remote won, outcome denied,
 *   cue busy, receiving. taken while requesting(emergency): not played (we
 *   pre-empt; the server decides), but remembered: should that press end
 *   without the floor (denied, cancelled) while the burst has not ended, it
 *   plays then, in receiving. taken while transmitting/releasing (not our
 *   own stream): the server let a remote pre-empt us: capture off,
 *   release(our stream) while transmitting (it may still be open there: a
 *   burst joined late and replayed while we talk), receiving.
 *   taken while queued: played while we stay queued.
 * Revoked while transmitting -> idle: capture off, cue end. remote_idle(our
 *   stream) while transmitting is the same.
 * Receiving ends on remote_idle(that stream), or after receive_timeout with
 *   neither a new taken() nor floor_remote_activity() for it: playback off,
 *   cue end, talker NULL -> idle. A taken() for another stream switches to it.
 * Link down: transmitting -> idle ("link lost", capture off, cue link-lost);
 *   receiving -> idle (playback off, cue link-lost); releasing -> idle;
 *   requesting keeps waiting (reconnect(), connect_timeout, cue link-lost) while
 *   attempts remain; queued -> denied. Link up while a press waits: cue
 *   link-restored, request.
 * Push(stream, talker): false when that stream is ours, playing, announced or
 *   among the last 64 ended streams (a no-op); true otherwise: reconnect() when
 *   the link is down, and when idle talker(talker) and the announcement lasts
 *   receive_timeout unless taken() follows. A push never changes the state.
 *   taken() for a stream among the ended ones is stale and ignored.
 * Bounds. Every accepted press gets exactly one outcome within
 *   floor_config_press_bound(); every state reaches idle without further input
 *   within floor_config_settle_bound().
 * Timers. floor_tick() fires every due timer in deadline order; a late tick
 *   catches up (a retry period counts from the missed deadline, not from the
 *   tick). Every input first fires the timers already due at its "now", so
 *   the outcome never depends on how late the caller's timer ran.
 * Effects order within one input: stop effects (capture off, playback off,
 *   talker NULL), transition, start effects (request, release, capture on,
 *   granted, playback on), cue, talker, outcome.
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
/* The longest a press waits for its outcome (granted, denied or cancelled):
 * (request_attempts + 1) * connect_timeout + request_attempts * request_timeout
 * + queue_timeout. A press that is still undecided then is denied ("timeout"). */
floor_usec_t floor_config_press_bound(const struct floor_config *cfg);
/* The longest any state lasts without further input before the floor is idle
 * again; 0 when max_talk is 0 (a held talk is then unbounded by design). */
floor_usec_t floor_config_settle_bound(const struct floor_config *cfg);

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
	/* give the floor back (stop_stream for stream_id); stream_id 0: forget our
	 * request that never got an answer (its grant, should it still come, is
	 * to be stopped without telling the floor), a new one may follow */
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
 * -EBUSY (a remote talker holds the floor and nothing queues us), -EALREADY
 * (a talk is already requested, queued or held), -EINVAL (no source). */
int floor_press(struct floor *f, floor_usec_t now, const char *source, bool emergency);
/* A release from a source that does not hold the talk is ignored (-EPERM). */
int floor_release(struct floor *f, floor_usec_t now, const char *source);

/*
 * Server inputs. The link starts down: call floor_link(f, now, true) once the
 * uplink is connected. Server inputs while the link is down are stale and
 * ignored; a stream id of 0 is invalid and ignored.
 */
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

/* Audio (or any sign of life) of the remote burst stream_id: restarts its
 * receive_timeout. Ignored unless that burst is the one playing. */
void floor_remote_activity(struct floor *f, floor_usec_t now, uint32_t stream_id);

/* Timers: the earliest deadline (0 = none) and the call that fires what is due. */
floor_usec_t floor_next_deadline(const struct floor *f);
void floor_tick(struct floor *f, floor_usec_t now);

/* Observers. */
enum floor_state floor_get_state(const struct floor *f);
const char *floor_get_talker(const struct floor *f);   /* NULL: nobody */
const char *floor_get_source(const struct floor *f);   /* who holds our talk, or NULL */
uint32_t floor_get_stream_id(const struct floor *f);   /* ours or the remote's; 0 none */
/* The remote burst being played (receiving, or while queued), 0 none: audio of
 * any other stream must not reach the speaker. */
uint32_t floor_get_playing(const struct floor *f);
bool floor_get_emergency(const struct floor *f);
unsigned floor_get_queue_position(const struct floor *f);
bool floor_get_link(const struct floor *f);
/* A press (requesting) or an announced push (idle) waits for the link to come
 * back: the service status' "waiting" input. */
bool floor_get_waiting(const struct floor *f);
/* The press whose outcome is still due, 0 when none. */
uint32_t floor_get_press_id(const struct floor *f);

const char *floor_state_to_string(enum floor_state s);
enum floor_state floor_state_from_string(const char *s);
const char *floor_outcome_to_string(enum floor_outcome o);
const char *floor_cue_to_string(enum floor_cue c);
