/* SPDX-License-Identifier: MIT */
/*
 * uplink.c - libwebsockets client on the daemon's GLib loop: connection,
 * logon, heartbeats, reconnect, link policy, send queue and frame reassembly.
 * The mapping of the Zello Channel API onto floor events is uplink-streams.c.
 *
 * The connection struct habit of lws' minimal ws-client: one scheduler entry
 * (sul_retry), the wsi and the retry count; the application owns the retry and
 * schedules it from both connect failure paths (NULL from
 * lws_client_connect_via_info() and CLIENT_CONNECTION_ERROR). Every timer is an
 * lws sul, serviced by the glib event library on the GLib loop.
 */
#include "uplink-private.h"

#include <errno.h>
#include <gio/gio.h>
#include <string.h>

#include "log-escape.h"
#include "uplink-backoff.h"

static void schedule_retry(struct uplink *u);
static void connect_cb(lws_sorted_usec_list_t *sul);

const char *uplink_state_to_string(enum uplink_state st)
{
	switch (st) {
	case UPLINK_DISCONNECTED:
		return "disconnected";
	case UPLINK_CONNECTING:
		return "connecting";
	case UPLINK_CONNECTED:
		return "connected";
	case UPLINK_BACKOFF:
		return "backoff";
	case _UPLINK_STATE_MAX:
	case _UPLINK_STATE_INVALID:
		break;
	}
	return "invalid";
}

static void set_state(struct uplink *u, enum uplink_state st, const char *detail)
{
	if (u->state == st && g_strcmp0(u->detail, detail) == 0)
		return;
	g_info("link: %s -> %s%s%s%s", uplink_state_to_string(u->state),
	       uplink_state_to_string(st), detail ? " (" : "", detail ? detail : "",
	       detail ? ")" : "");
	u->state = st;
	g_free(u->detail);
	u->detail = g_strdup(detail);
	if (st != UPLINK_BACKOFF)
		u->next_attempt = 0;
	if (!u->freeing && u->ev.state)
		u->ev.state(u->data, st, detail);
}

void uplink_set_error(struct uplink *u, const char *fmt, ...)
{
	va_list ap;

	char *msg;

	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap); /* fmt's arguments may point into last_error */
	va_end(ap);
	g_free(u->last_error);
	u->last_error = msg;
}

/* Bad input from the server: always counted, logged in full for the first
 * LOG_BURST per connection, then every 100th. */
void uplink_bad_input(struct uplink *u, const char *fmt, ...)
{
	g_autofree char *msg = NULL, *esc = NULL;
	va_list ap;

	u->stats.bad_frames++;
	if (u->bad_logged++ >= LOG_BURST && u->bad_logged % 100)
		return;
	va_start(ap, fmt);
	msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	esc = log_escape(msg);	/* parse errors quote the server's text */
	g_warning("link: bad frame from server: %s; frame dropped (%" G_GUINT64_FORMAT
		  " so far)", esc, u->stats.bad_frames);
}

/* ---- send queue -------------------------------------------------------- */

static void txq_clear(struct uplink *u)
{
	struct txbuf *t;

	while ((t = g_queue_pop_head(&u->txq)))
		g_free(t);
	u->txq_audio = 0;
}

int uplink_txq_push(struct uplink *u, const void *data, size_t len,
		    enum lws_write_protocol type, bool audio)
{
	unsigned limit = u->cfg.send_queue_frames;
	struct txbuf *t;

	if (!u->wsi)
		return -ENOTCONN;
	if (audio ? u->txq_audio >= limit : u->txq.length >= limit + CONTROL_QUEUE_EXTRA)
		return -ENOBUFS;
	t = g_malloc(sizeof(*t) + LWS_PRE + len);
	t->len = len;
	t->type = type;
	t->audio = audio;
	memcpy(t->buf + LWS_PRE, data, len);
	g_queue_push_tail(&u->txq, t);
	if (audio)
		u->txq_audio++;
	lws_callback_on_writable(u->wsi);
	return 0;
}

/* Takes ownership of json (g_free'd). */
int uplink_send_text(struct uplink *u, char *json)
{
	int r;

	if (!json)
		return -ENOMEM;
	g_debug("link: > %s", json);
	r = uplink_txq_push(u, json, strlen(json), LWS_WRITE_TEXT, false);
	g_free(json);
	return r;
}

