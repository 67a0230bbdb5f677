/* SPDX-License-Identifier: MIT */
/*
 * bench-relay.c - a load generator for pttgw-relay: N gateway connections in channels of
 * 10, one talker per channel sending 50 audio packets a second, the others listening.
 * Prints, per N: forward latency (talker's send() -> listener's recv(), p50/p99), the
 * relay's CPU (% of one core), its RSS, packets lost, and this generator's own CPU.
 *
 * Its own minimal WebSocket client (RFC 6455: upgrade, masked client frames, ping/pong)
 * and the Zello channel API's logon/start_stream/audio packets, written from API.md;
 * nothing from src/. One process, epoll, every connection non-blocking.
 *
 *   bench-relay --relay PATH [--gateways 100,300,1000,3000] [--seconds 15] [--runs 1]
 *               [--channel-size 10] [--nice N] [--relay-arg ARG]...
 *
 * --nice N runs both the relay and this generator at that niceness (negative needs
 * CAP_SYS_NICE): on a machine shared with other work, to see the relay's own latency
 * rather than the scheduler's.
 *
 * A program, not a test: speed is measured here, not asserted.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define PAYLOAD 60		/* opus bytes per packet (about 24 kbit/s at 20 ms) */
#define RXBUF 65536
#define TXBUF 65536
#define MAX_HANDSHAKES 64	/* connections in their upgrade/logon at once */
#define LATE_US 100000		/* a packet this late is counted per connection */

enum state { ST_CONNECTING, ST_UPGRADE, ST_LOGON, ST_READY, ST_CLOSED };

struct conn {
	int fd;
	enum state state;
	int index;			/* gateway number */
	int channel;
	bool talker;
	uint32_t stream_id;		/* talker: its stream, 0 until the reply */
	bool stream_asked;
	uint64_t next_send;		/* talker: ns */
	uint32_t sent;
	uint64_t received;
	uint64_t late;			/* measured packets later than LATE_US */
	uint8_t *rx;
	size_t rx_len;
	uint8_t *tx;			/* unsent bytes (the socket was full) */
	size_t tx_len;
	bool closed_by_relay;
};

struct run {
	int n;
	struct conn *conns;
	int epfd;
	int port;
	pid_t relay;
	uint32_t *lat;			/* microseconds */
	size_t n_lat, cap_lat;
	bool measuring;
	int ready, handshaking, next_connect;
	uint64_t lost_closed;
};

/* the relay running, killed by exit() too */
static pid_t relay_pid;

