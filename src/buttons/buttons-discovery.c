/* SPDX-License-Identifier: MIT */
/*
 * buttons-discovery.c - the adapter and its discovery: on while a pairing
 * window is open or BlueZ lacks a device for a configured or kept button.
 */
#include "buttons-private.h"

#include <string.h>

static void on_discovery_reply(GObject *src, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GError) err = NULL;
	g_autoptr(GVariant) v = g_dbus_proxy_call_finish(G_DBUS_PROXY(src), res, &err);

	if (!v && !g_error_matches(err, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		g_message("ble: %s failed: %s", (const char *)user_data, err->message);
}

static void find_adapter(struct buttons *b)
{
	GList *objects;

	if (b->adapter_path || !b->om)
		return;
	objects = g_dbus_object_manager_get_objects(b->om);
	for (GList *l = objects; l && !b->adapter_path; l = l->next) {
		const char *path = g_dbus_object_get_object_path(l->data);
		g_autoptr(GDBusInterface) a = g_dbus_object_get_interface(l->data, IFACE_ADAPTER);

		if (a && buttons_adapter_ok(b, path)) {
			b->adapter_path = g_strdup(path);
			g_info("ble: adapter %s", path);
		}
	}
	g_list_free_full(objects, g_object_unref);
}

void buttons_discovery_update(struct buttons *b)
{
	g_autoptr(GDBusProxy) a = NULL;
	bool want = b->pairing_until != 0;

	for (guint i = 0; i < b->buttons->len && !want; i++) {
		struct button *btn = b->buttons->pdata[i];

		/* BlueZ must see a button before Connect works; once it has the device,
		 * Connect does its own (passive) scan: no discovery to run beside it */
		want = (btn->configured || btn->kept) && !btn->device_path;
	}
	find_adapter(b);
	a = buttons_proxy(b, b->adapter_path, IFACE_ADAPTER);
	if (!a || want == b->discovering)
		return;
	b->discovering = want;
	g_info("ble: discovery %s", want ? "on" : "off");
	if (want) {
		GVariantBuilder f;

		g_variant_builder_init(&f, G_VARIANT_TYPE("a{sv}"));
		g_variant_builder_add(&f, "{sv}", "Transport", g_variant_new_string("le"));
		g_dbus_proxy_call(a, "SetDiscoveryFilter", g_variant_new("(a{sv})", &f),
				  G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS, b->cancel,
				  on_discovery_reply, "SetDiscoveryFilter");
		g_dbus_proxy_call(a, "StartDiscovery", NULL, G_DBUS_CALL_FLAGS_NONE,
				  CALL_TIMEOUT_MS, b->cancel, on_discovery_reply, "StartDiscovery");
	} else {
		g_dbus_proxy_call(a, "StopDiscovery", NULL, G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS,
				  b->cancel, on_discovery_reply, "StopDiscovery");
	}
}
