/* SPDX-License-Identifier: MIT */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "conf.h"
#include "config.h"
#include "statelist.h"

static struct conf make(const char *text)
{
	struct conf c = { .kf = g_key_file_new(), .path = g_strdup("/etc/pttgw/test.conf") };

	g_assert_true(g_key_file_load_from_data(c.kf, text, -1, G_KEY_FILE_NONE, NULL));
	return c;
}

static const struct {
	const char *name;
	const char *text;
	const char *want; /* substring of the error, NULL: OK */
} uint_cases[] = {
	{ "/conf/uint/ok", "[g]\nk = 7\n", NULL },
	{ "/conf/uint/absent", "[g]\n", NULL },
	{ "/conf/uint/words", "[g]\nk = seven\n", "/etc/pttgw/test.conf: [g] k: 'seven' is not a whole number" },
	{ "/conf/uint/negative", "[g]\nk = -1\n", "is not a whole number" },
	{ "/conf/uint/range", "[g]\nk = 11\n", "11 is out of range (1..10)" },
	{ "/conf/uint/empty", "[g]\nk =\n", "is not a whole number" },
};

static void test_uint(gconstpointer p)
{
	size_t i = GPOINTER_TO_SIZE(p);
	struct conf c = make(uint_cases[i].text);
	g_autoptr(GError) error = NULL;
	guint64 v = 99;
	gboolean ok = conf_get_uint(&c, "g", "k", 5, 1, 10, &v, &error);

	if (!uint_cases[i].want) {
		g_assert_no_error(error);
		g_assert_true(ok);
		g_assert_cmpuint(v, ==, strstr(uint_cases[i].text, "7") ? 7 : 5);
	} else {
		g_assert_false(ok);
		g_assert_cmpuint(v, ==, 99); /* untouched on failure */
		g_assert_nonnull(strstr(error->message, uint_cases[i].want));
	}
	g_key_file_unref(c.kf);
	g_free(c.path);
}

static void test_seconds_enum_bool(void)
{
	struct conf c = make("[g]\ns = 0.5\nbad = 1e400\ne = push-only\nb = yes\nnb = maybe\n");
	g_autoptr(GError) error = NULL;
	static const char *const names[] = { "persistent", "idle-drop", "push-only", NULL };
	guint64 us;
	int e;
	gboolean b;

	g_assert_true(conf_get_seconds(&c, "g", "s", 1, 0, 10, &us, &error));
	g_assert_cmpuint(us, ==, 500000);
	g_assert_false(conf_get_seconds(&c, "g", "bad", 1, 0, 10, &us, &error));
	g_clear_error(&error);
	g_assert_true(conf_get_enum(&c, "g", "e", names, 0, &e, &error));
	g_assert_cmpint(e, ==, 2);
	g_assert_true(conf_get_bool(&c, "g", "b", FALSE, &b, &error));
	g_assert_true(b);
	g_assert_false(conf_get_bool(&c, "g", "nb", FALSE, &b, &error));
	g_assert_nonnull(strstr(error->message, "[g] nb: 'maybe' is not a boolean"));
	g_key_file_unref(c.kf);
	g_free(c.path);
}

static void test_enum_bad(void)
{
	struct conf c = make("[upstream]\npolicy = sometimes\n");
	g_autoptr(GError) error = NULL;
	static const char *const names[] = { "persistent", "idle-drop", "push-only", NULL };
	int e = 7;

	g_assert_false(conf_get_enum(&c, "upstream", "policy", names, 0, &e, &error));
	g_assert_cmpint(e, ==, 7);
	g_assert_nonnull(strstr(error->message,
				"[upstream] policy: 'sometimes' is not one of: persistent, idle-drop, push-only"));
	g_key_file_unref(c.kf);
	g_free(c.path);
}

static void test_hostport(void)
{
	struct conf c = make("[p]\na = 127.0.0.1:1883\nb = [::1]:8080\nc = nohost\nd = h:99999\n");
	g_autoptr(GError) error = NULL;
	g_autofree char *h = NULL;
	guint16 port;

	g_assert_true(conf_get_hostport(&c, "p", "a", NULL, &h, &port, &error));
	g_assert_cmpstr(h, ==, "127.0.0.1");
	g_assert_cmpuint(port, ==, 1883);
	g_clear_pointer(&h, g_free);
	g_assert_true(conf_get_hostport(&c, "p", "b", NULL, &h, &port, &error));
	g_assert_cmpstr(h, ==, "::1");
	g_assert_cmpuint(port, ==, 8080);
	g_assert_false(conf_get_hostport(&c, "p", "c", NULL, &h, &port, &error));
	g_clear_error(&error);
	g_assert_false(conf_get_hostport(&c, "p", "d", NULL, &h, &port, &error));
	g_key_file_unref(c.kf);
	g_free(c.path);
}

