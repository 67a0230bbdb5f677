/* SPDX-License-Identifier: MIT */
#include "dbus-api.h"
#include "reload.h"

#include <errno.h>
#include <string.h>

extern const char pttgw_gateway1_xml[];

struct dbus_api {
	GDBusConnection *bus;
	struct gateway *gw;
	GDBusNodeInfo *node;
	guint object_id;
	guint name_id;
	guint listener_id;
	void (*on_name_lost)(void *data);
	void *data;
};

/* The one table from errno to D-Bus error names and the reasons people read
 * (iwd's dbus.c keeps one so); org.pttgw.Gateway1.txt lists the names. */
static const struct {
	int err;
	const char *name;
	const char *reason;
} errors[] = {
	{ EBUSY, "org.pttgw.Error.Busy", "busy: a remote talker holds the floor" },
	{ EALREADY, "org.pttgw.Error.AlreadyTalking", "already talking" },
	{ EPERM, "org.pttgw.Error.NotHolder", "this source does not hold the talk" },
	{ EINVAL, "org.pttgw.Error.InvalidArguments", "invalid argument" },
	{ EOPNOTSUPP, "org.pttgw.Error.NotSupported",
	  "not supported by this gateway's configuration" },
	{ ENOTCONN, "org.pttgw.Error.NotConnected", "not connected" },
};

const char *dbus_api_error_name(int r)
{
	for (size_t i = 0; i < G_N_ELEMENTS(errors); i++)
		if (errors[i].err == -r)
			return errors[i].name;
	return DBUS_API_ERROR_FAILED;
}

const char *dbus_api_error_reason(int r)
{
	for (size_t i = 0; i < G_N_ELEMENTS(errors); i++)
		if (errors[i].err == -r)
			return errors[i].reason;
	return g_strerror(-r);
}

static gboolean valid_source(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64 || !g_utf8_validate(s, -1, NULL))
		return FALSE;
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20)
			return FALSE;
	return TRUE;
}

static void reply_result(GDBusMethodInvocation *inv, int r, const char *reason, gboolean with_id)
{
	if (r < 0)
		g_dbus_method_invocation_return_dbus_error(inv, dbus_api_error_name(r), reason ? reason : "");
	else if (with_id)
		g_dbus_method_invocation_return_value(inv, g_variant_new("(u)", (guint32)r));
	else
		g_dbus_method_invocation_return_value(inv, NULL);
}

static void method_call(GDBusConnection *conn, const char *sender, const char *path,
			const char *iface, const char *method, GVariant *params,
			GDBusMethodInvocation *inv, gpointer user_data)
{
	struct dbus_api *api = user_data;
	const char *reason = NULL;
	const char *s = NULL;
	guint32 u = 0;
	int r;

	if (g_str_equal(method, "GetStatus")) {
		g_autofree char *json = gateway_status_json(api->gw);
		g_dbus_method_invocation_return_value(inv, g_variant_new("(s)", json));
		return;
	}
	if (g_str_equal(method, "Volume")) {
		gint32 steps = 0;

		g_variant_get(params, "(i)", &steps);
		r = gateway_volume(api->gw, steps, &reason);
		reply_result(inv, r, reason, TRUE);
		return;
	}
	if (g_str_equal(method, "Reload")) {
		g_autoptr(GError) error = NULL;

		r = gateway_reload(api->gw, &error);
		if (r == -EINVAL)
			g_dbus_method_invocation_return_dbus_error(inv, "org.pttgw.Error.InvalidConfig",
								   error->message);
		else if (r < 0)
			g_dbus_method_invocation_return_dbus_error(inv, dbus_api_error_name(r), error->message);
		else
			g_dbus_method_invocation_return_value(
				inv, g_variant_new("(s)", r == 0 ? "applied" : "pending"));
		return;
	}
	if (g_str_equal(method, "OpenPairing")) {
		g_variant_get(params, "(u)", &u);
		r = gateway_open_pairing(api->gw, u, &reason);
		reply_result(inv, r, reason, FALSE);
		return;
	}
	if (dbus_api_messages_call(api->gw, method, params, inv))
		return;
	g_variant_get(params, "(&s)", &s);
	if (g_str_equal(method, "SelectChannel")) {
		r = gateway_select_channel(api->gw, s, &reason);
		reply_result(inv, r, reason, FALSE);
		return;
	}
	if (!valid_source(s)) {
		g_dbus_method_invocation_return_dbus_error(
			inv, "org.pttgw.Error.InvalidArguments",
			"source: 1 to 64 printable UTF-8 characters");
		return;
	}
	if (g_str_equal(method, "Press"))
		reply_result(inv, gateway_press(api->gw, s, false, &reason), reason, TRUE);
	else if (g_str_equal(method, "Emergency"))
		reply_result(inv, gateway_press(api->gw, s, true, &reason), reason, TRUE);
	else if (g_str_equal(method, "Release"))
		reply_result(inv, gateway_release(api->gw, s, &reason), reason, FALSE);
	else
		g_dbus_method_invocation_return_dbus_error(inv, "org.freedesktop.DBus.Error.UnknownMethod",
							   method);
}

