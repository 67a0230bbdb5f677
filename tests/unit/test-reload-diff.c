/* SPDX-License-Identifier: MIT */
/*
 * Which parts a reload makes anew, for pairs of configuration files (reload-diff.h).
 */
#include <glib.h>

#include "reload-diff.h"

struct diff_case {
	const char *name;
	const char *before; /* key file text; NULL: no file (defaults) */
	const char *after;
	unsigned parts;
	const char *groups;
};

#define UP "[upstream]\nurl = ws://127.0.0.1:8765/\nchannel = ops\nusername = gw1\n"

static const struct diff_case cases[] = {
	{ "/reload/diff/same", UP, UP, 0, "" },
	{ "/reload/diff/defaults-both", NULL, NULL, 0, "" },
	{ "/reload/diff/comments-and-order", UP "# a comment\n",
	  "# another\n[upstream]\nusername = gw1\nchannel = ops\nurl = ws://127.0.0.1:8765/\n", 0,
	  "" },
	{ "/reload/diff/upstream/url", UP, "[upstream]\nurl = ws://h:1/\nchannel = ops\nusername = gw1\n",
	  RELOAD_LINK | RELOAD_PUSH | RELOAD_BT, "upstream" },
	{ "/reload/diff/upstream/channel-only", UP,
	  "[upstream]\nurl = ws://127.0.0.1:8765/\nchannel = dispatch\nusername = gw1\n",
	  RELOAD_CHANNEL, "upstream" },
	{ "/reload/diff/upstream/channel-and-key", UP,
	  "[upstream]\nurl = ws://127.0.0.1:8765/\nchannel = dispatch\nusername = gw2\n",
	  RELOAD_LINK | RELOAD_PUSH | RELOAD_BT, "upstream" },
	{ "/reload/diff/upstream/key-added", UP, UP "heartbeat-interval = 5\n",
	  RELOAD_LINK | RELOAD_PUSH | RELOAD_BT, "upstream" },
	{ "/reload/diff/audio", UP, UP "[audio]\nvolume = 50\n", RELOAD_AUDIO, "audio" },
	{ "/reload/diff/push", UP, UP "[push]\nbroker = 127.0.0.1:1883\n", RELOAD_PUSH, "push" },
	{ "/reload/diff/floor", UP, UP "[floor]\nmax-talk = 30\n", RELOAD_FLOOR, "floor" },
	{ "/reload/diff/general", UP, UP "[general]\nname = unit-17\n",
	  RELOAD_AUDIO | RELOAD_BT | RELOAD_FLOOR, "general" },
	{ "/reload/diff/general/channels", UP, UP "[general]\nchannels = ops, fire\n",
	  RELOAD_AUDIO | RELOAD_BT | RELOAD_FLOOR | RELOAD_LINK | RELOAD_PUSH, "general" },
	{ "/reload/diff/general/priority", UP "[general]\nchannels = ops, fire\n",
	  UP "[general]\nchannels = ops, fire\npriority = fire\n",
	  RELOAD_AUDIO | RELOAD_BT | RELOAD_FLOOR | RELOAD_LINK | RELOAD_PUSH, "general" },
	{ "/reload/diff/buttons", UP, UP "[buttons]\npair-window = 30\n", RELOAD_BT, "buttons" },
	{ "/reload/diff/gatt-and-evdev", UP, UP "[gatt]\nenabled = false\n[evdev]\nenable = false\n",
	  RELOAD_BT, "gatt,evdev" },
	{ "/reload/diff/audio-and-floor", UP "[audio]\nvolume = 50\n", UP "[floor]\nmax-talk = 30\n",
	  RELOAD_AUDIO | RELOAD_FLOOR, "floor,audio" },
	{ "/reload/diff/location", UP, UP "[location]\nsource = gpsd\n", RELOAD_LOCATION,
	  "location" },
	{ "/reload/diff/unknown-group", UP, UP "[nonsense]\nkey = 1\n", 0, "" },
	{ "/reload/diff/file-removed", UP, NULL, RELOAD_LINK | RELOAD_PUSH | RELOAD_BT, "upstream" },
};

static void load(struct conf *c, const char *text)
{
	*c = (struct conf){ 0 };
	if (!text)
		return;
	c->kf = g_key_file_new();
	g_assert_true(g_key_file_load_from_data(c->kf, text, (gsize)-1, G_KEY_FILE_NONE, NULL));
	c->path = g_strdup("test.conf");
}

static void clear(struct conf *c)
{
	g_clear_pointer(&c->kf, g_key_file_unref);
	g_clear_pointer(&c->path, g_free);
}

static void test_case(gconstpointer data)
{
	const struct diff_case *t = data;
	g_autofree char *groups = NULL;
	struct conf a, b;

	load(&a, t->before);
	load(&b, t->after);
	g_assert_cmphex(reload_diff(&a, &b, &groups), ==, t->parts);
	g_assert_cmpstr(groups, ==, t->groups);
	clear(&a);
	clear(&b);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	for (gsize i = 0; i < G_N_ELEMENTS(cases); i++)
		g_test_add_data_func(cases[i].name, &cases[i], test_case);
	return g_test_run();
}
