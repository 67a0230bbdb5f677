/* SPDX-License-Identifier: MIT */
/*
 * pttgwctl - command-line client of pttgwd's org.pttgw.Gateway1 API.
 */
#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <locale.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BUS_NAME "org.pttgw.Gateway1"
#define OBJECT_PATH "/org/pttgw/Gateway"
#define INTERFACE "org.pttgw.Gateway1"
#define CALL_TIMEOUT_MS 5000

struct ctl {
	GDBusConnection *bus;
	gboolean json;
	char *source;
	gboolean wait;
	double timeout;
	GMainLoop *loop;
	guint32 press_id;
	int exit_status;
	char *to;		/* press --to, message --to */
	char *channel;		/* message --channel */
};

static void die_on_error(GError *error)
{
	if (g_dbus_error_is_remote_error(error)) {
		g_autofree char *name = g_dbus_error_get_remote_error(error);

		g_dbus_error_strip_remote_error(error);
		if (g_str_equal(name, "org.freedesktop.DBus.Error.ServiceUnknown") ||
		    g_str_equal(name, "org.freedesktop.DBus.Error.NameHasNoOwner")) {
			fprintf(stderr, "pttgwctl: pttgwd is not running (no %s on the bus)\n",
				BUS_NAME);
			exit(3);
		}
		if (g_str_equal(name, "org.freedesktop.DBus.Error.AccessDenied")) {
			fprintf(stderr, "pttgwctl: access denied: %s (root and group pttgw only)\n",
				error->message);
			exit(4);
		}
		fprintf(stderr, "pttgwctl: %s: %s\n", name, error->message);
		exit(1);
	}
	fprintf(stderr, "pttgwctl: %s\n", error->message);
	exit(1);
}

static GVariant *call(struct ctl *c, const char *method, GVariant *args, const char *reply_type)
{
	g_autoptr(GError) error = NULL;
	GVariant *r;

	r = g_dbus_connection_call_sync(c->bus, BUS_NAME, OBJECT_PATH, INTERFACE, method, args,
					reply_type ? G_VARIANT_TYPE(reply_type) : NULL,
					G_DBUS_CALL_FLAGS_NO_AUTO_START, CALL_TIMEOUT_MS, NULL,
					&error);
	if (!r)
		die_on_error(error);
	return r;
}

static JsonObject *parse_object(const char *json, JsonParser *parser)
{
	g_autoptr(GError) error = NULL;

	if (!json_parser_load_from_data(parser, json, -1, &error) ||
	    !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
		fprintf(stderr, "pttgwctl: the daemon sent bad JSON: %s\n",
			error ? error->message : "not an object");
		exit(1);
	}
	return json_node_get_object(json_parser_get_root(parser));
}

/* A string member, or NULL when it is absent or null. */
static const char *opt_string(JsonObject *o, const char *name)
{
	JsonNode *n = json_object_get_member(o, name);

	return n && JSON_NODE_HOLDS_VALUE(n) ? json_node_get_string(n) : NULL;
}

static const char *member_string(JsonObject *o, const char *name)
{
	JsonNode *n = json_object_get_member(o, name);

	if (!n || JSON_NODE_HOLDS_NULL(n) || json_node_get_value_type(n) != G_TYPE_STRING)
		return "-";
	return json_node_get_string(n);
}

/* Several channels: one line each (selected "*", status, users, talker, pre-empted). */
static void print_channels(JsonObject *o)
{
	JsonArray *a = json_object_has_member(o, "channels") ?
		       json_object_get_array_member(o, "channels") : NULL;

	if (!a || json_array_get_length(a) < 2)
		return;
	printf("Channels:\n");
	for (guint i = 0; i < json_array_get_length(a); i++) {
		JsonObject *ch = json_array_get_object_element(a, i);
		g_autofree char *users = NULL;

		if (!ch)
			continue;
		if (!json_object_get_null_member(ch, "users_online"))
			users = g_strdup_printf("%" G_GINT64_FORMAT,
						json_object_get_int_member(ch, "users_online"));
		printf("  %s %-16s %-8s users %-4s talker %-12s%s pre-empted %" G_GINT64_FORMAT "\n",
		       json_object_get_boolean_member_with_default(ch, "selected", FALSE) ? "*" : " ",
		       member_string(ch, "name"), member_string(ch, "status"), users ? users : "-",
		       member_string(ch, "talker"),
		       json_object_get_boolean_member_with_default(ch, "playing", FALSE) ? " (playing)"
											  : "",
		       json_object_get_int_member_with_default(ch, "preempted", 0));
	}
}

