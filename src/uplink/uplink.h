/* SPDX-License-Identifier: MIT */
/*
 * uplink.h - the gateway's WebSocket link to its dispatch server
 * (Zello Channel API wire format, codec in src/proto/).
 *
 * libwebsockets client running on the daemon's GLib main loop (lws foreign
 * loop through the glib event library). Owns: TLS, logon (API.md: username
 * always with its password, plus the refresh_token and auth_token when held;
 * listen_only, platform_type, platform_name, version), the channel status
 * (UPLINK_CONNECTED once the first on_channel_status is in; streams only while
 * it says online), heartbeats (a WebSocket Ping after every heartbeat-interval
 * in which nothing came in, no keepalive command; the link is dead after
 * 2.5 x interval without a frame or a Pong), a WebSocket Close frame with a code whenever we close (see
 * UPLINK_CLOSE_*), API.md's error codes mapped to what it says to do
 * (uplink_error_lookup()), reconnect with full-jitter exponential backoff, and
 * the link policy (persistent | idle-drop | push-only). pttgw's extensions
 * (emergency pre-emption, join_stream, packet ids) are used only when the
 * server announced them in its logon reply.
 *
 * Everything is called on the main loop's thread; every event is emitted from
 * it. Events may call back into the uplink (e.g. uplink_stop_stream() from
 * revoked), but must not free it from inside an event.
 * Times are uint64_t microseconds of the monotonic clock (g_get_monotonic_time).
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct conf;

enum uplink_state {
	UPLINK_DISCONNECTED, /* not connected, no attempt scheduled (policy drop, stopped) */
	UPLINK_CONNECTING,   /* one attempt in flight: TCP, TLS, WebSocket, logon,
			      * first channel status */
	UPLINK_CONNECTED,    /* logged on, channel status known; streams can be
			      * started while the channel is online */
	UPLINK_BACKOFF,      /* waiting for the next attempt (uplink_get_next_attempt()) */
	_UPLINK_STATE_MAX,
	_UPLINK_STATE_INVALID = -1,
};

enum uplink_policy {
	UPLINK_POLICY_PERSISTENT, /* keep the link up, reconnect with backoff */
	UPLINK_POLICY_IDLE_DROP,  /* drop after idle-drop-after s without streams */
	UPLINK_POLICY_PUSH_ONLY,  /* drop after every burst (ours or remote) */
	_UPLINK_POLICY_MAX,
	_UPLINK_POLICY_INVALID = -1,
};

/* Defaults of the timers a configuration leaves at 0 (usec); uplink-config.c's
 * defaults for [upstream] are these too. */
#define UPLINK_HEARTBEAT_DEFAULT (10 * G_USEC_PER_SEC)
#define UPLINK_BACKOFF_BASE_DEFAULT (G_USEC_PER_SEC / 2)
#define UPLINK_BACKOFF_CAP_DEFAULT (30 * G_USEC_PER_SEC)

struct uplink_config {
	char *url;          /* ws://host[:port][/path] or wss://... */
	char *channel;      /* the selected channel: we talk on it */
	char **channels;    /* every channel of the logon (NULL-terminated, includes
			     * channel; NULL: channel alone): we listen to all */
	char *username;
	char *password;     /* first line of credentials-file, or NULL */
	char *auth_token;   /* first line of token-file, or NULL */
	char *ca_file;      /* NULL: the system store */
	bool insecure;      /* no certificate verification (warned at every connect) */
	uint64_t heartbeat_interval; /* usec; a Ping after this of silence, dead after 2.5 x */
	uint64_t backoff_base;       /* usec */
	uint64_t backoff_cap;        /* usec */
	enum uplink_policy policy;
	uint64_t idle_drop_after;    /* usec, for UPLINK_POLICY_IDLE_DROP */
	unsigned send_queue_frames;  /* audio frames queued at most; 0 = default (50) */
	bool listen_only;            /* logon with listen_only: true */
	char *platform_name;         /* logon platform_name (names the gateway) */
	char *version;               /* logon version */
};

/* Close codes we send (RFC 6455 7.4.1). */
#define UPLINK_CLOSE_NORMAL 1000  /* channel switch, policy drop, refused logon,
				   * the server's "server closed connection" */
#define UPLINK_CLOSE_GOING_AWAY 1001 /* shutdown / stop, dead link */

