/* SPDX-License-Identifier: MIT */
/*
 * push.c - the gateway's MQTT push client (see push.h).
 */
#include "push.h"
#include "log-escape.h"
#include "statelist.h"

#include <errno.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <mosquitto.h>
#include <string.h>
#include <unistd.h>

/* mosquitto_loop_misc() (keepalive PINGREQ, its timeout) and the CONNACK deadline run
 * every keepalive / PUSH_MISC_PER_KEEPALIVE: a ping then goes out at most a quarter
 * keepalive late, well within the broker's 1.5 keepalives, and an idle daemon does
 * not wake twice a second for it. */
#define PUSH_MISC_PER_KEEPALIVE 4
#define PUSH_MISC_MIN_MS 500
#define PUSH_MIN_DELAY_US 20000

enum push_conn {
	PUSH_CONN_IDLE,       /* waiting for the backoff timer */
	PUSH_CONN_CONNECTING, /* socket open, no CONNACK + SUBACK yet */
	PUSH_CONN_UP,         /* connected and subscribed */
	_PUSH_CONN_MAX,
};

struct push_client {
	struct push_config cfg;
	struct push_events ev;
	void *data;
	GMainContext *ctx;
	struct mosquitto *mosq;
	struct push_verifier *verifier;

	enum push_conn conn;
	GSource *watch;
	int watch_fd;
	GIOCondition watch_cond;
	GSource *misc;
	GSource *retry;
	uint64_t connect_started;
	unsigned attempts;
	char *last_error;
	char *last_logged; /* the last connect failure logged at message level */
	int sub_mid;      /* our SUBSCRIBE, until its SUBACK */
	bool resolving;   /* the broker's name is being resolved (GResolver) */
	GCancellable *resolve_cancel;
	bool lost;        /* the library closed the socket in a callback */
	bool in_dispatch;
	struct push_stats stats;
	struct log_ratelimit reject_rl; /* anyone who can publish on the topic triggers these */
};

static const char *push_conn_to_string(enum push_conn c)
{
	switch (c) {
	case PUSH_CONN_IDLE:
		return "idle";
	case PUSH_CONN_CONNECTING:
		return "connecting";
	case PUSH_CONN_UP:
		return "up";
	case _PUSH_CONN_MAX:
		break;
	}
	return "invalid";
}

/* ---- configuration ---- */