static int on_writeable(struct uplink *u, struct lws *wsi)
{
	uint8_t ping[LWS_PRE];
	struct txbuf *t;
	int n;

	if (u->close_code) {
		/* RFC 6455 5.5.1: a Close frame with our code; lws waits for the
		 * server's Close (or its timeout) and then drops the socket */
		static const char why[] = "pttgw closes";

		lws_close_reason(wsi, (enum lws_close_status)u->close_code,
				 (unsigned char *)why, sizeof(why) - 1);
		u->close_code = 0;
		u->close_sent = true;
		return -1;
	}
	if (u->ping_due) {
		u->ping_due = false;
		if (lws_write(wsi, ping + LWS_PRE, 0, LWS_WRITE_PING) < 0) {
			uplink_set_error(u, "write failed (ping)");
			return -1;
		}
		u->stats.last_write = uplink_now();
	} else if ((t = g_queue_pop_head(&u->txq))) {
		if (t->audio)
			u->txq_audio--;
		n = lws_write(wsi, t->buf + LWS_PRE, t->len, t->type);
		g_free(t);
		if (n < 0) {
			uplink_set_error(u, "write failed");
			return -1;
		}
		u->stats.frames_out++;
		u->stats.last_write = uplink_now();
	} else if (u->drop_after_flush) {
		/* everything queued is on the wire: now close */
		static const char why[] = "idle (policy)";

		u->drop_after_flush = false;
		u->close_sent = true;
		lws_close_reason(wsi, LWS_CLOSE_STATUS_NORMAL, (unsigned char *)why,
				 sizeof(why) - 1);
		return -1;
	}
	if (u->ping_due || u->txq.length || u->drop_after_flush)
		lws_callback_on_writable(wsi);
	return 0;
}

/* ---- timers ------------------------------------------------------------ */

/*
 * lws 4.1.6's glib event library re-arms its GLib timer for the sul list only
 * after it serviced something; a sul (or a wsi timeout) set from a GLib
 * callback of ours would wait for the next network event. Waking the service
 * through its cancel pipe makes it look at the list again.
 */
static void kick(struct uplink *u)
{
	lws_cancel_service(u->ctx);
}

static void sul_arm(struct uplink *u, lws_sorted_usec_list_t *sul, sul_cb_t cb, uint64_t us)
{
	lws_sul_schedule(u->ctx, 0, sul, cb, (lws_usec_t)us);
	kick(u);
}

static uint64_t dead_after(const struct uplink *u)
{
	return u->cfg.heartbeat_interval * 5 / 2;
}

static void ping_cb(lws_sorted_usec_list_t *sul)
{
	struct uplink *u = lws_container_of(sul, struct uplink, sul_ping);
	uint64_t now = uplink_now();

	if (!u->wsi || !u->logged_on)
		return;
	/* stable for a while: the next failure starts the backoff from the base */
	if (u->retry_count && now - u->stats.connected_since >= 3 * u->cfg.heartbeat_interval) {
		g_debug("link: stable, backoff reset");
		u->retry_count = 0;
	}
	/* a frame or a Pong within the last interval already proved the link
	 * (RFC 6455 5.5.2): a Ping only after an interval of silence */
	if (now - u->last_rx < u->cfg.heartbeat_interval) {
		sul_arm(u, &u->sul_ping, ping_cb, u->last_rx + u->cfg.heartbeat_interval - now);
		return;
	}
	/* liveness by RFC 6455 only: a Ping, whose Pong resets the watchdog
	 * (API.md knows no keepalive command; a strict server refuses one) */
	u->ping_due = true;
	lws_callback_on_writable(u->wsi);
	sul_arm(u, &u->sul_ping, ping_cb, u->cfg.heartbeat_interval);
}

static void watchdog_cb(lws_sorted_usec_list_t *sul)
{
	struct uplink *u = lws_container_of(sul, struct uplink, sul_watchdog);
	uint64_t now = uplink_now(), deadline = u->last_rx + dead_after(u);

	if (!u->wsi)
		return;
	if (now < deadline) {
		sul_arm(u, &u->sul_watchdog, watchdog_cb, deadline - now);
		return;
	}
	if (u->logged_on) {
		g_warning("link: nothing received for %.1f s (2.5 x heartbeat): dead link",
			  (double)(now - u->last_rx) / G_USEC_PER_SEC);
		uplink_set_error(u, "dead link: nothing received for %.1f s",
			  (double)(now - u->last_rx) / G_USEC_PER_SEC);
	} else {
		g_warning("link: no logon within %.1f s, attempt abandoned",
			  (double)dead_after(u) / G_USEC_PER_SEC);
		uplink_set_error(u, "connect timeout after %.1f s",
				 (double)dead_after(u) / G_USEC_PER_SEC);
	}
	uplink_link_close(u, CLOSING_ERROR, UPLINK_CLOSE_GOING_AWAY, NULL);
}

static void idle_cb(lws_sorted_usec_list_t *sul)
{
	struct uplink *u = lws_container_of(sul, struct uplink, sul_idle);

	if (!u->wsi || u->own != OWN_NONE || u->n_remote || uplink_streams_joins_pending(u))
		return;
	g_info("link: idle, dropping the link (policy %s)", uplink_policy_to_string(u->cfg.policy));
	u->want_link = false;
	uplink_link_close(u, CLOSING_POLICY, UPLINK_CLOSE_NORMAL, NULL);
}

/* ---- connection -------------------------------------------------------- */

