/* SPDX-License-Identifier: MIT */
/*
 * test-push-mqtt.c - the gateway push client and the relay publisher against a
 * real mosquitto on 127.0.0.1: delivery and verification, reconnect after a
 * broker restart, the persistent session, forged pushes from mosquitto_pub.
 */
#include <errno.h>
#include <signal.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "push-test-util.h"
#include "push.h"
#include "relay-push.h"

#define KEY_BOB "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0"
#define KEY_OTHER "0fe0fe0fe0fe0fe0fe0fe0fe0fe0fe0f"

struct gw {
	struct push_client *pc;
	struct push_config cfg;
	unsigned ups, downs;
	GArray *streams; /* uint32_t stream ids, in arrival order */
	char *last_from;
	char *last_channel;
};

struct fixture {
	struct test_broker broker;
	char *dir;
	char *key_bob;
	char *key_other;
	struct gw gw;
	char *client_id;
	/* TLS (fixture data 2): the gateway trusts ca_file and connects to gw_host */
	char *ca_file;
	const char *gw_host;
};

static void gw_state(void *data, bool up, const char *detail)
{
	struct gw *g = data;

	if (up)
		g->ups++;
	else
		g->downs++;
	g_test_message("gateway push %s (%s)", up ? "up" : "down", detail);
}

static void gw_push(void *data, const struct push_msg *m)
{
	struct gw *g = data;

	g_array_append_val(g->streams, m->stream_id);
	g_free(g->last_from);
	g->last_from = g_strdup(m->from);
	g_free(g->last_channel);
	g->last_channel = g_strdup(m->channel);
}

static const struct push_events gw_events = {
	.state = gw_state,
	.push = gw_push,
};

static void gw_start(struct fixture *f)
{
	g_autoptr(GError) error = NULL;
	struct gw *g = &f->gw;

	g->cfg = (struct push_config){
		.host = g_strdup(f->gw_host ? f->gw_host : "127.0.0.1"),
		.tls = f->ca_file != NULL,
		.ca_file = g_strdup(f->ca_file),
		.port = f->broker.port,
		.topic = g_strdup("pttgw/bob"),
		.key_file = g_strdup(f->key_bob),
		.client_id = g_strdup(f->client_id),
		.window = 60 * G_USEC_PER_SEC,
		.keepalive = 5 * G_USEC_PER_SEC,
		.backoff_base = 50000,
		.backoff_cap = 500000,
		.replay_cache = 1024,
		.username = g_strdup("bob"),
	};
	g->pc = push_client_new(&g->cfg, &gw_events, g, &error);
	g_assert_no_error(error);
	g_assert_nonnull(g->pc);
}

static void gw_stop(struct fixture *f)
{
	f->gw.pc = push_client_free(f->gw.pc);
	push_config_clear(&f->gw.cfg);
}

static bool gw_is_up(void *data)
{
	struct fixture *f = data;

	return push_client_is_up(f->gw.pc);
}

static bool gw_is_down(void *data)
{
	return !gw_is_up(data);
}

static void openssl(const char *dir, const char *cmd)
{
	g_autofree char *full = g_strdup_printf("cd '%s' && openssl %s 2>/dev/null", dir, cmd);
	const char *argv[] = { "sh", "-c", full, NULL };

	g_assert_cmpint(test_run(argv), ==, 0);
}

/* a CA, a server certificate for localhost/127.0.0.1 from it, and an unrelated CA */
static void make_certs(struct fixture *f)
{
	g_autofree char *ext = g_build_filename(f->dir, "san.ext", NULL);
	const char *ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
	g_autofree char *ca = g_strdup_printf("req -x509 %s -keyout ca.key -out ca.crt -days 2 "
					      "-subj /CN=pttgw-test-ca", ec);
	g_autofree char *other = g_strdup_printf("req -x509 %s -keyout other.key -out other.crt "
						 "-days 2 -subj /CN=pttgw-other-ca", ec);
	g_autofree char *csr = g_strdup_printf("req %s -keyout server.key -out server.csr "
					       "-subj /CN=localhost", ec);

	g_assert_true(g_file_set_contents(ext, "subjectAltName=DNS:localhost,IP:127.0.0.1\n", -1,
					  NULL));
	openssl(f->dir, ca);
	openssl(f->dir, other);
	openssl(f->dir, csr);
	openssl(f->dir, "x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial "
			"-out server.crt -days 2 -extfile san.ext");
	f->broker.extra_conf = g_strdup_printf("cafile %s/ca.crt\ncertfile %s/server.crt\n"
					       "keyfile %s/server.key\n", f->dir, f->dir, f->dir);
	f->ca_file = g_build_filename(f->dir, "ca.crt", NULL);
	f->gw_host = "localhost";
}

