/* SPDX-License-Identifier: MIT */
/*
 * test-relay.c - the real pttgw-relay on loopback, driven by small clients (relay-client.h):
 * logon, floor arbitration, audio with packet ids, emergency pre-emption, late join,
 * slow consumer, malformed frames.
 *
 * Usage: test-relay PATH-TO-pttgw-relay [g_test options]
 */
#include <errno.h>
#include <gio/gio.h>
#include <signal.h>
#include <string.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "proto.h"
#include "relay-client.h"

#define TIMEOUT 3000

static const char *relay_path;

struct fixture {
	GSubprocess *relay;
	char *log_path;
	int port;
	struct relay_client *c[4];
};

static void child_setup(gpointer data)
{
	(void)data;
	prctl(PR_SET_PDEATHSIG, SIGKILL);	/* never outlive a failed test */
}

static void relay_start(struct fixture *f, const char *const *extra)
{
	g_autoptr(GSubprocessLauncher) l =
		g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_PIPE);
	g_autoptr(GPtrArray) argv = g_ptr_array_new();
	g_autoptr(GError) error = NULL;
	g_autoptr(GDataInputStream) out = NULL;
	g_autofree char *line = NULL;
	const char *p;

	f->log_path = g_strdup_printf("%s/relay-%d-%d.log", g_get_tmp_dir(), getpid(),
				      g_random_int_range(0, 1 << 30));
	g_subprocess_launcher_set_stderr_file_path(l, f->log_path);
	g_subprocess_launcher_set_child_setup(l, child_setup, NULL, NULL);
	g_ptr_array_add(argv, (char *)relay_path);
	g_ptr_array_add(argv, (char *)"--listen=127.0.0.1:0");
	g_ptr_array_add(argv, (char *)"--user=alice:apw");
	g_ptr_array_add(argv, (char *)"--user=bob:bpw");
	g_ptr_array_add(argv, (char *)"--user=carol:cpw");
	g_ptr_array_add(argv, (char *)"--user=dave:dpw");
	g_ptr_array_add(argv, (char *)"--token=bob:bob-token");
	g_ptr_array_add(argv, (char *)"--channel=ops");
	g_ptr_array_add(argv, (char *)"--channel=side=alice,carol");
	for (; extra && *extra; extra++)
		g_ptr_array_add(argv, (char *)*extra);
	g_ptr_array_add(argv, NULL);
	f->relay = g_subprocess_launcher_spawnv(l, (const char *const *)argv->pdata, &error);
	g_assert_no_error(error);
	out = g_data_input_stream_new(g_subprocess_get_stdout_pipe(f->relay));
	line = g_data_input_stream_read_line(out, NULL, NULL, &error);
	g_assert_no_error(error);
	g_assert_nonnull(line);
	p = strrchr(line, ':');
	g_assert_nonnull(p);
	f->port = atoi(p + 1);
	g_assert_cmpint(f->port, >, 0);
}

static char *relay_log(struct fixture *f)
{
	char *s = NULL;

	g_file_get_contents(f->log_path, &s, NULL, NULL);
	return s ? s : g_strdup("");
}

static void setup(struct fixture *f, gconstpointer data)
{
	relay_start(f, data);
}

static void teardown(struct fixture *f, gconstpointer data)
{
	g_autoptr(GError) error = NULL;
	unsigned i;

	(void)data;
	for (i = 0; i < G_N_ELEMENTS(f->c); i++)
		relay_client_free(f->c[i]);
	g_subprocess_send_signal(f->relay, SIGTERM);
	g_subprocess_wait(f->relay, NULL, &error);
	g_assert_no_error(error);
	/* a clean exit: no crash, no sanitizer report */
	if (!g_subprocess_get_if_exited(f->relay) || g_subprocess_get_exit_status(f->relay) != 0) {
		g_autofree char *log = relay_log(f);

		g_printerr("%s", log);
		g_error("relay did not exit cleanly");
	}
	g_object_unref(f->relay);
	if (g_test_verbose()) {
		g_autofree char *log = relay_log(f);

		g_printerr("---- relay log ----\n%s", log);
	}
	unlink(f->log_path);
	g_free(f->log_path);
}

static struct relay_client *connect_client(struct fixture *f)
{
	g_autoptr(GError) error = NULL;
	struct relay_client *c = relay_client_new("127.0.0.1", f->port, false, false, TIMEOUT,
						  &error);

	g_assert_no_error(error);
	return c;
}

/* The next text frame that is not on_channel_status, parsed into *m. */
static void expect_text(struct relay_client *c, struct proto_msg *m)
{
	g_autoptr(GError) error = NULL;

	for (;;) {
		g_autoptr(relay_client_msg) r = relay_client_recv(c, TIMEOUT);

		if (!r)
			g_error("no frame within %d ms (closed: %d)", TIMEOUT,
				relay_client_closed(c));
		if (r->binary)
			g_error("binary frame where a text frame was expected");
		g_assert_cmpint(proto_parse_text((char *)r->data, r->len, m, &error), ==, 0);
		if (m->cmd != PROTO_CMD_ON_CHANNEL_STATUS)
			return;
	}
}

static void expect_reply_ok(struct relay_client *c, uint32_t seq, struct proto_msg *m)
{
	expect_text(c, m);
	g_assert_cmpint(m->cmd, ==, PROTO_CMD_REPLY);
	g_assert_cmpuint(m->seq, ==, seq);
	if (!m->success)
		g_error("seq %u: error \"%s\"", seq, m->error);
}