static void kill_relay(void)
{
	if (relay_pid > 0) {
		kill(relay_pid, SIGTERM);
		waitpid(relay_pid, NULL, 0);
		relay_pid = 0;
	}
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void die(const char *what)
{
	perror(what);
	exit(1);
}

/* ---- the WebSocket client side (RFC 6455) ---- */

static void conn_write(struct run *r, struct conn *c, const void *buf, size_t len)
{
	ssize_t n = 0;

	if (c->state == ST_CLOSED)
		return;
	if (!c->tx_len) {
		n = send(c->fd, buf, len, MSG_NOSIGNAL);
		if (n < 0 && errno != EAGAIN)
			n = -1;
		if (n < 0 && errno != EAGAIN) {
			c->state = ST_CLOSED;
			return;
		}
		if (n < 0)
			n = 0;
	}
	if ((size_t)n < len) {
		if (c->tx_len + len - n > TXBUF) {
			fprintf(stderr, "bench-relay: gateway %d: send buffer overflow\n", c->index);
			exit(1);
		}
		if (!c->tx)
			c->tx = malloc(TXBUF);
		memcpy(c->tx + c->tx_len, (const uint8_t *)buf + n, len - n);
		c->tx_len += len - n;
		struct epoll_event ev = { .events = EPOLLIN | EPOLLOUT, .data.ptr = c };
		epoll_ctl(r->epfd, EPOLL_CTL_MOD, c->fd, &ev);
	}
}

/* One masked client frame (opcode: 1 text, 2 binary, 10 pong). */
static void ws_send(struct run *r, struct conn *c, int opcode, const void *data, size_t len)
{
	uint8_t buf[14 + 4096];
	size_t h = 0, i;
	uint32_t m = (uint32_t)rand() | 1;
	uint8_t mask[4] = { m, m >> 8, m >> 16, m >> 24 };

	if (len > 4096)
		return;
	buf[h++] = 0x80 | (uint8_t)opcode;
	if (len < 126) {
		buf[h++] = 0x80 | (uint8_t)len;
	} else {
		buf[h++] = 0x80 | 126;
		buf[h++] = len >> 8;
		buf[h++] = len & 0xff;
	}
	memcpy(buf + h, mask, 4);
	h += 4;
	for (i = 0; i < len; i++)
		buf[h + i] = ((const uint8_t *)data)[i] ^ mask[i & 3];
	conn_write(r, c, buf, h + len);
}

static void ws_text(struct run *r, struct conn *c, const char *s)
{
	ws_send(r, c, 1, s, strlen(s));
}

static void send_upgrade(struct run *r, struct conn *c)
{
	char req[512];

	snprintf(req, sizeof(req),
		 "GET / HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\n"
		 "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
		 "Sec-WebSocket-Version: 13\r\n\r\n", r->port);
	conn_write(r, c, req, strlen(req));
	c->state = ST_UPGRADE;
}

static void send_logon(struct run *r, struct conn *c)
{
	char msg[256];

	snprintf(msg, sizeof(msg),
		 "{\"command\":\"logon\",\"seq\":1,\"username\":\"g%d\",\"password\":\"pw\","
		 "\"channels\":[\"c%d\"]}", c->index, c->channel);
	ws_text(r, c, msg);
	c->state = ST_LOGON;
}

static void send_start(struct run *r, struct conn *c)
{
	char msg[256];

	snprintf(msg, sizeof(msg),
		 "{\"command\":\"start_stream\",\"seq\":2,\"channel\":\"c%d\",\"type\":\"audio\","
		 "\"codec\":\"opus\",\"codec_header\":\"gD4BFA==\",\"packet_duration\":20}",
		 c->channel);
	ws_text(r, c, msg);
	c->stream_asked = true;
}

static void send_stop(struct run *r, struct conn *c)
{
	char msg[128];

	snprintf(msg, sizeof(msg), "{\"command\":\"stop_stream\",\"seq\":3,\"stream_id\":%u}",
		 c->stream_id);
	ws_text(r, c, msg);
}

static void send_audio(struct run *r, struct conn *c)
{
	uint8_t p[9 + PAYLOAD];
	uint64_t t = now_ns();

	memset(p, 0x55, sizeof(p));
	p[0] = 0x01;
	p[1] = c->stream_id >> 24;
	p[2] = c->stream_id >> 16;
	p[3] = c->stream_id >> 8;
	p[4] = c->stream_id;
	memset(p + 5, 0, 4);
	memcpy(p + 9, &t, sizeof(t));
	ws_send(r, c, 2, p, sizeof(p));
	c->sent++;
}

static void on_text(struct run *r, struct conn *c, const char *s, size_t len)
{
	char buf[1024];
	const char *p;

	len = len < sizeof(buf) - 1 ? len : sizeof(buf) - 1;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (c->state == ST_LOGON && strstr(buf, "\"seq\":1")) {
		if (!strstr(buf, "\"success\":true")) {
			fprintf(stderr, "bench-relay: gateway %d: logon failed: %s\n", c->index, buf);
			exit(1);
		}
		c->state = ST_READY;
		r->ready++;
		r->handshaking--;
	} else if (c->talker && strstr(buf, "\"seq\":2")) {
		p = strstr(buf, "\"stream_id\":");
		if (!p) {
			fprintf(stderr, "bench-relay: gateway %d: start_stream: %s\n", c->index, buf);
			exit(1);
		}
		c->stream_id = (uint32_t)strtoul(p + 12, NULL, 10);
	} else if (strstr(buf, "\"on_error\"") || strstr(buf, "\"error\"")) {
		if (!strstr(buf, "\"seq\":3"))
			fprintf(stderr, "bench-relay: gateway %d: %s\n", c->index, buf);
	}
}

static void on_binary(struct run *r, struct conn *c, const uint8_t *p, size_t len)
{
	uint64_t t;

	if (len < 9 + sizeof(t) || p[0] != 0x01)
		return;
	c->received++;
	if (!r->measuring)
		return;
	memcpy(&t, p + 9, sizeof(t));
	if (r->n_lat == r->cap_lat) {
		r->cap_lat = r->cap_lat ? r->cap_lat * 2 : 1 << 20;
		r->lat = realloc(r->lat, r->cap_lat * sizeof(*r->lat));
		if (!r->lat)
			die("realloc");
	}
	r->lat[r->n_lat++] = (uint32_t)((now_ns() - t) / 1000);
	if (r->lat[r->n_lat - 1] > LATE_US)
		c->late++;
}

static void conn_closed(struct run *r, struct conn *c)
{
	if (c->state == ST_CLOSED)
		return;
	if (c->state != ST_READY) {
		fprintf(stderr, "bench-relay: gateway %d closed before it was ready\n", c->index);
		exit(1);
	}
	c->state = ST_CLOSED;
	c->closed_by_relay = true;
	epoll_ctl(r->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	c->fd = -1;
}

/* Frames in c->rx; returns false when the connection is gone. */
static bool parse_frames(struct run *r, struct conn *c)
{
	size_t off = 0;

	if (c->state == ST_UPGRADE) {
		uint8_t *end = memmem(c->rx, c->rx_len, "\r\n\r\n", 4);

		if (!end)
			return true;
		if (c->rx_len < 12 || memcmp(c->rx + 9, "101", 3) != 0) {
			fprintf(stderr, "bench-relay: gateway %d: upgrade refused: %.40s\n",
				c->index, c->rx);
			exit(1);
		}
		off = (size_t)(end + 4 - c->rx);
		send_logon(r, c);
	}
	while (c->rx_len - off >= 2) {
		const uint8_t *h = c->rx + off;
		size_t hl = 2, plen = h[1] & 0x7f;
		int op = h[0] & 0x0f;

		if (plen == 126) {
			if (c->rx_len - off < 4)
				break;
			plen = (size_t)h[2] << 8 | h[3];
			hl = 4;
		} else if (plen == 127) {
			if (c->rx_len - off < 10)
				break;
			plen = 0;
			for (int i = 2; i < 10; i++)
				plen = plen << 8 | h[i];
			hl = 10;
		}
		if (h[1] & 0x80) {
			fprintf(stderr, "bench-relay: masked frame from the relay\n");
			exit(1);
		}
		if (hl + plen > RXBUF) {
			fprintf(stderr, "bench-relay: frame of %zu bytes\n", plen);
			exit(1);
		}
		if (c->rx_len - off < hl + plen)
			break;
		if (op == 1)
			on_text(r, c, (const char *)h + hl, plen);
		else if (op == 2)
			on_binary(r, c, h + hl, plen);
		else if (op == 9)
			ws_send(r, c, 10, h + hl, plen);
		else if (op == 8) {
			conn_closed(r, c);
			return false;
		}
		off += hl + plen;
	}
	memmove(c->rx, c->rx + off, c->rx_len - off);
	c->rx_len -= off;
	return true;
}

static void on_readable(struct run *r, struct conn *c)
{
	for (;;) {
		ssize_t n = recv(c->fd, c->rx + c->rx_len, RXBUF - c->rx_len, 0);

		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			conn_closed(r, c);
			return;
		}
		if (n < 0)
			return;
		c->rx_len += (size_t)n;
		if (!parse_frames(r, c))
			return;
		if ((size_t)n < RXBUF - c->rx_len + (size_t)n)
			return;	/* the socket is drained */
	}
}

static void on_writable(struct run *r, struct conn *c)
{
	if (c->state == ST_CONNECTING) {
		int err = 0;
		socklen_t sl = sizeof(err);

		getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &sl);
		if (err) {
			fprintf(stderr, "bench-relay: connect: %s\n", strerror(err));
			exit(1);
		}
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
		epoll_ctl(r->epfd, EPOLL_CTL_MOD, c->fd, &ev);
		send_upgrade(r, c);
		return;
	}
	if (c->tx_len) {
		ssize_t n = send(c->fd, c->tx, c->tx_len, MSG_NOSIGNAL);

		if (n > 0) {
			memmove(c->tx, c->tx + n, c->tx_len - (size_t)n);
			c->tx_len -= (size_t)n;
		}
	}
	if (!c->tx_len) {
		struct epoll_event ev = { .events = EPOLLIN, .data.ptr = c };
		epoll_ctl(r->epfd, EPOLL_CTL_MOD, c->fd, &ev);
	}
}