static void rm_dir(const char *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *name;

	while (d && (name = g_dir_read_name(d))) {
		g_autofree char *p = g_build_filename(dir, name, NULL);

		g_unlink(p);
	}
	g_rmdir(dir);
}

static void setup(struct fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;

	f->dir = g_dir_make_tmp("pttgw-push-test-XXXXXX", &error);
	g_assert_no_error(error);
	f->key_bob = test_write_key(f->dir, "bob.key", KEY_BOB);
	f->key_other = test_write_key(f->dir, "other.key", KEY_OTHER);
	f->gw.streams = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	f->client_id = g_strdup_printf("pttgw-test-%d-%u", (int)getpid(), g_random_int());
	if (GPOINTER_TO_INT(data) == 2)
		make_certs(f);
	test_broker_start(&f->broker, GPOINTER_TO_INT(data) == 1);
}

static void dump_broker_log(struct fixture *f)
{
	g_autofree char *log = g_build_filename(f->broker.dir, "mosquitto.log", NULL);
	g_autofree char *text = NULL;

	if (g_file_get_contents(log, &text, NULL, NULL))
		g_printerr("---- mosquitto.log ----\n%s----\n", text);
}

/* an assertion that shows the broker's log when it fails */
#define CHECK(f, cond)                                                                     \
	do {                                                                               \
		if (!(cond)) {                                                             \
			dump_broker_log(f);                                                \
			g_assert_true(cond);                                               \
		}                                                                          \
	} while (0)

static void teardown(struct fixture *f, gconstpointer data)
{
	gw_stop(f);
	if (g_getenv("PTTGW_TEST_BROKER_LOG"))
		dump_broker_log(f);
	test_broker_cleanup(&f->broker);
	rm_dir(f->dir);
	g_free(f->ca_file);
	g_free(f->key_bob);
	g_free(f->key_other);
	g_free(f->dir);
	g_free(f->client_id);
	g_free(f->gw.last_from);
	g_free(f->gw.last_channel);
	g_array_unref(f->gw.streams);
}

struct count_wait {
	struct fixture *f;
	guint n;
};

static bool have_streams(void *data)
{
	struct count_wait *w = data;

	return w->f->gw.streams->len >= w->n;
}

static bool have_received(void *data)
{
	struct count_wait *w = data;
	struct push_stats st;

	push_client_get_stats(w->f->gw.pc, &st);
	return st.received >= w->n;
}

static bool relay_connected(void *data)
{
	return relay_push_is_connected(data);
}

static struct relay_push *relay_start(struct fixture *f)
{
	g_autoptr(GError) error = NULL;
	struct relay_push *rp = relay_push_new("127.0.0.1", f->broker.port, NULL, &error);

	g_assert_no_error(error);
	g_assert_true(relay_push_add_key_arg(rp, "bob:" G_DIR_SEPARATOR_S "nonexistent", &error) ==
		      FALSE);
	g_clear_error(&error);
	g_assert_true(relay_push_add_key(rp, "bob", f->key_bob, &error));
	g_assert_no_error(error);
	g_assert_true(test_wait_for(relay_connected, rp, 10000));
	return rp;
}

/* relay-push -> broker -> gateway: every push arrives once, verified, in order */
static void test_relay_to_gateway(struct fixture *f, gconstpointer data)
{
	struct count_wait w = { f, 20 };
	struct relay_push_stats rs;
	struct push_stats st;
	struct relay_push *rp;

	gw_start(f);
	CHECK(f, test_wait_for(gw_is_up, f, 10000));
	g_assert_cmpuint(f->gw.ups, ==, 1);
	rp = relay_start(f);
	g_assert_cmpint(relay_push_publish(rp, "carol", "ops", 1, "alice"), ==, -ENOKEY);
	for (uint32_t i = 1; i <= 20; i++)
		g_assert_cmpint(relay_push_publish(rp, "bob", "ops", 1000 + i, "alice"), ==, 0);
	CHECK(f, test_wait_for(have_streams, &w, 10000));
	test_spin(200); /* nothing more must come */
	g_assert_cmpuint(f->gw.streams->len, ==, 20);
	for (guint i = 0; i < 20; i++)
		g_assert_cmpuint(g_array_index(f->gw.streams, uint32_t, i), ==, 1001 + i);
	g_assert_cmpstr(f->gw.last_from, ==, "alice");
	g_assert_cmpstr(f->gw.last_channel, ==, "ops");
	push_client_get_stats(f->gw.pc, &st);
	g_assert_cmpuint(st.accepted, ==, 20);
	g_assert_cmpuint(st.rejected, ==, 0);
	relay_push_get_stats(rp, &rs);
	g_assert_cmpuint(rs.published, ==, 20);
	g_assert_cmpuint(rs.skipped, ==, 1);
	relay_push_free(rp);
}