static void logon(struct uplink *u)
{
	struct proto_msg m = PROTO_MSG_INIT;
	char *json;

	u->logon_seq = ++u->seq;
	u->logon_used_refresh = u->refresh_token != NULL;
	/* API.md: the password is required whenever a username is given, also
	 * next to a refresh_token; without a password the logon is anonymous */
	m.cmd = PROTO_CMD_LOGON;
	m.has_seq = true;
	m.seq = u->logon_seq;
	m.username = u->cfg.password ? u->cfg.username : NULL;
	m.password = u->cfg.password;
	m.auth_token = u->cfg.auth_token;
	m.refresh_token = u->refresh_token;
	m.channels = uplink_channels_logon(u); /* all of them: we listen to all */
	m.listen_only = u->cfg.listen_only;
	m.platform_type = (char *)"linux";
	m.platform_name = u->cfg.platform_name;
	m.version = u->cfg.version;
	json = proto_build(&m, NULL);
	g_info("link: logon as %s%s%s%s%s", m.username ? m.username : "anonymous",
	       u->cfg.password ? " with the password" : "",
	       u->refresh_token ? " and the refresh token" : "",
	       u->cfg.auth_token ? " and the auth token" : "",
	       u->cfg.listen_only ? ", listen only" : "");
	if (json)
		uplink_txq_push(u, json, strlen(json), LWS_WRITE_TEXT, false); /* not logged */
	if (json)
		explicit_bzero(json, strlen(json));
	g_free(json);
}

void uplink_logon_refused(struct uplink *u, const char *server_reason)
{
	const struct uplink_error_info *e = uplink_error_lookup(server_reason);
	g_autofree char *reason = log_escape(server_reason);	/* the server's text */

	g_warning("link: logon refused: %s", reason);
	uplink_set_error(u, "logon refused: %s (%s)", reason, e->text);
	u->refused = true;
	if (e->action != UPLINK_ERR_USER) {
		/* internal server error, a refused logon "server closed connection"
		 * and the like: again after the backoff, no user action */
	} else if (u->logon_used_refresh) {
		/* the refresh token is spent (e.g. a restarted server): at once
		 * again with auth_token/password, no backoff */
		g_clear_pointer(&u->refresh_token, g_free);
		u->retry_at_once = true;
	} else if (!u->freeing && u->ev.auth_refused) {
		u->ev.auth_refused(u->data, reason);
	}
	uplink_link_close(u, CLOSING_ERROR, UPLINK_CLOSE_NORMAL, NULL);
}

void uplink_logon_reply(struct uplink *u, const struct proto_msg *m)
{
	if (!m->success) {
		uplink_logon_refused(u, m->error ? m->error : "?");
		return;
	}
	if (m->refresh_token) {
		g_free(u->refresh_token);
		u->refresh_token = g_strdup(m->refresh_token);
	}
	g_strfreev(u->extensions);
	u->extensions = g_strdupv(m->extensions);
	if (u->extensions && u->extensions[0]) {
		g_autofree char *list = g_strjoinv(", ", u->extensions);

		g_info("link: the server offers the extensions %s", list);
	}
	u->logged_on = true;
	u->stats.logons++;
	u->stats.connected_since = uplink_now();
	g_clear_pointer(&u->last_error, g_free);
	sul_arm(u, &u->sul_ping, ping_cb, u->cfg.heartbeat_interval);
	/* API.md: talk after the channel status; connected once it is in */
	if (u->channel_known)
		set_state(u, UPLINK_CONNECTED, u->channel_reason);
	else
		set_state(u, UPLINK_CONNECTING, "logged on, waiting for the channel status");
	if (u->wsi)
		uplink_streams_send_joins(u);
	uplink_policy_check(u, false);
}

/* ---- channel status and server errors ------------------------------- */

static void channel_changed(struct uplink *u)
{
	if (!u->freeing && u->ev.channel)
		u->ev.channel(u->data, u->cfg.channel, u->channel_online, u->users_online,
			      u->channel_reason);
	if (u->logged_on)
		set_state(u, UPLINK_CONNECTED, u->channel_reason);
}

void uplink_channel_status(struct uplink *u, const struct proto_msg *m)
{
	bool online = g_strcmp0(m->status, "online") == 0;
	struct uplink_chan *c = uplink_channels_find(u, m->channel ? m->channel
								  : u->cfg.channel);

	if (!c) {
		g_autofree char *other = log_escape(m->channel);

		g_debug("link: status of channel %s, not ours, ignored", other);
		return;
	}
	g_autofree char *status = log_escape(m->status ? m->status : "?");
	g_autofree char *error = m->error ? log_escape(m->error) : NULL;

	g_info("link: channel %s %s (%" G_GINT64_FORMAT " online)%s%s", c->name, status,
	       m->users_online, error ? ": " : "", error ? error : "");
	c->known = true;
	c->online = online;
	c->users_online = m->users_online;
	if (strcmp(c->name, u->cfg.channel) != 0) {
		/* another channel we listen to: told, talking is not affected */
		if (!u->freeing && u->ev.channel)
			u->ev.channel(u->data, c->name, online, m->users_online, m->error);
		return;
	}
	u->channel_known = true;
	u->channel_online = online;
	u->users_online = m->users_online;
	g_free(u->channel_reason);
	u->channel_reason = online ? NULL :
		g_strdup_printf("channel %s is offline%s%s", u->cfg.channel,
				error ? ": " : "", error ? error : "");
	channel_changed(u);
}