static void expect_error(struct relay_client *c, int64_t seq, const char *err)
{
	struct proto_msg m = PROTO_MSG_INIT;

	expect_text(c, &m);
	if (seq >= 0) {
		g_assert_cmpint(m.cmd, ==, PROTO_CMD_REPLY);
		g_assert_cmpuint(m.seq, ==, seq);
		g_assert_false(m.success);
	} else {
		g_assert_cmpint(m.cmd, ==, PROTO_CMD_ON_ERROR);
	}
	g_assert_cmpstr(m.error, ==, err);
	proto_msg_clear(&m);
}

static void expect_binary(struct relay_client *c, struct proto_audio *a, uint8_t *payload,
			  size_t cap)
{
	g_autoptr(relay_client_msg) r = relay_client_recv(c, TIMEOUT);
	g_autoptr(GError) error = NULL;

	/* API.md: a channel status may come at any time (someone left) */
	while (r && !r->binary && strstr((const char *)r->data, "\"on_channel_status\"")) {
		relay_client_msg_free(g_steal_pointer(&r));
		r = relay_client_recv(c, TIMEOUT);
	}
	g_assert_nonnull(r);
	if (!r->binary)
		g_error("text frame where audio was expected: %s", r->data);
	g_assert_cmpint(proto_parse_audio(r->data, r->len, a, &error), ==, 0);
	g_assert_cmpuint(a->len, <=, cap);
	memcpy(payload, a->data, a->len);
	a->data = payload;
}

static void send_text(struct relay_client *c, char *json)
{
	g_assert_cmpint(relay_client_send_text(c, json, TIMEOUT), ==, 0);
}

static void send_raw(struct relay_client *c, bool binary, const void *buf, size_t len)
{
	g_assert_cmpint(relay_client_send(c, binary, buf, len, TIMEOUT), ==, 0);
}

static struct relay_client *logon(struct fixture *f, const char *user, const char *pw,
				  const char *channel)
{
	struct relay_client *c = connect_client(f);
	const char *chans[] = { channel, NULL };
	struct proto_msg m = PROTO_MSG_INIT;
	g_autoptr(GError) error = NULL;

	send_text(c, proto_build_logon(1, user, pw, NULL, NULL, chans));
	expect_reply_ok(c, 1, &m);
	g_assert_nonnull(m.refresh_token);
	/* then the channel's status */
	{
		g_autoptr(relay_client_msg) r = relay_client_recv(c, TIMEOUT);

		g_assert_nonnull(r);
		g_assert_cmpint(proto_parse_text((char *)r->data, r->len, &m, &error), ==, 0);
		g_assert_cmpint(m.cmd, ==, PROTO_CMD_ON_CHANNEL_STATUS);
		g_assert_cmpstr(m.channel, ==, channel);
		g_assert_cmpstr(m.status, ==, "online");
	}
	proto_msg_clear(&m);
	return c;
}

static const struct proto_codec_header hdr20 = { 16000, 1, 20 };

static uint32_t start_stream(struct relay_client *c, uint32_t seq, const char *channel,
			     bool emergency)
{
	struct proto_msg m = PROTO_MSG_INIT;
	uint32_t id;

	send_text(c, proto_build_start_stream(seq, channel, &hdr20, 20, emergency));
	expect_reply_ok(c, seq, &m);
	g_assert_true(m.has_stream_id);
	id = m.stream_id;
	proto_msg_clear(&m);
	return id;
}

static void send_audio(struct relay_client *c, uint32_t stream_id, uint32_t packet_id,
		       const void *data, size_t len)
{
	uint8_t buf[PROTO_MAX_BINARY];
	size_t n = proto_build_audio(buf, sizeof(buf), stream_id, packet_id, data, len);

	g_assert_cmpuint(n, >, 0);
	send_raw(c, true, buf, n);
}

static void expect_stream_start(struct relay_client *c, uint32_t id, const char *from,
				bool emergency)
{
	struct proto_msg m = PROTO_MSG_INIT;

	expect_text(c, &m);
	g_assert_cmpint(m.cmd, ==, PROTO_CMD_ON_STREAM_START);
	g_assert_cmpuint(m.stream_id, ==, id);
	g_assert_cmpstr(m.from, ==, from);
	g_assert_cmpuint(m.codec_header.sample_rate, ==, 16000);
	g_assert_cmpuint(m.packet_duration, ==, 20);
	g_assert_cmpint(m.emergency, ==, emergency);
	proto_msg_clear(&m);
}

static void expect_stream_stop(struct relay_client *c, uint32_t id)
{
	struct proto_msg m = PROTO_MSG_INIT;

	expect_text(c, &m);
	g_assert_cmpint(m.cmd, ==, PROTO_CMD_ON_STREAM_STOP);
	g_assert_cmpuint(m.stream_id, ==, id);
	proto_msg_clear(&m);
}

static void expect_packet(struct relay_client *c, uint32_t stream_id, uint32_t packet_id,
			  uint8_t byte)
{
	struct proto_audio a;
	uint8_t payload[PROTO_MAX_BINARY];

	expect_binary(c, &a, payload, sizeof(payload));
	g_assert_cmpuint(a.stream_id, ==, stream_id);
	g_assert_cmpuint(a.packet_id, ==, packet_id);
	g_assert_cmpuint(a.len, ==, 40);
	g_assert_cmpuint(payload[0], ==, byte);
	g_assert_cmpuint(payload[39], ==, byte);
}