/* pushes that are forged, stale, replayed or garbage: rejected, nothing changes */
static void test_forged(struct fixture *f, gconstpointer data)
{
	g_autofree char *port = g_strdup_printf("%u", f->broker.port);
	g_autoptr(GBytes) other = NULL;
	g_autoptr(GBytes) bob = NULL;
	struct count_wait w = { f, 0 };
	struct push_stats st;
	struct push_msg m = {
		.channel = (char *)"ops", .from = (char *)"mallory", .to = (char *)"bob",
	};
	const char *pub[] = { MOSQUITTO_PUB_BIN, "-h", "127.0.0.1", "-p", port, "-q", "1",
			      "-t", "pttgw/bob", "-m", NULL, NULL };
	char *msgs[6];
	const char *kb, *ko;
	size_t kblen, kolen;

	bob = g_bytes_new_static(KEY_BOB, strlen(KEY_BOB));
	other = g_bytes_new_static(KEY_OTHER, strlen(KEY_OTHER));
	kb = g_bytes_get_data(bob, &kblen);
	ko = g_bytes_get_data(other, &kolen);

	/* 0: signed with another key */
	m.stream_id = 1;
	m.timestamp_ms = g_get_real_time() / 1000;
	push_msg_new_nonce(&m);
	msgs[0] = push_msg_sign(&m, ko, kolen, NULL, NULL);
	/* 1: right key, stale by 10 minutes */
	m.stream_id = 2;
	m.timestamp_ms = g_get_real_time() / 1000 - 600000;
	push_msg_new_nonce(&m);
	msgs[1] = push_msg_sign(&m, kb, kblen, NULL, NULL);
	/* 2: right key, 10 minutes in the future */
	m.stream_id = 3;
	m.timestamp_ms = g_get_real_time() / 1000 + 600000;
	push_msg_new_nonce(&m);
	msgs[2] = push_msg_sign(&m, kb, kblen, NULL, NULL);
	/* 3: garbage */
	msgs[3] = g_strdup("{\"channel\":\"ops\",\"stream_id\":4,\"from\":\"mallory\"}");
	/* 4 and 5: a good push, then the same bytes again (replay) */
	m.stream_id = 5;
	m.timestamp_ms = g_get_real_time() / 1000;
	push_msg_new_nonce(&m);
	msgs[4] = push_msg_sign(&m, kb, kblen, NULL, NULL);
	msgs[5] = g_strdup(msgs[4]);
	g_free(m.nonce);

	gw_start(f);
	CHECK(f, test_wait_for(gw_is_up, f, 10000));
	for (int i = 0; i < 6; i++) {
		g_assert_nonnull(msgs[i]);
		pub[10] = msgs[i];
		g_assert_cmpint(test_run(pub), ==, 0);
		w.n = i + 1;
		CHECK(f, test_wait_for(have_received, &w, 10000));
		push_client_get_stats(f->gw.pc, &st);
		g_test_message("after message %d: accepted %" G_GUINT64_FORMAT
			       " rejected %" G_GUINT64_FORMAT, i, st.accepted, st.rejected);
		g_free(msgs[i]);
	}
	test_spin(200);
	push_client_get_stats(f->gw.pc, &st);
	g_assert_cmpuint(st.received, ==, 6);
	g_assert_cmpuint(st.accepted, ==, 1);
	g_assert_cmpuint(st.rejected, ==, 5);
	g_assert_cmpuint(st.replayed, ==, 1);
	g_assert_cmpuint(f->gw.streams->len, ==, 1);
	g_assert_cmpuint(g_array_index(f->gw.streams, uint32_t, 0), ==, 5);
	g_assert_true(push_client_is_up(f->gw.pc)); /* bad input does not cost the link */
}

/* the broker restarts: the client comes back by itself; a QoS 1 push published
 * while the gateway is away reaches it through its persistent session */
