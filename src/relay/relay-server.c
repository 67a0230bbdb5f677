/* SPDX-License-Identifier: MIT */
/*
 * relay-server.c - the relay's libwebsockets server: connections, frame reassembly with a
 * size limit, bounded send queues (a slow consumer is dropped), a tick for timeouts.
 *
 * The loop is libev's (epoll: the cost of a wake-up follows the sockets that are ready,
 * not all of them), run here as lws' foreign loop through its evlib_ev plugin; lws' own
 * poll() loop when the plugin cannot be loaded. A frame goes to the socket at once when
 * nothing is queued before it and the socket takes it; only the rest is queued and written
 * on WRITEABLE, so the fan-out of a packet costs one send() per listener and no change of
 * the poll set. The queue is a ring of frame pointers: no allocation per frame.
 */
#include "relay.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ev.h>
#include <libwebsockets.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "log-escape.h"
#include "relay-limits.h"
#include "relay-wsmask.h"

#define TICK_USEC (200 * 1000)
/* frames written per WRITEABLE callback at most (while the socket takes them) */
#define WRITE_BURST 64
/* seconds a TCP connection has to finish its WebSocket handshake */
#define HANDSHAKE_TIMEOUT_S 5
/* file descriptors kept free of connections (MQTT, files, lws' own) */
#define FD_RESERVE 32

struct relay_server {
	struct relay_config *cfg;
	struct relay_logic *logic;
	struct lws_context *ctx;
	struct ev_loop *loop;		/* NULL: lws' poll() loop */
	volatile int *stop;
	lws_retry_bo_t retry;
	lws_sorted_usec_list_t tick;
	GPtrArray *conns;
	struct relay_limits *limits;	/* every accepted TCP connection */
	GHashTable *fds;		/* wsi -> fd, watched by relay-wsmask.c */
	struct log_ratelimit refuse_rl;
	volatile int *dump;
	bool stopping;			/* context being destroyed: send nothing */
};

struct relay_conn {
	struct relay_server *srv;
	struct lws *wsi;
	char peer[INET6_ADDRSTRLEN + 8];
	char addr[INET6_ADDRSTRLEN + 4];	/* the limits' key: see addr_key() */
	void *session;
	struct relay_frame **out;	/* a ring: out_len frames from out[out_head] */
	unsigned out_cap;		/* a power of two */
	unsigned out_head;
	unsigned out_len;
	size_t out_bytes;
	GByteArray *rx;			/* the message being reassembled */
	bool rx_in_msg;
	bool rx_binary;
	bool rx_oversized;
	size_t rx_total;
	bool dead;			/* dropped: send nothing more */
	bool close_after_flush;
};

struct pss {
	struct relay_conn *conn;
};

/* ---- frames ---- */

struct relay_frame *relay_frame_new(enum relay_frame_kind kind, size_t len)
{
	/* one allocation per frame, shared by every listener; the bytes are written by
	 * the caller, so only the header is cleared */
	struct relay_frame *f = g_malloc(sizeof(*f) + LWS_PRE + len);

	*f = (struct relay_frame){ .ref = 1, .kind = kind, .len = len };
	f->data = (uint8_t *)(f + 1) + LWS_PRE;
	return f;
}

struct relay_frame *relay_frame_take_text(char *json)
{
	size_t len = strlen(json);
	struct relay_frame *f = relay_frame_new(RELAY_FRAME_TEXT, len);

	memcpy(f->data, json, len);
	g_free(json);
	return f;
}

struct relay_frame *relay_frame_ref(struct relay_frame *f)
{
	f->ref++;
	return f;
}

void relay_frame_unref(struct relay_frame *f)
{
	if (f && --f->ref == 0)
		g_free(f);
}

/* ---- connections ---- */

const char *relay_conn_peer(const struct relay_conn *c)
{
	return c->peer;
}

const char *relay_conn_addr(const struct relay_conn *c)
{
	return c->addr;
}

void relay_conn_logged_on(struct relay_conn *c)
{
	relay_limits_logged_on(c->srv->limits, c->wsi);
}

void *relay_conn_get_session(const struct relay_conn *c)
{
	return c->session;
}

void relay_conn_set_session(struct relay_conn *c, void *session)
{
	c->session = session;
}