gboolean push_config_load(const struct conf *c, const char *username, struct push_config *out,
			  GError **error)
{
	struct push_config cfg = { 0 };
	g_autofree char *host_name = NULL;
	guint64 u;

	if (!conf_get_hostport(c, "push", "broker", NULL, &cfg.host, &cfg.port, error))
		goto fail;
	if (!conf_get_string(c, "push", "topic", NULL, &cfg.topic, error))
		goto fail;
	if (!conf_get_string(c, "push", "key-file", PTTGW_SYSCONFDIR "/push.key", &cfg.key_file,
			     error))
		goto fail;
	if (!conf_get_string(c, "push", "client-id", NULL, &cfg.client_id, error))
		goto fail;
	if (!conf_get_bool(c, "push", "tls", FALSE, &cfg.tls, error))
		goto fail;
	if (!conf_get_string(c, "push", "state-dir", "/var/lib/pttgw", &cfg.state_dir, error))
		goto fail;
	if (cfg.state_dir && !*cfg.state_dir)
		g_clear_pointer(&cfg.state_dir, g_free);
	if (!conf_get_string(c, "push", "broker-username", NULL, &cfg.broker_username, error) ||
	    !conf_get_string(c, "push", "broker-password-file", NULL, &cfg.broker_password_file,
			     error) ||
	    !conf_get_string(c, "push", "client-cert", NULL, &cfg.client_cert, error) ||
	    !conf_get_string(c, "push", "client-key", NULL, &cfg.client_key, error))
		goto fail;
	if (!cfg.client_cert != !cfg.client_key) {
		conf_set_error(c, error, "push", cfg.client_cert ? "client-key" : "client-cert",
			       "a client certificate needs client-cert and client-key");
		goto fail;
	}
	if (cfg.broker_password_file && !cfg.broker_username) {
		conf_set_error(c, error, "push", "broker-username",
			       "is needed with broker-password-file");
		goto fail;
	}
	if (cfg.client_cert)
		cfg.tls = TRUE;
	if (!conf_get_string(c, "push", "ca-file", NULL, &cfg.ca_file, error))
		goto fail;
	if (!conf_get_seconds(c, "push", "window", 60, 1, 3600, &cfg.window, error))
		goto fail;
	if (!conf_get_seconds(c, "push", "keepalive", 30, 5, 3600, &cfg.keepalive, error))
		goto fail;
	if (!conf_get_seconds(c, "push", "backoff-base", 0.5, 0.01, 60, &cfg.backoff_base, error))
		goto fail;
	if (!conf_get_seconds(c, "push", "backoff-cap", 30, 0.1, 3600, &cfg.backoff_cap, error))
		goto fail;
	if (!conf_get_uint(c, "push", "replay-cache", 4096, 16, 1000000, &u, error))
		goto fail;
	cfg.replay_cache = (guint)u;
	if (cfg.backoff_cap < cfg.backoff_base) {
		conf_set_error(c, error, "push", "backoff-cap", "is below backoff-base");
		goto fail;
	}
	if (cfg.topic && (!*cfg.topic || strpbrk(cfg.topic, "+#"))) {
		conf_set_error(c, error, "push", "topic",
			       "'%s' is not a topic name (empty, or has a wildcard)", cfg.topic);
		goto fail;
	}
	if (cfg.host && !cfg.topic) {
		if (!username || !*username) {
			conf_set_error(c, error, "push", "topic",
				       "is needed: no [upstream] username to derive pttgw/<username>");
			goto fail;
		}
		cfg.topic = g_strdup_printf("pttgw/%s", username);
	}
	if (cfg.client_id && !*cfg.client_id)
		g_clear_pointer(&cfg.client_id, g_free);
	if (!cfg.client_id) {
		cfg.client_id_derived = TRUE;
		host_name = g_strdup(g_get_host_name());
		cfg.client_id = g_strdup_printf("pttgw-%s%s%s", host_name,
						username && *username ? "-" : "",
						username ? username : "");
	}
	cfg.username = g_strdup(username);
	*out = cfg;
	return TRUE;
fail:
	push_config_clear(&cfg);
	return FALSE;
}

void push_config_clear(struct push_config *cfg)
{
	if (!cfg)
		return;
	g_clear_pointer(&cfg->host, g_free);
	g_clear_pointer(&cfg->topic, g_free);
	g_clear_pointer(&cfg->key_file, g_free);
	g_clear_pointer(&cfg->client_id, g_free);
	g_clear_pointer(&cfg->ca_file, g_free);
	g_clear_pointer(&cfg->username, g_free);
	g_clear_pointer(&cfg->broker_username, g_free);
	g_clear_pointer(&cfg->broker_password_file, g_free);
	g_clear_pointer(&cfg->client_cert, g_free);
	g_clear_pointer(&cfg->client_key, g_free);
	g_clear_pointer(&cfg->state_dir, g_free);
}

static void push_config_copy(struct push_config *dst, const struct push_config *src)
{
	*dst = *src;
	dst->host = g_strdup(src->host);
	dst->topic = g_strdup(src->topic);
	dst->key_file = g_strdup(src->key_file);
	dst->client_id = g_strdup(src->client_id);
	dst->ca_file = g_strdup(src->ca_file);
	dst->username = g_strdup(src->username);
	dst->broker_username = g_strdup(src->broker_username);
	dst->broker_password_file = g_strdup(src->broker_password_file);
	dst->client_cert = g_strdup(src->client_cert);
	dst->client_key = g_strdup(src->client_key);
	dst->state_dir = g_strdup(src->state_dir);
}

/* ---- the newest push accepted, across restarts ---- */

/* "push-<topic with / as _>" in the state directory */
static char *high_water_name(const struct push_client *pc)
{
	char *name = g_strdup_printf("push-%s", pc->cfg.topic), *p;

	for (p = name; *p; p++)
		if (*p == '/' || *p == '.')
			*p = '_';
	return name;
}

