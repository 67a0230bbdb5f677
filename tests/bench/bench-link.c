/* SPDX-License-Identifier: MIT */
/*
 * bench-link - latency of the uplink against the real relay on loopback.
 *
 *   bench-link [--relay PATH] [--runs N]
 *
 * Starts pttgw-relay on a free loopback port and two uplinks (gw1, gw2) on one
 * GLib loop, then measures over N runs (default 1000):
 *   A  press -> start_stream written: uplink_start_stream() until the frame
 *      has been handed to the socket (lws_write() returned);
 *   B  inbound audio -> audio callback: from poll() returning with gw2's
 *      socket readable (a GLib poll function wrapper takes the time) until
 *      gw2's audio callback has the packet: lws read, WebSocket parse, codec;
 *   C  (for scale) gw1 uplink_send_audio() -> relay -> gw2's audio callback.
 * Prints median, p99 and max of each. Target (issue 3): A and B under 1 ms median.
 */
#include <errno.h>
#include <gio/gio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "uplink.h"

/* monotonic usec at which the last poll() returned with something ready */
static uint64_t poll_returned;
static GPollFunc real_poll;

static gint timed_poll(GPollFD *fds, guint nfds, gint timeout)
{
	gint r = real_poll(fds, nfds, timeout);

	if (r > 0)
		poll_returned = (uint64_t)g_get_monotonic_time();
	return r;
}

struct gw {
	const char *name;
	struct uplink *u;
	bool connected;
	uint32_t granted;
	bool denied;
	uint32_t remote;
	bool remote_stopped;
	uint64_t audio_at;   /* monotonic usec of the last audio callback */
	uint64_t audio_woke; /* poll_returned at that callback */
	unsigned audio_n;
};

static void ev_state(void *data, enum uplink_state st, const char *detail)
{
	struct gw *g = data;

	g->connected = st == UPLINK_CONNECTED;
	if (st == UPLINK_BACKOFF)
		fprintf(stderr, "%s: backoff: %s\n", g->name, detail ? detail : "");
}

static void ev_granted(void *data, uint32_t id)
{
	((struct gw *)data)->granted = id;
}

static void ev_denied(void *data, const char *reason)
{
	((struct gw *)data)->denied = true;
}

static void ev_remote_start(void *data, uint32_t id, const char *from, const char *ch,
			    unsigned ms, unsigned packet_usec, const char *codec_error)
{
	struct gw *g = data;

	g->remote = id;
	g->remote_stopped = false;
}

static void ev_remote_stop(void *data, uint32_t id)
{
	((struct gw *)data)->remote_stopped = true;
}

static void ev_audio(void *data, uint32_t id, uint32_t pid, const uint8_t *opus, size_t len)
{
	struct gw *g = data;

	g->audio_at = (uint64_t)g_get_monotonic_time();
	g->audio_woke = poll_returned;
	g->audio_n++;
}

static const struct uplink_events events = {
	.state = ev_state,
	.granted = ev_granted,
	.denied = ev_denied,
	.remote_start = ev_remote_start,
	.remote_stop = ev_remote_stop,
	.audio = ev_audio,
};

static bool spin_until(bool (*cond)(void *), void *arg, uint64_t timeout_usec)
{
	uint64_t end = (uint64_t)g_get_monotonic_time() + timeout_usec;

	while (!cond(arg)) {
		if ((uint64_t)g_get_monotonic_time() > end)
			return false;
		g_main_context_iteration(NULL, TRUE);
	}
	return true;
}

static bool is_connected(void *arg)
{
	return ((struct gw *)arg)->connected;
}

static bool is_granted(void *arg)
{
	struct gw *g = arg;

	return g->granted || g->denied;
}

static bool remote_stopped(void *arg)
{
	return ((struct gw *)arg)->remote_stopped;
}

struct written {
	struct uplink *u;
	uint64_t after;
};

static bool was_written(void *arg)
{
	struct written *w = arg;
	struct uplink_stats s;

	uplink_get_stats(w->u, &s);
	return s.last_write > w->after;
}

struct audio_wait {
	struct gw *g;
	unsigned n;
};

