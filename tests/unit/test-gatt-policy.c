/* SPDX-License-Identifier: MIT */
/* Unit tests of the Control Point policy: allowlist, pairing window, rate limit. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <glib.h>

#include "gatt-policy.h"

#define SEC 1000000ull
#define A1 "AA:BB:CC:DD:EE:01"
#define A2 "AA:BB:CC:DD:EE:02"

static void test_address(void)
{
	static const struct {
		const char *in;
		const char *out;
	} cases[] = {
		{ "aa:bb:cc:dd:ee:ff", "AA:BB:CC:DD:EE:FF" },
		{ "00:11:22:33:44:55", "00:11:22:33:44:55" },
		{ "00:11:22:33:44:5", NULL },
		{ "00:11:22:33:44:555", NULL },
		{ "00-11-22-33-44-55", NULL },
		{ "00:11:22:33:44:5g", NULL },
		{ "", NULL },
		{ NULL, NULL },
	};

	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		char out[GATT_ADDRESS_LEN + 1] = "unchanged";
		bool ok = gatt_address_normalize(cases[i].in, out);

		g_assert_cmpint(ok, ==, cases[i].out != NULL);
		g_assert_cmpstr(out, ==, cases[i].out ? cases[i].out : "unchanged");
	}
}

static void test_allowlist(void)
{
	struct gatt_policy *p = gatt_policy_new(10, 10);

	g_assert_cmpint(gatt_policy_allow(p, "aa:bb:cc:dd:ee:01"), ==, 1);
	g_assert_cmpint(gatt_policy_allow(p, A1), ==, 0);
	g_assert_cmpint(gatt_policy_allow(p, "nonsense"), ==, -EINVAL);
	g_assert_true(gatt_policy_is_allowed(p, A1));
	g_assert_true(gatt_policy_is_allowed(p, "aa:bb:cc:dd:ee:01"));
	g_assert_false(gatt_policy_is_allowed(p, A2));
	g_assert_cmpuint(gatt_policy_allowlist_size(p), ==, 1);
	g_assert_cmpstr(gatt_policy_allowlist_get(p, 0), ==, A1);
	g_assert_null(gatt_policy_allowlist_get(p, 1));
	gatt_policy_free(p);
}

static void test_allowlist_bound(void)
{
	struct gatt_policy *p = gatt_policy_new(10, 10);
	char a[GATT_ADDRESS_LEN + 1];

	for (int i = 0; i < GATT_POLICY_ALLOWLIST_MAX; i++) {
		snprintf(a, sizeof(a), "00:00:00:00:%02X:%02X", i >> 8, i & 0xff);
		g_assert_cmpint(gatt_policy_allow(p, a), ==, 1);
	}
	g_assert_cmpint(gatt_policy_allow(p, "FF:FF:FF:FF:FF:FF"), ==, -ENOSPC);
	g_assert_cmpuint(gatt_policy_allowlist_size(p), ==, GATT_POLICY_ALLOWLIST_MAX);
	gatt_policy_free(p);
}

struct write_case {
	const char *name;
	bool allowed;     /* on the allowlist before */
	bool bonded;
	uint64_t window;  /* pairing window length, opened at t=0 */
	uint64_t at;      /* write time */
	int result;
	bool allowed_after;
};

static const struct write_case write_cases[] = {
	{ "/gatt/policy/write/allowed-bonded", true, true, 0, SEC, 0, true },
	{ "/gatt/policy/write/allowed-not-bonded", true, false, 0, SEC, -EACCES, true },
	{ "/gatt/policy/write/unknown-bonded", false, true, 0, SEC, -EACCES, false },
	{ "/gatt/policy/write/unknown-not-bonded", false, false, 0, SEC, -EACCES, false },
	{ "/gatt/policy/write/window-bonded-joins", false, true, 30 * SEC, SEC, 1, true },
	{ "/gatt/policy/write/window-not-bonded", false, false, 30 * SEC, SEC, -EACCES, false },
	{ "/gatt/policy/write/window-expired", false, true, 30 * SEC, 31 * SEC, -EACCES, false },
	{ "/gatt/policy/write/window-allowed-already", true, true, 30 * SEC, SEC, 0, true },
};

static void test_write(gconstpointer data)
{
	const struct write_case *c = data;
	struct gatt_policy *p = gatt_policy_new(10, 10);

	if (c->allowed)
		gatt_policy_allow(p, A1);
	gatt_policy_open_pairing(p, 0, c->window);
	g_assert_cmpint(gatt_policy_check_write(p, c->at, A1, c->bonded), ==, c->result);
	g_assert_cmpint(gatt_policy_is_allowed(p, A1), ==, c->allowed_after);
	/* nobody else was touched */
	g_assert_false(gatt_policy_is_allowed(p, A2));
	gatt_policy_free(p);
}

