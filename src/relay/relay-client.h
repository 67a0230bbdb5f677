/* SPDX-License-Identifier: MIT */
/*
 * relay-client.h - a small blocking WebSocket client (libwebsockets, own context) for
 * pttgw-dispatch and the relay tests. Not for the gateway: it blocks.
 *
 * Each client has its own lws context and is only serviced while one of its functions
 * runs; a client that is not called does not read (a slow consumer, for tests).
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct relay_client;

struct relay_client_msg {
	bool binary;
	size_t len;
	uint8_t *data;		/* NUL-terminated for convenience */
};

/* NULL-safe, returns NULL */
struct relay_client_msg *relay_client_msg_free(struct relay_client_msg *m);
typedef struct relay_client_msg relay_client_msg;
G_DEFINE_AUTOPTR_CLEANUP_FUNC(relay_client_msg, relay_client_msg_free)

/* Connects to ws://host:port/ (wss with tls; insecure: no certificate check) within
 * timeout_ms. NULL with error on failure. */
struct relay_client *relay_client_new(const char *host, int port, bool tls, bool insecure,
				      int timeout_ms, GError **error);
/* A Close frame with code, then up to timeout_ms for the server's Close. */
void relay_client_close(struct relay_client *c, uint16_t code, int timeout_ms);
/* Closes with 1000 (bounded, 300 ms) when still connected, then frees. */
struct relay_client *relay_client_free(struct relay_client *c); /* NULL-safe, returns NULL */

/* Queue a frame and service until it is written (timeout_ms). 0 or negative errno. */
int relay_client_send(struct relay_client *c, bool binary, const void *buf, size_t len,
		      int timeout_ms);
/* Send a text frame and g_free() it. */
int relay_client_send_text(struct relay_client *c, char *json, int timeout_ms);
/* Next received frame within timeout_ms (0: only what has arrived), NULL when none. */
struct relay_client_msg *relay_client_recv(struct relay_client *c, int timeout_ms);
/* Service for timeout_ms (receiving into the queue). */
void relay_client_pump(struct relay_client *c, int timeout_ms);
/* The server closed the connection (or it failed). */
bool relay_client_closed(const struct relay_client *c);
/* Frames received and not yet taken. */
unsigned relay_client_pending(const struct relay_client *c);