static void talk_packet(struct relay_client *c, uint32_t stream_id, uint8_t byte)
{
	uint8_t opus[40];

	memset(opus, byte, sizeof(opus));
	/* clients number from 0 (API.md) or upwards (examples): the relay re-stamps */
	send_audio(c, stream_id, 0, opus, sizeof(opus));
}

/* Nothing more arrives within ms. */
static void expect_silence(struct relay_client *c, int ms)
{
	g_autoptr(relay_client_msg) r = relay_client_recv(c, ms);

	if (r)
		g_error("unexpected %s frame: %s", r->binary ? "binary" : "text",
			r->binary ? "(audio)" : (char *)r->data);
}

/* ---- tests ---- */

static void test_logon_good(struct fixture *f, gconstpointer d)
{
	struct proto_msg m = PROTO_MSG_INIT;
	const char *chans[] = { "ops", "nosuch", NULL };
	g_autofree char *refresh = NULL;

	(void)d;
	f->c[0] = connect_client(f);
	send_text(f->c[0], proto_build_logon(1, "alice", "apw", NULL, NULL, chans));
	expect_reply_ok(f->c[0], 1, &m);
	refresh = g_strdup(m.refresh_token);
	g_assert_nonnull(refresh);
	/* per channel status: ops online, the unknown one offline with a reason */
	{
		struct proto_msg st = PROTO_MSG_INIT;
		g_autoptr(GError) error = NULL;
		unsigned i;

		for (i = 0; i < 2; i++) {
			g_autoptr(relay_client_msg) r = relay_client_recv(f->c[0], TIMEOUT);

			g_assert_nonnull(r);
			g_assert_cmpint(proto_parse_text((char *)r->data, r->len, &st, &error),
					==, 0);
			g_assert_cmpint(st.cmd, ==, PROTO_CMD_ON_CHANNEL_STATUS);
			if (strcmp(st.channel, "ops") == 0) {
				g_assert_cmpstr(st.status, ==, "online");
				g_assert_cmpint(st.users_online, ==, 1);
			} else {
				g_assert_cmpstr(st.channel, ==, "nosuch");
				g_assert_cmpstr(st.status, ==, "offline");
				g_assert_cmpstr(st.error, ==, "no such channel");
			}
		}
		proto_msg_clear(&st);
	}
	/* keepalive with seq is answered */
	{
		struct proto_msg k = PROTO_MSG_INIT;

		k.cmd = PROTO_CMD_KEEPALIVE;
		k.has_seq = true;
		k.seq = 2;
		send_text(f->c[0], proto_build(&k, NULL));
		expect_reply_ok(f->c[0], 2, &m);
	}

	/* the older singular "channel" and an auth_token instead of a password */
	f->c[1] = connect_client(f);
	send_text(f->c[1], g_strdup("{\"command\":\"logon\",\"seq\":5,\"username\":\"bob\","
				    "\"auth_token\":\"bob-token\",\"channel\":\"ops\"}"));
	expect_reply_ok(f->c[1], 5, &m);

	/* a refresh token from an earlier logon */
	f->c[2] = connect_client(f);
	send_text(f->c[2], proto_build_logon(1, NULL, NULL, NULL, refresh,
					     (const char *const[]){ "ops", NULL }));
	expect_reply_ok(f->c[2], 1, &m);
	proto_msg_clear(&m);
}

static void test_logon_bad(struct fixture *f, gconstpointer d)
{
	const char *chans[] = { "ops", NULL };

	(void)d;
	/* commands before logon are refused */
	f->c[0] = connect_client(f);
	send_text(f->c[0], proto_build_start_stream(3, "ops", &hdr20, 20, false));
	expect_error(f->c[0], 3, "not logged in");

	/* a wrong password: {seq, error}, then the relay closes */
	send_text(f->c[0], proto_build_logon(4, "alice", "wrong", NULL, NULL, chans));
	expect_error(f->c[0], 4, "not authorized");
	relay_client_pump(f->c[0], 1000);
	g_assert_true(relay_client_closed(f->c[0]));

	/* an unknown user, a wrong token, a made-up refresh token */
	f->c[1] = connect_client(f);
	send_text(f->c[1], proto_build_logon(1, "mallory", "x", NULL, NULL, chans));
	expect_error(f->c[1], 1, "not authorized");
	f->c[2] = connect_client(f);
	send_text(f->c[2], proto_build_logon(1, "bob", NULL, "not-bobs", NULL, chans));
	expect_error(f->c[2], 1, "not authorized");
	f->c[3] = connect_client(f);
	send_text(f->c[3], proto_build_logon(1, NULL, NULL, NULL, "rt-made-up", chans));
	expect_error(f->c[3], 1, "not authorized");

	/* a member of "side" only: bob is not */
	relay_client_free(f->c[1]);
	f->c[1] = connect_client(f);
	send_text(f->c[1], proto_build_logon(1, "bob", "bpw", NULL, NULL,
					     (const char *const[]){ "side", NULL }));
	{
		struct proto_msg m = PROTO_MSG_INIT;
		g_autoptr(relay_client_msg) r = NULL;
		g_autoptr(GError) error = NULL;

		expect_reply_ok(f->c[1], 1, &m);
		r = relay_client_recv(f->c[1], TIMEOUT);
		g_assert_nonnull(r);
		g_assert_cmpint(proto_parse_text((char *)r->data, r->len, &m, &error), ==, 0);
		g_assert_cmpstr(m.status, ==, "offline");
		g_assert_cmpstr(m.error, ==, "not authorized");
		proto_msg_clear(&m);
	}
	send_text(f->c[1], proto_build_start_stream(2, "side", &hdr20, 20, false));
	expect_error(f->c[1], 2, "channel is not ready");
}

