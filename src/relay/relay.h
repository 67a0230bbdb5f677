/* SPDX-License-Identifier: MIT */
/*
 * relay.h - the reference relay pttgw-relay (internal to src/relay/).
 *
 *   relay-config.c  command line and config file -> struct relay_config
 *   relay.c         users, channels, floor arbitration, bursts, join_stream, push
 *   relay-server.c  libwebsockets server: connections, reassembly, send queues, timers
 *   relay-main.c    main(): options, signals, the lws service loop
 *   relay-fed*.c    several relays through an MQTT broker (relay-fed.h)
 *
 * Single-threaded: everything runs on the lws service loop (relay-push's and relay-fed's
 * MQTT threads are hidden behind their APIs).
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "proto.h"
#include "relay-auth.h"
#include "relay-fed.h"

struct relay;
struct relay_conn;

struct relay_user {
	char *name;
	char *password;			/* NULL: no password logon */
	char *token;			/* auth_token; NULL: none */
};

struct relay_channel_conf {
	char *name;
	char **members;			/* NULL: every configured user */
};

/* A user who logs on while logged on already. */
enum relay_duplicate_policy {
	RELAY_DUPLICATE_REPLACE,	/* the new session stays, the old one is closed */
	RELAY_DUPLICATE_REFUSE,		/* the new logon is refused */
	RELAY_DUPLICATE_ALLOW,		/* both stay */
};

struct relay_config {
	char *listen_host;
	uint16_t listen_port;		/* 0: the kernel picks one (printed at start) */
	char *cert;
	char *key;
	GHashTable *users;		/* name -> struct relay_user */
	GPtrArray *channels;		/* struct relay_channel_conf */
	char *mqtt_host;		/* NULL: no push */
	uint16_t mqtt_port;
	char *push_prefix;
	char *mqtt_username;		/* the relay's broker account; NULL: anonymous */
	char *mqtt_password_file;
	char *mqtt_ca_file;		/* TLS to the broker (or with a client certificate) */
	char *mqtt_cert;
	char *mqtt_key;
	GPtrArray *push_keys;		/* "NAME:KEYFILE" strings */
	unsigned max_connections;	/* TCP connections, logged on or not */
	unsigned max_per_address;	/* TCP connections from one address */
	unsigned max_pending_per_address; /* ... of them not logged on yet */
	struct relay_auth_limits auth_limits;
	enum relay_duplicate_policy duplicate;
	size_t max_queue_bytes;		/* per connection; over it the consumer is dropped */
	unsigned max_queue_frames;
	uint64_t max_burst_usec;	/* a burst is ended after this long */
	size_t max_burst_bytes;		/* ... or this much audio kept */
	uint64_t keep_usec;		/* an ended burst stays joinable this long */
	uint64_t stream_timeout_usec;	/* a burst without audio for this long ends */
	uint64_t logon_timeout_usec;	/* a connection must log on within this */
	uint64_t ping_usec;		/* WebSocket ping after this idle time */
	struct relay_fed_config fed;	/* [federation]; broker_host NULL: alone */
	bool verbose;
};

/* Parses argv (GOption) and the config file; NULL + error on a bad option or key. */
struct relay_config *relay_config_load(int *argc, char ***argv, GError **error);
struct relay_config *relay_config_free(struct relay_config *c); /* NULL-safe, returns NULL */

/* ---- frames shared between connections (refcounted, lws headroom in front) ---- */

enum relay_frame_kind {
	RELAY_FRAME_TEXT,
	RELAY_FRAME_AUDIO,
	RELAY_FRAME_STREAM_STOP,	/* on_stream_stop: ends a delivery count */
};

struct relay_frame {
	int ref;
	enum relay_frame_kind kind;
	uint32_t stream_id;		/* AUDIO, STREAM_STOP */
	size_t len;
	uint8_t *data;			/* len bytes, with LWS_PRE bytes of headroom */
};

struct relay_frame *relay_frame_new(enum relay_frame_kind kind, size_t len);
/* A text frame from a NUL-terminated string that is freed (g_free) here. */
struct relay_frame *relay_frame_take_text(char *json);
struct relay_frame *relay_frame_ref(struct relay_frame *f);
void relay_frame_unref(struct relay_frame *f);

/* ---- relay-server.c: the connection side ---- */

/* Queue a frame (a reference is taken); drops a slow consumer. */
void relay_conn_send(struct relay_conn *c, struct relay_frame *f);
/* Queue a text frame and give up the string. */
void relay_conn_send_text(struct relay_conn *c, char *json);
/* Close after the queue is flushed (or at once when now is true). */
void relay_conn_close(struct relay_conn *c, bool now, const char *why);
const char *relay_conn_peer(const struct relay_conn *c);
/* The peer's address without the port. */
const char *relay_conn_addr(const struct relay_conn *c);
/* The connection logged on: it no longer counts as pending for its address. */
void relay_conn_logged_on(struct relay_conn *c);
/* Per-connection state owned by relay.c. */
void *relay_conn_get_session(const struct relay_conn *c);
void relay_conn_set_session(struct relay_conn *c, void *session);

/* ---- relay.c: the logic, called by relay-server.c ---- */

struct relay_logic;
struct relay_logic *relay_logic_new(struct relay_config *cfg, GError **error);
struct relay_logic *relay_logic_free(struct relay_logic *l); /* NULL-safe, returns NULL */
void relay_logic_connected(struct relay_logic *l, struct relay_conn *c, uint64_t now);
void relay_logic_closed(struct relay_logic *l, struct relay_conn *c, uint64_t now);
void relay_logic_text(struct relay_logic *l, struct relay_conn *c, const char *buf, size_t len,
		      uint64_t now);
void relay_logic_binary(struct relay_logic *l, struct relay_conn *c, const uint8_t *buf,
			size_t len, uint64_t now);
/* A frame over the size limit was dropped. */
void relay_logic_oversized(struct relay_logic *l, struct relay_conn *c, bool binary,
			   size_t len);
/* An audio frame (or on_stream_stop) of stream_id was written to c. */
void relay_logic_written(struct relay_logic *l, struct relay_conn *c,
			 const struct relay_frame *f);
/* Federation: wake(data) is called from another thread when relay_logic_poll() has work. */
void relay_logic_set_wake(struct relay_logic *l, void (*wake)(void *data), void *data);
void relay_logic_poll(struct relay_logic *l, uint64_t now);
/* Timeouts: every few hundred ms. */
void relay_logic_tick(struct relay_logic *l, uint64_t now);
/* Counters to the log (SIGUSR1). */
void relay_logic_dump_stats(struct relay_logic *l);
/* SIGHUP: take next's users and channels (next is freed; its other settings need a restart).
 * Sessions of removed users, of removed channels and of channels they are no longer members
 * of are closed; bursts in progress elsewhere go on. */
void relay_logic_reload(struct relay_logic *l, struct relay_config *next);

/* ---- relay-server.c: the lws server and its loop ---- */

struct relay_server;
/* Listens at once; prints "listening on ws[s]://HOST:PORT" to stdout. */
struct relay_server *relay_server_new(struct relay_config *cfg, struct relay_logic *l,
				      GError **error);
/* Serves until *stop; logs the counters whenever *dump is set (and clears it). */
int relay_server_run(struct relay_server *srv, volatile int *stop, volatile int *dump);
/* Async-signal-safe: wakes relay_server_run() up. */
void relay_server_wake(struct relay_server *srv);
/* Closes every connection (relay_logic_closed for each), then frees. NULL-safe. */
struct relay_server *relay_server_free(struct relay_server *srv); /* NULL-safe, returns NULL */