static void test_pairing_window(void)
{
	struct gatt_policy *p = gatt_policy_new(10, 10);

	g_assert_cmpuint(gatt_policy_pairing_left(p, 5 * SEC), ==, 0);
	g_assert_cmpint(gatt_policy_bonded(p, 5 * SEC, A1), ==, 0);
	gatt_policy_open_pairing(p, 10 * SEC, 60 * SEC);
	g_assert_cmpuint(gatt_policy_pairing_left(p, 40 * SEC), ==, 30 * SEC);
	g_assert_cmpint(gatt_policy_bonded(p, 40 * SEC, A1), ==, 1);
	g_assert_cmpint(gatt_policy_bonded(p, 41 * SEC, A1), ==, 0);
	g_assert_cmpint(gatt_policy_bonded(p, 71 * SEC, A2), ==, 0); /* closed */
	g_assert_true(gatt_policy_is_allowed(p, A1));
	g_assert_false(gatt_policy_is_allowed(p, A2));
	gatt_policy_open_pairing(p, 80 * SEC, 60 * SEC);
	gatt_policy_open_pairing(p, 81 * SEC, 0); /* closes */
	g_assert_cmpuint(gatt_policy_pairing_left(p, 82 * SEC), ==, 0);
	gatt_policy_free(p);
}

static void test_rate(void)
{
	/* 5 at once, then 2 per second */
	struct gatt_policy *p = gatt_policy_new(2, 5);
	uint64_t t = 100 * SEC;

	gatt_policy_allow(p, A1);
	gatt_policy_allow(p, A2);
	for (int i = 0; i < 5; i++)
		g_assert_cmpint(gatt_policy_check_write(p, t, A1, true), ==, 0);
	g_assert_cmpint(gatt_policy_check_write(p, t, A1, true), ==, -EBUSY);
	/* the other device has a bucket of its own */
	g_assert_cmpint(gatt_policy_check_write(p, t, A2, true), ==, 0);
	/* half a second brings back one write */
	g_assert_cmpint(gatt_policy_check_write(p, t + SEC / 4, A1, true), ==, -EBUSY);
	g_assert_cmpint(gatt_policy_check_write(p, t + SEC / 2 + SEC / 4, A1, true), ==, 0);
	g_assert_cmpint(gatt_policy_check_write(p, t + SEC / 2 + SEC / 4, A1, true), ==, -EBUSY);
	/* a long pause refills to the burst, not beyond */
	t += 3600 * SEC;
	for (int i = 0; i < 5; i++)
		g_assert_cmpint(gatt_policy_check_write(p, t, A1, true), ==, 0);
	g_assert_cmpint(gatt_policy_check_write(p, t, A1, true), ==, -EBUSY);
	/* a clock that goes back does not mint tokens */
	g_assert_cmpint(gatt_policy_check_write(p, t - SEC, A1, true), ==, -EBUSY);
	gatt_policy_free(p);
}

static void test_rate_flood_refused(void)
{
	/* refused writes count too: a flood from a stranger stays cheap and bounded */
	struct gatt_policy *p = gatt_policy_new(1, 3);
	int busy = 0, denied = 0;

	for (int i = 0; i < 1000; i++) {
		int r = gatt_policy_check_write(p, SEC, A2, true);

		busy += r == -EBUSY;
		denied += r == -EACCES;
	}
	g_assert_cmpint(denied, ==, 3);
	g_assert_cmpint(busy, ==, 997);
	gatt_policy_free(p);
}

static void test_rate_table_bound(void)
{
	/* more devices than the table holds: the least recently used is evicted */
	struct gatt_policy *p = gatt_policy_new(1, 1);
	char a[GATT_ADDRESS_LEN + 1];

	gatt_policy_allow(p, A1);
	g_assert_cmpint(gatt_policy_check_write(p, SEC, A1, true), ==, 0);
	g_assert_cmpint(gatt_policy_check_write(p, SEC, A1, true), ==, -EBUSY);
	for (int i = 0; i < GATT_POLICY_CLIENTS_MAX; i++) {
		snprintf(a, sizeof(a), "00:00:00:00:00:%02X", i);
		gatt_policy_check_write(p, 2 * SEC, a, false);
	}
	/* A1's bucket was evicted: it starts again with a full burst */
	g_assert_cmpint(gatt_policy_check_write(p, 2 * SEC, A1, true), ==, 0);
	g_assert_cmpint(gatt_policy_check_write(p, 2 * SEC, A1, true), ==, -EBUSY);
	gatt_policy_free(p);
}

static void test_bad_args(void)
{
	struct gatt_policy *p = gatt_policy_new(1, 1);

	g_assert_null(gatt_policy_new(0, 1));
	g_assert_null(gatt_policy_new(1, 0));
	g_assert_cmpint(gatt_policy_check_write(p, SEC, "not an address", true), ==, -EINVAL);
	g_assert_null(gatt_policy_free(p));
	g_assert_null(gatt_policy_free(NULL));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/gatt/policy/address", test_address);
	g_test_add_func("/gatt/policy/allowlist", test_allowlist);
	g_test_add_func("/gatt/policy/allowlist/bound", test_allowlist_bound);
	for (size_t i = 0; i < G_N_ELEMENTS(write_cases); i++)
		g_test_add_data_func(write_cases[i].name, &write_cases[i], test_write);
	g_test_add_func("/gatt/policy/pairing-window", test_pairing_window);
	g_test_add_func("/gatt/policy/rate", test_rate);
	g_test_add_func("/gatt/policy/rate/flood-refused", test_rate_flood_refused);
	g_test_add_func("/gatt/policy/rate/table-bound", test_rate_table_bound);
	g_test_add_func("/gatt/policy/bad-args", test_bad_args);
	return g_test_run();
}
