/* SPDX-License-Identifier: MIT */
/* [gatt] of the configuration file (src/gatt/gatt-config.c). */
#include <string.h>

#include <glib.h>

#include "gatt-server.h"

static gboolean load(const char *text, struct gatt_config *cfg, GError **error)
{
	struct conf c = { .kf = g_key_file_new(), .path = (char *)"test.conf" };
	gboolean ok;

	g_assert_true(g_key_file_load_from_data(c.kf, text, (gsize)-1, G_KEY_FILE_NONE, NULL));
	ok = gatt_config_load(&c, cfg, error);
	g_key_file_free(c.kf);
	return ok;
}

static void test_defaults(void)
{
	struct gatt_config cfg;
	struct conf c = { .kf = NULL, .path = NULL };

	g_assert_true(gatt_config_load(&c, &cfg, NULL));
	g_assert_true(cfg.enabled);
	g_assert_cmpstr(cfg.adapter, ==, "");
	g_assert_cmpstr(cfg.local_name, ==, "pttgw");
	g_assert_cmpstr(cfg.service_uuid, ==, "62870001-ba78-4fd7-bbea-e8fe24a2e922");
	g_assert_cmpint(cfg.security, ==, GATT_SECURITY_ENCRYPT);
	g_assert_nonnull(cfg.allowlist);
	g_assert_null(cfg.allowlist[0]);
	g_assert_cmpstr(cfg.state_dir, ==, "/var/lib/pttgw");
	g_assert_cmpuint(cfg.write_rate, ==, 20);
	g_assert_cmpuint(cfg.write_burst, ==, 20);
	g_assert_cmpstr(cfg.firmware, ==, PTTGW_VERSION);
	gatt_config_clear(&cfg);
}

static void test_values(void)
{
	struct gatt_config cfg;

	g_assert_true(load("[gatt]\nenabled=false\nadapter=hci1\nlocal-name=Truck 7\n"
			   "service-uuid=62870001-BA78-4FD7-BBEA-E8FE24A2E922\n"
			   "security=authenticated\n"
			   "allowlist=aa:bb:cc:dd:ee:01; AA:BB:CC:DD:EE:02,00:11:22:33:44:55\n"
			   "state-dir=/tmp/x\nwrite-rate=5\nwrite-burst=3\nmodel=M1\n",
			   &cfg, NULL));
	g_assert_false(cfg.enabled);
	g_assert_cmpstr(cfg.adapter, ==, "hci1");
	g_assert_cmpstr(cfg.local_name, ==, "Truck 7");
	g_assert_cmpstr(cfg.service_uuid, ==, "62870001-ba78-4fd7-bbea-e8fe24a2e922");
	g_assert_cmpint(cfg.security, ==, GATT_SECURITY_AUTHENTICATED);
	g_assert_cmpuint(g_strv_length(cfg.allowlist), ==, 3);
	g_assert_cmpstr(cfg.allowlist[0], ==, "AA:BB:CC:DD:EE:01");
	g_assert_cmpstr(cfg.allowlist[2], ==, "00:11:22:33:44:55");
	g_assert_cmpuint(cfg.write_rate, ==, 5);
	g_assert_cmpuint(cfg.write_burst, ==, 3);
	g_assert_cmpstr(cfg.model, ==, "M1");
	gatt_config_clear(&cfg);
}

struct bad_case {
	const char *name;
	const char *text;
	const char *key; /* the message names it */
};

static const struct bad_case bad_cases[] = {
	{ "/gatt/config/bad/security", "[gatt]\nsecurity=none\n", "security" },
	{ "/gatt/config/bad/allowlist", "[gatt]\nallowlist=AA:BB:CC:DD:EE:01;AA:BB\n",
	  "allowlist" },
	{ "/gatt/config/bad/uuid", "[gatt]\nservice-uuid=180a\n", "service-uuid" },
	{ "/gatt/config/bad/rate", "[gatt]\nwrite-rate=0\n", "write-rate" },
	{ "/gatt/config/bad/burst", "[gatt]\nwrite-burst=x\n", "write-burst" },
	{ "/gatt/config/bad/enabled", "[gatt]\nenabled=maybe\n", "enabled" },
	{ "/gatt/config/bad/name", "[gatt]\nlocal-name=012345678901234567890123456789\n",
	  "local-name" },
};

static void test_bad(gconstpointer p)
{
	const struct bad_case *c = p;
	struct gatt_config cfg = { .local_name = (char *)"untouched" };
	g_autoptr(GError) error = NULL;
	g_autofree char *want = g_strdup_printf("test.conf: [gatt] %s:", c->key);

	g_assert_false(load(c->text, &cfg, &error));
	g_assert_nonnull(error);
	g_assert_true(g_str_has_prefix(error->message, want));
	g_assert_cmpstr(cfg.local_name, ==, "untouched");
}

static void test_example_documents_every_key(void)
{
	static const char *const keys[] = { "enabled", "adapter", "local-name", "service-uuid",
					    "security", "allowlist", "state-dir", "write-rate",
					    "write-burst", "manufacturer", "model", "firmware" };
	g_autofree char *text = NULL;
	const char *group;

	g_assert_true(g_file_get_contents(PTTGW_CONF_EXAMPLE, &text, NULL, NULL));
	group = strstr(text, "\n[gatt]\n");
	g_assert_nonnull(group);
	for (size_t i = 0; i < G_N_ELEMENTS(keys); i++) {
		g_autofree char *line = g_strdup_printf("\n#%s =", keys[i]);
		const char *at = strstr(group, line);
		const char *next = strstr(group + 1, "\n[");

		if (!at || (next && at > next))
			g_error("pttgw.conf.example [gatt] does not document %s", keys[i]);
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/gatt/config/defaults", test_defaults);
	g_test_add_func("/gatt/config/values", test_values);
	for (size_t i = 0; i < G_N_ELEMENTS(bad_cases); i++)
		g_test_add_data_func(bad_cases[i].name, &bad_cases[i], test_bad);
	g_test_add_func("/gatt/config/example", test_example_documents_every_key);
	return g_test_run();
}
