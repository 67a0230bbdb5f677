/* SPDX-License-Identifier: MIT */
/*
 * test-push-clock.c - push freshness without a right clock, and replays across a restart
 * (issue #15 items 7 and 8). The gateway's push client (state directory set, no broker
 * needed: pushes go in through push_client_inject()) gets pushes signed by a relay whose
 * clock is 2 minutes ahead of the gateway's, or 2 minutes behind (a Raspberry Pi without
 * RTC): all are accepted. A push accepted 3 s before a restart is refused after it (the
 * newest push accepted is kept in the state directory); a new one is taken. Without a
 * state directory (the old behaviour) the skewed pushes are refused and the refusals show
 * in the stats ("stale" in the daemon's status).
 */
#include <glib/gstdio.h>
#include <string.h>

#include "push-test-util.h"
#include "push.h"

#define KEY "c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1c1"
#define N 5

static char *sign(int64_t ts, uint32_t stream)
{
	struct push_msg m = { .channel = (char *)"ops", .stream_id = stream,
			      .from = (char *)"alice", .to = (char *)"bob", .timestamp_ms = ts };
	g_autoptr(GError) error = NULL;
	char *env;

	push_msg_new_nonce(&m);
	env = push_msg_sign(&m, KEY, strlen(KEY), NULL, &error);
	g_assert_no_error(error);
	g_free(m.nonce);
	return env;
}

static struct push_client *gateway(const char *dir, const char *state_dir,
				   struct push_config *cfg)
{
	g_autoptr(GError) error = NULL;
	struct push_client *pc;

	*cfg = (struct push_config){
		/* a port nobody listens on: no broker, pushes are injected */
		.host = g_strdup("127.0.0.1"), .port = test_free_port(),
		.topic = g_strdup("pttgw/bob"), .key_file = test_write_key(dir, "k", KEY),
		.client_id = g_strdup("pttgw-test-clock"), .window = 60 * G_USEC_PER_SEC,
		.keepalive = 5 * G_USEC_PER_SEC, .backoff_base = G_USEC_PER_SEC,
		.backoff_cap = 5 * G_USEC_PER_SEC, .replay_cache = 64,
		.username = g_strdup("bob"), .state_dir = g_strdup(state_dir),
	};
	pc = push_client_new(cfg, NULL, NULL, &error);
	g_assert_no_error(error);
	return pc;
}

static void gateway_free(struct push_client *pc, struct push_config *cfg)
{
	push_client_free(pc);
	push_config_clear(cfg);
}

/* N pushes signed with the relay's clock at skew_ms from ours, 1 s apart; the last
 * envelope is returned */
static char *feed(struct push_client *pc, int64_t skew_ms, uint32_t first)
{
	char *env = NULL;
	unsigned i;

	for (i = 0; i < N; i++) {
		g_free(env);
		env = sign(g_get_real_time() / 1000 + skew_ms + i * 1000, first + i);
		push_client_inject(pc, env, strlen(env));
	}
	return env;
}

static void rm_rf(const char *dir)
{
	g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
	const char *name;

	while (d && (name = g_dir_read_name(d))) {
		g_autofree char *p = g_build_filename(dir, name, NULL);

		if (g_file_test(p, G_FILE_TEST_IS_DIR))
			rm_rf(p);
		else
			g_unlink(p);
	}
	g_rmdir(dir);
}

static void test_skew(gconstpointer data)
{
	int64_t skew = GPOINTER_TO_INT(data) * 1000;
	g_autofree char *dir = g_dir_make_tmp("pttgw-sec-clock-XXXXXX", NULL);
	g_autofree char *state = g_build_filename(dir, "state", NULL);
	g_autofree char *last = NULL;
	struct push_config cfg;
	struct push_client *pc;
	struct push_stats st;

	/* without a state directory: refused, and visible */
	pc = gateway(dir, NULL, &cfg);
	g_free(feed(pc, skew, 100));
	push_client_get_stats(pc, &st);
	g_test_message("no state dir, relay clock %+" G_GINT64_FORMAT " s: %" G_GUINT64_FORMAT
		       " accepted, %" G_GUINT64_FORMAT " stale", skew / 1000, st.accepted,
		       st.stale);
	g_assert_cmpuint(st.accepted, ==, 0);
	g_assert_cmpuint(st.stale, ==, N);
	gateway_free(pc, &cfg);

	pc = gateway(dir, state, &cfg);
	last = feed(pc, skew, 200);
	push_client_get_stats(pc, &st);
	g_test_message("state dir, relay clock %+" G_GINT64_FORMAT " s: %" G_GUINT64_FORMAT
		       " accepted, offset %" G_GINT64_FORMAT " ms", skew / 1000, st.accepted,
		       st.clock_offset_ms);
	g_assert_cmpuint(st.accepted, ==, N);
	g_assert_cmpuint(st.stale, ==, 0);
	g_assert_true(st.have_offset);
	g_assert_cmpint(ABS(st.clock_offset_ms - skew), <, 10000);
	/* a replay of the last one is refused */
	push_client_inject(pc, last, strlen(last));
	push_client_get_stats(pc, &st);
	g_assert_cmpuint(st.accepted, ==, N);
	gateway_free(pc, &cfg);

	/* the restart: the push captured before it is refused, a new one is taken */
	pc = gateway(dir, state, &cfg);
	push_client_inject(pc, last, strlen(last));
	push_client_get_stats(pc, &st);
	g_assert_cmpuint(st.accepted, ==, 0);
	g_free(feed(pc, skew + N * 1000, 300));
	push_client_get_stats(pc, &st);
	g_assert_cmpuint(st.accepted, ==, N);
	gateway_free(pc, &cfg);
	rm_rf(dir);
}

/* the replay across a restart with right clocks (the case: 3 s before) */
static void test_replay_restart(void)
{
	g_autofree char *dir = g_dir_make_tmp("pttgw-sec-clock-XXXXXX", NULL);
	g_autofree char *state = g_build_filename(dir, "state", NULL);
	g_autofree char *env = sign(g_get_real_time() / 1000 - 3000, 77);
	struct push_config cfg;
	struct push_client *pc;
	struct push_stats st;

	pc = gateway(dir, state, &cfg);
	push_client_inject(pc, env, strlen(env));
	push_client_get_stats(pc, &st);
	g_assert_cmpuint(st.accepted, ==, 1);
	gateway_free(pc, &cfg);
	pc = gateway(dir, state, &cfg);
	push_client_inject(pc, env, strlen(env));
	push_client_get_stats(pc, &st);
	g_assert_cmpuint(st.accepted, ==, 0);
	g_assert_cmpuint(st.rejected, ==, 1);
	gateway_free(pc, &cfg);
	rm_rf(dir);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	/* the refusals are warnings by design here */
	g_log_set_always_fatal(G_LOG_LEVEL_ERROR | G_LOG_LEVEL_CRITICAL);
	g_test_add_data_func("/security/push/clock/relay-ahead-2min", GINT_TO_POINTER(120),
			     test_skew);
	g_test_add_data_func("/security/push/clock/relay-behind-2min", GINT_TO_POINTER(-120),
			     test_skew);
	g_test_add_func("/security/push/replay-after-restart", test_replay_restart);
	return g_test_run();
}