static void test_floor_busy(struct fixture *f, gconstpointer d)
{
	uint32_t id, id2;

	(void)d;
	f->c[0] = logon(f, "alice", "apw", "ops");
	f->c[1] = logon(f, "bob", "bpw", "ops");
	id = start_stream(f->c[0], 2, "ops", false);
	expect_stream_start(f->c[1], id, "alice", false);

	/* the second talker is denied while the first talks */
	send_text(f->c[1], proto_build_start_stream(2, "ops", &hdr20, 20, false));
	expect_error(f->c[1], 2, "channel busy");

	/* stop_stream as the example clients send it: no seq, no channel */
	send_text(f->c[0], proto_build_stop_stream(false, 0, id, NULL));
	expect_stream_stop(f->c[1], id);

	/* then bob gets the floor, with a new id */
	id2 = start_stream(f->c[1], 3, "ops", false);
	g_assert_cmpuint(id2, !=, id);
	expect_stream_start(f->c[0], id2, "bob", false);
	/* stop with a seq gets a reply; a second stop gets an error */
	send_text(f->c[1], proto_build_stop_stream(true, 4, id2, "ops"));
	expect_reply_ok(f->c[1], 4, &(struct proto_msg)PROTO_MSG_INIT);
	expect_stream_stop(f->c[0], id2);
	send_text(f->c[1], proto_build_stop_stream(true, 5, id2, "ops"));
	expect_error(f->c[1], 5, "failed to stop stream");
}

static void test_audio_packet_ids(struct fixture *f, gconstpointer d)
{
	uint32_t id;
	unsigned i;

	(void)d;
	f->c[0] = logon(f, "alice", "apw", "ops");
	f->c[1] = logon(f, "bob", "bpw", "ops");
	f->c[2] = logon(f, "dave", "dpw", "ops");
	id = start_stream(f->c[0], 2, "ops", false);
	expect_stream_start(f->c[1], id, "alice", false);
	expect_stream_start(f->c[2], id, "alice", false);
	for (i = 0; i < 20; i++)
		talk_packet(f->c[0], id, 0x10 + i);
	send_text(f->c[0], proto_build_stop_stream(false, 0, id, NULL));
	for (i = 0; i < 20; i++) {
		expect_packet(f->c[1], id, i, 0x10 + i);
		expect_packet(f->c[2], id, i, 0x10 + i);
	}
	expect_stream_stop(f->c[1], id);
	expect_stream_stop(f->c[2], id);
	/* the talker hears nothing of its own */
	expect_silence(f->c[0], 200);
	/* the relay counts what it delivered */
	relay_client_pump(f->c[1], 100);
	{
		g_autofree char *log = relay_log(f);
		g_autofree char *want = g_strdup_printf("delivered stream=%u user=bob", id);
		const char *p = strstr(log, want);

		g_assert_nonnull(p);
		g_assert_true(g_str_has_prefix(strstr(p, "packets="), "packets=20"));
	}
}

static void test_floor_emergency(struct fixture *f, gconstpointer d)
{
	uint32_t id, eid;

	(void)d;
	f->c[0] = logon(f, "alice", "apw", "ops");
	f->c[1] = logon(f, "bob", "bpw", "ops");
	f->c[2] = logon(f, "dave", "dpw", "ops");
	id = start_stream(f->c[0], 2, "ops", false);
	expect_stream_start(f->c[1], id, "alice", false);
	expect_stream_start(f->c[2], id, "alice", false);
	talk_packet(f->c[0], id, 1);
	expect_packet(f->c[1], id, 0, 1);
	expect_packet(f->c[2], id, 0, 1);

	/* bob's emergency pre-empts alice: everyone, alice too, sees her stream end */
	send_text(f->c[1], proto_build_start_stream(7, "ops", &hdr20, 20, true));
	expect_stream_stop(f->c[0], id);
	expect_stream_stop(f->c[2], id);
	{
		struct proto_msg m = PROTO_MSG_INIT;

		/* bob: alice's stream ends, then his grant */
		expect_stream_stop(f->c[1], id);
		expect_reply_ok(f->c[1], 7, &m);
		eid = m.stream_id;
		proto_msg_clear(&m);
	}
	expect_stream_start(f->c[0], eid, "bob", true);
	expect_stream_start(f->c[2], eid, "bob", true);

	/* alice's late audio for her ended stream is dropped, bob's is relayed */
	talk_packet(f->c[0], id, 2);
	talk_packet(f->c[1], eid, 3);
	expect_packet(f->c[2], eid, 0, 3);
	expect_packet(f->c[0], eid, 0, 3);

	/* an emergency does not pre-empt an emergency */
	send_text(f->c[2], proto_build_start_stream(8, "ops", &hdr20, 20, true));
	expect_error(f->c[2], 8, "channel busy");
}