static void start_connect(struct run *r, struct conn *c)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(r->port) };
	int one = 1;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		die("socket");
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS)
		die("connect");
	c->rx = malloc(RXBUF);
	c->state = ST_CONNECTING;
	struct epoll_event ev = { .events = EPOLLOUT | EPOLLIN, .data.ptr = c };
	if (epoll_ctl(r->epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0)
		die("epoll_ctl");
	r->handshaking++;
}

/* Serve events for up to timeout_ms; talkers send what is due when sending is set. */
static void pump(struct run *r, int timeout_ms, bool sending)
{
	struct epoll_event evs[256];
	int n, i;

	n = epoll_wait(r->epfd, evs, 256, timeout_ms);
	for (i = 0; i < n; i++) {
		struct conn *c = evs[i].data.ptr;

		if (c->state == ST_CLOSED)
			continue;
		if (evs[i].events & EPOLLOUT)
			on_writable(r, c);
		if (c->state != ST_CLOSED && (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
			on_readable(r, c);
	}
	if (sending) {
		uint64_t t = now_ns();

		for (i = 0; i < r->n; i++) {
			struct conn *c = &r->conns[i];

			if (c->talker && c->stream_id && c->state == ST_READY && c->next_send <= t) {
				send_audio(r, c);
				c->next_send += 20000000ull;
			}
		}
	}
}

/* ---- the relay ---- */

struct proc_sample {
	uint64_t ticks;			/* utime + stime */
	uint64_t t;			/* ns */
};

static struct proc_sample proc_cpu(pid_t pid)
{
	char path[64], buf[1024], *p;
	struct proc_sample s = { 0, now_ns() };
	unsigned long ut = 0, st = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return s;
	if (fgets(buf, sizeof(buf), f) && (p = strrchr(buf, ')')))
		sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st);
	fclose(f);
	s.ticks = ut + st;
	return s;
}

static long proc_kb(pid_t pid, const char *field)
{
	char path[64], line[256];
	long v = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, field, strlen(field)) == 0)
			v = strtol(line + strlen(field) + 1, NULL, 10);
	fclose(f);
	return v;
}

