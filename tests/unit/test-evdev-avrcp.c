/* SPDX-License-Identifier: MIT */
/*
 * Unit tests of evdev-avrcp.c: a headset's play/pause keys as a talk key, per
 * mode, as scripts of key levels (one per input frame) and the talk expected.
 */
#include <glib.h>
#include <linux/input-event-codes.h>
#include <string.h>

#include "evdev-avrcp.h"

struct avrcp_case {
	const char *name;
	enum evdev_avrcp_mode mode;
	const char *held; /* per frame: 1 a play/pause key is down, 0 none */
	const char *talk; /* per frame: the talk level expected */
};

static const struct avrcp_case cases[] = {
	/* BlueZ: press on the button's down, release on its up (or 2 s later) */
	{ "/evdev-avrcp/hold/press-release", EVDEV_AVRCP_HOLD, "0110100", "0110100" },
	{ "/evdev-avrcp/toggle/press-release", EVDEV_AVRCP_TOGGLE, "0101010", "0110011" },
	/* the key stays down over several frames (auto-repeat): one toggle */
	{ "/evdev-avrcp/toggle/held", EVDEV_AVRCP_TOGGLE, "1111011110", "1111100000" },
	{ "/evdev-avrcp/off", EVDEV_AVRCP_OFF, "0110101", "0000000" },
};

static void test_case(gconstpointer data)
{
	const struct avrcp_case *c = data;
	struct evdev_avrcp s = { 0 };

	g_assert_cmpuint(strlen(c->held), ==, strlen(c->talk));
	for (size_t i = 0; c->held[i]; i++) {
		bool talk = evdev_avrcp_talk(&s, c->mode, c->held[i] == '1');

		g_test_message("%s: frame %zu held %c -> talk %d", c->name, i, c->held[i], talk);
		g_assert_cmpint(talk, ==, c->talk[i] == '1');
	}
}

/* A mode switched off (a reload) while a toggled talk runs ends it. */
static void test_mode_change(void)
{
	struct evdev_avrcp s = { 0 };

	g_assert_true(evdev_avrcp_talk(&s, EVDEV_AVRCP_TOGGLE, true));
	g_assert_true(evdev_avrcp_talk(&s, EVDEV_AVRCP_TOGGLE, false));
	g_assert_false(evdev_avrcp_talk(&s, EVDEV_AVRCP_OFF, false));
	g_assert_false(evdev_avrcp_talk(&s, EVDEV_AVRCP_TOGGLE, false));
}

static void test_keys(void)
{
	g_assert_true(evdev_avrcp_key(KEY_PLAYCD));
	g_assert_true(evdev_avrcp_key(KEY_PAUSECD));
	g_assert_true(evdev_avrcp_key(KEY_PLAYPAUSE));
	g_assert_false(evdev_avrcp_key(KEY_STOPCD));
	g_assert_false(evdev_avrcp_key(KEY_NEXTSONG));
	for (int m = 0; m < _EVDEV_AVRCP_MODE_MAX; m++)
		g_assert_cmpstr(evdev_avrcp_mode_to_string((enum evdev_avrcp_mode)m), ==,
				evdev_avrcp_mode_names[m]);
	g_assert_null(evdev_avrcp_mode_names[_EVDEV_AVRCP_MODE_MAX]);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
		g_test_add_data_func(cases[i].name, &cases[i], test_case);
	g_test_add_func("/evdev-avrcp/mode-change", test_mode_change);
	g_test_add_func("/evdev-avrcp/keys", test_keys);
	return g_test_run();
}