void uplink_channel_not_ready(struct uplink *u)
{
	u->channel_online = false;
	g_free(u->channel_reason);
	u->channel_reason = g_strdup_printf("channel %s is not ready", u->cfg.channel);
	channel_changed(u);
}

void uplink_server_error(struct uplink *u, const char *code)
{
	const struct uplink_error_info *e = uplink_error_lookup(code);
	g_autofree char *reason = uplink_error_reason(code);

	g_warning("link: the server reports an error: %s", reason);
	if (!u->logged_on) {
		uplink_logon_refused(u, code);
		return;
	}
	switch (e->action) {
	case UPLINK_ERR_RECONNECT:
		uplink_set_error(u, "%s", reason);
		/* at once when the link was stable; a server that says it again
		 * before that gets the backoff (no reconnect storm) */
		if (u->retry_count == 0) {
			u->retry_at_once = true;
			u->retry_count = 1;
		}
		uplink_link_close(u, CLOSING_ERROR, UPLINK_CLOSE_NORMAL, NULL);
		break;
	case UPLINK_ERR_BACKOFF:
		uplink_set_error(u, "%s", reason);
		uplink_link_close(u, CLOSING_ERROR, UPLINK_CLOSE_NORMAL, NULL);
		break;
	case UPLINK_ERR_CHANNEL:
		uplink_streams_deny_pending(u, reason, u->own_cancel);
		uplink_channel_not_ready(u);
		break;
	case UPLINK_ERR_USER:
	case UPLINK_ERR_DENY:
		uplink_set_error(u, "%s", reason);
		uplink_streams_deny_pending(u, reason, u->own_cancel);
		break;
	case UPLINK_ERR_REPORT:
		uplink_set_error(u, "%s", reason);
		break;
	case UPLINK_ERR_IGNORE:
		break;
	}
}

/* A connection (attempt) ended; wsi is already gone or going. */
static void link_gone(struct uplink *u, const char *error)
{
	enum closing why = u->closing;

	u->wsi = NULL;
	u->logged_on = false;
	u->ping_due = false;
	u->close_code = 0;
	u->close_sent = false;
	u->channel_known = false;
	u->channel_online = false;
	u->users_online = -1;
	g_clear_pointer(&u->channel_reason, g_free);
	uplink_channels_reset(u);
	g_clear_pointer(&u->extensions, g_strfreev);
	u->drop_after_flush = false;
	u->closing = CLOSING_NONE;
	u->stats.connected_since = 0;
	lws_sul_cancel(&u->sul_ping);
	lws_sul_cancel(&u->sul_watchdog);
	lws_sul_cancel(&u->sul_idle);
	lws_sul_cancel(&u->sul_close);
	txq_clear(u);
	g_byte_array_set_size(u->rx, 0);
	u->rx_overflow = false;

	if (!u->freeing && (why == CLOSING_NONE || why == CLOSING_ERROR)) {
		/* our own reason (dead link, refused logon) beats "closed" */
		if (error && why == CLOSING_NONE && !u->refused && !u->peer_closed)
			uplink_set_error(u, "%s", error);
		else if (!u->last_error)
			uplink_set_error(u, "connection closed");
		g_message("link: lost: %s", u->last_error);
	}
	uplink_streams_lost(u, why == CLOSING_POLICY ? "idle (policy)" : "link lost");
	if (u->freeing)
		return;

	switch (why) {
	case CLOSING_POLICY:
		set_state(u, UPLINK_DISCONNECTED, "idle (policy)");
		break;
	case CLOSING_STOP:
		if (u->relogon) {
			u->relogon = false;
			uplink_connect_now(u);
			break;
		}
		set_state(u, UPLINK_DISCONNECTED, "stopped");
		break;
	case CLOSING_NONE:
	case CLOSING_ERROR:
		if (u->now_requested)
			break; /* an event handler asked for an attempt already */
		if (u->retry_at_once) {
			u->retry_at_once = false;
			set_state(u, UPLINK_CONNECTING, u->last_error);
			sul_arm(u, &u->sul_retry, connect_cb, 0);
			break;
		}
		if (u->want_link || u->cfg.policy == UPLINK_POLICY_PERSISTENT ||
		    uplink_streams_joins_pending(u))
			schedule_retry(u);
		else
			set_state(u, UPLINK_DISCONNECTED, u->last_error);
		break;
	}
}

static void attempt_failed(struct uplink *u, const char *error)
{
	u->wsi = NULL;
	if (!error)
		error = "unknown error";
	if (u->tls && strstr(error, "SSL") && !strstr(error, "certificate"))
		uplink_set_error(u, "connect failed: %s (TLS: is the server's certificate trusted? "
				 "[upstream] ca-file)", error);
	else
		uplink_set_error(u, "connect failed: %s", error);
	g_message("link: %s", u->last_error);
	lws_sul_cancel(&u->sul_watchdog);
	if (u->freeing || u->now_requested)
		return;
	if (u->want_link || u->cfg.policy == UPLINK_POLICY_PERSISTENT ||
	    uplink_streams_joins_pending(u))
		schedule_retry(u);
	else
		set_state(u, UPLINK_DISCONNECTED, u->last_error);
}