static GVariant *prop_value(struct dbus_api *api, const char *prop)
{
	struct gateway *gw = api->gw;

	if (g_str_equal(prop, "FloorState"))
		return g_variant_new_string(gateway_get_floor_state(gw));
	if (g_str_equal(prop, "ServiceStatus"))
		return g_variant_new_string(gateway_get_service_status(gw));
	if (g_str_equal(prop, "LinkState"))
		return g_variant_new_string(gateway_get_link_state(gw));
	if (g_str_equal(prop, "PushState"))
		return g_variant_new_string(gateway_get_push_state(gw));
	if (g_str_equal(prop, "Channel"))
		return g_variant_new_string(gateway_get_channel(gw));
	if (g_str_equal(prop, "ActiveTalker"))
		return g_variant_new_string(gateway_get_talker(gw));
	if (g_str_equal(prop, "AudioRoute"))
		return g_variant_new_string(gateway_get_audio_route(gw));
	if (g_str_equal(prop, "AudioActive"))
		return g_variant_new_boolean(gateway_get_audio_active(gw));
	return NULL;
}

static GVariant *get_property(GDBusConnection *conn, const char *sender, const char *path,
			      const char *iface, const char *prop, GError **error,
			      gpointer user_data)
{
	GVariant *v = prop_value(user_data, prop);

	if (!v)
		g_set_error(error, G_DBUS_ERROR, G_DBUS_ERROR_UNKNOWN_PROPERTY, "%s", prop);
	return v;
}

static const GDBusInterfaceVTable vtable = {
	.method_call = method_call,
	.get_property = get_property,
};

static const struct {
	unsigned prop;
	const char *name;
} props[] = {
	{ GATEWAY_PROP_FLOOR, "FloorState" },	   { GATEWAY_PROP_SERVICE, "ServiceStatus" },
	{ GATEWAY_PROP_LINK, "LinkState" },	   { GATEWAY_PROP_PUSH, "PushState" },
	{ GATEWAY_PROP_CHANNEL, "Channel" },	   { GATEWAY_PROP_TALKER, "ActiveTalker" },
	{ GATEWAY_PROP_ROUTE, "AudioRoute" },	   { GATEWAY_PROP_AUDIO, "AudioActive" },
};

static void on_changed(void *data, unsigned mask)
{
	struct dbus_api *api = data;
	GVariantBuilder changed;

	g_variant_builder_init(&changed, G_VARIANT_TYPE("a{sv}"));
	for (size_t i = 0; i < G_N_ELEMENTS(props); i++)
		if (mask & props[i].prop)
			g_variant_builder_add(&changed, "{sv}", props[i].name,
					      prop_value(api, props[i].name));
	g_dbus_connection_emit_signal(api->bus, NULL, PTTGW_OBJECT_PATH,
				      "org.freedesktop.DBus.Properties", "PropertiesChanged",
				      g_variant_new("(sa{sv}as)", PTTGW_INTERFACE, &changed, NULL),
				      NULL);
}

static void on_event(void *data, uint64_t ts, const char *type, const char *json)
{
	struct dbus_api *api = data;

	g_dbus_connection_emit_signal(api->bus, NULL, PTTGW_OBJECT_PATH, PTTGW_INTERFACE, "Event",
				      g_variant_new("(tss)", (guint64)ts, type, json), NULL);
	dbus_api_messages_signal(api->bus, type, json);
}

static const struct gateway_events gateway_events = {
	.event = on_event,
	.changed = on_changed,
};

static void name_lost(GDBusConnection *conn, const char *name, gpointer user_data)
{
	struct dbus_api *api = user_data;

	g_warning("lost or could not own the bus name %s (is another pttgwd running?)", name);
	if (api->on_name_lost)
		api->on_name_lost(api->data);
}

static void name_acquired(GDBusConnection *conn, const char *name, gpointer user_data)
{
	g_info("owns the bus name %s", name);
}

struct dbus_api *dbus_api_new(GDBusConnection *bus, struct gateway *gw, GCallback on_name_lost,
			      void *data, GError **error)
{
	struct dbus_api *api = g_new0(struct dbus_api, 1);

	api->bus = g_object_ref(bus);
	api->gw = gw;
	api->on_name_lost = (void (*)(void *))on_name_lost;
	api->data = data;
	api->node = g_dbus_node_info_new_for_xml(pttgw_gateway1_xml, error);
	if (!api->node)
		return dbus_api_free(api);
	api->object_id = g_dbus_connection_register_object(bus, PTTGW_OBJECT_PATH,
							   api->node->interfaces[0], &vtable, api,
							   NULL, error);
	if (!api->object_id)
		return dbus_api_free(api);
	api->listener_id = gateway_add_listener(gw, &gateway_events, api, NULL);
	api->name_id = g_bus_own_name_on_connection(bus, PTTGW_BUS_NAME,
						    G_BUS_NAME_OWNER_FLAGS_DO_NOT_QUEUE,
						    name_acquired, name_lost, api, NULL);
	return api;
}

struct dbus_api *dbus_api_free(struct dbus_api *api)
{
	if (!api)
		return NULL;
	if (api->listener_id)
		gateway_remove_listener(api->gw, api->listener_id);
	if (api->name_id)
		g_bus_unown_name(api->name_id);
	if (api->object_id)
		g_dbus_connection_unregister_object(api->bus, api->object_id);
	g_clear_pointer(&api->node, g_dbus_node_info_unref);
	g_clear_object(&api->bus);
	g_free(api);
	return NULL;
}