static void test_secret_file(void)
{
	g_autofree char *dir = g_dir_make_tmp("pttgw-conf-XXXXXX", NULL);
	g_autofree char *path = g_build_filename(dir, "secret", NULL);
	g_autoptr(GError) error = NULL;
	g_autofree char *s = NULL;

	g_assert_true(g_file_set_contents(path, "hunter2\nsecond line\n", -1, NULL));
	g_assert_cmpint(g_chmod(path, 0644), ==, 0);
	g_assert_null(conf_read_secret_file(path, &error));
	g_assert_nonnull(strstr(error->message, "accessible by others"));
	g_clear_error(&error);
	g_assert_cmpint(g_chmod(path, 0600), ==, 0);
	s = conf_read_secret_file(path, &error);
	g_assert_no_error(error);
	g_assert_cmpstr(s, ==, "hunter2");
	g_unlink(path);
	g_rmdir(dir);
}

static void test_state_list(void)
{
	g_autofree char *tmp = g_dir_make_tmp("pttgw-state-XXXXXX", NULL);
	g_autofree char *lib = g_build_filename(tmp, "lib", NULL);
	g_autofree char *dir = g_build_filename(lib, "pttgw", NULL); /* not there yet */
	g_autofree char *path = g_build_filename(dir, "list", NULL);
	g_autofree char *text = NULL;
	const char *const items[] = { "AA:BB:CC:DD:EE:FF=aina", "11:22:33:44:55:66", NULL };
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) got = NULL;
	GStatBuf st;

	/* a list never saved is empty, not an error */
	got = state_list_load(dir, "list", &error);
	g_assert_no_error(error);
	g_assert_cmpuint(g_strv_length(got), ==, 0);
	g_clear_pointer(&got, g_strfreev);

	/* saved (the directory made), read back; 0640, a header comment first */
	g_assert_true(state_list_save(dir, "list", "what this is", items, &error));
	g_assert_no_error(error);
	g_assert_cmpint(g_stat(path, &st), ==, 0);
	g_assert_cmpuint(st.st_mode & 0777, ==, 0640);
	g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
	g_assert_cmpstr(text, ==, "# what this is\nAA:BB:CC:DD:EE:FF=aina\n11:22:33:44:55:66\n");
	got = state_list_load(dir, "list", &error);
	g_assert_no_error(error);
	g_assert_cmpstrv(got, items);
	g_clear_pointer(&got, g_strfreev);

	/* a hand-edited list: blanks, comments and spaces do not count */
	g_assert_true(g_file_set_contents(path, "\n# mine\n  one  \n\n\ttwo\n#x\n", -1, NULL));
	got = state_list_load(dir, "list", &error);
	g_assert_no_error(error);
	g_assert_cmpstrv(got, ((const char *const[]){ "one", "two", NULL }));
	g_clear_pointer(&got, g_strfreev);

	/* replaced whole: an empty save leaves the header alone */
	g_assert_true(state_list_save(dir, "list", NULL, NULL, &error));
	got = state_list_load(dir, "list", &error);
	g_assert_cmpuint(g_strv_length(got), ==, 0);
	g_clear_pointer(&got, g_strfreev);

	/* unreadable (a directory where the file should be) and unwritable: errors */
	g_unlink(path);
	g_assert_cmpint(g_mkdir(path, 0700), ==, 0);
	g_assert_null(state_list_load(dir, "list", &error));
	g_assert_nonnull(error);
	g_clear_error(&error);
	g_assert_false(state_list_save(path, "x/y", "h", items, &error));
	g_assert_nonnull(error);
	g_test_message("unwritable: %s", error->message);
	g_rmdir(path);
	g_rmdir(dir);
	g_rmdir(lib);
	g_rmdir(tmp);
}

static void test_known_keys(void)
{
	g_assert_true(config_key_known("floor", "request-timeout"));
	g_assert_true(config_key_known("general", "name"));
	g_assert_false(config_key_known("floor", "request"));
	g_assert_false(config_key_known("nosuchgroup", "name"));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(uint_cases); i++)
		g_test_add_data_func(uint_cases[i].name, GSIZE_TO_POINTER(i), test_uint);
	g_test_add_func("/conf/seconds-enum-bool", test_seconds_enum_bool);
	g_test_add_func("/conf/enum/bad-names-choices", test_enum_bad);
	g_test_add_func("/conf/hostport", test_hostport);
	g_test_add_func("/conf/secret-file/permissions", test_secret_file);
	g_test_add_func("/state-list/save-load", test_state_list);
	g_test_add_func("/config/known-keys-from-example", test_known_keys);
	return g_test_run();
}