static void high_water_load(struct push_client *pc)
{
	g_autofree char *name = NULL;
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) items = NULL;
	gint64 ts;

	if (!pc->cfg.state_dir)
		return;
	name = high_water_name(pc);
	items = state_list_load(pc->cfg.state_dir, name, &error);
	if (!items) {
		g_warning("push: %s/%s: %s, ignoring", pc->cfg.state_dir, name, error->message);
		return;
	}
	if (items[0] && g_str_has_prefix(items[0], "newest=") &&
	    g_ascii_string_to_signed(items[0] + 7, 10, 0, G_MAXINT64, &ts, NULL)) {
		push_verifier_set_high_water(pc->verifier, ts);
		g_info("push: pushes signed at or before %" G_GINT64_FORMAT " are not taken "
		       "again (%s/%s)", ts, pc->cfg.state_dir, name);
	}
}

static void high_water_save(struct push_client *pc)
{
	g_autofree char *name = NULL, *item = NULL;
	g_autoptr(GError) error = NULL;
	int64_t ts;

	if (!pc->cfg.state_dir || !push_verifier_get_high_water(pc->verifier, &ts))
		return;
	name = high_water_name(pc);
	item = g_strdup_printf("newest=%" G_GINT64_FORMAT, ts);
	if (!state_list_save(pc->cfg.state_dir, name,
			     " the newest push accepted (Unix ms, the relay's clock)",
			     (const char *const[]){ item, NULL }, &error))
		g_warning("push: %s, ignoring", error->message);
}

/* ---- connection state ---- */

static void set_conn(struct push_client *pc, enum push_conn c, const char *why)
{
	enum push_conn old = pc->conn;

	if (old == c)
		return;
	pc->conn = c;
	g_debug("push: connection %s -> %s (%s)", push_conn_to_string(old),
		push_conn_to_string(c), why);
	if (c == PUSH_CONN_UP) {
		g_message("push: broker %s:%u up, topic %s", pc->cfg.host, pc->cfg.port,
			  pc->cfg.topic);
		if (pc->ev.state)
			pc->ev.state(pc->data, true, pc->cfg.host);
	} else if (old == PUSH_CONN_UP) {
		g_message("push: broker %s:%u down: %s", pc->cfg.host, pc->cfg.port, why);
		if (pc->ev.state)
			pc->ev.state(pc->data, false, why);
	}
}

