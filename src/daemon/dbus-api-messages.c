/* SPDX-License-Identifier: MIT */
/*
 * dbus-api-messages.c - the text message, location and private call parts of
 * org.pttgw.Gateway1 (documented in org.pttgw.Gateway1.txt).
 */
#include "dbus-api.h"

#include <string.h>

#include <json-glib/json-glib.h>

static void reply(GDBusMethodInvocation *inv, int r, const char *reason)
{
	if (r < 0)
		g_dbus_method_invocation_return_dbus_error(inv, dbus_api_error_name(r),
							   reason ? reason
								  : dbus_api_error_reason(r));
	else
		g_dbus_method_invocation_return_value(inv, g_variant_new("(u)", (guint32)r));
}

gboolean dbus_api_messages_call(struct gateway *gw, const char *method, GVariant *params,
				GDBusMethodInvocation *inv)
{
	const char *a = NULL, *b = NULL, *c = NULL, *reason = NULL;

	if (g_str_equal(method, "SendMessage")) {
		int r;

		g_variant_get(params, "(&s&s&s)", &a, &b, &c);
		r = gateway_send_message(gw, a, b, c, &reason);
		reply(inv, r, reason);
		return TRUE;
	}
	if (g_str_equal(method, "PressTo")) {
		int r;

		g_variant_get(params, "(&s&s)", &a, &b);
		if (!*a || strlen(a) > 64) {
			g_dbus_method_invocation_return_dbus_error(
				inv, "org.pttgw.Error.InvalidArguments",
				"source: 1 to 64 printable UTF-8 characters");
			return TRUE;
		}
		r = gateway_press_to(gw, a, b, &reason);
		reply(inv, r, reason);
		return TRUE;
	}
	return FALSE;
}

static const char *str(JsonObject *o, const char *name)
{
	JsonNode *n = json_object_get_member(o, name);

	return n && JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == G_TYPE_STRING
		       ? json_node_get_string(n)
		       : "";
}

static double num(JsonObject *o, const char *name)
{
	JsonNode *n = json_object_get_member(o, name);

	return n && JSON_NODE_HOLDS_VALUE(n) ? json_node_get_double(n) : -1;
}

void dbus_api_messages_signal(GDBusConnection *bus, const char *type, const char *json)
{
	g_autoptr(JsonParser) parser = NULL;
	JsonObject *o;

	if (!g_str_equal(type, "message") && !g_str_equal(type, "location"))
		return;
	parser = json_parser_new();
	if (!json_parser_load_from_data(parser, json, -1, NULL) ||
	    !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser)))
		return;
	o = json_node_get_object(json_parser_get_root(parser));
	if (g_str_equal(type, "message")) {
		if (!g_str_equal(str(o, "direction"), "in"))
			return;
		g_dbus_connection_emit_signal(bus, NULL, PTTGW_OBJECT_PATH, PTTGW_INTERFACE,
					      "MessageReceived",
					      g_variant_new("(ssss)", str(o, "channel"),
							    str(o, "from"), str(o, "to"),
							    str(o, "text")),
					      NULL);
		return;
	}
	g_dbus_connection_emit_signal(bus, NULL, PTTGW_OBJECT_PATH, PTTGW_INTERFACE,
				      "LocationReceived",
				      g_variant_new("(ssddd)", str(o, "channel"), str(o, "from"),
						    num(o, "latitude"), num(o, "longitude"),
						    num(o, "accuracy")),
				      NULL);
}