/* The text message, private call and location parts of the status. */
static void print_messages_status(JsonObject *o)
{
	JsonNode *n = json_object_get_member(o, "private_call");
	JsonArray *a = json_object_has_member(o, "messages")
			       ? json_object_get_array_member(o, "messages") : NULL;
	JsonObject *loc = json_object_has_member(o, "location")
				  ? json_object_get_object_member(o, "location") : NULL;

	if (n && JSON_NODE_HOLDS_OBJECT(n))
		printf("Private:  call from %s to you\n",
		       member_string(json_node_get_object(n), "from"));
	if (loc && !g_str_equal(member_string(loc, "source"), "off")) {
		if (json_object_has_member(loc, "latitude"))
			printf("Location: %s, %s %.6f %.6f, %" G_GINT64_FORMAT " sent\n",
			       member_string(loc, "source"), member_string(loc, "state"),
			       json_object_get_double_member(loc, "latitude"),
			       json_object_get_double_member(loc, "longitude"),
			       json_object_get_int_member(loc, "sent"));
		else
			printf("Location: %s, %s\n", member_string(loc, "source"),
			       member_string(loc, "state"));
	}
	for (guint i = 0; a && i < json_array_get_length(a); i++) {
		JsonObject *m = json_array_get_object_element(a, i);
		bool out = g_str_equal(member_string(m, "direction"), "out");

		printf("Message:  %s %s -> %s: %s (%s)\n", out ? ">>" : "<<",
		       member_string(m, "from"), member_string(m, "to"), member_string(m, "text"),
		       member_string(m, "state"));
	}
}

static int cmd_status(struct ctl *c)
{
	g_autoptr(GVariant) r = call(c, "GetStatus", NULL, "(s)");
	g_autoptr(JsonParser) parser = json_parser_new();
	const char *json;
	JsonObject *o, *audio;

	g_variant_get(r, "(&s)", &json);
	o = parse_object(json, parser);
	if (c->json) {
		printf("%s\n", json);
		return 0;
	}
	audio = json_object_get_object_member(o, "audio");
	printf("Gateway:  %s\n", member_string(o, "name"));
	printf("Floor:    %s%s%s\n", member_string(o, "floor"),
	       json_object_get_boolean_member_with_default(o, "emergency", FALSE) ? " (emergency)" : "",
	       "");
	printf("Service:  %s%s%s\n", member_string(o, "service"), opt_string(o, "service_detail") ?
	       " - " : "", opt_string(o, "service_detail") ? opt_string(o, "service_detail") : "");
	printf("Link:     %s%s%s\n", member_string(o, "link"),
	       json_object_get_null_member(o, "link_detail") ? "" : " - ",
	       json_object_get_null_member(o, "link_detail") ? "" : member_string(o, "link_detail"));
	printf("Push:     %s\n", member_string(o, "push"));
	if (json_object_has_member(o, "users_online") &&
	    !json_object_get_null_member(o, "users_online") &&
	    json_object_get_int_member(o, "users_online") >= 0)
		printf("Channel:  %s (%" G_GINT64_FORMAT " online)\n", member_string(o, "channel"),
		       json_object_get_int_member(o, "users_online"));
	else
		printf("Channel:  %s\n", member_string(o, "channel"));
	printf("Talker:   %s\n", member_string(o, "talker"));
	print_channels(o);
	print_messages_status(o);
	if (audio)
		printf("Audio:    %s, %s%s%s\n", member_string(audio, "route"),
		       json_object_get_boolean_member_with_default(audio, "active", FALSE) ? "active"
											  : "inactive",
		       json_object_get_null_member(audio, "error") ? "" : ": ",
		       json_object_get_null_member(audio, "error") ? "" : member_string(audio, "error"));
	if (audio && json_object_has_member(audio, "mic") &&
	    !g_str_equal(member_string(audio, "mic"), "off"))
		printf("Mic:      %s%s%s\n", member_string(audio, "mic"),
		       json_object_get_null_member(audio, "mic_error") ? "" : ": ",
		       json_object_get_null_member(audio, "mic_error")
			       ? ""
			       : member_string(audio, "mic_error"));
	if (audio && json_object_has_member(audio, "headset")) {
		JsonObject *hs = json_object_get_object_member(audio, "headset");
		const char *err = hs ? member_string(hs, "error") : "";

		if (hs)
			printf("Headset:  %s %s (%s)%s%s\n", member_string(hs, "device"),
			       member_string(hs, "profile"), member_string(hs, "mode"),
			       *err ? ", " : "", err);
	}
	if (json_object_has_member(o, "bluetooth")) {
		JsonObject *bt = json_object_get_object_member(o, "bluetooth");
		JsonArray *buttons = bt && json_object_has_member(bt, "buttons")
					     ? json_object_get_array_member(bt, "buttons")
					     : NULL;

		for (guint i = 0; buttons && i < json_array_get_length(buttons); i++) {
			JsonObject *b = json_array_get_object_element(buttons, i);
			printf("Button:   %s %s %s battery %s\n", member_string(b, "address"),
			       member_string(b, "profile"),
			       json_object_get_boolean_member_with_default(b, "connected", FALSE)
				       ? "connected"
				       : "disconnected",
			       json_object_has_member(b, "battery") &&
					       !json_object_get_null_member(b, "battery")
				       ? json_to_string(json_object_get_member(b, "battery"), FALSE)
				       : "-");
		}
	}
	return 0;
}