/* ---- the send queue: a ring that doubles when full (up to max_queue_frames) ---- */

static struct relay_frame *queue_peek(const struct relay_conn *c)
{
	return c->out_len ? c->out[c->out_head] : NULL;
}

static struct relay_frame *queue_pop(struct relay_conn *c)
{
	struct relay_frame *f = queue_peek(c);

	if (f) {
		c->out_head = (c->out_head + 1) & (c->out_cap - 1);
		c->out_len--;
		c->out_bytes -= f->len;
	}
	return f;
}

static void queue_push(struct relay_conn *c, struct relay_frame *f)
{
	if (c->out_len == c->out_cap) {
		unsigned cap = c->out_cap ? c->out_cap * 2 : 16, i;
		struct relay_frame **v = g_new(struct relay_frame *, cap);

		for (i = 0; i < c->out_len; i++)
			v[i] = c->out[(c->out_head + i) & (c->out_cap - 1)];
		g_free(c->out);
		c->out = v;
		c->out_cap = cap;
		c->out_head = 0;
	}
	c->out[(c->out_head + c->out_len) & (c->out_cap - 1)] = f;
	c->out_len++;
	c->out_bytes += f->len;
}

static void queue_clear(struct relay_conn *c)
{
	struct relay_frame *f;

	while ((f = queue_pop(c)))
		relay_frame_unref(f);
	c->out_bytes = 0;
}

/* f to the socket; false when it failed. */
static bool write_frame(struct relay_conn *c, struct relay_frame *f)
{
	enum lws_write_protocol proto =
		f->kind == RELAY_FRAME_AUDIO ? LWS_WRITE_BINARY : LWS_WRITE_TEXT;

	if (lws_write(c->wsi, f->data, f->len, proto) < (int)f->len)
		return false;
	relay_logic_written(c->srv->logic, c, f);
	return true;
}

void relay_conn_close(struct relay_conn *c, bool now, const char *why)
{
	if (c->dead)
		return;
	g_info("%s: closing: %s", c->peer, why);
	if (now) {
		c->dead = true;
		queue_clear(c);
		lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
		return;
	}
	c->close_after_flush = true;
	lws_callback_on_writable(c->wsi);
}

void relay_conn_send(struct relay_conn *c, struct relay_frame *f)
{
	const struct relay_config *cfg = c->srv->cfg;

	if (c->dead || c->srv->stopping)
		return;
	/* nothing queued before it and nothing of an earlier frame left over: now. What
	 * the kernel does not take lws keeps (lws_partial_buffered() then says so, without
	 * the poll() lws_send_pipe_choked() makes) and the frames after it queue here. */
	if (!c->out_len && !c->close_after_flush && !lws_partial_buffered(c->wsi)) {
		if (!write_frame(c, f)) {
			g_warning("%s: write failed, closing", c->peer);
			relay_conn_close(c, true, "write failed");
		}
		return;
	}
	if (c->out_bytes + f->len > cfg->max_queue_bytes ||
	    c->out_len >= cfg->max_queue_frames) {
		g_warning("%s: slow consumer: %u frames / %zu bytes queued (limit %zu bytes), "
			  "dropped", c->peer, c->out_len, c->out_bytes, cfg->max_queue_bytes);
		relay_conn_close(c, true, "slow consumer");
		return;
	}
	queue_push(c, relay_frame_ref(f));
	if (c->out_len == 1)
		lws_callback_on_writable(c->wsi);
}

void relay_conn_send_text(struct relay_conn *c, char *json)
{
	struct relay_frame *f = relay_frame_take_text(json);

	relay_conn_send(c, f);
	relay_frame_unref(f);
}

/* The address (host[INET6_ADDRSTRLEN], "?" when unknown) and port in ss. */
static unsigned sockaddr_peer(const struct sockaddr_storage *ss, char *host)
{
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)ss;

		if (inet_ntop(AF_INET, &in->sin_addr, host, INET6_ADDRSTRLEN))
			return ntohs(in->sin_port);
	} else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)ss;

		if (inet_ntop(AF_INET6, &in6->sin6_addr, host, INET6_ADDRSTRLEN))
			return ntohs(in6->sin6_port);
	}
	strcpy(host, "?");
	return 0;
}

