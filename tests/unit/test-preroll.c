/* SPDX-License-Identifier: MIT */
#include <glib.h>
#include <string.h>

#include "preroll.h"

static void test_order(void)
{
	struct preroll p;
	GBytes *b;

	preroll_init(&p, 150);
	for (uint8_t i = 0; i < 10; i++)
		preroll_push(&p, &i, 1);
	g_assert_cmpuint(preroll_len(&p), ==, 10);
	for (uint8_t i = 0; i < 10; i++) {
		b = preroll_pop(&p);
		g_assert_nonnull(b);
		g_assert_cmpuint(((const uint8_t *)g_bytes_get_data(b, NULL))[0], ==, i);
		g_bytes_unref(b);
	}
	g_assert_null(preroll_pop(&p));
	preroll_clear(&p);
}

static void test_bound(void)
{
	struct preroll p;
	GBytes *b;

	/* 3 s of 20 ms frames: the oldest go first, and are counted */
	preroll_init(&p, 150);
	for (unsigned i = 0; i < 200; i++) {
		uint8_t v = (uint8_t)i;
		preroll_push(&p, &v, 1);
	}
	g_assert_cmpuint(preroll_len(&p), ==, 150);
	g_assert_cmpuint(p.dropped, ==, 50);
	b = preroll_pop(&p);
	g_assert_cmpuint(((const uint8_t *)g_bytes_get_data(b, NULL))[0], ==, 50);
	g_bytes_unref(b);
	preroll_clear(&p);
	g_assert_cmpuint(preroll_len(&p), ==, 0);
}

static void test_disabled(void)
{
	struct preroll p;
	uint8_t v = 1;

	preroll_init(&p, 0);
	preroll_push(&p, &v, 1);
	g_assert_cmpuint(preroll_len(&p), ==, 0);
	preroll_clear(&p);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/preroll/order/oldest-first", test_order);
	g_test_add_func("/preroll/bound/drops-oldest", test_bound);
	g_test_add_func("/preroll/bound/zero-disables", test_disabled);
	return g_test_run();
}