static void set_error(struct push_client *pc, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void set_error(struct push_client *pc, const char *fmt, ...)
{
	va_list ap;

	g_free(pc->last_error);
	va_start(ap, fmt);
	pc->last_error = g_strdup_vprintf(fmt, ap);
	va_end(ap);
}

static void clear_source(GSource **s)
{
	if (*s) {
		g_source_destroy(*s);
		g_source_unref(*s);
		*s = NULL;
	}
}

static void schedule_retry(struct push_client *pc);
static gboolean mosq_setup(struct push_client *pc, GError **error);
static void update_watch(struct push_client *pc);

/* A failed attempt: said once per kind of failure, not at every attempt. */
static void log_failure(struct push_client *pc)
{
	const char *why = pc->last_error ? pc->last_error : "connection closed";

	if (g_strcmp0(pc->last_logged, why) != 0) {
		g_message("push: %s:%u: %s; retrying with backoff", pc->cfg.host, pc->cfg.port,
			  why);
		g_free(pc->last_logged);
		pc->last_logged = g_strdup(why);
	} else {
		g_debug("push: %s", why);
	}
}

static void cancel_resolve(struct push_client *pc)
{
	if (pc->resolve_cancel) {
		g_cancellable_cancel(pc->resolve_cancel);
		g_clear_object(&pc->resolve_cancel);
	}
	pc->resolving = false;
}

static void connection_lost(struct push_client *pc)
{
	cancel_resolve(pc);
	if (pc->conn == PUSH_CONN_CONNECTING)
		log_failure(pc);
	clear_source(&pc->watch);
	pc->watch_fd = -1;
	pc->lost = false;
	set_conn(pc, PUSH_CONN_IDLE, pc->last_error ? pc->last_error : "connection closed");
	schedule_retry(pc);
}

/* After any call into libmosquitto: did it close the socket? */
static void after_io(struct push_client *pc)
{
	if (mosquitto_socket(pc->mosq) < 0 || pc->lost) {
		if (pc->conn != PUSH_CONN_IDLE || pc->lost)
			connection_lost(pc);
		return;
	}
	update_watch(pc);
}

static gboolean on_fd(gint fd, GIOCondition cond, gpointer user_data)
{
	struct push_client *pc = user_data;
	int rc = MOSQ_ERR_SUCCESS;

	if (cond & (G_IO_IN | G_IO_ERR | G_IO_HUP)) {
		rc = mosquitto_loop_read(pc->mosq, 16);
		if (rc != MOSQ_ERR_SUCCESS && !pc->last_error)
			set_error(pc, "read: %s", mosquitto_strerror(rc));
	}
	if (rc == MOSQ_ERR_SUCCESS && mosquitto_socket(pc->mosq) >= 0 &&
	    (cond & G_IO_OUT)) {
		rc = mosquitto_loop_write(pc->mosq, 16);
		if (rc != MOSQ_ERR_SUCCESS && !pc->last_error)
			set_error(pc, "write: %s", mosquitto_strerror(rc));
	}
	after_io(pc);
	return G_SOURCE_CONTINUE; /* update_watch() replaces the source when it must */
}

static void update_watch(struct push_client *pc)
{
	int fd = mosquitto_socket(pc->mosq);
	GIOCondition cond = G_IO_IN | G_IO_ERR | G_IO_HUP;

	if (fd >= 0 && mosquitto_want_write(pc->mosq))
		cond |= G_IO_OUT;
	if (pc->watch && fd == pc->watch_fd && cond == pc->watch_cond)
		return;
	clear_source(&pc->watch);
	pc->watch_fd = fd;
	pc->watch_cond = cond;
	if (fd < 0)
		return;
	pc->watch = g_unix_fd_source_new(fd, cond);
	g_source_set_callback(pc->watch, G_SOURCE_FUNC(on_fd), pc, NULL);
	g_source_attach(pc->watch, pc->ctx);
}

/* ---- libmosquitto callbacks (called from inside loop_read/write/misc) ---- */

static void on_connect(struct mosquitto *mosq, void *obj, int rc)
{
	struct push_client *pc = obj;

	if (rc != 0) {
		set_error(pc, "broker refused the connection: %s", mosquitto_connack_string(rc));
		g_warning("push: %s", pc->last_error);
		pc->lost = true;
		return;
	}
	/* up once the broker has acknowledged the subscription: before that, a
	 * push published to a new session would not reach us */
	rc = mosquitto_subscribe(mosq, &pc->sub_mid, pc->cfg.topic, 1);
	if (rc != MOSQ_ERR_SUCCESS) {
		set_error(pc, "subscribe %s: %s", pc->cfg.topic, mosquitto_strerror(rc));
		g_warning("push: %s", pc->last_error);
		pc->lost = true;
	}
}

static void on_subscribe(struct mosquitto *mosq, void *obj, int mid, int qos_count,
			 const int *granted_qos)
{
	struct push_client *pc = obj;

	if (mid != pc->sub_mid)
		return;
	if (qos_count < 1 || granted_qos[0] < 0 || granted_qos[0] > 2) {
		set_error(pc, "broker refused the subscription to %s", pc->cfg.topic);
		g_warning("push: %s", pc->last_error);
		pc->lost = true;
		return;
	}
	if (granted_qos[0] < 1)
		g_warning("push: broker granted QoS %d on %s only: pushes may be lost",
			  granted_qos[0], pc->cfg.topic);
	pc->stats.connects++;
	pc->attempts = 0;
	g_clear_pointer(&pc->last_error, g_free);
	g_clear_pointer(&pc->last_logged, g_free);
	set_conn(pc, PUSH_CONN_UP, "subscribed");
}

static void on_disconnect(struct mosquitto *mosq, void *obj, int rc)
{
	struct push_client *pc = obj;

	if (!pc->last_error)
		set_error(pc, "%s", rc == MOSQ_ERR_KEEPALIVE ? "keepalive timeout"
							       : mosquitto_strerror(rc));
	pc->lost = true;
}

static void handle_message(struct push_client *pc, const void *payload, size_t len)
{
	g_autoptr(GError) error = NULL;
	struct push_msg m = { 0 };
	unsigned dropped;

	pc->stats.received++;
	if (!push_verifier_check(pc->verifier, payload, len, g_get_real_time() / 1000, &m,
				 &error)) {
		pc->stats.rejected++;
		if (g_error_matches(error, PUSH_MSG_ERROR, PUSH_MSG_ERROR_STALE) ||
		    g_error_matches(error, PUSH_MSG_ERROR, PUSH_MSG_ERROR_FUTURE))
			pc->stats.stale++;
		if (g_error_matches(error, PUSH_MSG_ERROR, PUSH_MSG_ERROR_REPLAY))
			pc->stats.replayed++;
		if (log_ratelimit_ok(&pc->reject_rl, g_get_monotonic_time(), &dropped)) {
			g_autofree char *why = log_escape(error->message);

			if (dropped)
				g_warning("push: %u rejections not logged", dropped);
			if (g_error_matches(error, PUSH_MSG_ERROR, PUSH_MSG_ERROR_REPLAY))
				g_message("push: rejected (replay): %s", why);
			else
				g_warning("push: rejected (%s): %s",
					  push_msg_error_to_string((enum push_msg_error)error->code),
					  why);
		}
		return;
	}
	pc->stats.accepted++;
	high_water_save(pc);
	g_info("push: stream %u on %s from %s", m.stream_id, m.channel, m.from);
	if (pc->ev.push)
		pc->ev.push(pc->data, &m);
	push_msg_clear(&m);
}

static void on_message(struct mosquitto *mosq, void *obj, const struct mosquitto_message *msg)
{
	struct push_client *pc = obj;

	if (!msg->topic || strcmp(msg->topic, pc->cfg.topic) != 0) {
		g_debug("push: message on unexpected topic %s, ignoring",
			msg->topic ? msg->topic : "(none)");
		return;
	}
	handle_message(pc, msg->payload, msg->payloadlen > 0 ? (size_t)msg->payloadlen : 0);
}

/* ---- connecting, backoff, periodic work ---- */

static gboolean on_misc(gpointer user_data)
{
	struct push_client *pc = user_data;
	int rc;

	if (pc->conn == PUSH_CONN_IDLE)
		return G_SOURCE_CONTINUE;
	if (pc->conn == PUSH_CONN_CONNECTING &&
	    (uint64_t)g_get_monotonic_time() - pc->connect_started > pc->cfg.keepalive) {
		/* no CONNACK in time (black-holed SYN, stuck TLS): start over */
		set_error(pc, "no answer %s within %u s",
			  pc->resolving ? "from the name server" : "from the broker",
			  (unsigned)(pc->cfg.keepalive / G_USEC_PER_SEC));
		/* a fresh object drops the stuck socket; the session lives on the broker */
		clear_source(&pc->watch);
		pc->watch_fd = -1;
		mosquitto_reinitialise(pc->mosq, pc->cfg.client_id, false, pc);
		mosq_setup(pc, NULL);
		connection_lost(pc);
		return G_SOURCE_CONTINUE;
	}
	if (pc->resolving)
		return G_SOURCE_CONTINUE;
	rc = mosquitto_loop_misc(pc->mosq);
	if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_NO_CONN && !pc->last_error)
		set_error(pc, "%s", mosquitto_strerror(rc));
	after_io(pc);
	return G_SOURCE_CONTINUE;
}

