/* SPDX-License-Identifier: MIT */
/*
 * test-push-config.c - push_config_load(): defaults, derived names, bad values.
 */
#include <glib.h>
#include <string.h>

#include "push.h"

struct ccase {
	const char *name;
	const char *text;     /* key file text */
	const char *username; /* [upstream] username given by the daemon */
	bool ok;
	const char *host;     /* expected when ok */
	guint16 port;
	const char *topic;
	const char *error_has;
};

static const struct ccase ccases[] = {
	{ "defaults/disabled", "", "bob", true, NULL, 0, NULL, NULL },
	{ "broker/topic-derived", "[push]\nbroker = 127.0.0.1:1883\n", "bob", true, "127.0.0.1",
	  1883, "pttgw/bob", NULL },
	{ "broker/ipv6", "[push]\nbroker = [::1]:8883\ntopic = a/b\n", NULL, true, "::1", 8883,
	  "a/b", NULL },
	{ "broker/no-port", "[push]\nbroker = example.org\n", "bob", false, NULL, 0, NULL,
	  "[push] broker" },
	{ "broker/bad-port", "[push]\nbroker = h:99999\n", "bob", false, NULL, 0, NULL,
	  "[push] broker" },
	{ "topic/no-username", "[push]\nbroker = h:1\n", NULL, false, NULL, 0, NULL,
	  "[push] topic" },
	{ "topic/wildcard", "[push]\nbroker = h:1\ntopic = pttgw/#\n", "bob", false, NULL, 0,
	  NULL, "[push] topic" },
	{ "window/zero", "[push]\nbroker = h:1\nwindow = 0\n", "bob", false, NULL, 0, NULL,
	  "[push] window" },
	{ "tls/not-bool", "[push]\nbroker = h:1\ntls = maybe\n", "bob", false, NULL, 0, NULL,
	  "[push] tls" },
	{ "backoff/cap-below-base", "[push]\nbroker = h:1\nbackoff-base = 5\nbackoff-cap = 1\n",
	  "bob", false, NULL, 0, NULL, "[push] backoff-cap" },
};

static void run_ccase(gconstpointer p)
{
	const struct ccase *c = p;
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) error = NULL;
	struct conf conf = { .kf = kf, .path = (char *)"test.conf" };
	struct push_config cfg = { 0 };
	gboolean ok;

	g_assert_true(g_key_file_load_from_data(kf, c->text, -1, G_KEY_FILE_NONE, &error));
	ok = push_config_load(&conf, c->username, &cfg, &error);
	if (!c->ok) {
		g_assert_false(ok);
		g_assert_nonnull(error);
		g_test_message("%s", error->message);
		g_assert_nonnull(strstr(error->message, c->error_has));
		g_assert_nonnull(strstr(error->message, "test.conf"));
		g_assert_null(cfg.host);
		return;
	}
	g_assert_no_error(error);
	g_assert_true(ok);
	g_assert_cmpstr(cfg.host, ==, c->host);
	g_assert_cmpuint(cfg.port, ==, c->port);
	g_assert_cmpstr(cfg.topic, ==, c->topic);
	g_assert_nonnull(cfg.client_id);
	g_assert_cmpstr(cfg.key_file, ==, PTTGW_SYSCONFDIR "/push.key");
	g_assert_cmpuint(cfg.window, ==, 60 * G_USEC_PER_SEC);
	g_assert_cmpuint(cfg.keepalive, ==, 30 * G_USEC_PER_SEC);
	g_assert_cmpuint(cfg.replay_cache, ==, 4096);
	g_assert_false(cfg.tls);
	push_config_clear(&cfg);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(ccases); i++) {
		g_autofree char *name = g_strdup_printf("/push-config/%s", ccases[i].name);

		g_test_add_data_func(name, &ccases[i], run_ccase);
	}
	return g_test_run();
}
