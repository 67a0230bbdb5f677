/* SPDX-License-Identifier: MIT */
/*
 * relay-push.c - the reference relay's push publisher (see relay-push.h).
 */
#include "relay-push.h"

#include <errno.h>
#include <gio/gio.h>
#include <mosquitto.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "push-msg.h"

/* pushes handed to libmosquitto and not yet acknowledged (PUBACK) */
#define RELAY_PUSH_MAX_PENDING 1000

struct relay_push {
	struct mosquitto *mosq;
	char *host;
	int port;
	char *prefix;
	GHashTable *keys; /* user -> GBytes key */
	gint connected;   /* atomic: set on libmosquitto's thread */
	gint pending;     /* atomic */
	struct relay_push_stats stats;
};

static void rp_on_connect(struct mosquitto *mosq, void *obj, int rc)
{
	struct relay_push *rp = obj;

	if (rc != 0) {
		g_warning("relay-push: broker %s:%d refused: %s", rp->host, rp->port,
			  mosquitto_connack_string(rc));
		return;
	}
	g_atomic_int_set(&rp->connected, 1);
	g_message("relay-push: broker %s:%d up", rp->host, rp->port);
}

static void rp_on_disconnect(struct mosquitto *mosq, void *obj, int rc)
{
	struct relay_push *rp = obj;

	if (g_atomic_int_compare_and_exchange(&rp->connected, 1, 0))
		g_message("relay-push: broker %s:%d down: %s", rp->host, rp->port,
			  rc == 0 ? "disconnected" : mosquitto_strerror(rc));
}

static void rp_on_publish(struct mosquitto *mosq, void *obj, int mid)
{
	struct relay_push *rp = obj;

	if (g_atomic_int_get(&rp->pending) > 0)
		g_atomic_int_add(&rp->pending, -1);
}

static void rp_lib_init(void)
{
	static gsize once;

	if (g_once_init_enter(&once)) {
		mosquitto_lib_init();
		g_once_init_leave(&once, 1);
	}
}

struct relay_push *relay_push_new(const char *host, int port, const char *prefix,
				  GError **error)
{
	return relay_push_new_auth(host, port, prefix, NULL, error);
}

static bool rp_auth(struct relay_push *rp, const struct relay_push_auth *auth, GError **error)
{
	g_autofree char *pw = NULL;
	int rc = MOSQ_ERR_SUCCESS;

	if (!auth)
		return true;
	if (auth->password_file) {
		pw = conf_read_secret_file(auth->password_file, error);
		if (!pw)
			return false;
	}
	if (auth->username)
		rc = mosquitto_username_pw_set(rp->mosq, auth->username, pw);
	if (pw)
		explicit_bzero(pw, strlen(pw));
	if (rc == MOSQ_ERR_SUCCESS && (auth->ca_file || auth->cert_file))
		rc = mosquitto_tls_set(rp->mosq, auth->ca_file,
				       auth->ca_file ? NULL : "/etc/ssl/certs", auth->cert_file,
				       auth->key_file, NULL);
	if (rc != MOSQ_ERR_SUCCESS) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "relay-push: credentials: %s",
			    rc == MOSQ_ERR_ERRNO ? g_strerror(errno) : mosquitto_strerror(rc));
		return false;
	}
	return true;
}

struct relay_push *relay_push_new_auth(const char *host, int port, const char *prefix,
				       const struct relay_push_auth *auth, GError **error)
{
	struct relay_push *rp;
	g_autofree char *client_id = NULL;
	int rc;

	if (!host || !*host || port <= 0 || port > 65535) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
			    "relay-push: broker needs a host and a port in 1..65535");
		return NULL;
	}
	if (prefix && (strpbrk(prefix, "+#") || g_str_has_suffix(prefix, "/"))) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
			    "relay-push: topic prefix '%s' has a wildcard or a trailing '/'",
			    prefix);
		return NULL;
	}
	rp_lib_init();
	rp = g_new0(struct relay_push, 1);
	rp->host = g_strdup(host);
	rp->port = port;
	rp->prefix = g_strdup(prefix && *prefix ? prefix : "pttgw");
	rp->keys = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					 (GDestroyNotify)g_bytes_unref);
	client_id = g_strdup_printf("pttgw-relay-%d-%u", (int)getpid(), g_random_int());
	rp->mosq = mosquitto_new(client_id, true, rp);
	if (!rp->mosq) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
			    "relay-push: mosquitto_new: %s", g_strerror(errno));
		return relay_push_free(rp);
	}
	mosquitto_int_option(rp->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
	mosquitto_int_option(rp->mosq, MOSQ_OPT_TCP_NODELAY, 1);
	mosquitto_connect_callback_set(rp->mosq, rp_on_connect);
	mosquitto_disconnect_callback_set(rp->mosq, rp_on_disconnect);
	mosquitto_publish_callback_set(rp->mosq, rp_on_publish);
	mosquitto_reconnect_delay_set(rp->mosq, 1, 30, true);
	if (!rp_auth(rp, auth, error))
		return relay_push_free(rp);
	rc = mosquitto_connect_async(rp->mosq, host, port, 30);
	if (rc != MOSQ_ERR_SUCCESS)
		g_message("relay-push: broker %s:%d: %s; retrying in the background", host, port,
			  rc == MOSQ_ERR_ERRNO ? g_strerror(errno) : mosquitto_strerror(rc));
	rc = mosquitto_loop_start(rp->mosq);
	if (rc != MOSQ_ERR_SUCCESS) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
			    "relay-push: mosquitto_loop_start: %s", mosquitto_strerror(rc));
		return relay_push_free(rp);
	}
	g_message("relay-push: publishing to %s:%d, topics %s/<user>", host, port, rp->prefix);
	return rp;
}