static void schedule_retry(struct uplink *u)
{
	uint64_t delay;

	if (u->retry_count < 64)
		u->retry_count++;
	delay = uplink_backoff_delay(u->cfg.backoff_base, u->cfg.backoff_cap, u->retry_count,
				     g_rand_double(u->rand));
	u->next_attempt = uplink_now() + delay;
	g_debug("link: attempt %u in %.3f s (bound %.3f s)", u->retry_count + 1,
		(double)delay / G_USEC_PER_SEC,
		(double)uplink_backoff_bound(u->cfg.backoff_base, u->cfg.backoff_cap,
					     u->retry_count) / G_USEC_PER_SEC);
	sul_arm(u, &u->sul_retry, connect_cb, delay);
	set_state(u, UPLINK_BACKOFF, u->last_error);
}

static bool is_loopback(const char *host)
{
	return !strcmp(host, "localhost") || g_str_has_prefix(host, "127.") ||
	       !strcmp(host, "::1") || !strcmp(host, "[::1]");
}

static void connect_cb(lws_sorted_usec_list_t *sul)
{
	struct uplink *u = lws_container_of(sul, struct uplink, sul_retry);
	struct lws_client_connect_info i;
	struct lws *wsi;

	u->now_requested = false;
	if (u->wsi)
		return; /* never two attempts at once */
	memset(&i, 0, sizeof(i));
	i.context = u->ctx;
	i.address = u->host;
	i.port = u->port;
	i.path = u->path;
	i.host = u->host;
	i.origin = u->host;
	i.protocol = NULL; /* the Zello API negotiates no subprotocol */
	i.local_protocol_name = u->protocols[0].name;
	i.userdata = u;
	if (u->tls) {
		i.ssl_connection = LCCSCF_USE_SSL;
		if (u->cfg.insecure) {
			i.ssl_connection |= LCCSCF_ALLOW_SELFSIGNED | LCCSCF_ALLOW_EXPIRED |
					    LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
					    LCCSCF_ALLOW_INSECURE;
			g_warning("link: TLS certificate verification is OFF for %s "
				  "([upstream] insecure = true)", u->cfg.url);
		}
	}

	if (!u->tls && !is_loopback(u->host))
		g_warning("link: %s is not encrypted (ws://): the credentials travel in clear; "
			  "use wss://", u->cfg.url);
	u->stats.attempts++;
	u->established = false;
	u->peer_closed = false;
	u->closing = CLOSING_NONE;
	u->refused = false;
	u->bad_logged = 0;
	if (u->state != UPLINK_CONNECTING)
		set_state(u, UPLINK_CONNECTING, NULL);
	u->last_rx = uplink_now();
	sul_arm(u, &u->sul_watchdog, watchdog_cb, dead_after(u));

	u->in_connect = true;
	u->connect_failed = false;
	g_clear_pointer(&u->connect_error, g_free);
	wsi = lws_client_connect_via_info(&i);
	u->in_connect = false;
	if (!wsi || u->connect_failed) {
		/* failure path 1: NULL (or an error reported synchronously) */
		g_autofree char *err = g_steal_pointer(&u->connect_error);

		attempt_failed(u, err ? err : "could not start the connection");
		return;
	}
	u->wsi = wsi;
}