/* What API.md says to do about one of its error codes. */
enum uplink_err_action {
	UPLINK_ERR_RECONNECT, /* close and reconnect at once */
	UPLINK_ERR_BACKOFF,   /* close and reconnect after the backoff */
	UPLINK_ERR_USER,      /* tell the user (credentials, configuration) */
	UPLINK_ERR_DENY,      /* our start_stream failed: denied, try again later */
	UPLINK_ERR_CHANNEL,   /* the channel is not online: wait for its status */
	UPLINK_ERR_IGNORE,    /* safe to ignore */
	UPLINK_ERR_REPORT,    /* a request of ours was refused: log, show, go on */
};
struct uplink_error_info {
	const char *code;     /* API.md's string */
	enum uplink_err_action action;
	const char *text;     /* what the user reads (status, denials) */
};
/* The entry for an error code; an unknown code gets a generic REPORT entry. */
const struct uplink_error_info *uplink_error_lookup(const char *code);
/* "code: what it means" for the status and denials (g_free); an unknown
 * code as it is. */
char *uplink_error_reason(const char *code);

/* Reads [upstream]; secrets through conf_read_secret_file() (refuses files
 * others can read). FALSE + error (exit 78) on a bad value. */
gboolean uplink_config_load(const struct conf *c, struct uplink_config *out, GError **error);
void uplink_config_clear(struct uplink_config *cfg);

struct uplink_events {
	/* Every state change; detail: "idle (policy)", the last error, ... */
	void (*state)(void *data, enum uplink_state st, const char *detail);
	/* Our start_stream was answered with a stream id: we hold the floor. */
	void (*granted)(void *data, uint32_t stream_id);
	/* Our start_stream was refused (server's reason), or the link went
	 * down before the answer ("link lost"). */
	void (*denied)(void *data, const char *reason);
	/* The server (or a link loss) ended our stream. */
	void (*revoked)(void *data, uint32_t stream_id, const char *reason);
	/* Someone else talks (taken). channel may be NULL. packet_usec: the packet
	 * length its codec header announces; codec_error: NULL, or why its codec
	 * header cannot be played ("codec header: ...", the stream is still taken). */
	void (*remote_start)(void *data, uint32_t stream_id, const char *from,
			     const char *channel, unsigned packet_duration_ms,
			     unsigned packet_usec, const char *codec_error);
	/* The remote stream ended (idle), also when the link went down. */
	void (*remote_stop)(void *data, uint32_t stream_id);
	/* One Opus packet of a remote stream; opus is valid during the call. */
	void (*audio)(void *data, uint32_t stream_id, uint32_t packet_id,
		      const uint8_t *opus, size_t len);
	/* Logon refused (bad credentials/token); the uplink keeps retrying
	 * with backoff, the owner decides whether that is "unavailable". */
	void (*auth_refused)(void *data, const char *reason);
	/* on_channel_status of any channel of the logon: online or not,
	 * users_online (-1: not given), the server's error (may be NULL); also
	 * for the newly selected channel when uplink_set_channel() switched. */
	void (*channel)(void *data, const char *channel, bool online, int64_t users_online,
			const char *error);
	/* uplink-messages.c. A remote stream is a private call to us ("for": for_user);
	 * comes right before its remote_start. */
	void (*remote_for)(void *data, uint32_t stream_id, const char *from,
			   const char *for_user);
	/* on_text_message; channel and for_user may be NULL. */
	void (*text)(void *data, const char *channel, const char *from, const char *for_user,
		     const char *text, uint32_t message_id);
	/* on_location; accuracy < 0: not given; address and for_user may be NULL. */
	void (*location)(void *data, const char *channel, const char *from,
			 const char *for_user, double latitude, double longitude,
			 double accuracy, const char *address);
	/* The server answered a send_text_message / send_location of ours
	 * (seq as returned when sent); error NULL: delivered. */
	void (*sent)(void *data, uint32_t seq, const char *error);
};

struct uplink;

/* loop: the daemon's main loop (lws attaches its sources to its context). */
struct uplink *uplink_new(const struct uplink_config *cfg, GMainLoop *loop,
			  const struct uplink_events *ev, void *data, GError **error);
/* NULL-safe; returns NULL (u = uplink_free(u)). */
struct uplink *uplink_free(struct uplink *u);

/* Begin connecting (all policies connect once at start). 0 or -errno. */
int uplink_start(struct uplink *u);
/* Close the link and stay disconnected until uplink_start()/connect_now(). */
void uplink_stop(struct uplink *u);
/* Shutdown: a Close frame (1001) and up to timeout_ms on the loop's context
 * for the closing handshake; no event is emitted any more. Then uplink_free(). */