static void test_broker_restart(struct fixture *f, gconstpointer data)
{
	struct count_wait w = { f, 1 };
	struct relay_push *rp;
	struct push_stats st;

	gw_start(f);
	CHECK(f, test_wait_for(gw_is_up, f, 10000));
	rp = relay_start(f);

	/* 1: the broker restarts; the gateway and the relay reconnect on their own */
	test_broker_stop(&f->broker);
	g_assert_true(test_wait_for(gw_is_down, f, 10000));
	g_assert_cmpuint(f->gw.downs, ==, 1);
	test_spin(300); /* a few failed attempts while the broker is away */
	test_broker_start(&f->broker, true);
	CHECK(f, test_wait_for(gw_is_up, f, 10000));
	g_assert_cmpuint(f->gw.ups, ==, 2);
	g_assert_true(test_wait_for(relay_connected, rp, 10000));
	g_assert_cmpint(relay_push_publish(rp, "bob", "ops", 77, "alice"), ==, 0);
	CHECK(f, test_wait_for(have_streams, &w, 10000));
	g_assert_cmpuint(g_array_index(f->gw.streams, uint32_t, 0), ==, 77);

	/* 2: the gateway goes away; a push is published; the broker even restarts */
	gw_stop(f);
	g_assert_cmpint(relay_push_publish(rp, "bob", "ops", 78, "alice"), ==, 0);
	rp = relay_push_free(rp); /* waits for the broker's PUBACK */
	test_broker_stop(&f->broker);
	test_broker_start(&f->broker, true);
	gw_start(f); /* same client id: the same session */
	CHECK(f, test_wait_for(gw_is_up, f, 10000));
	w.n = 2;
	CHECK(f, test_wait_for(have_streams, &w, 10000));
	g_assert_cmpuint(g_array_index(f->gw.streams, uint32_t, 1), ==, 78);
	test_spin(200);
	g_assert_cmpuint(f->gw.streams->len, ==, 2);
	push_client_get_stats(f->gw.pc, &st);
	g_assert_cmpuint(st.rejected, ==, 0);
}

/* a frozen broker (SIGSTOP: no FIN, no RST): keepalive finds out, and once it
 * thaws the client is back by itself */
static void test_broker_frozen(struct fixture *f, gconstpointer data)
{
	gint64 t0;
	double took;

	gw_start(f); /* keepalive 5 s */
	CHECK(f, test_wait_for(gw_is_up, f, 10000));
	g_subprocess_send_signal(f->broker.proc, SIGSTOP);
	t0 = g_get_monotonic_time();
	g_assert_true(test_wait_for(gw_is_down, f, 20000));
	took = (double)(g_get_monotonic_time() - t0) / G_USEC_PER_SEC;
	g_test_message("frozen broker noticed after %.1f s (keepalive 5 s)", took);
	g_assert_cmpfloat(took, <, 16.0);
	g_subprocess_send_signal(f->broker.proc, SIGCONT);
	CHECK(f, test_wait_for(gw_is_up, f, 15000));
}

static bool relay_acked(void *data)
{
	struct relay_push_stats rs;

	relay_push_get_stats(data, &rs);
	return rs.unacked == 0;
}

/* pushes the relay publishes while the broker is away are sent once it is back */
static void test_relay_broker_down(struct fixture *f, gconstpointer data)
{
	struct count_wait w = { f, 3 };
	struct relay_push_stats rs;
	struct relay_push *rp;

	gw_start(f);
	CHECK(f, test_wait_for(gw_is_up, f, 10000));
	rp = relay_start(f);
	test_broker_stop(&f->broker);
	g_assert_true(test_wait_for(gw_is_down, f, 10000));
	for (uint32_t i = 0; i < 3; i++)
		g_assert_cmpint(relay_push_publish(rp, "bob", "ops", 500 + i, "alice"), ==, 0);
	relay_push_get_stats(rp, &rs);
	g_assert_cmpuint(rs.unacked, ==, 3);
	test_broker_start(&f->broker, true);
	CHECK(f, test_wait_for(relay_acked, rp, 15000));
	CHECK(f, test_wait_for(have_streams, &w, 15000));
	for (guint i = 0; i < 3; i++)
		g_assert_cmpuint(g_array_index(f->gw.streams, uint32_t, i), ==, 500 + i);
	relay_push_get_stats(rp, &rs);
	g_assert_cmpuint(rs.published, ==, 3);
	g_assert_cmpuint(rs.failed, ==, 0);
	relay_push_free(rp);
}