/*
 * The key limits and throttling count by: the IPv4 address, or an IPv6 address's /64
 * (one host usually has a whole /64 to pick from). key[INET6_ADDRSTRLEN + 4].
 */
static void addr_key(const struct sockaddr_storage *ss, char *key)
{
	if (ss->ss_family == AF_INET6 &&
	    !IN6_IS_ADDR_V4MAPPED(&((const struct sockaddr_in6 *)ss)->sin6_addr)) {
		struct in6_addr a = ((const struct sockaddr_in6 *)ss)->sin6_addr;

		memset(a.s6_addr + 8, 0, 8);
		if (inet_ntop(AF_INET6, &a, key, INET6_ADDRSTRLEN)) {
			strcat(key, "/64");
			return;
		}
	}
	sockaddr_peer(ss, key);
}

static void fd_addr_key(int fd, char *key)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &sl) < 0) {
		strcpy(key, "?");
		return;
	}
	addr_key(&ss, key);
}

/* The peer's address and port of socket fd. */
static unsigned fd_peer(int fd, char *host)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (fd < 0 || getpeername(fd, (struct sockaddr *)&ss, &sl) < 0) {
		strcpy(host, "?");
		return 0;
	}
	return sockaddr_peer(&ss, host);
}

static void set_peer(struct relay_conn *c)
{
	char host[INET6_ADDRSTRLEN];
	unsigned port = fd_peer(lws_get_socket_fd(c->wsi), host);

	snprintf(c->peer, sizeof(c->peer), "%s:%u", host, port);
	fd_addr_key(lws_get_socket_fd(c->wsi), c->addr);
}

static int on_writeable(struct relay_conn *c)
{
	struct relay_frame *f;
	int n = 0;

	if (c->dead)
		return -1;
	while ((f = queue_peek(c))) {
		if (n > 0 && (n >= WRITE_BURST || lws_send_pipe_choked(c->wsi)))
			break;
		queue_pop(c);
		if (!write_frame(c, f)) {
			g_warning("%s: write failed, closing", c->peer);
			relay_frame_unref(f);
			return -1;
		}
		relay_frame_unref(f);
		n++;
	}
	if (c->out_len) {
		lws_callback_on_writable(c->wsi);
		return 0;
	}
	if (c->close_after_flush) {
		lws_close_reason(c->wsi, LWS_CLOSE_STATUS_POLICY_VIOLATION, NULL, 0);
		return -1;
	}
	return 0;
}

static void on_receive(struct relay_conn *c, const void *in, size_t len)
{
	struct lws *wsi = c->wsi;
	size_t limit;

	if (!c->rx_in_msg) {
		c->rx_in_msg = true;
		c->rx_binary = lws_frame_is_binary(wsi);
		c->rx_oversized = false;
		c->rx_total = 0;
		g_byte_array_set_size(c->rx, 0);
	}
	limit = c->rx_binary ? PROTO_MAX_BINARY : PROTO_MAX_TEXT;
	c->rx_total += len;
	if (c->rx_total > limit) {
		if (!c->rx_oversized)
			g_byte_array_set_size(c->rx, 0);
		c->rx_oversized = true;
	} else {
		g_byte_array_append(c->rx, in, len);
	}
	if (!lws_is_final_fragment(wsi))
		return;

	c->rx_in_msg = false;
	if (c->rx_oversized)
		relay_logic_oversized(c->srv->logic, c, c->rx_binary, c->rx_total);
	else if (c->rx_binary)
		relay_logic_binary(c->srv->logic, c, c->rx->data, c->rx->len,
				   g_get_monotonic_time());
	else
		relay_logic_text(c->srv->logic, c, (const char *)c->rx->data, c->rx->len,
				 g_get_monotonic_time());
	/* do not keep a large buffer per idle connection */
	if (c->rx->len > 4096)
		g_byte_array_set_size(c->rx, 0);
}