static pid_t start_relay(const char *relay, const char *dir, char **extra, int n_extra, int *port)
{
	char conf[512], log[512], line[512];
	uint64_t t0 = now_ns();
	pid_t pid;
	FILE *f;

	snprintf(conf, sizeof(conf), "%s/relay.conf", dir);
	snprintf(log, sizeof(log), "%s/relay.log", dir);
	pid = fork();
	if (pid == 0) {
		char *argv[64];
		int a = 0, fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		/* its log (GLib writes info to stdout) to a file: nobody has to read it */
		if (fd < 0)
			_exit(127);
		dup2(fd, 1);
		dup2(fd, 2);
		argv[a++] = (char *)relay;
		argv[a++] = (char *)"--config";
		argv[a++] = conf;
		argv[a++] = (char *)"--listen";
		argv[a++] = (char *)"127.0.0.1:0";
		for (int i = 0; i < n_extra && a < 62; i++)
			argv[a++] = extra[i];
		argv[a] = NULL;
		execv(relay, argv);
		_exit(127);
	}
	*port = 0;
	while (!*port && now_ns() - t0 < 10000000000ull) {
		usleep(20000);
		f = fopen(log, "r");
		while (f && fgets(line, sizeof(line), f)) {
			char *p = strstr(line, "listening on ");

			if (p && (p = strrchr(p, ':')))
				*port = atoi(p + 1);
		}
		if (f)
			fclose(f);
	}
	if (!*port) {
		fprintf(stderr, "bench-relay: the relay did not start (see %s)\n", log);
		kill(pid, SIGTERM);
		exit(1);
	}
	return pid;
}