static void test_join_replay(struct fixture *f, gconstpointer d)
{
	uint32_t id;
	unsigned i;
	struct proto_msg m = PROTO_MSG_INIT;

	(void)d;
	f->c[0] = logon(f, "alice", "apw", "ops");
	id = start_stream(f->c[0], 2, "ops", false);
	for (i = 0; i < 10; i++)
		talk_packet(f->c[0], id, 0x40 + i);

	/* bob (re)joins in the middle of the burst: nothing until he asks */
	f->c[1] = logon(f, "bob", "bpw", "ops");
	expect_silence(f->c[1], 100);
	send_text(f->c[1], proto_build_join_stream(9, id));
	expect_reply_ok(f->c[1], 9, &m);
	g_assert_cmpuint(m.stream_id, ==, id);
	expect_stream_start(f->c[1], id, "alice", false);
	for (i = 0; i < 10; i++)
		expect_packet(f->c[1], id, i, 0x40 + i);
	/* then live, without a gap */
	talk_packet(f->c[0], id, 0x4a);
	expect_packet(f->c[1], id, 10, 0x4a);
	/* asking twice is refused, nothing is sent twice */
	send_text(f->c[1], proto_build_join_stream(10, id));
	expect_error(f->c[1], 10, "already joined");

	send_text(f->c[0], proto_build_stop_stream(false, 0, id, NULL));
	expect_stream_stop(f->c[1], id);

	/* a burst that has ended is replayed whole, with its stop */
	f->c[2] = logon(f, "dave", "dpw", "ops");
	send_text(f->c[2], proto_build_join_stream(3, id));
	expect_reply_ok(f->c[2], 3, &m);
	expect_stream_start(f->c[2], id, "alice", false);
	for (i = 0; i < 11; i++)
		expect_packet(f->c[2], id, i, 0x40 + i);
	expect_stream_stop(f->c[2], id);

	/* unknown stream */
	send_text(f->c[2], proto_build_join_stream(4, id + 1000));
	expect_error(f->c[2], 4, "no such stream");
	proto_msg_clear(&m);
}

static void test_slow_consumer(struct fixture *f, gconstpointer d)
{
	static uint8_t opus[60000];
	unsigned burst, i;
	bool dropped = false;

	(void)d;
	f->c[0] = logon(f, "alice", "apw", "ops");
	f->c[1] = logon(f, "bob", "bpw", "ops");
	f->c[2] = logon(f, "carol", "cpw", "ops");	/* never reads */
	for (burst = 0; burst < 400 && !dropped; burst++) {
		uint32_t id = start_stream(f->c[0], 2 + burst, "ops", false);

		expect_stream_start(f->c[1], id, "alice", false);
		for (i = 0; i < 2; i++) {
			struct proto_audio a;
			static uint8_t payload[PROTO_MAX_BINARY];

			memset(opus, burst, sizeof(opus));
			send_audio(f->c[0], id, 0, opus, sizeof(opus));
			expect_binary(f->c[1], &a, payload, sizeof(payload));
			g_assert_cmpuint(a.packet_id, ==, i);
			g_assert_cmpuint(a.len, ==, sizeof(opus));
		}
		send_text(f->c[0], proto_build_stop_stream(false, 0, id, NULL));
		expect_stream_stop(f->c[1], id);
		if (burst % 10 == 9) {
			g_autofree char *log = relay_log(f);

			dropped = strstr(log, "slow consumer") != NULL;
		}
	}
	g_assert_true(dropped);
	g_test_message("carol dropped after %u bursts of 120 kB", burst);
	/* carol's connection ends (after what the kernel had buffered) */
	{
		int64_t end = g_get_monotonic_time() + 10 * G_USEC_PER_SEC;

		while (!relay_client_closed(f->c[2]) && g_get_monotonic_time() < end) {
			g_autoptr(relay_client_msg) r = relay_client_recv(f->c[2], 100);
		}
	}
	g_assert_true(relay_client_closed(f->c[2]));
	/* the others carry on */
	{
		uint32_t id = start_stream(f->c[0], 1000, "ops", false);

		expect_stream_start(f->c[1], id, "alice", false);
	}
}

/* The logon reply announces our extensions (a plain client ignores the
 * member); every member of the channel hears its users_online change. */
static void test_logon_extensions(struct fixture *f, gconstpointer d)
{
	const char *chans[] = { "ops", NULL };
	struct proto_msg m = PROTO_MSG_INIT;
	g_autoptr(GError) error = NULL;

	(void)d;
	f->c[0] = connect_client(f);
	send_text(f->c[0], proto_build_logon(1, "alice", "apw", NULL, NULL, chans));
	expect_reply_ok(f->c[0], 1, &m);
	g_assert_true(proto_msg_has_extension(&m, PROTO_EXT_EMERGENCY));
	g_assert_true(proto_msg_has_extension(&m, PROTO_EXT_JOIN_STREAM));
	g_assert_true(proto_msg_has_extension(&m, PROTO_EXT_PACKET_ID));
	g_assert_false(proto_msg_has_extension(&m, "no-such-extension"));
	f->c[1] = logon(f, "bob", "bpw", "ops");
	/* alice: her own status (1 online), then bob's arrival (2 online) */
	for (int want = 1; want <= 2; want++) {
		g_autoptr(relay_client_msg) r = relay_client_recv(f->c[0], TIMEOUT);

		g_assert_nonnull(r);
		g_assert_cmpint(proto_parse_text((char *)r->data, r->len, &m, &error), ==, 0);
		g_assert_cmpint(m.cmd, ==, PROTO_CMD_ON_CHANNEL_STATUS);
		g_assert_cmpstr(m.channel, ==, "ops");
		g_assert_cmpstr(m.status, ==, "online");
		g_assert_cmpint(m.users_online, ==, want);
	}
	proto_msg_clear(&m);
}