static void mosq_connect(struct push_client *pc)
{
	int rc;

	/* the name is resolved already (or an address): getaddrinfo() does not wait
	 * on the network here, and the TCP connect does not block */
	rc = mosquitto_connect_async(pc->mosq, pc->cfg.host, pc->cfg.port,
				     (int)(pc->cfg.keepalive / G_USEC_PER_SEC));
	if (rc != MOSQ_ERR_SUCCESS) {
		set_error(pc, "connect: %s",
			  rc == MOSQ_ERR_ERRNO ? g_strerror(errno) : mosquitto_strerror(rc));
		if (pc->conn == PUSH_CONN_CONNECTING) {
			connection_lost(pc);
		} else {
			log_failure(pc);
			schedule_retry(pc);
		}
		return;
	}
	set_conn(pc, PUSH_CONN_CONNECTING, "connect");
	after_io(pc);
}

static void on_resolved(GObject *src, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GError) error = NULL;
	struct push_client *pc;
	GList *addrs;

	addrs = g_resolver_lookup_by_name_finish(G_RESOLVER(src), res, &error);
	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return; /* pc may be gone */
	pc = user_data;
	pc->resolving = false;
	g_clear_object(&pc->resolve_cancel);
	if (!addrs) {
		set_error(pc, "%s", error->message);
		connection_lost(pc);
		return;
	}
	g_resolver_free_addresses(addrs);
	mosq_connect(pc);
}