struct relay_push *relay_push_free(struct relay_push *rp)
{
	if (!rp)
		return NULL;
	if (rp->mosq) {
		/* give acknowledgements of the last pushes a moment */
		for (int i = 0; i < 100 && g_atomic_int_get(&rp->connected) &&
				g_atomic_int_get(&rp->pending) > 0; i++)
			g_usleep(10000);
		if (g_atomic_int_get(&rp->connected)) {
			mosquitto_disconnect(rp->mosq);
			mosquitto_loop_stop(rp->mosq, false);
		} else {
			/* the thread may sleep in its reconnect delay: do not wait for it */
			mosquitto_disconnect(rp->mosq);
			mosquitto_loop_stop(rp->mosq, true);
		}
		mosquitto_destroy(rp->mosq);
	}
	g_clear_pointer(&rp->keys, g_hash_table_destroy);
	g_free(rp->prefix);
	g_free(rp->host);
	g_free(rp);
	return NULL;
}

gboolean relay_push_add_key(struct relay_push *rp, const char *user, const char *keyfile,
			    GError **error)
{
	GBytes *key;

	if (!user || !*user || strlen(user) > PUSH_MSG_MAX_NAME || strpbrk(user, "+#/")) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
			    "relay-push: '%s' is not a user name for a topic", user ? user : "");
		return FALSE;
	}
	key = push_key_load(keyfile, error);
	if (!key)
		return FALSE;
	g_hash_table_replace(rp->keys, g_strdup(user), key);
	return TRUE;
}

gboolean relay_push_add_key_arg(struct relay_push *rp, const char *arg, GError **error)
{
	const char *colon = arg ? strchr(arg, ':') : NULL;
	g_autofree char *user = NULL;

	if (!colon || colon == arg || !colon[1]) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
			    "--push-key '%s': want NAME:KEYFILE", arg ? arg : "");
		return FALSE;
	}
	user = g_strndup(arg, colon - arg);
	return relay_push_add_key(rp, user, colon + 1, error);
}

bool relay_push_has_user(const struct relay_push *rp, const char *user)
{
	return rp && user && g_hash_table_contains(rp->keys, user);
}

int relay_push_publish(struct relay_push *rp, const char *user, const char *channel,
		       uint32_t stream_id, const char *from)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *env = NULL;
	g_autofree char *topic = NULL;
	struct push_msg m = { 0 };
	GBytes *key;
	const void *k;
	size_t klen, len;
	int rc;

	if (!rp)
		return -EINVAL;
	key = user ? g_hash_table_lookup(rp->keys, user) : NULL;
	if (!key) {
		rp->stats.skipped++;
		g_debug("relay-push: no push key for '%s', not pushing", user ? user : "(null)");
		return -ENOKEY;
	}
	if (g_atomic_int_get(&rp->pending) >= RELAY_PUSH_MAX_PENDING) {
		rp->stats.failed++;
		g_warning("relay-push: %d pushes unacknowledged, dropping the push to %s",
			  RELAY_PUSH_MAX_PENDING, user);
		return -ENOBUFS;
	}
	m.channel = (char *)channel;
	m.from = (char *)from;
	m.to = (char *)user;
	m.stream_id = stream_id;
	m.timestamp_ms = g_get_real_time() / 1000;
	push_msg_new_nonce(&m);
	k = g_bytes_get_data(key, &klen);
	env = push_msg_sign(&m, k, klen, &len, &error);
	g_free(m.nonce);
	if (!env) {
		rp->stats.failed++;
		g_warning("relay-push: push to %s not signed: %s", user, error->message);
		return -EINVAL;
	}
	topic = g_strdup_printf("%s/%s", rp->prefix, user);
	g_atomic_int_inc(&rp->pending);
	rc = mosquitto_publish(rp->mosq, NULL, topic, (int)len, env, 1, false);
	if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_NO_CONN) {
		g_atomic_int_add(&rp->pending, -1);
		rp->stats.failed++;
		g_warning("relay-push: publish to %s: %s", topic,
			  rc == MOSQ_ERR_ERRNO ? g_strerror(errno) : mosquitto_strerror(rc));
		return -EIO;
	}
	/* MOSQ_ERR_NO_CONN: queued with QoS 1, sent after the reconnect */
	rp->stats.published++;
	g_debug("relay-push: stream %u on %s from %s -> %s%s", stream_id, channel, from, topic,
		rc == MOSQ_ERR_NO_CONN ? " (queued, broker down)" : "");
	return 0;
}

void relay_push_get_stats(const struct relay_push *rp, struct relay_push_stats *out)
{
	*out = rp->stats;
	out->unacked = (uint64_t)g_atomic_int_get((gint *)&rp->pending);
}

bool relay_push_is_connected(const struct relay_push *rp)
{
	return rp && g_atomic_int_get((gint *)&rp->connected);
}
