/* SPDX-License-Identifier: MIT */
/*
 * push.h - the gateway's MQTT push client (libmosquitto in the GLib main loop).
 *
 * One client per daemon, on the thread-default GMainContext at construction:
 * the socket is watched with a GLib fd source, libmosquitto is driven with
 * mosquitto_loop_read/write/misc (no libmosquitto thread), the broker's name is
 * resolved with GResolver first (libmosquitto's getaddrinfo() would block the
 * loop while a name server does not answer), and reconnects are
 * ours: exponential backoff with full jitter between backoff_base and
 * backoff_cap, reset once connected. Persistent session (clean session off,
 * fixed client id), QoS 1 subscription to one topic, keepalive, optional TLS
 * with certificate and host name verification.
 *
 * Every message on the topic goes through push-msg.h's verifier; an accepted
 * push reaches events->push, a rejected one is logged (warning, naming why)
 * and changes nothing. A QoS 1 redelivery of a push already accepted is
 * rejected as a replay (debug log): the daemon sees each push once.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "conf.h"
#include "push-msg.h"

struct push_config {
	char *host;            /* NULL: push disabled */
	guint16 port;
	char *topic;           /* default "pttgw/<username>" */
	char *key_file;
	char *client_id;       /* default "pttgw-<hostname>-<username>-<16 hex from the key>" */
	gboolean client_id_derived; /* not configured: the suffix is added with the key */
	char *broker_username; /* our broker account; NULL: anonymous */
	char *broker_password_file; /* its password (a secret file) */
	char *client_cert;     /* TLS client certificate (PEM) and ... */
	char *client_key;      /* ... its key: imply tls */
	char *state_dir;       /* the newest push accepted is kept here; NULL: not kept */
	gboolean tls;
	char *ca_file;         /* NULL with tls: the system's CA directory */
	guint64 window;        /* usec: accepted clock difference of a push */
	guint64 keepalive;     /* usec (MQTT keepalive, whole seconds on the wire) */
	guint64 backoff_base;  /* usec */
	guint64 backoff_cap;   /* usec */
	guint replay_cache;    /* max nonces remembered */
	char *username;        /* ours, for the "to" check; NULL: no check */
};

/* Group [push]; username is [upstream] username (default topic, client id,
 * "to" check), may be NULL. On error *out is untouched. */
gboolean push_config_load(const struct conf *c, const char *username, struct push_config *out,
			  GError **error);
void push_config_clear(struct push_config *cfg);

/* Called from inside the client (its fd watch and timers): an observer may call
 * push_client_is_up(), _get_stats() and _connect_now(), never push_client_free(). */
struct push_events {
	/* the broker connection came up (detail: broker) or went down (why) */
	void (*state)(void *data, bool up, const char *detail);
	/* a verified push; msg is valid during the call only */
	void (*push)(void *data, const struct push_msg *msg);
};

struct push_stats {
	uint64_t received;  /* messages on the topic */
	uint64_t accepted;
	uint64_t rejected;  /* any reason, replays included */
	uint64_t replayed;
	uint64_t connects;  /* successful CONNACKs */
	uint64_t stale;     /* rejected as too old or in the future (clocks?) */
	bool have_offset;   /* clock_offset_ms is known */
	int64_t clock_offset_ms; /* the relay's clock minus ours, from the last push */
};

struct push_client;

/* Loads the key (fails if it is missing or accessible by others) and starts
 * connecting at once. cfg->host must be set. */
struct push_client *push_client_new(const struct push_config *cfg,
				    const struct push_events *events, void *data,
				    GError **error);
struct push_client *push_client_free(struct push_client *pc); /* NULL-safe */

bool push_client_is_up(const struct push_client *pc);
/* Skip the backoff wait and try now (e.g. the daemon saw the network return). */
void push_client_connect_now(struct push_client *pc);
void push_client_get_stats(const struct push_client *pc, struct push_stats *out);

/* Hand one message to the verifier as if it came from the broker (tests). */
void push_client_inject(struct push_client *pc, const void *payload, size_t len);