void uplink_shutdown(struct uplink *u, unsigned timeout_ms);

/*
 * Press: start_stream (opus, 16000 Hz, 1 frame of 20 ms per packet).
 * 0: sent, granted/denied follows. -ENOTCONN: not logged on (call
 * uplink_connect_now() and retry on UPLINK_CONNECTED). -ENETDOWN: the
 * channel is not online (uplink_get_channel() says why). -EBUSY: a stream of
 * ours is pending or active. -ENOBUFS: send queue full.
 * emergency is sent only when the server announced the extension; to a
 * plain server it is a normal talk (uplink_has_extension() tells).
 */
int uplink_start_stream(struct uplink *u, bool emergency);
/* Release: stop_stream. stream_id 0 = the pending request (answer not yet
 * in; it is stopped as soon as the id arrives). 0, -ENOENT, -ENOTCONN. */
int uplink_stop_stream(struct uplink *u, uint32_t stream_id);
/* One Opus packet of our stream (packet ids are ours, from 0).
 * 0, -ENOENT (not our active stream), -ENOTCONN, -EMSGSIZE, -ENOBUFS (queue full). */
int uplink_send_audio(struct uplink *u, uint32_t stream_id, const uint8_t *opus, size_t len);
/* Late join (pttgw extension join_stream): ask the relay for the burst in
 * progress from its first packet (remote_start, then audio from packet 0).
 * While the link is down the join waits for the logon and the link is asked
 * to connect now. 0; -EALREADY: that stream is already being received (a
 * duplicate push: nothing to do); -ENOBUFS: too many joins waiting (4). */
int uplink_join_stream(struct uplink *u, uint32_t stream_id);

/* uplink-messages.c */
/* The next start_stream goes to this user only ("for"; NULL: the channel). The
 * recipient stays until changed. 0 or -EINVAL. */
int uplink_set_talk_for(struct uplink *u, const char *user);
/* send_text_message to the channel (NULL: the configured one), for_user only
 * when set. The seq (> 0) for the sent event, -ENOTCONN (not logged on),
 * -ENETDOWN (channel offline), -EPERM (listen-only), -ENOBUFS. */
int uplink_send_message(struct uplink *u, const char *channel, const char *for_user,
			const char *text);
/* send_location (accuracy < 0: not sent); the seq, or as uplink_send_message(). */
int uplink_send_location(struct uplink *u, double latitude, double longitude,
			 double accuracy, const char *for_user);

/* Press or push: attempt now, skipping any backoff wait. A no-op while an
 * attempt is in flight or the link is up (never two attempts at once). */
void uplink_connect_now(struct uplink *u);
/* Talk on another channel. One of the logon's channels: at once, without a
 * new logon (its last status applies). Any other: added to the logon's
 * channels, and a link that is up logs on again at once. 0, -EINVAL, -EBUSY
 * (a stream of ours is active; for a new logon also a remote one). */
int uplink_set_channel(struct uplink *u, const char *channel);

enum uplink_state uplink_get_state(const struct uplink *u);
/* Did the server announce this extension (PROTO_EXT_*) in its logon reply? */
bool uplink_has_extension(const struct uplink *u, const char *ext);
/* The channel as the last on_channel_status said: online, users_online (-1:
 * unknown); returns a readable reason when talking is not possible now
 * ("channel test is offline"), NULL when it is. */
const char *uplink_get_channel(const struct uplink *u, bool *ret_online,
			       int64_t *ret_users_online);
/* Monotonic usec of the next attempt in UPLINK_BACKOFF, else 0. */
uint64_t uplink_get_next_attempt(const struct uplink *u);
/* Last error (connect failure, dead link, refused logon...), or NULL. */
const char *uplink_get_last_error(const struct uplink *u);

struct uplink_stats {
	uint64_t attempts;        /* connection attempts */
	uint64_t logons;          /* successful logons */
	uint64_t frames_in;
	uint64_t frames_out;
	uint64_t bad_frames;      /* dropped inbound frames */
	uint64_t audio_dropped;   /* -ENOBUFS refusals */
	uint64_t connected_since; /* usec, 0 when not connected */
	uint64_t last_write;      /* usec of the last frame written to the socket */
	uint64_t last_read;       /* usec of the last frame read from the socket */
};
void uplink_get_stats(const struct uplink *u, struct uplink_stats *ret);

const char *uplink_state_to_string(enum uplink_state st);
const char *uplink_policy_to_string(enum uplink_policy p);