static void write_config(const char *dir, int n, int size)
{
	char path[512];
	FILE *f;
	int i, k;

	snprintf(path, sizeof(path), "%s/relay.conf", dir);
	f = fopen(path, "w");
	if (!f)
		die(path);
	fchmod(fileno(f), 0600);
	fprintf(f, "[relay]\n\nmax-connections = %d\nmax-per-address = %d\n"
		"max-pending-per-address = %d\nlogon-timeout = 120\nstream-timeout = 60\n"
		"max-burst = 600\nkeep-ended = 1\n\n[users]\n", n + 64, n + 64, n + 64);
	for (i = 0; i < n; i++)
		fprintf(f, "g%d = pw\n", i);
	fprintf(f, "\n[channels]\n");
	for (k = 0; k * size < n; k++) {
		fprintf(f, "c%d = ", k);
		for (i = k * size; i < n && i < (k + 1) * size; i++)
			fprintf(f, "%sg%d", i > k * size ? ";" : "", i);
		fprintf(f, "\n");
	}
	fclose(f);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static double rusage_s(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

static void one_run(const char *relay, int n, int size, double seconds, char **extra, int n_extra)
{
	char dir[] = "/tmp/bench-relay.XXXXXX";
	struct run r = { .n = n };
	struct proc_sample c0, c1;
	uint64_t t0, t_end, expected = 0, got = 0, sent = 0;
	double g0, g1;
	long rss, hwm;
	int i, dropped = 0, late_conns = 0;
	uint64_t late = 0;
	long hz = sysconf(_SC_CLK_TCK);

	if (!mkdtemp(dir))
		die("mkdtemp");
	write_config(dir, n, size);
	r.relay = relay_pid = start_relay(relay, dir, extra, n_extra, &r.port);
	r.epfd = epoll_create1(EPOLL_CLOEXEC);
	r.conns = calloc((size_t)n, sizeof(*r.conns));
	for (i = 0; i < n; i++) {
		r.conns[i].index = i;
		r.conns[i].channel = i / size;
		r.conns[i].talker = i % size == 0 && i + 1 < n;
		r.conns[i].fd = -1;
	}
	/* connect and log on, MAX_HANDSHAKES at a time */
	t0 = now_ns();
	while (r.ready < n) {
		while (r.next_connect < n && r.handshaking < MAX_HANDSHAKES)
			start_connect(&r, &r.conns[r.next_connect++]);
		pump(&r, 100, false);
		if (now_ns() - t0 > 30000000000ull) {
			int st[ST_CLOSED + 1] = { 0 };

			for (i = 0; i < n; i++)
				st[r.conns[i].state]++;
			fprintf(stderr, "bench-relay: only %d of %d logged on in 30 s (connecting %d, "
				"upgrading %d, logging on %d)\n", r.ready, n, st[ST_CONNECTING],
				st[ST_UPGRADE], st[ST_LOGON]);
			exit(1);
		}
	}
	/* let channel statuses settle, then every talker starts its stream */
	t0 = now_ns();
	while (now_ns() - t0 < 1000000000ull)
		pump(&r, 50, false);
	for (i = 0; i < n; i++)
		if (r.conns[i].talker)
			send_start(&r, &r.conns[i]);
	t0 = now_ns();
	for (;;) {
		bool all = true;

		for (i = 0; i < n; i++)
			if (r.conns[i].talker && !r.conns[i].stream_id)
				all = false;
		if (all)
			break;
		pump(&r, 50, false);
		if (now_ns() - t0 > 30000000000ull) {
			fprintf(stderr, "bench-relay: start_stream unanswered\n");
			exit(1);
		}
	}
	/* talkers spread over the 20 ms period */
	t0 = now_ns() + 100000000ull;
	{
		int k = 0, talkers = (n + size - 1) / size;

		for (i = 0; i < n; i++)
			if (r.conns[i].talker)
				r.conns[i].next_send = t0 + 20000000ull * (uint64_t)k++ / (uint64_t)talkers;
	}
	/* one second of warm-up, then the measured window */
	t_end = t0 + 1000000000ull;
	while (now_ns() < t_end)
		pump(&r, 1, true);
	r.measuring = true;
	c0 = proc_cpu(r.relay);
	g0 = rusage_s();
	t_end = now_ns() + (uint64_t)(seconds * 1e9);
	while (now_ns() < t_end)
		pump(&r, 1, true);
	c1 = proc_cpu(r.relay);
	g1 = rusage_s();
	rss = proc_kb(r.relay, "VmRSS:");
	hwm = proc_kb(r.relay, "VmHWM:");
	/* drain: what is on its way still counts as delivered */
	t_end = now_ns() + 1000000000ull;
	while (now_ns() < t_end)
		pump(&r, 10, false);
	r.measuring = false;
	for (i = 0; i < n; i++)
		if (r.conns[i].talker && r.conns[i].state == ST_READY)
			send_stop(&r, &r.conns[i]);
	t_end = now_ns() + 300000000ull;
	while (now_ns() < t_end)
		pump(&r, 10, false);

	for (i = 0; i < n; i++) {
		struct conn *c = &r.conns[i];

		if (c->talker) {
			int members = MIN(size, n - i);

			expected += (uint64_t)c->sent * (uint64_t)(members - 1);
			sent += c->sent;
		} else {
			got += c->received;
		}
		if (c->closed_by_relay)
			dropped++;
		late += c->late;
		late_conns += c->late > 0;
	}
	qsort(r.lat, r.n_lat, sizeof(*r.lat), cmp_u32);
	double wall = (c1.t - c0.t) / 1e9;
	printf("N=%-5d channels=%-4d talkers_sent=%-7" PRIu64 " deliveries=%-8" PRIu64
	       " p50=%.2f ms p99=%.2f ms max=%.1f ms relay_cpu=%.1f%% rss=%.1f MB (peak %.1f MB)"
	       " lost=%" PRIu64 " dropped_conns=%d generator_cpu=%.1f%% late=%" PRIu64
	       "/%d conns\n",
	       n, (n + size - 1) / size, sent, got,
	       r.n_lat ? r.lat[r.n_lat / 2] / 1000.0 : 0,
	       r.n_lat ? r.lat[r.n_lat * 99 / 100] / 1000.0 : 0,
	       r.n_lat ? r.lat[r.n_lat - 1] / 1000.0 : 0,
	       100.0 * (double)(c1.ticks - c0.ticks) / (double)hz / wall,
	       rss / 1024.0, hwm / 1024.0, expected > got ? expected - got : 0, dropped,
	       100.0 * (g1 - g0) / wall, late, late_conns);
	fflush(stdout);

	kill_relay();
	for (i = 0; i < n; i++) {
		if (r.conns[i].fd >= 0)
			close(r.conns[i].fd);
		free(r.conns[i].rx);
		free(r.conns[i].tx);
	}
	free(r.conns);
	free(r.lat);
	close(r.epfd);
	{
		char p[600];

		snprintf(p, sizeof(p), "%s/relay.conf", dir);
		unlink(p);
		if (!getenv("BENCH_KEEP_LOG")) {
			snprintf(p, sizeof(p), "%s/relay.log", dir);
			unlink(p);
			rmdir(dir);
		} else {
			fprintf(stderr, "relay log kept in %s\n", dir);
		}
	}
}

int main(int argc, char **argv)
{
	const char *relay = NULL, *list = "100,300,1000,3000";
	double seconds = 15;
	int runs = 1, size = 10, i, n_extra = 0;
	char *extra[32];
	struct rlimit rl;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--relay") && i + 1 < argc)
			relay = argv[++i];
		else if (!strcmp(argv[i], "--gateways") && i + 1 < argc)
			list = argv[++i];
		else if (!strcmp(argv[i], "--seconds") && i + 1 < argc)
			seconds = atof(argv[++i]);
		else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
			runs = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--channel-size") && i + 1 < argc)
			size = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--nice") && i + 1 < argc) {
			if (setpriority(PRIO_PROCESS, 0, atoi(argv[++i])) < 0)
				die("setpriority");
		} else if (!strcmp(argv[i], "--relay-arg") && i + 1 < argc && n_extra < 32)
			extra[n_extra++] = argv[++i];
		else {
			fprintf(stderr, "usage: bench-relay --relay PATH [--gateways N,N...] "
				"[--seconds S] [--runs R] [--channel-size K] [--nice N] "
				"[--relay-arg ARG]...\n");
			return 2;
		}
	}
#ifdef PTTGW_RELAY_PATH
	if (!relay)
		relay = PTTGW_RELAY_PATH;
#endif
	if (!relay || size < 2 || seconds <= 0 || runs < 1) {
		fprintf(stderr, "bench-relay: --relay PATH is needed\n");
		return 2;
	}
	/* a socket per gateway here, and as many in the relay (it raises its own) */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	signal(SIGPIPE, SIG_IGN);
	atexit(kill_relay);
	printf("bench-relay: channels of %d, one talker each at 50 packets/s (%d bytes), %.0f s "
	       "measured after 1 s of warm-up, niceness %d\n", size, PAYLOAD, seconds,
	       getpriority(PRIO_PROCESS, 0));
	for (const char *p = list; *p;) {
		int n = atoi(p);

		if (n >= size) {
			for (int k = 0; k < runs; k++)
				one_run(relay, n, size, seconds, extra, n_extra);
		}
		p = strchr(p, ',');
		if (!p)
			break;
		p++;
	}
	return 0;
}