static void close_guard_cb(lws_sorted_usec_list_t *sul)
{
	struct uplink *u = lws_container_of(sul, struct uplink, sul_close);

	if (!u->wsi)
		return;
	g_debug("link: closing handshake not finished, dropping the connection");
	lws_set_timeout(u->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
	kick(u);
}

/* Close the link from our side; link_gone() follows from lws' callbacks.
 * A WebSocket that is up gets a Close frame (code) first: lws then waits for
 * the server's Close; the timeout below bounds it when the server is gone. */
void uplink_link_close(struct uplink *u, enum closing why, uint16_t code, const char *error)
{
	if (error)
		uplink_set_error(u, "%s", error);
	if (!u->wsi)
		return;
	u->closing = why;
	if (u->established && !u->close_sent) {
		u->close_code = code;
		u->drop_after_flush = false;
		lws_callback_on_writable(u->wsi);
		/* a dead link will not answer: the Close goes out, then it ends */
		sul_arm(u, &u->sul_close, close_guard_cb,
			code == UPLINK_CLOSE_GOING_AWAY && why == CLOSING_ERROR
			? CLOSE_WAIT_DEAD : CLOSE_WAIT);
	} else {
		lws_set_timeout(u->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
	}
	kick(u);
}

void uplink_policy_busy(struct uplink *u)
{
	lws_sul_cancel(&u->sul_idle);
	if (u->drop_after_flush) {
		g_info("link: new activity, the link stays up");
		u->drop_after_flush = false;
		u->closing = CLOSING_NONE;
		u->want_link = true;
	}
}

void uplink_policy_check(struct uplink *u, bool burst_ended)
{
	bool idle = u->own == OWN_NONE && !u->n_remote && !uplink_streams_joins_pending(u);

	if (!u->wsi || !u->logged_on)
		return;
	switch (u->cfg.policy) {
	case UPLINK_POLICY_PERSISTENT:
		return;
	case UPLINK_POLICY_IDLE_DROP:
		if (idle)
			sul_arm(u, &u->sul_idle, idle_cb, u->cfg.idle_drop_after);
		else
			lws_sul_cancel(&u->sul_idle);
		return;
	case UPLINK_POLICY_PUSH_ONLY:
		if (!idle) {
			lws_sul_cancel(&u->sul_idle);
		} else if (burst_ended) {
			/* flush what is queued (our stop_stream), then drop */
			g_info("link: burst over, dropping the link (policy push-only)");
			u->closing = CLOSING_POLICY;
			u->want_link = false;
			u->drop_after_flush = true;
			lws_callback_on_writable(u->wsi);
		} else {
			sul_arm(u, &u->sul_idle, idle_cb, PUSH_ONLY_GRACE);
		}
		return;
	case _UPLINK_POLICY_MAX:
	case _UPLINK_POLICY_INVALID:
		return;
	}
}

/* ---- inbound ----------------------------------------------------------- */

static void on_receive(struct uplink *u, struct lws *wsi, const void *in, size_t len)
{
	bool first = lws_is_first_fragment(wsi), final = lws_is_final_fragment(wsi);

	if (first) {
		g_byte_array_set_size(u->rx, 0);
		u->rx_binary = lws_frame_is_binary(wsi);
		u->rx_overflow = false;
		u->rx_total = 0;
	}
	u->rx_total += len;
	u->stats.last_read = u->last_rx;
	if (!u->rx_overflow) {
		if (u->rx->len + len > RX_MAX) {
			u->rx_overflow = true;
			g_byte_array_set_size(u->rx, 0);
		} else if (first && final) {
			/* the common case: no copy */
			u->stats.frames_in++;
			if (u->rx_binary)
				uplink_streams_binary(u, in, len);
			else
				uplink_streams_text(u, in, len);
			return;
		} else {
			g_byte_array_append(u->rx, in, (guint)len);
		}
	}
	if (!final)
		return;
	u->stats.frames_in++;
	if (u->rx_overflow)
		uplink_bad_input(u, "%s frame of %zu bytes exceeds the limit of %d bytes",
			  u->rx_binary ? "binary" : "text", u->rx_total, RX_MAX);
	else if (u->rx_binary)
		uplink_streams_binary(u, u->rx->data, u->rx->len);
	else
		uplink_streams_text(u, (const char *)u->rx->data, u->rx->len);
	u->rx_overflow = false;
	if (u->rx_total > RX_KEEP) {
		/* do not keep a large buffer around after an occasional big frame */
		g_byte_array_unref(u->rx);
		u->rx = g_byte_array_sized_new(RX_INITIAL);
	} else {
		g_byte_array_set_size(u->rx, 0);
	}
}

static int lws_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		  size_t len)
{
	struct uplink *u = user;

	switch (reason) {
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		/* failure path 2 */
		if (!u)
			break;
		if (u->in_connect) {
			u->connect_failed = true;
			g_free(u->connect_error);
			u->connect_error = g_strdup(in ? (const char *)in : "connection error");
			break;
		}
		if (wsi != u->wsi)
			break;
		if (u->closing == CLOSING_POLICY || u->closing == CLOSING_STOP) {
			link_gone(u, NULL);
		} else if (u->closing == CLOSING_ERROR) {
			/* our watchdog gave up on the attempt: last_error says why */
			u->closing = CLOSING_NONE;
			attempt_failed(u, u->last_error);
		} else {
			attempt_failed(u, in ? (const char *)in : "connection error");
		}
		break;
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		if (!u || wsi != u->wsi)
			break;
		g_info("link: WebSocket to %s established, logging on as %s", u->cfg.url,
		       u->cfg.username);
		u->established = true;
		u->last_rx = uplink_now();
		logon(u);
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (!u || wsi != u->wsi)
			break;
		u->last_rx = uplink_now();
		on_receive(u, wsi, in, len);
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
		if (u && wsi == u->wsi)
			u->last_rx = uplink_now();
		break;
	case LWS_CALLBACK_WS_PEER_INITIATED_CLOSE:
		/* lws echoes the server's Close (RFC 6455 5.5.1) when we return 0 */
		if (u && wsi == u->wsi) {
			unsigned code = len >= 2 ? (unsigned)((const uint8_t *)in)[0] << 8 |
						   ((const uint8_t *)in)[1] : 1005;

			g_message("link: the server closes the connection (code %u%s%.*s)", code,
				  len > 2 ? ": " : "", len > 2 ? (int)(len - 2) : 0,
				  len > 2 ? (const char *)in + 2 : "");
			u->close_sent = true;
			if (u->closing == CLOSING_NONE) {
				u->peer_closed = true;
				uplink_set_error(u, "the server closed the connection (code %u)",
						 code);
			}
		}
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (!u || wsi != u->wsi)
			break;
		return on_writeable(u, wsi);
	case LWS_CALLBACK_CLIENT_CLOSED:
		if (u && wsi == u->wsi)
			link_gone(u, "connection closed");
		break;
	case LWS_CALLBACK_WSI_DESTROY:
		if (u && wsi == u->wsi)
			link_gone(u, "connection destroyed");
		break;
	default:
		break;
	}
	return lws_callback_http_dummy(wsi, reason, user, in, len);
}

/* ---- lws logging into GLib -------------------------------------------- */

static void lws_log(int level, const char *line)
{
	g_autofree char *l = g_strchomp(g_strdup(line));

	if (level & LLL_ERR)
		g_log("pttgw-lws", G_LOG_LEVEL_WARNING, "%s", l);
	else if (level & (LLL_WARN | LLL_NOTICE))
		g_log("pttgw-lws", G_LOG_LEVEL_MESSAGE, "%s", l);
	else
		g_log("pttgw-lws", G_LOG_LEVEL_DEBUG, "%s", l);
}

/* ---- public API -------------------------------------------------------- */

static bool parse_url(struct uplink *u, GError **error)
{
	const char *prot, *path;

	u->url_buf = g_strdup(u->cfg.url);
	if (lws_parse_uri(u->url_buf, &prot, &u->host, &u->port, &path) || !*u->host) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
			    "[upstream] url: cannot parse '%s'", u->cfg.url);
		return false;
	}
	if (!strcmp(prot, "wss")) {
		u->tls = true;
	} else if (strcmp(prot, "ws")) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
			    "[upstream] url: '%s' is not ws:// or wss://", u->cfg.url);
		return false;
	}
	u->path_buf = g_strconcat("/", path, NULL);
	u->path = u->path_buf;
	return true;
}