static void try_connect(struct push_client *pc)
{
	g_autoptr(GResolver) resolver = NULL;

	clear_source(&pc->retry);
	g_clear_pointer(&pc->last_error, g_free);
	pc->lost = false;
	pc->attempts++;
	pc->connect_started = g_get_monotonic_time();
	if (g_hostname_is_ip_address(pc->cfg.host)) {
		mosq_connect(pc);
		return;
	}
	/* libmosquitto would resolve with a blocking getaddrinfo(): a name server
	 * that does not answer must not stall the main loop, so ask GIO first */
	resolver = g_resolver_get_default();
	pc->resolving = true;
	pc->resolve_cancel = g_cancellable_new();
	set_conn(pc, PUSH_CONN_CONNECTING, "resolve");
	g_resolver_lookup_by_name_async(resolver, pc->cfg.host, pc->resolve_cancel, on_resolved,
					pc);
}

static gboolean on_retry(gpointer user_data)
{
	struct push_client *pc = user_data;

	g_source_unref(pc->retry);
	pc->retry = NULL;
	if (pc->conn == PUSH_CONN_IDLE)
		try_connect(pc);
	return G_SOURCE_REMOVE;
}

static void schedule_retry(struct push_client *pc)
{
	uint64_t ceiling = pc->cfg.backoff_base;
	uint64_t delay;

	if (pc->conn != PUSH_CONN_IDLE)
		return; /* an observer asked for an attempt already (connect_now) */

	for (unsigned i = 1; i < pc->attempts && ceiling < pc->cfg.backoff_cap; i++)
		ceiling *= 2;
	if (ceiling > pc->cfg.backoff_cap)
		ceiling = pc->cfg.backoff_cap;
	/* full jitter */
	delay = (uint64_t)g_random_double_range(0, (double)ceiling);
	if (delay < PUSH_MIN_DELAY_US)
		delay = PUSH_MIN_DELAY_US;
	g_debug("push: next attempt in %" G_GUINT64_FORMAT " ms (attempt %u)", delay / 1000,
		pc->attempts + 1);
	clear_source(&pc->retry);
	pc->retry = g_timeout_source_new((guint)(delay / 1000));
	g_source_set_callback(pc->retry, on_retry, pc, NULL);
	g_source_attach(pc->retry, pc->ctx);
}

void push_client_connect_now(struct push_client *pc)
{
	if (!pc || pc->conn != PUSH_CONN_IDLE)
		return;
	pc->attempts = 0;
	try_connect(pc);
}

static gboolean mosq_setup(struct push_client *pc, GError **error)
{
	int rc;

	mosquitto_int_option(pc->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
	mosquitto_int_option(pc->mosq, MOSQ_OPT_TCP_NODELAY, 1);
	mosquitto_connect_callback_set(pc->mosq, on_connect);
	mosquitto_disconnect_callback_set(pc->mosq, on_disconnect);
	mosquitto_message_callback_set(pc->mosq, on_message);
	mosquitto_subscribe_callback_set(pc->mosq, on_subscribe);
	if (pc->cfg.broker_username) {
		g_autofree char *pw = NULL;

		if (pc->cfg.broker_password_file) {
			pw = conf_read_secret_file(pc->cfg.broker_password_file, error);
			if (!pw)
				return FALSE;
		}
		rc = mosquitto_username_pw_set(pc->mosq, pc->cfg.broker_username, pw);
		if (pw)
			explicit_bzero(pw, strlen(pw));
		if (rc != MOSQ_ERR_SUCCESS) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "push: credentials: %s",
				    mosquitto_strerror(rc));
			return FALSE;
		}
	}
	if (pc->cfg.tls) {
		rc = mosquitto_tls_set(pc->mosq, pc->cfg.ca_file,
				       pc->cfg.ca_file ? NULL : "/etc/ssl/certs", pc->cfg.client_cert,
				       pc->cfg.client_key, NULL);
		if (rc == MOSQ_ERR_SUCCESS)
			rc = mosquitto_tls_insecure_set(pc->mosq, false);
		if (rc == MOSQ_ERR_SUCCESS)
			rc = mosquitto_tls_opts_set(pc->mosq, 1 /* SSL_VERIFY_PEER */, NULL, NULL);
		if (rc != MOSQ_ERR_SUCCESS) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "push: TLS setup (%s): %s",
				    pc->cfg.ca_file ? pc->cfg.ca_file : "/etc/ssl/certs",
				    rc == MOSQ_ERR_ERRNO ? g_strerror(errno)
							 : mosquitto_strerror(rc));
			return FALSE;
		}
	}
	return TRUE;
}

