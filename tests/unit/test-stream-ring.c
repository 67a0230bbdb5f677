/* SPDX-License-Identifier: MIT */
/* Unit tests of src/core/stream-ring.c: the last 64 stream ids, kept once each. */
#include <glib.h>

#include "stream-ring.h"

static void test_basic(void)
{
	struct stream_ring r = { 0 };

	g_assert_false(stream_ring_has(&r, 7));
	stream_ring_add(&r, 7);
	g_assert_true(stream_ring_has(&r, 7));
	g_assert_false(stream_ring_has(&r, 8));
}

/* the oldest goes when a 65th id comes */
static void test_wrap(void)
{
	struct stream_ring r = { 0 };

	for (uint32_t id = 1; id <= STREAM_RING_SIZE; id++)
		stream_ring_add(&r, id);
	g_assert_true(stream_ring_has(&r, 1));
	g_assert_false(stream_ring_has(&r, 0)); /* full: no empty slot left */
	stream_ring_add(&r, STREAM_RING_SIZE + 1);
	g_assert_false(stream_ring_has(&r, 1));
	g_assert_true(stream_ring_has(&r, 2));
	g_assert_true(stream_ring_has(&r, STREAM_RING_SIZE + 1));
}

/* an id added again takes no second slot, so it does not push an older one out */
static void test_duplicate(void)
{
	struct stream_ring r = { 0 };

	for (uint32_t id = 1; id <= STREAM_RING_SIZE; id++)
		stream_ring_add(&r, id);
	stream_ring_add(&r, 5);
	g_assert_true(stream_ring_has(&r, 1));
}

/* 0 is "no stream": never added */
static void test_zero(void)
{
	struct stream_ring r = { 0 };

	for (uint32_t id = 1; id < STREAM_RING_SIZE; id++)
		stream_ring_add(&r, id);
	stream_ring_add(&r, 0);
	stream_ring_add(&r, 1000);
	g_assert_true(stream_ring_has(&r, 1));
	g_assert_true(stream_ring_has(&r, 1000));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/stream-ring/basic", test_basic);
	g_test_add_func("/stream-ring/wrap", test_wrap);
	g_test_add_func("/stream-ring/duplicate", test_duplicate);
	g_test_add_func("/stream-ring/zero", test_zero);
	return g_test_run();
}