static void print_event(struct ctl *c, guint64 ts, const char *type, const char *json)
{
	g_autoptr(JsonParser) parser = NULL;
	JsonObject *o;

	if (c->json) {
		printf("%s\n", json);
		fflush(stdout);
		return;
	}
	parser = json_parser_new();
	o = parse_object(json, parser);
	printf("%10.3f %-8s", ts / 1e6, type);
	if (json_object_has_member(o, "from") && json_object_has_member(o, "to"))
		printf(" %s -> %s", member_string(o, "from"), member_string(o, "to"));
	json_object_remove_member(o, "ts");
	json_object_remove_member(o, "type");
	json_object_remove_member(o, "from");
	json_object_remove_member(o, "to");
	if (json_object_get_size(o) > 0) {
		g_autoptr(JsonNode) rest = json_node_new(JSON_NODE_OBJECT);
		g_autofree char *s = NULL;

		json_node_set_object(rest, o);
		s = json_to_string(rest, FALSE);
		printf(" %s", s);
	}
	printf("\n");
	fflush(stdout);
}

static void on_event(GDBusConnection *conn, const char *sender, const char *path,
		     const char *iface, const char *signal, GVariant *params, gpointer user_data)
{
	struct ctl *c = user_data;
	const char *type, *json;
	guint64 ts;

	if (!g_variant_is_of_type(params, G_VARIANT_TYPE("(tss)")))
		return;
	g_variant_get(params, "(t&s&s)", &ts, &type, &json);
	if (c->press_id) {
		/* --wait: the one outcome of our press */
		g_autoptr(JsonParser) parser = json_parser_new();
		JsonObject *o;

		if (!g_str_equal(type, "outcome"))
			return;
		o = parse_object(json, parser);
		if ((guint32)json_object_get_int_member(o, "press_id") != c->press_id)
			return;
		{
			const char *outcome = member_string(o, "outcome");
			const char *reason = member_string(o, "reason");
			bool same = !*reason || g_str_equal(reason, outcome);

			printf("%s%s%s\n", outcome, same ? "" : ": ", same ? "" : reason);
		}
		c->exit_status = g_str_equal(member_string(o, "outcome"), "granted") ? 0 : 1;
		g_main_loop_quit(c->loop);
		return;
	}
	print_event(c, ts, type, json);
}

static void on_vanished(GDBusConnection *conn, const char *name, gpointer user_data)
{
	struct ctl *c = user_data;

	fprintf(stderr, "pttgwctl: pttgwd is not running (no %s on the bus)\n", BUS_NAME);
	c->exit_status = 3;
	g_main_loop_quit(c->loop);
}

static gboolean on_timeout(gpointer user_data)
{
	struct ctl *c = user_data;

	fprintf(stderr, "pttgwctl: no outcome within %g s\n", c->timeout);
	c->exit_status = 1;
	g_main_loop_quit(c->loop);
	return G_SOURCE_REMOVE;
}

static guint subscribe(struct ctl *c)
{
	return g_dbus_connection_signal_subscribe(c->bus, BUS_NAME, INTERFACE, "Event", OBJECT_PATH,
						  NULL, G_DBUS_SIGNAL_FLAGS_NONE, on_event, c, NULL);
}

