/* SPDX-License-Identifier: MIT */
/*
 * push-msg.h - the signed push message: build, sign, parse, verify.
 *
 * Pure apart from GLib (GHmac, json-glib, GBase64): no I/O besides
 * push_key_load(), no clock (the caller passes the wall-clock time), no log
 * (rejections come back as GError in PUSH_MSG_ERROR, the caller logs them).
 *
 * Wire format, byte by byte. The MQTT message payload is the ENVELOPE, a JSON
 * object in UTF-8, at most PUSH_MSG_MAX_ENVELOPE bytes:
 *
 *   {"v":1,"payload":"<B64>","mac":"<HEX>"}
 *
 *   v        the number 1 (the version of this format; others are rejected)
 *   payload  standard base64 (RFC 4648 section 4, with '=' padding, no line
 *            breaks) of the PAYLOAD bytes P
 *   mac      HMAC-SHA256(K, P) as 64 lowercase hex digits (uppercase accepted)
 *
 * K is the gateway's key: the bytes of the first line of its key file (see
 * push_key_load()). The MAC covers exactly the bytes P that the base64
 * decodes to, so no JSON re-serialisation or whitespace question arises. The
 * verifier compares the MAC in constant time before it parses P at all.
 *
 * P, the PAYLOAD, is a JSON object in UTF-8, at most PUSH_MSG_MAX_PAYLOAD
 * bytes, with these members (others are ignored; order is free):
 *
 *   "channel"    string, 1..PUSH_MSG_MAX_NAME bytes: the channel of the burst
 *   "stream_id"  integer 1..4294967295: the relay's stream id of the burst
 *   "from"       string, 1..PUSH_MSG_MAX_NAME bytes: the talker
 *   "to"         string, 0..PUSH_MSG_MAX_NAME bytes, optional: the user this
 *                push is for; when present and the verifier knows its own
 *                user, they must be equal
 *   "timestamp"  integer: wall clock (Unix time) in milliseconds when signed
 *   "nonce"      string of PUSH_MSG_NONCE_MIN..PUSH_MSG_NONCE_MAX characters
 *                [0-9a-zA-Z+/=_-] (the signer uses 32 lowercase hex digits,
 *                16 random bytes from getrandom())
 *
 * The signer writes P as json-glib generates it, e.g.
 *   {"channel":"ops","stream_id":42,"from":"alice","to":"bob",
 *    "timestamp":1764122400000,"nonce":"6f1c...e0"}
 *
 * Verification order, each failure its own error code, and nothing changes
 * on any failure (the replay cache records a nonce only after every check):
 *   size -> envelope JSON -> v -> mac syntax -> base64 -> MAC (constant time)
 *   -> payload JSON and fields -> "to" -> timestamp within +-window of now
 *   -> nonce not seen within the window.
 *
 * Replay cache: nonce -> timestamp, at most max_entries; an entry is dropped
 * once its timestamp is older than now - window (from then on the timestamp
 * check rejects the push anyway). When full, the oldest entry is evicted and
 * its timestamp becomes a floor: pushes signed at or before it are rejected as
 * stale, so eviction never reopens a replay.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PUSH_MSG_MAX_ENVELOPE 4096
#define PUSH_MSG_MAX_PAYLOAD 2048
#define PUSH_MSG_MAX_NAME 256
#define PUSH_MSG_NONCE_MIN 16
#define PUSH_MSG_NONCE_MAX 64
#define PUSH_MSG_KEY_MIN 16
#define PUSH_MSG_KEY_MAX 1024
#define PUSH_MSG_MAC_HEX 64

#define PUSH_MSG_ERROR (push_msg_error_quark())
GQuark push_msg_error_quark(void);

enum push_msg_error {
	PUSH_MSG_ERROR_TOO_BIG,   /* envelope or payload over its limit */
	PUSH_MSG_ERROR_MALFORMED, /* not the envelope, bad base64, bad JSON or fields */
	PUSH_MSG_ERROR_BAD_MAC,   /* missing or wrong MAC */
	PUSH_MSG_ERROR_WRONG_USER,/* "to" names another user */
	PUSH_MSG_ERROR_STALE,     /* timestamp older than the window (or the floor) */
	PUSH_MSG_ERROR_FUTURE,    /* timestamp ahead of now by more than the window */
	PUSH_MSG_ERROR_REPLAY,    /* nonce already seen */
	_PUSH_MSG_ERROR_MAX,
};
const char *push_msg_error_to_string(enum push_msg_error e);

struct push_msg {
	char *channel;
	uint32_t stream_id;
	char *from;
	char *to;               /* NULL when absent */
	int64_t timestamp_ms;   /* wall clock, Unix ms */
	char *nonce;
};

void push_msg_clear(struct push_msg *m);

/* Fill m->nonce with 32 lowercase hex digits of getrandom(). */
void push_msg_new_nonce(struct push_msg *m);

/*
 * Sign m (channel, stream_id, from, optional to, timestamp_ms, nonce: all
 * set) with key; returns the envelope (NUL-terminated, *ret_len without the
 * NUL) or NULL with error (fields out of their limits).
 */
char *push_msg_sign(const struct push_msg *m, const void *key, size_t key_len,
		    size_t *ret_len, GError **error);

/* The key from a key file (conf_read_secret_file(): not accessible by
 * others; the first line, stripped), PUSH_MSG_KEY_MIN..PUSH_MSG_KEY_MAX
 * bytes. Generate one with: `openssl rand -hex 32 > KEYFILE; chmod 600 KEYFILE`. */
GBytes *push_key_load(const char *path, GError **error);

struct push_verifier;

/* window_ms: accepted |now - timestamp|; max_entries: replay cache bound.
 * self: our own user name for the "to" check, or NULL. */
struct push_verifier *push_verifier_new(GBytes *key, int64_t window_ms, unsigned max_entries,
					const char *self);
struct push_verifier *push_verifier_free(struct push_verifier *v); /* NULL-safe */

/* Verify one envelope at wall-clock now_ms. TRUE: *out filled (clear it with
 * push_msg_clear()) and the nonce recorded. FALSE: error set, nothing changed. */
gboolean push_verifier_check(struct push_verifier *v, const void *data, size_t len,
			     int64_t now_ms, struct push_msg *out, GError **error);

unsigned push_verifier_cache_size(const struct push_verifier *v);

/*
 * Freshness without a right clock: besides |now - timestamp| <= window, a push is fresh
 * when it is within the window of the relay's time as learned from the last accepted
 * push (timestamp - now then: the offset), and, with push_verifier_use_monotonic(), the
 * first push since a start when it is newer than the newest push accepted before (the
 * high-water mark: the relay's clock as a per-key counter; the caller keeps it in its
 * state directory). With no mark at all (a new gateway), the first authentic push is
 * taken whatever its age (trust on first use). A mark set with push_verifier_set_high_water() is also a floor: nothing
 * signed at or before it is accepted again (replays across a restart).
 */
void push_verifier_use_monotonic(struct push_verifier *v);
void push_verifier_set_high_water(struct push_verifier *v, int64_t ts_ms);
/* The newest timestamp accepted (FALSE: none yet). */
gboolean push_verifier_get_high_water(const struct push_verifier *v, int64_t *ret_ts_ms);
/* The relay's clock minus ours, learned from the last accepted push (FALSE: none yet). */
gboolean push_verifier_get_offset(const struct push_verifier *v, int64_t *ret_offset_ms);
