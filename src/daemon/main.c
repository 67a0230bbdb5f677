/* SPDX-License-Identifier: MIT */
/*
 * pttgwd - the pttgw push-to-talk gateway daemon.
 */
#include <errno.h>
#include <glib-unix.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "dbus-api.h"
#include "gateway.h"
#include "notify.h"
#include "reload.h"

struct options {
	char *config;
	gboolean session_bus;
	gboolean verbose;
	gboolean version;
	gboolean check_config;
	gboolean help_config;
};

extern const char pttgw_conf_example[];

static gboolean on_signal(gpointer data)
{
	g_message("terminating on signal");
	g_main_loop_quit(data);
	return G_SOURCE_REMOVE;
}

struct hup {
	struct gateway *gw;
	struct notify *notify;
};

/* SIGHUP: read the configuration again (a bad file keeps the running one; reload.c) */
static gboolean on_hup(gpointer data)
{
	struct hup *h = data;
	g_autoptr(GError) error = NULL;

	g_message("reloading on SIGHUP");
	notify_reloading(h->notify, true);
	gateway_reload(h->gw, &error);
	notify_reloading(h->notify, false);
	return G_SOURCE_CONTINUE;
}

static gboolean name_lost;

static void on_name_lost(void *data)
{
	name_lost = TRUE;
	g_main_loop_quit(data);
}

static gboolean use_session_bus(const struct options *o)
{
	const char *env = g_getenv("PTTGW_BUS");

	return o->session_bus || (env && g_str_equal(env, "session"));
}

static int run(struct options *o)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GMainLoop) loop = g_main_loop_new(NULL, FALSE);
	g_autoptr(GDBusConnection) api_bus = NULL;
	g_autoptr(GDBusConnection) system_bus = NULL;
	struct conf conf = { 0 };
	struct gateway *gw = NULL;
	struct dbus_api *api = NULL;
	struct notify *notify = NULL;
	struct hup hup = { 0 };
	guint hup_id = 0;
	const char *path = o->config ? o->config : PTTGW_DEFAULT_CONFIG;
	int ret = EXIT_FAILURE;

	if (!config_load(&conf, path, o->config != NULL, &error)) {
		fprintf(stderr, "pttgwd: %s\n", error->message);
		return PTTGW_EX_CONFIG;
	}
	config_warn_unknown(&conf);

	/* BlueZ lives on the system bus; without one the Bluetooth parts are off. */
	system_bus = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, &error);
	if (!system_bus) {
		g_info("no system bus (%s): Bluetooth adapters off", error->message);
		g_clear_error(&error);
	}
	gw = gateway_new(&conf, &(struct gateway_options){ .loop = loop, .system_bus = system_bus },
			 &error);
	if (!gw) {
		fprintf(stderr, "pttgwd: %s\n", error->message);
		ret = g_error_matches(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE) ||
				      g_error_matches(error, G_FILE_ERROR, G_FILE_ERROR_PERM)
			      ? PTTGW_EX_CONFIG
			      : EXIT_FAILURE;
		goto out;
	}
	gateway_reload_init(gw, path, o->config != NULL);
	if (o->check_config) {
		printf("%s: OK\n", conf.path ? conf.path : "(defaults)");
		ret = EXIT_SUCCESS;
		goto out;
	}

	api_bus = use_session_bus(o) ? g_bus_get_sync(G_BUS_TYPE_SESSION, NULL, &error)
				     : g_object_ref(system_bus);
	if (!api_bus) {
		fprintf(stderr, "pttgwd: no %s bus for the control API: %s\n",
			use_session_bus(o) ? "session" : "system",
			error ? error->message : "not connected");
		goto out;
	}
	api = dbus_api_new(api_bus, gw, G_CALLBACK(on_name_lost), loop, &error);
	if (!api) {
		fprintf(stderr, "pttgwd: D-Bus API: %s\n", error->message);
		goto out;
	}
	notify = notify_new(gw);
	if (!gateway_start(gw, &error)) {
		fprintf(stderr, "pttgwd: %s\n", error->message);
		ret = g_error_matches(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE)
			      ? PTTGW_EX_CONFIG
			      : EXIT_FAILURE;
		goto out;
	}

	g_unix_signal_add(SIGINT, on_signal, loop);
	g_unix_signal_add(SIGTERM, on_signal, loop);
	hup = (struct hup){ .gw = gw, .notify = notify };
	hup_id = g_unix_signal_add(SIGHUP, on_hup, &hup);
	notify_ready(notify);
	g_message("pttgwd %s running (config %s, control API on the %s bus)", PTTGW_VERSION,
		  conf.path ? conf.path : "defaults", use_session_bus(o) ? "session" : "system");
	g_main_loop_run(loop);
	notify_stopping(notify);
	ret = name_lost ? EXIT_FAILURE : EXIT_SUCCESS;
out:
	g_clear_handle_id(&hup_id, g_source_remove);
	notify = notify_free(notify);
	api = dbus_api_free(api);
	gw = gateway_free(gw);
	config_clear(&conf);
	return ret;
}

int main(int argc, char **argv)
{
	struct options o = { 0 };
	GOptionEntry entries[] = {
		{ "config", 'c', 0, G_OPTION_ARG_FILENAME, &o.config,
		  "Configuration file (default " PTTGW_DEFAULT_CONFIG "; see pttgw.conf.example)",
		  "FILE" },
		{ "session-bus", 0, 0, G_OPTION_ARG_NONE, &o.session_bus,
		  "Offer the control API on the session bus (tests, development); "
		  "PTTGW_BUS=session does the same", NULL },
		{ "check-config", 0, 0, G_OPTION_ARG_NONE, &o.check_config,
		  "Load and check the configuration, then exit (78 when it is bad)", NULL },
		{ "help-config", 0, 0, G_OPTION_ARG_NONE, &o.help_config,
		  "Print every configuration key with its default and meaning", NULL },
		{ "verbose", 'v', 0, G_OPTION_ARG_NONE, &o.verbose, "Debug logging", NULL },
		{ "version", 0, 0, G_OPTION_ARG_NONE, &o.version, "Print the version", NULL },
		G_OPTION_ENTRY_NULL,
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- push-to-talk gateway daemon");
	g_autoptr(GError) error = NULL;
	int r;

	setlocale(LC_ALL, "");
	g_option_context_add_main_entries(ctx, entries, NULL);
	g_option_context_set_description(
		ctx, "Exit status: 0 on a clean stop, 78 when the configuration is invalid, 1 otherwise.\n"
		     "Every configuration key is documented in pttgw.conf.example (--help-config).\n");
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		fprintf(stderr, "pttgwd: %s\n", error->message);
		return 2;
	}
	if (o.version) {
		printf("pttgwd %s\n", PTTGW_VERSION);
		return 0;
	}
	if (o.help_config) {
		fputs(pttgw_conf_example, stdout);
		return 0;
	}
	if (o.verbose)
		g_log_set_debug_enabled(TRUE);
	r = run(&o);
	g_free(o.config);
	return r;
}