static void conn_free(struct relay_conn *c)
{
	queue_clear(c);
	g_free(c->out);
	g_byte_array_unref(c->rx);
	g_free(c);
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		    size_t len)
{
	struct relay_server *srv = lws_context_user(lws_get_context(wsi));
	struct pss *pss = user;
	struct relay_conn *c;

	if (reason == LWS_CALLBACK_FILTER_NETWORK_CONNECTION) {
		/* every accepted socket, before it sends a byte (wsi: the listener) */
		const struct lws_filter_network_conn_args *a = user;
		char addr[INET6_ADDRSTRLEN], key[INET6_ADDRSTRLEN + 4];
		unsigned port = sockaddr_peer(&a->cli_addr, addr), dropped;
		const char *why;

		addr_key(&a->cli_addr, key);
		why = relay_limits_admit(srv->limits, key);

		if (!why)
			return 0;
		if (log_ratelimit_ok(&srv->refuse_rl, g_get_monotonic_time(), &dropped))
			g_warning("%s:%u: connection refused: %s (%u refusals not logged)", addr,
				  port, why, dropped);
		return 1;
	}
	if (reason == LWS_CALLBACK_EVENT_WAIT_CANCELLED) {
		/* lws_cancel_service(): messages from the federation, or a signal
		 * (relay_server_wake()): back to relay_server_run() to look at *stop */
		if (srv && srv->logic)
			relay_logic_poll(srv->logic, g_get_monotonic_time());
		if (srv && srv->loop)
			ev_break(srv->loop, EVBREAK_ALL);
		return 0;
	}
	c = pss ? pss->conn : NULL;
	switch (reason) {
	case LWS_CALLBACK_SERVER_NEW_CLIENT_INSTANTIATED: {
		char key[INET6_ADDRSTRLEN + 4];

		fd_addr_key(lws_get_socket_fd(wsi), key);
		relay_limits_add(srv->limits, wsi, key);
		if (!relay_wsmask_watch(lws_get_socket_fd(wsi))) {
			g_warning("fd %d over the table of followed sockets, closing",
				  lws_get_socket_fd(wsi));
			return -1;
		}
		g_hash_table_insert(srv->fds, wsi, GINT_TO_POINTER(lws_get_socket_fd(wsi)));
		/* a socket that never completes a handshake is closed (ESTABLISHED clears it) */
		lws_set_timeout(wsi, PENDING_TIMEOUT_AWAITING_CLIENT_HS_SEND, HANDSHAKE_TIMEOUT_S);
		return 0;
	}
	case LWS_CALLBACK_WSI_DESTROY: {
		gpointer fd;

		if (!srv)
			return 0;
		relay_limits_remove(srv->limits, wsi);
		if (g_hash_table_steal_extended(srv->fds, wsi, NULL, &fd))
			relay_wsmask_unwatch(GPOINTER_TO_INT(fd));
		return 0;
	}
	case LWS_CALLBACK_FILTER_PROTOCOL_CONNECTION:
		if (srv->conns->len >= srv->cfg->max_connections) {
			g_warning("connection refused: %u connections, the limit",
				  srv->conns->len);
			return 1;
		}
		return 0;
	case LWS_CALLBACK_HTTP:
		/* plain HTTP: nothing to serve, answer at once instead of idling */
		if (lws_return_http_status(wsi, 426, "WebSocket only") ||
		    lws_http_transaction_completed(wsi))
			return -1;
		return 0;
	case LWS_CALLBACK_ESTABLISHED:
		lws_set_timeout(wsi, NO_PENDING_TIMEOUT, 0);	/* logon-timeout takes over */
		c = g_new0(struct relay_conn, 1);
		c->srv = srv;
		c->wsi = wsi;
		c->rx = g_byte_array_new();
		set_peer(c);
		pss->conn = c;
		g_ptr_array_add(srv->conns, c);
		relay_logic_connected(srv->logic, c, g_get_monotonic_time());
		return 0;
	case LWS_CALLBACK_RECEIVE:
		if (relay_wsmask_unmasked(lws_get_socket_fd(wsi))) {
			unsigned dropped;

			/* RFC 6455 5.1: a client frame must be masked */
			if (log_ratelimit_ok(&srv->refuse_rl, g_get_monotonic_time(), &dropped))
				g_warning("%s: unmasked frame from the client, closing (1002)",
					  c ? c->peer : "?");
			if (c)
				c->dead = true;
			lws_close_reason(wsi, LWS_CLOSE_STATUS_PROTOCOL_ERR,
					 (unsigned char *)"unmasked frame", 14);
			return -1;
		}
		if (c && !c->dead)
			on_receive(c, in, len);
		return 0;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		return c ? on_writeable(c) : 0;
	case LWS_CALLBACK_CLOSED:
		if (!c)
			return 0;
		relay_logic_closed(srv->logic, c, g_get_monotonic_time());
		g_ptr_array_remove(srv->conns, c);
		pss->conn = NULL;
		conn_free(c);
		return 0;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols protocols[] = {
	/* first: the protocol of clients that ask for none (Zello clients do not) */
	{ .name = "pttgw-zello", .callback = callback,
	  .per_session_data_size = sizeof(struct pss), .rx_buffer_size = 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static void on_tick(lws_sorted_usec_list_t *sul)
{
	struct relay_server *srv = lws_container_of(sul, struct relay_server, tick);

	relay_logic_tick(srv->logic, g_get_monotonic_time());
	if (srv->dump && *srv->dump) {
		*srv->dump = 0;
		relay_logic_dump_stats(srv->logic);
	}
	lws_sul_schedule(srv->ctx, 0, &srv->tick, on_tick, TICK_USEC);
}

/*
 * lws' table size: the connections plus a few of its own, below RLIMIT_NOFILE with a
 * reserve (raised to the hard limit when needed; max-connections lowered when even
 * that is too low).
 */
static unsigned fd_limit(struct relay_config *cfg)
{
	unsigned want = cfg->max_connections + 8;
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
		return want;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want + FD_RESERVE &&
	    rl.rlim_max > rl.rlim_cur) {
		rl.rlim_cur = rl.rlim_max == RLIM_INFINITY ? want + FD_RESERVE
							  : MIN(rl.rlim_max, want + FD_RESERVE);
		if (setrlimit(RLIMIT_NOFILE, &rl) < 0 || getrlimit(RLIMIT_NOFILE, &rl) < 0)
			return want;
	}
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < want + FD_RESERVE) {
		if (rl.rlim_cur < FD_RESERVE + 16) {
			g_warning("RLIMIT_NOFILE is %llu: too low to serve", (unsigned long long)
				  rl.rlim_cur);
			return 16;
		}
		want = rl.rlim_cur - FD_RESERVE;
		g_warning("max-connections %u lowered to %u: RLIMIT_NOFILE is %llu",
			  cfg->max_connections, want - 8, (unsigned long long)rl.rlim_cur);
		cfg->max_connections = want - 8;
	}
	return want;
}

static void wake_cb(void *data)
{
	relay_server_wake(data);
}

struct relay_server *relay_server_new(struct relay_config *cfg, struct relay_logic *l,
				      GError **error)
{
	struct relay_server *srv = g_new0(struct relay_server, 1);
	struct lws_context_creation_info info;
	struct lws_vhost *vh;
	unsigned fdl;
	bool any = strcmp(cfg->listen_host, "0.0.0.0") == 0 ||
		   strcmp(cfg->listen_host, "::") == 0 || !cfg->listen_host[0];

	srv->cfg = cfg;
	srv->logic = l;
	srv->conns = g_ptr_array_new();
	srv->fds = g_hash_table_new(NULL, NULL);
	fdl = fd_limit(cfg);
	srv->limits = relay_limits_new(cfg->max_connections, cfg->max_per_address,
				       cfg->max_pending_per_address);
	srv->refuse_rl = (struct log_ratelimit)LOG_RATELIMIT_INIT(G_USEC_PER_SEC, 5);
	srv->retry.secs_since_valid_ping = MAX(1, cfg->ping_usec / G_USEC_PER_SEC);
	srv->retry.secs_since_valid_hangup = srv->retry.secs_since_valid_ping * 5 / 2 + 1;

	lws_set_log_level(cfg->verbose ? LLL_ERR | LLL_WARN | LLL_NOTICE : LLL_ERR | LLL_WARN,
			  NULL);
	memset(&info, 0, sizeof(info));
	info.port = cfg->listen_port;
	info.iface = any ? NULL : cfg->listen_host;
	info.protocols = protocols;
	info.user = srv;
	info.retry_and_idle_policy = &srv->retry;
	/* lws stops accepting (takes POLLIN off the listener) when its table is full:
	 * kept under RLIMIT_NOFILE, accept() never fails with EMFILE and spins */
	info.fd_limit_per_thread = fdl;
	info.timeout_secs = HANDSHAKE_TIMEOUT_S;
	info.timeout_secs_ah_idle = HANDSHAKE_TIMEOUT_S;
	info.options = LWS_SERVER_OPTION_DISABLE_IPV6 * (strchr(cfg->listen_host, ':') == NULL);
	if (cfg->cert) {
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info.ssl_cert_filepath = cfg->cert;
		info.ssl_private_key_filepath = cfg->key;
	}
	/* libev on epoll as lws' foreign loop; lws' poll() loop when its evlib_ev plugin
	 * (Debian: libwebsockets-evlib-ev) is missing or PTTGW_RELAY_LOOP=poll. The context
	 * first, the listening vhost after it: a failure to listen is not taken for a
	 * missing plugin. */
	info.options |= LWS_SERVER_OPTION_EXPLICIT_VHOSTS;
	if (g_strcmp0(g_getenv("PTTGW_RELAY_LOOP"), "poll") != 0)
		srv->loop = ev_loop_new(EVBACKEND_EPOLL | EVFLAG_NOSIGMASK);
	if (srv->loop) {
		void *foreign[] = { srv->loop };

		info.options |= LWS_SERVER_OPTION_LIBEV;
		info.foreign_loops = foreign;
		srv->ctx = lws_create_context(&info);
		info.options &= ~(uint64_t)LWS_SERVER_OPTION_LIBEV;
		info.foreign_loops = NULL;
		if (!srv->ctx) {
			g_warning("libwebsockets' libev event library (evlib_ev plugin) not "
				  "usable: lws' poll() loop instead, which costs more per "
				  "connection");
			ev_loop_destroy(srv->loop);
			srv->loop = NULL;
		}
	}
	if (!srv->ctx)
		srv->ctx = lws_create_context(&info);
	vh = srv->ctx ? lws_create_vhost(srv->ctx, &info) : NULL;
	if (!vh) {
		if (srv->ctx)
			g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
				    "cannot listen on %s:%u (address in use or TLS files "
				    "unreadable?)", cfg->listen_host, cfg->listen_port);
		else
			g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_FAILED,
				    "libwebsockets did not start");
		srv->stopping = true;
		if (srv->ctx)
			lws_context_destroy(srv->ctx);
		if (srv->loop)
			ev_loop_destroy(srv->loop);
		g_ptr_array_unref(srv->conns);
		g_hash_table_unref(srv->fds);
		relay_limits_free(srv->limits);
		g_free(srv);
		return NULL;
	}
	g_message("event loop: %s", srv->loop ? "libev (epoll)" : "libwebsockets' poll()");
	printf("pttgw-relay: listening on %s://%s:%d\n", cfg->cert ? "wss" : "ws",
	       cfg->listen_host, lws_get_vhost_listen_port(vh));
	fflush(stdout);
	lws_sul_schedule(srv->ctx, 0, &srv->tick, on_tick, TICK_USEC);
	relay_logic_set_wake(l, wake_cb, srv);
	return srv;
}

int relay_server_run(struct relay_server *srv, volatile int *stop, volatile int *dump)
{
	srv->dump = dump;
	srv->stop = stop;
	while (!*stop) {
		if (srv->loop)
			ev_run(srv->loop, 0);	/* until relay_server_wake() */
		else if (lws_service(srv->ctx, 0) < 0)
			return -EIO;
	}
	return 0;
}

void relay_server_wake(struct relay_server *srv)
{
	lws_cancel_service(srv->ctx);
}

struct relay_server *relay_server_free(struct relay_server *srv)
{
	if (!srv)
		return NULL;
	lws_sul_cancel(&srv->tick);
	relay_logic_set_wake(srv->logic, NULL, NULL);
	srv->stopping = true;
	lws_context_destroy(srv->ctx);	/* CLOSED for every connection */
	if (srv->loop)
		ev_loop_destroy(srv->loop);
	g_ptr_array_unref(srv->conns);
	g_hash_table_unref(srv->fds);
	relay_limits_free(srv->limits);
	g_free(srv);
	return NULL;
}