static int cmd_monitor(struct ctl *c)
{
	guint watch;

	c->loop = g_main_loop_new(NULL, FALSE);
	subscribe(c);
	watch = g_bus_watch_name_on_connection(c->bus, BUS_NAME, G_BUS_NAME_WATCHER_FLAGS_NONE,
					       NULL, on_vanished, c, NULL);
	g_main_loop_run(c->loop);
	g_bus_unwatch_name(watch);
	g_main_loop_unref(c->loop);
	return c->exit_status;
}

static int cmd_press(struct ctl *c, const char *method)
{
	g_autoptr(GVariant) r = NULL;
	guint32 id;

	if (c->wait) {
		c->loop = g_main_loop_new(NULL, FALSE);
		subscribe(c);
	}
	if (c->to)
		r = call(c, "PressTo", g_variant_new("(ss)", c->source, c->to), "(u)");
	else
		r = call(c, method, g_variant_new("(s)", c->source), "(u)");
	g_variant_get(r, "(u)", &id);
	if (!c->wait) {
		printf("%s accepted (press %u)\n", method, id);
		return 0;
	}
	c->press_id = id;
	g_timeout_add((guint)(c->timeout * 1000), on_timeout, c);
	g_main_loop_run(c->loop);
	g_main_loop_unref(c->loop);
	return c->exit_status;
}

/* message [--channel C] [--to USER] TEXT */
static int cmd_message(struct ctl *c, int argc, char **argv)
{
	g_autoptr(GVariant) r = NULL;
	guint32 seq;

	if (argc != 3) {
		fprintf(stderr, "pttgwctl: message [--channel C] [--to USER] TEXT\n");
		return 2;
	}
	/* D-Bus strings are UTF-8: say so here rather than have the call fail */
	if (!g_utf8_validate(argv[2], -1, NULL)) {
		fprintf(stderr, "pttgwctl: message: the text is not valid UTF-8\n");
		return 2;
	}
	if ((c->to && !g_utf8_validate(c->to, -1, NULL)) ||
	    (c->channel && !g_utf8_validate(c->channel, -1, NULL))) {
		fprintf(stderr, "pttgwctl: message: --to/--channel is not valid UTF-8\n");
		return 2;
	}
	r = call(c, "SendMessage", g_variant_new("(sss)", c->channel ? c->channel : "",
						  c->to ? c->to : "", argv[2]), "(u)");
	g_variant_get(r, "(u)", &seq);
	printf("message sent (request %u)\n", seq);
	return 0;
}

/* volume [up|down [N]] (no negative numbers: GOption takes "-2" for an option) */
static int cmd_volume(struct ctl *c, int argc, char **argv)
{
	g_autoptr(GVariant) r = NULL;
	guint64 n = 1;
	int sign = 0;
	guint32 v;

	if (argc > 2 && g_str_equal(argv[2], "up"))
		sign = 1;
	else if (argc > 2 && g_str_equal(argv[2], "down"))
		sign = -1;
	if (argc > 4 || (argc > 2 && !sign) ||
	    (argc == 4 && !g_ascii_string_to_unsigned(argv[3], 10, 1, 100, &n, NULL))) {
		fprintf(stderr, "pttgwctl: volume [up|down [STEPS (1..100)]]\n");
		return 2;
	}
	r = call(c, "Volume", g_variant_new("(i)", sign * (gint32)n), "(u)");
	g_variant_get(r, "(u)", &v);
	printf("volume %u%%\n", v);
	return 0;
}

static const char usage[] =
	"Commands:\n"
	"  status [--json]                 floor, service, link, push, channel, talker, audio\n"
	"  monitor [--json]                one line (JSON object) per transition\n"
	"  press [--source NAME] [--wait]  ask for the floor (--wait: until the outcome;\n"
	"                                  exit 0 when granted)\n"
	"  release [--source NAME]         give it back\n"
	"  press --to USER [--source NAME]  a private call to one user\n"
	"  message [--channel C] [--to USER] TEXT\n"
	"                                  send a text message (to the channel, or one user)\n"
	"  emergency [--source NAME] [--wait]\n"
	"  channel NAME                    select a channel\n"
	"  pair --window SECONDS           accept new Bluetooth buttons for a while\n"
	"  volume [up|down [STEPS]]        step the playback volume; print it (percent)\n"
	"  reload                          read the configuration file again\n"
	"\n"
	"The daemon is reached on the system bus, or on the session bus with --session-bus\n"
	"or PTTGW_BUS=session. Exit status: 0 ok, 1 refused or failed, 2 usage,\n"
	"3 pttgwd is not running, 4 access denied.\n";

