/* SPDX-License-Identifier: MIT */
/*
 * uplink-private.h - what uplink.c (connection, timers, queues, policy) and
 * uplink-streams.c (the floor mapping: our stream, remote streams, joins)
 * share. Not installed, not for other modules.
 */
#pragma once

#include <libwebsockets.h>

#include "proto.h"
#include "uplink.h"

#define DEFAULT_QUEUE_FRAMES 50
#define CONTROL_QUEUE_EXTRA 64    /* text frames queued beyond the audio limit */
#define MAX_REMOTE_STREAMS 8      /* remote streams tracked at once */
#define MAX_JOINS 4               /* join_stream requests pending at once */
#define MAX_MSG_PENDING 16    /* text/location requests awaiting a reply */
#define MAX_STALE 4               /* cancelled start_stream seqs remembered */
#define RX_MAX (PROTO_MAX_TEXT > PROTO_MAX_BINARY ? PROTO_MAX_TEXT : PROTO_MAX_BINARY)
#define PUSH_ONLY_GRACE (2 * G_USEC_PER_SEC) /* idle after logon before push-only drops */
#define LOG_BURST 20              /* bad-input lines per connection before thinning */
#define CLOSE_WAIT G_USEC_PER_SEC /* for the server's answer to our Close frame */
#define CLOSE_WAIT_DEAD (50 * 1000) /* the same when the link is dead (1001 on an error) */
#define SHUTDOWN_POLL 2000        /* usec between main loop turns in uplink_shutdown() */
#define LWS_TIMEOUT_MIN_S 5       /* lws' own connect/handshake timeout at the least */
#define RX_INITIAL 4096           /* the receive buffer's size */
#define RX_KEEP 16384             /* a buffer grown past this is not kept after the frame */

enum closing {
	CLOSING_NONE,
	CLOSING_POLICY, /* idle-drop / push-only: not an error */
	CLOSING_STOP,   /* uplink_stop() */
	CLOSING_ERROR,  /* dead link, refused logon: reconnect */
};

enum own_state {
	OWN_NONE,
	OWN_PENDING, /* start_stream sent, no answer yet */
	OWN_ACTIVE,  /* granted */
};

struct txbuf {
	size_t len;
	enum lws_write_protocol type;
	bool audio;
	uint8_t buf[]; /* LWS_PRE + len */
};

struct remote_stream {
	uint32_t id;
	bool used;
	uint64_t order; /* the oldest makes room when the table is full */
};

struct join {
	uint32_t stream_id;
	uint32_t seq; /* 0: not sent yet (waiting for logon) */
	bool used;
};

struct uplink {
	struct uplink_config cfg;
	GMainLoop *loop;
	struct uplink_events ev;
	void *data;
	bool freeing;

	struct lws_context *ctx;
	struct lws_protocols protocols[2];
	char *url_buf; /* cut up by lws_parse_uri() */
	const char *host;
	const char *path; /* with its leading '/' */
	char *path_buf;
	int port;
	bool tls;

	/* the connection */
	lws_sorted_usec_list_t sul_retry;
	struct lws *wsi;
	unsigned retry_count;
	bool in_connect;        /* inside lws_client_connect_via_info() */
	bool connect_failed;    /* CONNECTION_ERROR came synchronously */
	char *connect_error;

	lws_sorted_usec_list_t sul_ping;
	lws_sorted_usec_list_t sul_watchdog;
	lws_sorted_usec_list_t sul_idle;
	lws_sorted_usec_list_t sul_close; /* bounds the closing handshake */
	GRand *rand;

	enum uplink_state state;
	char *detail;
	char *last_error;
	uint64_t next_attempt;
	bool want_link;         /* reconnect after a failure */
	bool now_requested;     /* uplink_connect_now(): an attempt is scheduled at once */
	enum closing closing;
	bool drop_after_flush;
	bool logged_on;
	bool ping_due;
	bool established;       /* the WebSocket handshake is done */
	uint16_t close_code;    /* a Close frame to send (0: none) */
	bool close_sent;
	bool peer_closed;       /* the server sent its Close (last_error says so) */
	char **extensions;      /* announced in the logon reply (NULL: none) */
	bool channel_known;     /* an on_channel_status came on this connection */
	bool channel_online;
	int64_t users_online;   /* -1: unknown */
	char *channel_reason;   /* why talking is not possible now, or NULL */
	GPtrArray *chans;       /* struct uplink_chan *: the logon's channels */
	char **logon_names;     /* their names for the logon (the strings are chans') */
	uint64_t last_rx;
	uint32_t seq;
	uint32_t logon_seq;
	bool logon_used_refresh;
	bool refused;           /* this connection's logon was refused */
	bool retry_at_once;     /* the refresh token was refused: try the credentials */
	char *refresh_token;

