/* SPDX-License-Identifier: MIT */
/* Full-jitter exponential backoff: bounds and spread. */
#include <glib.h>
#include <string.h>

#include "uplink-backoff.h"
#include "uplink.h"

#define S G_USEC_PER_SEC

static const struct {
	uint64_t base, cap;
	unsigned n;
	uint64_t bound;
} bounds[] = {
	{ S / 2, 30 * S, 0, 0 },
	{ S / 2, 30 * S, 1, S / 2 },
	{ S / 2, 30 * S, 2, S },
	{ S / 2, 30 * S, 3, 2 * S },
	{ S / 2, 30 * S, 7, 30 * S },   /* 32 s capped */
	{ S / 2, 30 * S, 64, 30 * S },  /* no overflow */
	{ S / 2, 30 * S, 1000, 30 * S },
	{ 3 * S, 2 * S, 1, 2 * S },     /* cap below base: cap wins */
};

static void test_bound(void)
{
	for (unsigned i = 0; i < G_N_ELEMENTS(bounds); i++)
		g_assert_cmpuint(uplink_backoff_bound(bounds[i].base, bounds[i].cap, bounds[i].n),
				 ==, bounds[i].bound);
}

static void test_jitter(void)
{
	g_autoptr(GRand) r = g_rand_new_with_seed(1);
	uint64_t lo = UINT64_MAX, hi = 0;

	g_assert_cmpuint(uplink_backoff_delay(S, 30 * S, 3, 0.0), ==, 0);
	g_assert_cmpuint(uplink_backoff_delay(S, 30 * S, 3, 0.5), ==, 2 * S);
	g_assert_cmpuint(uplink_backoff_delay(S, 30 * S, 3, 7.0), ==, 0); /* bad r */
	for (int i = 0; i < 10000; i++) {
		uint64_t d = uplink_backoff_delay(S / 2, 30 * S, 4, g_rand_double(r));

		g_assert_cmpuint(d, <=, 4 * S);
		lo = MIN(lo, d);
		hi = MAX(hi, d);
	}
	/* full jitter: the whole range is used */
	g_assert_cmpuint(lo, <, S / 10);
	g_assert_cmpuint(hi, >, 4 * S - S / 10);
}

/* API.md's error codes and what it says to do about each. */
static void test_errors(void)
{
	static const struct {
		const char *code;
		enum uplink_err_action action;
	} want[] = {
		{ "server closed connection", UPLINK_ERR_RECONNECT },
		{ "internal server error", UPLINK_ERR_BACKOFF },
		{ "not logged in", UPLINK_ERR_RECONNECT },
		{ "not authorized", UPLINK_ERR_USER },
		{ "not enough params", UPLINK_ERR_USER },
		{ "channels limit exceeded", UPLINK_ERR_USER },
		{ "channel is not ready", UPLINK_ERR_CHANNEL },
		{ "listen only connection", UPLINK_ERR_DENY },
		{ "failed to start stream", UPLINK_ERR_DENY },
		{ "failed to stop stream", UPLINK_ERR_IGNORE },
		{ "failed to send data", UPLINK_ERR_REPORT },
		{ "invalid audio packet", UPLINK_ERR_REPORT },
		{ "unknown command", UPLINK_ERR_REPORT },
		{ "invalid json", UPLINK_ERR_REPORT },
		{ "invalid request", UPLINK_ERR_REPORT },
		{ "something new", UPLINK_ERR_REPORT },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(want); i++) {
		const struct uplink_error_info *e = uplink_error_lookup(want[i].code);
		g_autofree char *reason = uplink_error_reason(want[i].code);

		g_assert_cmpint(e->action, ==, want[i].action);
		g_assert_nonnull(e->text);
		/* the reason names the code, so a user can look it up */
		g_assert_nonnull(strstr(reason, want[i].code));
	}
	g_assert_null(uplink_error_lookup(NULL)->code);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/uplink/backoff/bound", test_bound);
	g_test_add_func("/uplink/backoff/full-jitter", test_jitter);
	g_test_add_func("/uplink/errors/apimd", test_errors);
	return g_test_run();
}