int main(int argc, char **argv)
{
	struct ctl c = { .source = NULL, .timeout = 10 };
	gboolean session = FALSE;
	gint window = 0;
	GOptionEntry entries[] = {
		{ "json", 'j', 0, G_OPTION_ARG_NONE, &c.json, "JSON output", NULL },
		{ "source", 's', 0, G_OPTION_ARG_STRING, &c.source,
		  "Transmit source name (default: cli)", "NAME" },
		{ "wait", 'w', 0, G_OPTION_ARG_NONE, &c.wait, "Wait for the press's outcome", NULL },
		{ "timeout", 't', 0, G_OPTION_ARG_DOUBLE, &c.timeout,
		  "Seconds --wait waits (default 10)", "S" },
		{ "window", 0, 0, G_OPTION_ARG_INT, &window, "Pairing window in seconds", "SECONDS" },
		{ "to", 0, 0, G_OPTION_ARG_STRING, &c.to, "press/message: this user only",
		  "USER" },
		{ "channel", 'C', 0, G_OPTION_ARG_STRING, &c.channel, "message: this channel",
		  "NAME" },
		{ "session-bus", 0, 0, G_OPTION_ARG_NONE, &session, "Use the session bus", NULL },
		G_OPTION_ENTRY_NULL,
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("COMMAND [ARGS]");
	g_autoptr(GError) error = NULL;
	const char *env = g_getenv("PTTGW_BUS");
	const char *cmd;
	int r;

	setlocale(LC_ALL, "");
	g_option_context_add_main_entries(ctx, entries, NULL);
	g_option_context_set_description(ctx, usage);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		fprintf(stderr, "pttgwctl: %s\n", error->message);
		return 2;
	}
	if (argc < 2) {
		fprintf(stderr, "pttgwctl: no command (try --help)\n");
		return 2;
	}
	if (!c.source)
		c.source = g_strdup("cli");
	if (env && g_str_equal(env, "session"))
		session = TRUE;
	c.bus = g_bus_get_sync(session ? G_BUS_TYPE_SESSION : G_BUS_TYPE_SYSTEM, NULL, &error);
	if (!c.bus) {
		fprintf(stderr, "pttgwctl: cannot reach the %s bus: %s\n",
			session ? "session" : "system", error->message);
		return 3;
	}
	cmd = argv[1];
	if (g_str_equal(cmd, "status"))
		r = cmd_status(&c);
	else if (g_str_equal(cmd, "monitor"))
		r = cmd_monitor(&c);
	else if (g_str_equal(cmd, "press"))
		r = cmd_press(&c, "Press");
	else if (g_str_equal(cmd, "emergency"))
		r = cmd_press(&c, "Emergency");
	else if (g_str_equal(cmd, "release")) {
		g_variant_unref(call(&c, "Release", g_variant_new("(s)", c.source), NULL));
		r = 0;
	} else if (g_str_equal(cmd, "channel")) {
		if (argc != 3) {
			fprintf(stderr, "pttgwctl: channel NAME\n");
			return 2;
		}
		g_variant_unref(call(&c, "SelectChannel", g_variant_new("(s)", argv[2]), NULL));
		r = 0;
	} else if (g_str_equal(cmd, "message")) {
		r = cmd_message(&c, argc, argv);
	} else if (g_str_equal(cmd, "volume")) {
		r = cmd_volume(&c, argc, argv);
	} else if (g_str_equal(cmd, "reload")) {
		g_autoptr(GVariant) v = call(&c, "Reload", NULL, "(s)");
		const char *result = NULL;

		g_variant_get(v, "(&s)", &result);
		printf("configuration %s\n", g_str_equal(result, "pending")
						     ? "checked; applied when the floor is idle"
						     : result);
		r = 0;
	} else if (g_str_equal(cmd, "pair")) {
		if (window <= 0) {
			fprintf(stderr, "pttgwctl: pair --window SECONDS\n");
			return 2;
		}
		g_variant_unref(call(&c, "OpenPairing", g_variant_new("(u)", (guint32)window), NULL));
		printf("pairing window open for %d s\n", window);
		r = 0;
	} else {
		fprintf(stderr, "pttgwctl: unknown command '%s' (try --help)\n", cmd);
		r = 2;
	}
	g_object_unref(c.bus);
	g_free(c.source);
	g_free(c.to);
	g_free(c.channel);
	return r;
}