	/* our stream */
	enum own_state own;
	uint32_t own_seq;
	uint32_t own_stream;
	uint32_t own_packet;
	bool own_cancel;
	uint32_t stale_seq[MAX_STALE];
	unsigned stale_next;

	char *talk_for;         /* "for" of our next start_stream (uplink-messages.c) */
	uint32_t msg_seq[MAX_MSG_PENDING]; /* our messages waiting for their reply */

	struct remote_stream remote[MAX_REMOTE_STREAMS];
	unsigned n_remote;
	bool relogon;        /* closing to log on again (channel changed) */
	uint64_t remote_order;
	struct join joins[MAX_JOINS];

	GQueue txq;
	unsigned txq_audio;

	GByteArray *rx;
	bool rx_binary;
	bool rx_overflow;
	size_t rx_total;
	unsigned bad_logged;

	struct uplink_stats stats;
};

static inline uint64_t uplink_now(void)
{
	return (uint64_t)g_get_monotonic_time();
}

/* uplink.c */
void uplink_set_error(struct uplink *u, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* Bad input from the server: counted, logged (thinned after a burst). */
void uplink_bad_input(struct uplink *u, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
/* Queue a frame; -ENOTCONN, -ENOBUFS (audio over the limit, or text over it + extra). */
int uplink_txq_push(struct uplink *u, const void *data, size_t len,
		    enum lws_write_protocol type, bool audio);
/* Queue a JSON text and free it. */
int uplink_send_text(struct uplink *u, char *json);
/* Close the link from our side with a Close frame (code); the lws callbacks
 * finish the job. */
void uplink_link_close(struct uplink *u, enum closing why, uint16_t code, const char *error);
/* on_error or a refused request: act as API.md says (uplink-errors.c). */
void uplink_server_error(struct uplink *u, const char *code);
void uplink_channel_status(struct uplink *u, const struct proto_msg *m);
/* "channel is not ready": not online until the next on_channel_status. */
void uplink_channel_not_ready(struct uplink *u);

/* uplink-channels.c: the logon's channels and what their last status said */
struct uplink_chan {
	char *name;
	bool known;             /* an on_channel_status came on this connection */
	bool online;
	int64_t users_online;
};
void uplink_channels_init(struct uplink *u);
void uplink_channels_free(struct uplink *u);
/* The logon's "channels" (NULL-terminated, owned by u). */
char **uplink_channels_logon(struct uplink *u);
struct uplink_chan *uplink_channels_find(struct uplink *u, const char *name);
/* Adds name when it is not there yet. */
struct uplink_chan *uplink_channels_add(struct uplink *u, const char *name);
/* The connection ended: nothing known any more. */
void uplink_channels_reset(struct uplink *u);
/* Make the selected channel's fields (channel_known, ...) those of c. */
void uplink_channels_apply(struct uplink *u, const struct uplink_chan *c);

/* Apply the link policy after a stream change (burst_ended: one just ended). */
void uplink_policy_check(struct uplink *u, bool burst_ended);
/* A stream starts (ours, remote or joined): no idle drop now, also not one
 * waiting for the queue to drain. */
void uplink_policy_busy(struct uplink *u);
void uplink_logon_reply(struct uplink *u, const struct proto_msg *m);
void uplink_logon_refused(struct uplink *u, const char *reason);

/* uplink-messages.c */
/* on_text_message, on_location. */
void uplink_messages_inbound(struct uplink *u, const struct proto_msg *m);
/* A reply to one of our messages: handled (true) or not ours. */
bool uplink_messages_reply(struct uplink *u, const struct proto_msg *m);

/* uplink-streams.c */
void uplink_streams_text(struct uplink *u, const char *buf, size_t len);
void uplink_streams_binary(struct uplink *u, const uint8_t *buf, size_t len);
/* The link is gone: every stream ends (denied / revoked / remote_stop). */
void uplink_streams_lost(struct uplink *u, const char *why);
unsigned uplink_streams_joins_pending(struct uplink *u);
void uplink_streams_send_joins(struct uplink *u);
/* Our start_stream is refused: denied (not reported when quiet). */
void uplink_streams_deny_pending(struct uplink *u, const char *reason, bool quiet);