static bool audio_arrived(void *arg)
{
	struct audio_wait *w = arg;

	return w->g->audio_n >= w->n;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void report(const char *what, uint64_t *v, unsigned n)
{
	qsort(v, n, sizeof(*v), cmp_u64);
	printf("%-52s n=%u  median %7.1f us  p90 %7.1f us  p99 %7.1f us  max %8.1f us\n",
	       what, n, (double)v[n / 2], (double)v[(n * 90) / 100], (double)v[(n * 99) / 100],
	       (double)v[n - 1]);
}

static int free_port(void)
{
	g_autoptr(GSocket) s = g_socket_new(G_SOCKET_FAMILY_IPV4, G_SOCKET_TYPE_STREAM,
					    G_SOCKET_PROTOCOL_TCP, NULL);
	g_autoptr(GInetAddress) lo = g_inet_address_new_loopback(G_SOCKET_FAMILY_IPV4);
	g_autoptr(GSocketAddress) a = g_inet_socket_address_new(lo, 0);
	g_autoptr(GSocketAddress) bound = NULL;

	if (!s || !g_socket_bind(s, a, TRUE, NULL))
		return -1;
	bound = g_socket_get_local_address(s, NULL);
	return bound ? g_inet_socket_address_get_port(G_INET_SOCKET_ADDRESS(bound)) : -1;
}

static bool relay_listens(int port)
{
	g_autoptr(GSocketClient) c = g_socket_client_new();
	g_autoptr(GSocketConnection) conn = NULL;

	conn = g_socket_client_connect_to_host(c, "127.0.0.1", (guint16)port, NULL, NULL);
	return conn != NULL;
}

int main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GSubprocess) relay = NULL;
	g_autofree char *relay_path = NULL;
	g_autofree char *listen = NULL;
	g_autofree char *url = NULL;
	g_autofree uint64_t *a = NULL, *b = NULL, *c = NULL;
	gint runs = 1000;
	GOptionEntry entries[] = {
		{ "relay", 0, 0, G_OPTION_ARG_FILENAME, &relay_path, "pttgw-relay binary", "PATH" },
		{ "runs", 'n', 0, G_OPTION_ARG_INT, &runs, "Runs per figure (1000)", "N" },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	g_autoptr(GOptionContext) oc = g_option_context_new("- uplink latency benchmark");
	struct gw g1 = { .name = "gw1" }, g2 = { .name = "gw2" };
	struct uplink_config cfg = { 0 };
	GMainLoop *loop;
	uint8_t opus[60];
	int port, rc = 1;

	g_option_context_add_main_entries(oc, entries, NULL);
	if (!g_option_context_parse(oc, &argc, &argv, &error)) {
		fprintf(stderr, "bench-link: %s\n", error->message);
		return 2;
	}
	if (!relay_path)
		relay_path = g_strdup(g_getenv("PTTGW_RELAY") ? g_getenv("PTTGW_RELAY") :
				      PTTGW_RELAY_PATH);
	if (runs < 10)
		runs = 10;
	port = free_port();
	listen = g_strdup_printf("127.0.0.1:%d", port);
	relay = g_subprocess_new(G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
				 G_SUBPROCESS_FLAGS_STDERR_SILENCE, &error, relay_path,
				 "--listen", listen, "--channel", "bench",
				 "--user", "gw1:pw", "--user", "gw2:pw", NULL);
	if (!relay) {
		fprintf(stderr, "bench-link: %s: %s\n", relay_path, error->message);
		return 1;
	}
	for (int i = 0; !relay_listens(port); i++) {
		if (i > 100) {
			fprintf(stderr, "bench-link: the relay does not listen on %s\n", listen);
			goto out_relay;
		}
		g_usleep(50000);
	}

	loop = g_main_loop_new(NULL, FALSE);
	real_poll = g_main_context_get_poll_func(NULL);
	g_main_context_set_poll_func(NULL, timed_poll);
	url = g_strdup_printf("ws://%s/", listen);
	cfg.url = url;
	cfg.channel = (char *)"bench";
	cfg.password = (char *)"pw";
	cfg.heartbeat_interval = 10 * G_USEC_PER_SEC;
	cfg.backoff_base = G_USEC_PER_SEC / 10;
	cfg.backoff_cap = G_USEC_PER_SEC;
	cfg.policy = UPLINK_POLICY_PERSISTENT;
	cfg.send_queue_frames = 1000;
	cfg.username = (char *)"gw1";
	g1.u = uplink_new(&cfg, loop, &events, &g1, &error);
	cfg.username = (char *)"gw2";
	g2.u = uplink_new(&cfg, loop, &events, &g2, &error);
	if (!g1.u || !g2.u) {
		fprintf(stderr, "bench-link: %s\n", error->message);
		goto out;
	}
	uplink_start(g1.u);
	uplink_start(g2.u);
	if (!spin_until(is_connected, &g1, 5 * G_USEC_PER_SEC) ||
	    !spin_until(is_connected, &g2, 5 * G_USEC_PER_SEC)) {
		fprintf(stderr, "bench-link: no logon\n");
		goto out;
	}

	a = g_new0(uint64_t, runs);
	b = g_new0(uint64_t, runs);
	c = g_new0(uint64_t, runs);

	/* A: press -> start_stream on the socket (then granted, release) */
	for (int i = 0; i < runs; i++) {
		struct written w = { g1.u, 0 };
		uint64_t t0;
		int r;

		g1.granted = 0;
		g1.denied = false;
		g2.remote_stopped = false;
		t0 = (uint64_t)g_get_monotonic_time();
		w.after = t0;
		r = uplink_start_stream(g1.u, false);
		if (r < 0 || !spin_until(was_written, &w, G_USEC_PER_SEC)) {
			fprintf(stderr, "bench-link: press %d: %s\n", i, g_strerror(-r));
			goto out;
		}
		{
			struct uplink_stats s;

			uplink_get_stats(g1.u, &s);
			a[i] = s.last_write - t0;
		}
		if (!spin_until(is_granted, &g1, G_USEC_PER_SEC) || !g1.granted) {
			fprintf(stderr, "bench-link: press %d not granted\n", i);
			goto out;
		}
		uplink_stop_stream(g1.u, g1.granted);
		if (!spin_until(remote_stopped, &g2, G_USEC_PER_SEC)) {
			fprintf(stderr, "bench-link: release %d not seen by gw2\n", i);
			goto out;
		}
	}

	/* B and C: gw1 talks, gw2 receives */
	g1.granted = 0;
	if (uplink_start_stream(g1.u, false) < 0 || !spin_until(is_granted, &g1, G_USEC_PER_SEC) ||
	    !g1.granted) {
		fprintf(stderr, "bench-link: no floor for the audio runs\n");
		goto out;
	}
	memset(opus, 0x55, sizeof(opus));
	for (int i = 0; i < runs; i++) {
		struct audio_wait w = { &g2, g2.audio_n + 1 };
		uint64_t t0 = (uint64_t)g_get_monotonic_time();

		if (uplink_send_audio(g1.u, g1.granted, opus, sizeof(opus)) < 0 ||
		    !spin_until(audio_arrived, &w, G_USEC_PER_SEC)) {
			fprintf(stderr, "bench-link: audio %d lost\n", i);
			goto out;
		}
		b[i] = g2.audio_at - g2.audio_woke;
		c[i] = g2.audio_at - t0;
	}
	uplink_stop_stream(g1.u, g1.granted);

	printf("bench-link: uplink against pttgw-relay on loopback, %d runs each\n", runs);
	report("A press -> start_stream written to the socket", a, (unsigned)runs);
	report("B inbound audio readable (poll) -> audio callback", b, (unsigned)runs);
	report("C send_audio -> relay -> peer's audio callback", c, (unsigned)runs);
	rc = 0;
out:
	uplink_free(g1.u);
	uplink_free(g2.u);
	g_main_loop_unref(loop);
out_relay:
	g_subprocess_send_signal(relay, SIGTERM);
	g_subprocess_wait(relay, NULL, NULL);
	return rc;
}