/* Every codec_header API.md allows is accepted and passed on as it came:
 * 8/12/16/24/48 kHz, 1 or 2 frames per packet, frames of 2.5 (written 2)
 * to 60 ms. */
static void test_codec_headers(struct fixture *f, gconstpointer d)
{
	static const uint16_t rates[] = { 8000, 12000, 16000, 24000, 48000 };
	static const uint8_t frames[] = { 2, 5, 10, 20, 40, 60 };
	uint32_t seq = 2;

	(void)d;
	f->c[0] = logon(f, "alice", "apw", "ops");
	f->c[1] = logon(f, "bob", "bpw", "ops");
	for (size_t r = 0; r < G_N_ELEMENTS(rates); r++)
		for (uint8_t fpp = 1; fpp <= 2; fpp++)
			for (size_t k = 0; k < G_N_ELEMENTS(frames); k++) {
				struct proto_codec_header h = { rates[r], fpp, frames[k] };
				unsigned pd = (unsigned)fpp * frames[k];
				struct proto_msg m = PROTO_MSG_INIT;
				uint32_t id;

				send_text(f->c[0], proto_build_start_stream(seq, "ops", &h, pd,
									    false));
				expect_reply_ok(f->c[0], seq, &m);
				g_assert_true(m.has_stream_id);
				id = m.stream_id;
				expect_text(f->c[1], &m);
				g_assert_cmpint(m.cmd, ==, PROTO_CMD_ON_STREAM_START);
				g_assert_cmpuint(m.stream_id, ==, id);
				g_assert_cmpuint(m.codec_header.sample_rate, ==, rates[r]);
				g_assert_cmpuint(m.codec_header.frames_per_packet, ==, fpp);
				g_assert_cmpuint(m.codec_header.frame_ms, ==, frames[k]);
				g_assert_cmpuint(m.packet_duration, ==, pd);
				proto_msg_clear(&m);
				talk_packet(f->c[0], id, 0x42);
				expect_packet(f->c[1], id, 0, 0x42);
				send_text(f->c[0], proto_build_stop_stream(true, seq + 1, id, "ops"));
				expect_reply_ok(f->c[0], seq + 1, &m);
				proto_msg_clear(&m);
				expect_stream_stop(f->c[1], id);
				seq += 2;
			}
}

static void test_malformed(struct fixture *f, gconstpointer d)
{
	static const uint8_t short_frame[] = { 0x01, 0, 0, 0 };
	static const uint8_t image[] = { 0x02, 0, 0, 0, 1, 0, 0, 0, 2, 0xff };
	g_autofree char *big = g_malloc(1024 * 1024);
	uint32_t id;

	(void)d;
	f->c[0] = logon(f, "alice", "apw", "ops");
	f->c[1] = logon(f, "bob", "bpw", "ops");

	send_text(f->c[0], g_strdup("{\"command\":\"start_stream\",\"seq\":"));
	expect_error(f->c[0], -1, "invalid json");
	send_text(f->c[0], g_strdup("{\"command\":\"start_stream\",\"seq\":9,\"type\":\"audio\"}"));
	expect_error(f->c[0], 9, "not enough params");
	send_text(f->c[0], g_strdup("{\"command\":\"start_stream\",\"seq\":10,"
				    "\"codec_header\":\"@@@@\"}"));
	expect_error(f->c[0], 10, "invalid request");
	send_text(f->c[0], g_strdup("{\"command\":\"stop_stream\",\"stream_id\":\"7\"}"));
	expect_error(f->c[0], -1, "invalid request");
	send_text(f->c[0], g_strdup("{\"command\":\"send_location\",\"seq\":11}"));
	expect_error(f->c[0], 11, "not enough params");
	send_text(f->c[0], g_strdup("{\"command\":\"send_image\",\"seq\":11}"));
	expect_error(f->c[0], 11, "unknown command");
	/* without a seq: on_error, as a strict server answers */
	send_text(f->c[0], g_strdup("{\"command\":\"send_image\"}"));
	expect_error(f->c[0], -1, "unknown command");
	send_raw(f->c[0], true, short_frame, sizeof(short_frame));
	expect_error(f->c[0], -1, "invalid audio packet");
	send_raw(f->c[0], true, image, sizeof(image));
	expect_error(f->c[0], -1, "invalid audio packet");
	memset(big, ' ', 1024 * 1024);
	big[0] = '{';
	big[1024 * 1024 - 1] = '}';
	send_raw(f->c[0], false, big, 1024 * 1024);
	expect_error(f->c[0], -1, "message too large");
	big[0] = 1;
	send_raw(f->c[0], true, big, 1024 * 1024);
	expect_error(f->c[0], -1, "message too large");
	/* audio for a stream that is not ours: dropped, not relayed */
	talk_packet(f->c[0], 12345, 1);

	/* the connection goes on */
	id = start_stream(f->c[0], 12, "ops", false);
	expect_stream_start(f->c[1], id, "alice", false);
	talk_packet(f->c[0], id, 7);
	expect_packet(f->c[1], id, 0, 7);
	/* bob, the listener, sends audio into alice's stream: dropped */
	talk_packet(f->c[1], id, 8);
	expect_silence(f->c[0], 200);
	{
		g_autofree char *log = relay_log(f);

		g_assert_nonnull(strstr(log, "shorter than the 9-byte header"));
		g_assert_nonnull(strstr(log, "unknown type 0x02"));
		g_assert_nonnull(strstr(log, "start_stream: missing field \\\"codec_header\\\"") ||
				 strstr(log, "missing field \"codec_header\""));
		g_assert_nonnull(strstr(log, "audio for stream 12345"));
	}
}