struct uplink *uplink_new(const struct uplink_config *cfg, GMainLoop *loop,
			  const struct uplink_events *ev, void *data, GError **error)
{
	struct lws_context_creation_info info;
	struct uplink *u;
	void *foreign[1] = { loop };
	int lws_levels = LLL_ERR | LLL_WARN;

	g_return_val_if_fail(cfg && loop && ev, NULL);

	u = g_new0(struct uplink, 1);
	u->cfg = *cfg;
	u->cfg.url = g_strdup(cfg->url);
	u->cfg.channel = g_strdup(cfg->channel);
	u->cfg.channels = g_strdupv(cfg->channels);
	u->cfg.username = g_strdup(cfg->username);
	u->cfg.password = g_strdup(cfg->password);
	u->cfg.auth_token = g_strdup(cfg->auth_token);
	u->cfg.ca_file = g_strdup(cfg->ca_file);
	u->cfg.platform_name = g_strdup(cfg->platform_name);
	u->cfg.version = g_strdup(cfg->version);
	if (!u->cfg.send_queue_frames)
		u->cfg.send_queue_frames = DEFAULT_QUEUE_FRAMES;
	if (!u->cfg.heartbeat_interval)
		u->cfg.heartbeat_interval = UPLINK_HEARTBEAT_DEFAULT;
	if (!u->cfg.backoff_base)
		u->cfg.backoff_base = UPLINK_BACKOFF_BASE_DEFAULT;
	if (u->cfg.backoff_cap < u->cfg.backoff_base)
		u->cfg.backoff_cap = u->cfg.backoff_base;
	u->loop = g_main_loop_ref(loop);
	u->ev = *ev;
	u->data = data;
	u->state = UPLINK_DISCONNECTED;
	u->users_online = -1;
	u->rand = g_rand_new();
	u->rx = g_byte_array_sized_new(RX_INITIAL);
	g_queue_init(&u->txq);
	if (u->cfg.channel)
		uplink_channels_init(u);

	if (!u->cfg.url || !u->cfg.channel || !u->cfg.username || !parse_url(u, error)) {
		if (error && !*error)
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
				    "[upstream]: url, channel and username are required");
		return uplink_free(u);
	}

	if (g_getenv("PTTGW_LWS_DEBUG"))
		lws_levels |= LLL_NOTICE | LLL_INFO | LLL_CLIENT;
	lws_set_log_level(lws_levels, lws_log);

	u->protocols[0].name = "pttgw-uplink";
	u->protocols[0].callback = lws_cb;
	u->protocols[0].rx_buffer_size = 0;

	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = u->protocols;
	/* OpenSSL only for wss:// (ws:// saves its ~4 MB of resident pages) */
	info.options = LWS_SERVER_OPTION_GLIB | (u->tls ? LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT : 0);
	info.foreign_loops = foreign;
	info.client_ssl_ca_filepath = u->cfg.ca_file;
	info.fd_limit_per_thread = 1 + 1 + 1;
	info.timeout_secs = (unsigned)MAX(LWS_TIMEOUT_MIN_S, (dead_after(u) + G_USEC_PER_SEC - 1) / G_USEC_PER_SEC);
	u->ctx = lws_create_context(&info);
	if (!u->ctx) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
			    "libwebsockets: cannot create a context on the GLib loop "
			    "(is libwebsockets-evlib-glib installed?)");
		return uplink_free(u);
	}
	g_info("link: %s, channel %s, user %s, heartbeat %.1f s, backoff %.2f..%.1f s, policy %s",
	       u->cfg.url, u->cfg.channel, u->cfg.username,
	       (double)u->cfg.heartbeat_interval / G_USEC_PER_SEC,
	       (double)u->cfg.backoff_base / G_USEC_PER_SEC,
	       (double)u->cfg.backoff_cap / G_USEC_PER_SEC, uplink_policy_to_string(u->cfg.policy));
	return u;
}