static void push_lib_init(void)
{
	static gsize once;

	if (g_once_init_enter(&once)) {
		mosquitto_lib_init();
		g_once_init_leave(&once, 1);
	}
}

struct push_client *push_client_new(const struct push_config *cfg,
				    const struct push_events *events, void *data,
				    GError **error)
{
	struct push_client *pc;
	g_autoptr(GBytes) key = NULL;

	if (!cfg->host || !cfg->topic || !cfg->key_file || !cfg->client_id) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
			    "push: broker, topic, key-file and client-id are needed");
		return NULL;
	}
	key = push_key_load(cfg->key_file, error);
	if (!key)
		return NULL;
	push_lib_init();
	pc = g_new0(struct push_client, 1);
	push_config_copy(&pc->cfg, cfg);
	if (pc->cfg.client_id_derived) {
		/* not guessable by others on the broker, the same after a restart (the
		 * persistent session stays): 64 bits of HMAC-SHA256(key, "client-id") */
		g_autofree char *mac = g_compute_hmac_for_data(
			G_CHECKSUM_SHA256, g_bytes_get_data(key, NULL), g_bytes_get_size(key),
			(const guchar *)"client-id", 9);
		char *id = g_strdup_printf("%s-%.16s", pc->cfg.client_id, mac);

		g_free(pc->cfg.client_id);
		pc->cfg.client_id = id;
		pc->cfg.client_id_derived = FALSE;
	}
	if (events)
		pc->ev = *events;
	pc->data = data;
	pc->watch_fd = -1;
	pc->ctx = g_main_context_ref_thread_default();
	pc->reject_rl = (struct log_ratelimit)LOG_RATELIMIT_INIT(G_USEC_PER_SEC, 10);
	pc->verifier = push_verifier_new(key, (int64_t)(cfg->window / 1000),
					 cfg->replay_cache ? cfg->replay_cache : 4096,
					 cfg->username);
	if (pc->cfg.state_dir) {
		push_verifier_use_monotonic(pc->verifier);
		high_water_load(pc);
	}
	/* persistent session: fixed client id, clean session off */
	pc->mosq = mosquitto_new(pc->cfg.client_id, false, pc);
	if (!pc->mosq) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
			    "push: mosquitto_new: %s", g_strerror(errno));
		return push_client_free(pc);
	}
	if (!mosq_setup(pc, error))
		return push_client_free(pc);
	pc->misc = g_timeout_source_new((guint)MAX(PUSH_MISC_MIN_MS, pc->cfg.keepalive / 1000 /
						     PUSH_MISC_PER_KEEPALIVE));
	g_source_set_callback(pc->misc, on_misc, pc, NULL);
	g_source_attach(pc->misc, pc->ctx);
	g_message("push: broker %s:%u%s, topic %s, client id %s", pc->cfg.host, pc->cfg.port,
		  pc->cfg.tls ? " (TLS)" : "", pc->cfg.topic, pc->cfg.client_id);
	try_connect(pc);
	return pc;
}

struct push_client *push_client_free(struct push_client *pc)
{
	if (!pc)
		return NULL;
	cancel_resolve(pc);
	clear_source(&pc->retry);
	clear_source(&pc->misc);
	clear_source(&pc->watch);
	if (pc->mosq) {
		if (pc->conn == PUSH_CONN_UP)
			mosquitto_disconnect(pc->mosq); /* the session stays on the broker */
		mosquitto_destroy(pc->mosq);
	}
	pc->verifier = push_verifier_free(pc->verifier);
	if (pc->ctx)
		g_main_context_unref(pc->ctx);
	g_free(pc->last_error);
	g_free(pc->last_logged);
	push_config_clear(&pc->cfg);
	g_free(pc);
	return NULL;
}

bool push_client_is_up(const struct push_client *pc)
{
	return pc && pc->conn == PUSH_CONN_UP;
}

void push_client_get_stats(const struct push_client *pc, struct push_stats *out)
{
	*out = pc->stats;
	out->have_offset = push_verifier_get_offset(pc->verifier, &out->clock_offset_ms);
}

void push_client_inject(struct push_client *pc, const void *payload, size_t len)
{
	handle_message(pc, payload, len);
}