/* a broker name that does not resolve: resolved without blocking, retried */
static void test_unresolvable(struct fixture *f, gconstpointer data)
{
	gint64 t0;

	f->gw_host = "pttgw-push-test.invalid";
	gw_start(f);
	t0 = g_get_monotonic_time();
	test_spin(1000);
	g_assert_cmpint(g_get_monotonic_time() - t0, <, 3 * G_USEC_PER_SEC);
	g_assert_false(push_client_is_up(f->gw.pc));
	gw_stop(f);
	f->gw_host = "localhost"; /* a name that resolves */
	gw_start(f);
	CHECK(f, test_wait_for(gw_is_up, f, 10000));
}

/* no broker at all: the client keeps trying with backoff and never blocks */
static void test_no_broker(struct fixture *f, gconstpointer data)
{
	gint64 t0;

	test_broker_stop(&f->broker);
	gw_start(f);
	t0 = g_get_monotonic_time();
	test_spin(500);
	g_assert_false(push_client_is_up(f->gw.pc));
	g_assert_cmpint(g_get_monotonic_time() - t0, <, 5 * G_USEC_PER_SEC);
	test_broker_start(&f->broker, false);
	CHECK(f, test_wait_for(gw_is_up, f, 10000));
}

/* TLS with verification: the right CA connects, another CA does not */
static void test_tls(struct fixture *f, gconstpointer data)
{
	struct count_wait w = { f, 1 };
	g_autofree char *other = g_build_filename(f->dir, "other.crt", NULL);
	g_autofree char *port = g_strdup_printf("%u", f->broker.port);
	g_autofree char *env = NULL;
	g_autoptr(GError) error = NULL;
	struct push_msg m = { .channel = (char *)"ops", .from = (char *)"alice",
			      .stream_id = 9 };
	struct push_stats st;

	gw_start(f);
	CHECK(f, test_wait_for(gw_is_up, f, 10000));
	m.timestamp_ms = g_get_real_time() / 1000;
	push_msg_new_nonce(&m);
	env = push_msg_sign(&m, KEY_BOB, strlen(KEY_BOB), NULL, &error);
	g_free(m.nonce);
	{
		const char *pub[] = { MOSQUITTO_PUB_BIN, "-h", "localhost", "-p", port, "--cafile",
				      f->ca_file, "-q", "1", "-t", "pttgw/bob", "-m", env, NULL };

		g_assert_cmpint(test_run(pub), ==, 0);
	}
	CHECK(f, test_wait_for(have_streams, &w, 10000));
	gw_stop(f);

	/* a CA that did not sign the broker's certificate: never up */
	g_free(f->ca_file);
	f->ca_file = g_steal_pointer(&other);
	gw_start(f);
	test_spin(1500);
	g_assert_false(push_client_is_up(f->gw.pc));
	push_client_get_stats(f->gw.pc, &st);
	g_assert_cmpuint(st.connects, ==, 0);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL); /* rejected pushes warn on purpose */
	g_log_set_fatal_mask(NULL, G_LOG_LEVEL_CRITICAL);
	g_log_set_fatal_mask("pttgw-push", G_LOG_LEVEL_CRITICAL);
	g_test_add("/push/mqtt/relay-to-gateway", struct fixture, GINT_TO_POINTER(0), setup,
		   test_relay_to_gateway, teardown);
	g_test_add("/push/mqtt/forged", struct fixture, GINT_TO_POINTER(0), setup, test_forged,
		   teardown);
	g_test_add("/push/mqtt/broker-restart", struct fixture, GINT_TO_POINTER(1), setup,
		   test_broker_restart, teardown);
	g_test_add("/push/mqtt/no-broker", struct fixture, GINT_TO_POINTER(0), setup,
		   test_no_broker, teardown);
	g_test_add("/push/mqtt/relay-broker-down", struct fixture, GINT_TO_POINTER(1), setup,
		   test_relay_broker_down, teardown);
	g_test_add("/push/mqtt/unresolvable", struct fixture, GINT_TO_POINTER(0), setup,
		   test_unresolvable, teardown);
	g_test_add("/push/mqtt/broker-frozen", struct fixture, GINT_TO_POINTER(0), setup,
		   test_broker_frozen, teardown);
	g_test_add("/push/mqtt/tls", struct fixture, GINT_TO_POINTER(2), setup, test_tls,
		   teardown);
	return g_test_run();
}
