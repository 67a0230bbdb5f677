/* SPDX-License-Identifier: MIT */
/*
 * relay-push.h - the reference relay's push publisher (MQTT, libmosquitto).
 *
 * For every stream start the relay calls relay_push_publish() once per member
 * of the channel, connected or not. Each push is signed with that member's key
 * (envelope: src/push/push-msg.h) and published with QoS 1 to
 * "<prefix>/<username>" (prefix default "pttgw").
 *
 * Threading: the MQTT connection runs on libmosquitto's own thread
 * (mosquitto_loop_start), which also reconnects with backoff; the relay's main
 * loop is untouched. Call every function here from one thread (the relay's
 * main thread); relay_push_publish() never blocks on the network: while the
 * broker is away, QoS 1 pushes wait in libmosquitto's bounded queue.
 *
 * Build: library pttgw-relay-push (src/push/CMakeLists.txt); link it into the
 * relay with target_link_libraries(pttgw-relay PRIVATE pttgw-relay-push).
 *
 * Typical use in the relay:
 *   rp = relay_push_new(host, port, NULL, &error);          // --mqtt HOST:PORT
 *   relay_push_add_key_arg(rp, "alice:/etc/pttgw/alice.key", &error); // --push-key
 *   ...on stream start, for every member m of the channel (the talker too is fine):
 *   relay_push_publish(rp, m, channel, stream_id, talker);
 *   relay_push_free(rp);
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

struct relay_push;

/* Connects in the background (the broker need not be up yet). prefix NULL or
 * "" = "pttgw". Returns NULL with error on bad arguments or a libmosquitto
 * failure. */
struct relay_push *relay_push_new(const char *host, int port, const char *prefix,
				  GError **error);

/* The relay's own broker credentials and TLS; any member may be NULL. */
struct relay_push_auth {
	const char *username;
	const char *password_file;	/* a secret file (conf_read_secret_file) */
	const char *ca_file;		/* TLS with this CA (NULL: no TLS unless cert) */
	const char *cert_file;		/* client certificate ... */
	const char *key_file;		/* ... and its key */
};
/* relay_push_new() with credentials (auth NULL: none, as relay_push_new). */
struct relay_push *relay_push_new_auth(const char *host, int port, const char *prefix,
				       const struct relay_push_auth *auth, GError **error);
/* NULL-safe; waits at most ~1 s to flush, then stops the MQTT thread. */
struct relay_push *relay_push_free(struct relay_push *rp);

/* The push key of user (file: first line is the key, at least 16 characters,
 * not accessible by others; see push_key_load()). A second key for the same
 * user replaces the first. */
gboolean relay_push_add_key(struct relay_push *rp, const char *user, const char *keyfile,
			    GError **error);
/* The same from the command line form "NAME:KEYFILE". */
gboolean relay_push_add_key_arg(struct relay_push *rp, const char *arg, GError **error);
/* A user with a key gets pushes. */
bool relay_push_has_user(const struct relay_push *rp, const char *user);

/* Sign and publish one push. A user without a key is skipped (debug log);
 * failures are logged, never fatal. Returns 0, -ENOKEY (no key for user) or
 * another negative errno. */
int relay_push_publish(struct relay_push *rp, const char *user, const char *channel,
		       uint32_t stream_id, const char *from);

/* Counters (for tests and logs). */
struct relay_push_stats {
	uint64_t published; /* handed to libmosquitto */
	uint64_t failed;    /* refused by libmosquitto or signing failed */
	uint64_t skipped;   /* no key for the user */
	uint64_t unacked;   /* published, the broker's PUBACK not yet in (at most 1000) */
};
void relay_push_get_stats(const struct relay_push *rp, struct relay_push_stats *out);
bool relay_push_is_connected(const struct relay_push *rp);
