/* SPDX-License-Identifier: MIT */
/*
 * test-location.c - location.c's pure parts: the great-circle distance, the
 * rule that says when a position is reported, and [location] in the config.
 */
#include <glib.h>
#include <math.h>
#include <string.h>

#include "location.h"

#define S G_USEC_PER_SEC

static void test_distance(void)
{
	/* one degree of latitude: pi * R / 180 */
	g_assert_cmpfloat_with_epsilon(location_distance(0, 0, 1, 0), 111195.08, 0.1);
	/* one degree of longitude at 60 N is half of that */
	g_assert_cmpfloat_with_epsilon(location_distance(60, 10, 60, 11), 55597.0, 50);
	g_assert_cmpfloat(location_distance(48.1, 11.5, 48.1, 11.5), ==, 0);
	/* 0.0001 degrees north: about 11 m */
	g_assert_cmpfloat_with_epsilon(location_distance(48.0, 11.0, 48.0001, 11.0), 11.12, 0.01);
	/* across the antimeridian: short */
	g_assert_cmpfloat(location_distance(0, 179.9999, 0, -179.9999), <, 30);
}

static const struct {
	const char *path;
	bool fix_valid;
	double dlat;          /* the fix, degrees north of the last one sent */
	bool sent_before;
	uint64_t since_last;  /* usec since the last one was sent */
	bool want;
} due_cases[] = {
	{ "/location/due/no-fix", false, 0, false, 0, false },
	{ "/location/due/no-fix-interval-passed", false, 0, true, 100 * S, false },
	{ "/location/due/first", true, 0, false, 0, true },
	{ "/location/due/same-place-soon", true, 0, true, 5 * S, false },
	{ "/location/due/interval-exact", true, 0, true, 30 * S, true },
	{ "/location/due/interval-minus-1us", true, 0, true, 30 * S - 1, false },
	{ "/location/due/moved-40m", true, 0.00036, true, 1 * S, false },
	{ "/location/due/moved-56m", true, 0.0005, true, 1 * S, true },
};

static void test_due(gconstpointer p)
{
	size_t i = GPOINTER_TO_SIZE(p);
	const struct location_config cfg = { .source = LOCATION_GPSD, .interval = 30 * S,
					     .min_distance = 50 };
	struct location_fix last = { due_cases[i].sent_before, 48.0, 11.0, 5 };
	struct location_fix fix = { due_cases[i].fix_valid, 48.0 + due_cases[i].dlat, 11.0, 5 };
	uint64_t last_at = 1000 * S;

	g_assert_cmpint(location_due(&cfg, &fix, &last, last_at,
				     last_at + due_cases[i].since_last), ==, due_cases[i].want);
}

static struct conf make(const char *text)
{
	struct conf c = { .kf = g_key_file_new(), .path = g_strdup("/etc/pttgw/test.conf") };

	g_assert_true(g_key_file_load_from_data(c.kf, text, -1, G_KEY_FILE_NONE, NULL));
	return c;
}

static const struct {
	const char *path;
	const char *text;
	const char *want; /* substring of the error, NULL: OK */
} conf_cases[] = {
	{ "/location/conf/absent", "", NULL },
	{ "/location/conf/gpsd", "[location]\nsource = gpsd\ngpsd = 127.0.0.1:2948\ninterval = 5\n"
	  "min-distance = 10\n", NULL },
	{ "/location/conf/fixed", "[location]\nsource = fixed\nlatitude = 47.3769\n"
	  "longitude = 8.5417\n", NULL },
	{ "/location/conf/fixed-no-latitude", "[location]\nsource = fixed\nlongitude = 8\n",
	  "[location] latitude: required with source = fixed" },
	{ "/location/conf/fixed-bad-longitude", "[location]\nsource = fixed\nlatitude = 1\n"
	  "longitude = 181\n", "[location] longitude: \"181\" is not a number of degrees" },
	{ "/location/conf/bad-source", "[location]\nsource = glonass\n", "[location] source" },
	{ "/location/conf/interval-zero", "[location]\nsource = gpsd\ninterval = 0\n",
	  "[location] interval" },
	{ "/location/conf/min-distance-zero", "[location]\nsource = gpsd\nmin-distance = 0\n",
	  "[location] min-distance" },
};

static void test_conf(gconstpointer p)
{
	size_t i = GPOINTER_TO_SIZE(p);
	struct conf c = make(conf_cases[i].text);
	struct location_config cfg = { 0 };
	g_autoptr(GError) error = NULL;
	gboolean ok = location_config_load(&c, &cfg, &error);

	if (!conf_cases[i].want) {
		g_assert_no_error(error);
		g_assert_true(ok);
	} else {
		g_assert_false(ok);
		g_assert_nonnull(error);
		if (!strstr(error->message, conf_cases[i].want))
			g_error("\"%s\" lacks \"%s\"", error->message, conf_cases[i].want);
	}
	if (ok && strstr(conf_cases[i].text, "2948")) {
		g_assert_cmpint(cfg.source, ==, LOCATION_GPSD);
		g_assert_cmpuint(cfg.gpsd_port, ==, 2948);
		g_assert_cmpuint(cfg.interval, ==, 5 * S);
		g_assert_cmpfloat(cfg.min_distance, ==, 10);
	}
	if (ok && strstr(conf_cases[i].text, "fixed")) {
		g_assert_cmpfloat(cfg.latitude, ==, 47.3769);
		g_assert_cmpfloat(cfg.accuracy, ==, 10);
	}
	if (ok && !*conf_cases[i].text) {
		g_assert_cmpint(cfg.source, ==, LOCATION_OFF);
		g_assert_cmpuint(cfg.interval, ==, 60 * S);
		g_assert_cmpfloat(cfg.min_distance, ==, 50);
	}
	location_config_clear(&cfg);
	g_key_file_unref(c.kf);
	g_free(c.path);
}

int main(int argc, char **argv)
{
	size_t i;

	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/location/distance", test_distance);
	for (i = 0; i < G_N_ELEMENTS(due_cases); i++)
		g_test_add_data_func(due_cases[i].path, GSIZE_TO_POINTER(i), test_due);
	for (i = 0; i < G_N_ELEMENTS(conf_cases); i++)
		g_test_add_data_func(conf_cases[i].path, GSIZE_TO_POINTER(i), test_conf);
	return g_test_run();
}