static void test_logon_timeout(struct fixture *f, gconstpointer d)
{
	(void)d;
	f->c[0] = connect_client(f);
	expect_error(f->c[0], -1, "not logged in");
	relay_client_pump(f->c[0], 1000);
	g_assert_true(relay_client_closed(f->c[0]));
}

static void test_max_connections(struct fixture *f, gconstpointer d)
{
	g_autoptr(GError) error = NULL;
	struct relay_client *c;

	(void)d;
	f->c[0] = logon(f, "alice", "apw", "ops");
	f->c[1] = logon(f, "bob", "bpw", "ops");
	c = relay_client_new("127.0.0.1", f->port, false, false, TIMEOUT, &error);
	g_assert_null(c);
	g_assert_nonnull(error);
	/* the others are untouched */
	start_stream(f->c[0], 2, "ops", false);
}

static void test_talker_gone(struct fixture *f, gconstpointer d)
{
	uint32_t id;

	(void)d;
	f->c[0] = logon(f, "alice", "apw", "ops");
	f->c[1] = logon(f, "bob", "bpw", "ops");
	id = start_stream(f->c[0], 2, "ops", false);
	expect_stream_start(f->c[1], id, "alice", false);
	relay_client_free(f->c[0]);
	f->c[0] = NULL;
	expect_stream_stop(f->c[1], id);
	/* the floor is free again */
	start_stream(f->c[1], 3, "ops", false);
}

static void test_floor_for_user(struct fixture *f, gconstpointer d)
{
	struct proto_msg m = PROTO_MSG_INIT;
	uint32_t id;

	(void)d;
	f->c[0] = logon(f, "alice", "apw", "ops");
	f->c[1] = logon(f, "bob", "bpw", "ops");
	f->c[2] = logon(f, "dave", "dpw", "ops");
	/* API.md's "for": only bob hears this burst */
	send_text(f->c[0], g_strdup("{\"command\":\"start_stream\",\"seq\":2,\"channel\":\"ops\","
				    "\"type\":\"audio\",\"codec\":\"opus\","
				    "\"codec_header\":\"gD4BFA==\",\"packet_duration\":20,"
				    "\"for\":\"bob\"}"));
	expect_reply_ok(f->c[0], 2, &m);
	id = m.stream_id;
	expect_text(f->c[1], &m);
	g_assert_cmpint(m.cmd, ==, PROTO_CMD_ON_STREAM_START);
	g_assert_cmpstr(m.for_user, ==, "bob");
	talk_packet(f->c[0], id, 5);
	expect_packet(f->c[1], id, 0, 5);
	expect_silence(f->c[2], 200);
	/* nor can dave join it */
	send_text(f->c[2], proto_build_join_stream(3, id));
	expect_error(f->c[2], 3, "not authorized");
	proto_msg_clear(&m);
}

/* SIGTERM while a burst is live and clients are connected: a clean exit. */
static void test_shutdown_live(struct fixture *f, gconstpointer d)
{
	g_autoptr(GError) error = NULL;
	uint32_t id;

	(void)d;
	f->c[0] = logon(f, "alice", "apw", "ops");
	f->c[1] = logon(f, "bob", "bpw", "ops");
	id = start_stream(f->c[0], 2, "ops", false);
	talk_packet(f->c[0], id, 1);
	expect_stream_start(f->c[1], id, "alice", false);
	expect_packet(f->c[1], id, 0, 1);
	g_subprocess_send_signal(f->relay, SIGTERM);
	g_subprocess_wait(f->relay, NULL, &error);
	g_assert_no_error(error);
	g_assert_true(g_subprocess_get_if_exited(f->relay));
	g_assert_cmpint(g_subprocess_get_exit_status(f->relay), ==, 0);
	relay_client_pump(f->c[1], 500);
	g_assert_true(relay_client_closed(f->c[1]));
}

static const char config_text[] =
	"[relay]\n"
	"max-connections = 8\n"
	"keep-ended = 5\n"
	"[users]\n"
	"erin = epw\n"
	"frank = fpw\n"
	"[tokens]\n"
	"frank = frank-token\n"
	"[channels]\n"
	"dispatch = erin;frank\n";

static char *config_path;

static void setup_config(struct fixture *f, gconstpointer data)
{
	g_autofree char *arg = NULL;
	const char *extra[2];

	(void)data;
	config_path = g_strdup_printf("%s/relay-test-%d.conf", g_get_tmp_dir(), getpid());
	g_assert_true(g_file_set_contents(config_path, config_text, -1, NULL));
	arg = g_strdup_printf("--config=%s", config_path);
	extra[0] = arg;
	extra[1] = NULL;
	relay_start(f, extra);
}

