/* SPDX-License-Identifier: MIT */
/*
 * test-broker-takeover.c - the push channel against a session takeover (issue #15 item 6):
 * mosquitto on 127.0.0.1 with a password file, an ACL (a gateway reads only its own topic,
 * the relay writes) and use_username_as_clientid. The gateway (push client, broker account
 * "bob", client id derived from its key) and the relay publisher (account "relay") log on
 * with their credentials; mallory, a valid broker user, connects 8 times with the
 * gateway's predictable client id "pttgw-<host>-bob" and subscribes to pttgw/#, while the
 * relay sends 8 pushes. The gateway must not be thrown off (one connect) and get all 8;
 * mallory gets none of them.
 */
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include "push-test-util.h"
#include "push.h"
#include "relay-push.h"

#define KEY_BOB "b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0"
#define ATTACKS 8

static unsigned ups, downs;
static GArray *streams;

static void on_state(void *data, bool up, const char *detail)
{
	(void)data;
	if (up)
		ups++;
	else
		downs++;
	g_test_message("gateway push %s (%s)", up ? "up" : "down", detail);
}

static void on_push(void *data, const struct push_msg *m)
{
	(void)data;
	g_array_append_val(streams, m->stream_id);
}

static const struct push_events events = { .state = on_state, .push = on_push };

static bool is_up(void *data)
{
	return push_client_is_up(data);
}

static bool relay_up(void *data)
{
	return relay_push_is_connected(data);
}

static bool have_all(void *data)
{
	(void)data;
	return streams->len >= ATTACKS;
}

static char *write_file(const char *dir, const char *name, const char *text, int mode)
{
	char *p = g_build_filename(dir, name, NULL);

	g_assert_true(g_file_set_contents(p, text, -1, NULL));
	g_chmod(p, mode);
	return p;
}

static void add_user(const char *file, const char *user, const char *pw, bool create)
{
	const char *argv[] = { MOSQUITTO_PASSWD_BIN, "-b", file, user, pw, NULL };
	const char *argv_c[] = { MOSQUITTO_PASSWD_BIN, "-c", "-b", file, user, pw, NULL };

	g_assert_cmpint(test_run(create ? argv_c : argv), ==, 0);
}

static void test_takeover(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = g_dir_make_tmp("pttgw-sec-broker-XXXXXX", &error);
	g_autofree char *pwfile = g_build_filename(dir, "passwd", NULL);
	g_autofree char *acl = NULL, *key = NULL, *gwpw = NULL, *relaypw = NULL;
	g_autofree char *port = NULL, *victim_id = NULL, *spied = NULL;
	struct test_broker broker = { 0 };
	struct push_config cfg;
	struct push_client *pc;
	struct relay_push *rp;
	struct push_stats st;
	GPtrArray *attackers = g_ptr_array_new_with_free_func(g_object_unref);
	unsigned i;

	g_assert_no_error(error);
	streams = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	add_user(pwfile, "bob", "bob-broker-pw", true);
	add_user(pwfile, "relay", "relay-broker-pw", false);
	add_user(pwfile, "mallory", "mallory-pw", false);
	g_chmod(pwfile, 0600);
	acl = write_file(dir, "acl", "user relay\ntopic write pttgw/#\n\npattern read pttgw/%u\n",
			 0600);
	key = write_file(dir, "bob.key", KEY_BOB "\n", 0600);
	gwpw = write_file(dir, "gw.pw", "bob-broker-pw\n", 0600);
	relaypw = write_file(dir, "relay.pw", "relay-broker-pw\n", 0600);
	broker.extra_conf = g_strdup_printf("allow_anonymous false\npassword_file %s\n"
					    "acl_file %s\nuse_username_as_clientid true\n",
					    pwfile, acl);
	test_broker_start(&broker, false);
	port = g_strdup_printf("%u", broker.port);

	victim_id = g_strdup_printf("pttgw-%s-bob", g_get_host_name());
	cfg = (struct push_config){
		.host = g_strdup("127.0.0.1"), .port = broker.port,
		.topic = g_strdup("pttgw/bob"), .key_file = g_strdup(key),
		.client_id = g_strdup(victim_id), .client_id_derived = TRUE,
		.broker_username = g_strdup("bob"), .broker_password_file = g_strdup(gwpw),
		.window = 60 * G_USEC_PER_SEC, .keepalive = 5 * G_USEC_PER_SEC,
		.backoff_base = 50000, .backoff_cap = 500000, .replay_cache = 1024,
		.username = g_strdup("bob"),
	};
	pc = push_client_new(&cfg, &events, NULL, &error);
	g_assert_no_error(error);
	g_assert_true(test_wait_for(is_up, pc, 10000));

	rp = relay_push_new_auth("127.0.0.1", broker.port, NULL,
				 &(struct relay_push_auth){ .username = "relay",
							    .password_file = relaypw },
				 &error);
	g_assert_no_error(error);
	g_assert_true(relay_push_add_key(rp, "bob", key, &error));
	g_assert_true(test_wait_for(relay_up, rp, 10000));

	/* mallory: the gateway's old, predictable client id, reading everything */
	for (i = 0; i < ATTACKS; i++) {
		const char *argv[] = { MOSQUITTO_SUB_BIN, "-h", "127.0.0.1", "-p", port,
				       "-i", victim_id, "-u", "mallory", "-P", "mallory-pw",
				       "-t", "pttgw/#", "-W", "2", "-v", NULL };
		GSubprocess *p = g_subprocess_newv(argv, G_SUBPROCESS_FLAGS_STDOUT_PIPE |
						   G_SUBPROCESS_FLAGS_STDERR_MERGE, &error);

		g_assert_no_error(error);
		g_ptr_array_add(attackers, p);
		test_spin(150);
		g_assert_cmpint(relay_push_publish(rp, "bob", "ops", 100 + i, "alice"), ==, 0);
		test_spin(100);
	}
	g_assert_true(test_wait_for(have_all, NULL, 10000));
	test_spin(2500);	/* the attackers' -W 2 runs out */
	for (i = 0; i < attackers->len; i++) {
		g_autofree char *out = NULL;

		g_subprocess_communicate_utf8(g_ptr_array_index(attackers, i), NULL, NULL, &out,
					      NULL, NULL);
		if (out && strstr(out, "pttgw/bob")) {
			spied = g_strdup(out);
			break;
		}
	}
	push_client_get_stats(pc, &st);
	g_test_message("gateway: %u up, %u down, %u pushes, %" G_GUINT64_FORMAT " connects",
		       ups, downs, streams->len, st.connects);
	g_assert_null(spied);
	g_assert_cmpuint(streams->len, ==, ATTACKS);
	g_assert_cmpuint(ups, ==, 1);
	g_assert_cmpuint(downs, ==, 0);

	relay_push_free(rp);
	push_client_free(pc);
	push_config_clear(&cfg);
	test_broker_cleanup(&broker);
	g_ptr_array_unref(attackers);
	g_array_unref(streams);
	g_unlink(acl);
	g_unlink(key);
	g_unlink(gwpw);
	g_unlink(relaypw);
	g_unlink(pwfile);
	g_rmdir(dir);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/security/broker/takeover", test_takeover);
	return g_test_run();
}