struct uplink *uplink_free(struct uplink *u)
{
	if (!u)
		return NULL;
	u->freeing = true;
	if (u->ctx) {
		lws_sul_cancel(&u->sul_retry);
		lws_sul_cancel(&u->sul_ping);
		lws_sul_cancel(&u->sul_watchdog);
		lws_sul_cancel(&u->sul_idle);
		lws_sul_cancel(&u->sul_close);
		lws_context_destroy(u->ctx);
	}
	txq_clear(u);
	g_byte_array_unref(u->rx);
	g_rand_free(u->rand);
	g_free(u->connect_error);
	g_free(u->channel_reason);
	uplink_channels_free(u);
	g_strfreev(u->extensions);
	if (u->refresh_token)
		explicit_bzero(u->refresh_token, strlen(u->refresh_token));
	g_free(u->refresh_token);
	g_free(u->talk_for);
	g_free(u->detail);
	g_free(u->last_error);
	g_free(u->path_buf);
	g_free(u->url_buf);
	if (u->loop)
		g_main_loop_unref(u->loop);
	uplink_config_clear(&u->cfg);
	g_free(u);
	return NULL;
}

int uplink_start(struct uplink *u)
{
	u->want_link = true;
	uplink_connect_now(u);
	return 0;
}

void uplink_stop(struct uplink *u)
{
	u->want_link = false;
	lws_sul_cancel(&u->sul_retry);
	for (unsigned i = 0; i < MAX_JOINS; i++)
		u->joins[i].used = false;
	if (u->wsi)
		uplink_link_close(u, CLOSING_STOP, UPLINK_CLOSE_GOING_AWAY, NULL);
	else
		set_state(u, UPLINK_DISCONNECTED, "stopped");
}

void uplink_shutdown(struct uplink *u, unsigned timeout_ms)
{
	GMainContext *ctx = g_main_loop_get_context(u->loop);
	uint64_t end = uplink_now() + (uint64_t)timeout_ms * 1000;

	memset(&u->ev, 0, sizeof(u->ev));
	uplink_stop(u);
	while (u->wsi && uplink_now() < end)
		if (!g_main_context_iteration(ctx, FALSE))
			g_usleep(SHUTDOWN_POLL);
}

int uplink_set_channel(struct uplink *u, const char *channel)
{
	struct uplink_chan *c;

	if (!channel || !*channel)
		return -EINVAL;
	if (g_strcmp0(u->cfg.channel, channel) == 0)
		return 0;
	if (u->own != OWN_NONE)
		return -EBUSY;
	c = uplink_channels_find(u, channel);
	if (c) {
		/* listened to already: talk there from now on, no new logon */
		g_free(u->cfg.channel);
		u->cfg.channel = g_strdup(channel);
		g_message("link: talking on channel %s (no new logon)", channel);
		if (u->wsi && u->logged_on)
			uplink_channels_apply(u, c);
		return 0;
	}
	if (u->n_remote)
		return -EBUSY;
	g_free(u->cfg.channel);
	u->cfg.channel = g_strdup(channel);
	uplink_channels_add(u, channel);
	g_message("link: channel %s, not in the logon: logging on again", channel);
	if (u->wsi) {
		/* a logon names its channels: log on again, at once */
		u->relogon = true;
		uplink_link_close(u, CLOSING_STOP, UPLINK_CLOSE_NORMAL, NULL);
	}
	return 0;
}

void uplink_connect_now(struct uplink *u)
{
	if (u->wsi || u->state == UPLINK_CONNECTING)
		return; /* an attempt is in flight or the link is up */
	u->want_link = true;
	/* from the loop, not from inside whatever called us (maybe an lws callback) */
	lws_sul_cancel(&u->sul_retry);
	u->now_requested = true;
	set_state(u, UPLINK_CONNECTING, "connect now");
	sul_arm(u, &u->sul_retry, connect_cb, 0);
}

enum uplink_state uplink_get_state(const struct uplink *u)
{
	return u->state;
}

uint64_t uplink_get_next_attempt(const struct uplink *u)
{
	return u->state == UPLINK_BACKOFF ? u->next_attempt : 0;
}

const char *uplink_get_last_error(const struct uplink *u)
{
	return u->last_error;
}

bool uplink_has_extension(const struct uplink *u, const char *ext)
{
	return u->extensions && g_strv_contains((const char *const *)u->extensions, ext);
}

const char *uplink_get_channel(const struct uplink *u, bool *ret_online,
			       int64_t *ret_users_online)
{
	if (ret_online)
		*ret_online = u->channel_online;
	if (ret_users_online)
		*ret_users_online = u->users_online;
	return u->channel_reason;
}

void uplink_get_stats(const struct uplink *u, struct uplink_stats *ret)
{
	*ret = u->stats;
}