static void test_config_file(struct fixture *f, gconstpointer d)
{
	struct proto_msg m = PROTO_MSG_INIT;

	(void)d;
	unlink(config_path);
	g_clear_pointer(&config_path, g_free);
	/* users, tokens and channels from the file, next to those of the command line */
	f->c[0] = logon(f, "erin", "epw", "dispatch");
	f->c[1] = connect_client(f);
	send_text(f->c[1], proto_build_logon(1, "frank", NULL, "frank-token", NULL,
					     (const char *const[]){ "dispatch", NULL }));
	expect_reply_ok(f->c[1], 1, &m);
	f->c[2] = logon(f, "alice", "apw", "ops");
	proto_msg_clear(&m);
}

/* A bad key stops the relay with status 78 and a message naming file, group and key. */
static void test_config_bad(void)
{
	g_autofree char *path = g_strdup_printf("%s/relay-bad-%d.conf", g_get_tmp_dir(), getpid());
	g_autofree char *arg = g_strdup_printf("--config=%s", path);
	g_autofree char *err = NULL;
	const char *argv[] = { relay_path, "--listen=127.0.0.1:0", arg, NULL };
	g_autoptr(GSubprocess) p = NULL;
	g_autoptr(GError) error = NULL;

	g_assert_true(g_file_set_contents(path, "[relay]\nmax-connections = lots\n", -1, NULL));
	p = g_subprocess_newv(argv, G_SUBPROCESS_FLAGS_STDERR_PIPE, &error);
	g_assert_no_error(error);
	g_assert_true(g_subprocess_communicate_utf8(p, NULL, NULL, NULL, &err, &error));
	unlink(path);
	g_assert_cmpint(g_subprocess_get_exit_status(p), ==, 78);
	g_assert_nonnull(strstr(err, path));
	g_assert_nonnull(strstr(err, "[relay] max-connections"));
}

/* A plain HTTP request is answered at once (426), not left to idle. */
static void test_plain_http(struct fixture *f, gconstpointer d)
{
	g_autoptr(GSocketClient) sc = g_socket_client_new();
	g_autoptr(GSocketConnection) conn = NULL;
	g_autoptr(GError) error = NULL;
	static const char req[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
	char buf[256] = { 0 };
	gssize n;

	(void)d;
	g_socket_client_set_timeout(sc, 3);
	conn = g_socket_client_connect_to_host(sc, "127.0.0.1", f->port, NULL, &error);
	g_assert_no_error(error);
	g_output_stream_write_all(g_io_stream_get_output_stream(G_IO_STREAM(conn)), req,
				  sizeof(req) - 1, NULL, NULL, &error);
	g_assert_no_error(error);
	n = g_input_stream_read(g_io_stream_get_input_stream(G_IO_STREAM(conn)), buf,
				sizeof(buf) - 1, NULL, &error);
	g_assert_no_error(error);
	g_assert_cmpint(n, >, 12);
	g_assert_true(g_str_has_prefix(buf, "HTTP/1.1 426"));
}

int main(int argc, char **argv)
{
	static const char *const short_logon[] = { "--logon-timeout=0.5", NULL };
	static const char *const small_queue[] = { "--max-queue=262144", NULL };
	static const char *const two_conns[] = { "--max-connections=2", NULL };
	/* more failed logons than the relay lets one address make before delays */
	static const char *const many_failures[] = { "--free-logon-failures=10", NULL };

	g_test_init(&argc, &argv, NULL);
	if (argc < 2) {
		g_printerr("usage: %s PATH-TO-pttgw-relay\n", argv[0]);
		return 2;
	}
	relay_path = argv[1];
	signal(SIGPIPE, SIG_IGN);
#define ADD(path, fn, extra) \
	g_test_add(path, struct fixture, extra, setup, fn, teardown)
	ADD("/relay/logon/good", test_logon_good, NULL);
	ADD("/relay/logon/bad", test_logon_bad, many_failures);
	ADD("/relay/logon/extensions", test_logon_extensions, NULL);
	ADD("/relay/audio/codec-headers", test_codec_headers, NULL);
	ADD("/relay/logon/timeout", test_logon_timeout, short_logon);
	ADD("/relay/floor/busy", test_floor_busy, NULL);
	ADD("/relay/floor/emergency", test_floor_emergency, NULL);
	ADD("/relay/floor/talker-gone", test_talker_gone, NULL);
	ADD("/relay/audio/packet-ids", test_audio_packet_ids, NULL);
	ADD("/relay/join/replay", test_join_replay, NULL);
	ADD("/relay/limits/slow-consumer", test_slow_consumer, small_queue);
	ADD("/relay/limits/max-connections", test_max_connections, two_conns);
	ADD("/relay/bad/malformed", test_malformed, NULL);
	ADD("/relay/bad/plain-http", test_plain_http, NULL);
	ADD("/relay/floor/for-user", test_floor_for_user, NULL);
	ADD("/relay/shutdown/live-burst", test_shutdown_live, NULL);
	g_test_add("/relay/config/file", struct fixture, NULL, setup_config, test_config_file,
		   teardown);
	g_test_add_func("/relay/config/bad-key", test_config_bad);
	return g_test_run();
}
