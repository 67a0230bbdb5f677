/* SPDX-License-Identifier: MIT */
/*
 * buttons-gatt.c - a connected button's GATT side: find its characteristics
 * once services are resolved, subscribe and read the button (and battery)
 * characteristic, decode values (button-profiles.c) into the gesture driver,
 * write the LED. Every reply checks CANCELLED before it touches the button.
 */
#include "buttons-private.h"

#include <errno.h>
#include <string.h>

#include "button-profiles.h"

void buttons_gatt_button_value(struct button *btn, GVariant *value)
{
	gsize len = 0;
	const uint8_t *bytes;
	uint32_t actions;
	int r;

	if (!btn->profile || !g_variant_is_of_type(value, G_VARIANT_TYPE_BYTESTRING))
		return;
	bytes = g_variant_get_fixed_array(value, &len, 1);
	r = button_profile_decode(btn->profile, bytes, len, &actions);
	if (r < 0) {
		btn->malformed++;
		/* a peer can send these as fast as it likes: log 1, 2, 4, 8, ... */
		if ((btn->malformed & (btn->malformed - 1)) == 0) {
			g_autofree char *hex = g_strnfill(0, 0);

			for (gsize i = 0; i < len && i < 8; i++) {
				char *n = g_strdup_printf("%s%02x", hex, bytes[i]);

				g_free(hex);
				hex = n;
			}
			g_message("%s: %s value of %zu bytes (%s%s) ignored: %s (%u so far)",
				  btn->source, btn->profile->name, (size_t)len, hex,
				  len > 8 ? "..." : "",
				  r == -EMSGSIZE ? "wrong length" : "unknown value or bits",
				  btn->malformed);
		}
		return;
	}
	if (actions != btn->actions)
		g_debug("%s: actions 0x%x -> 0x%x", btn->source, btn->actions, actions);
	btn->actions = actions;
	gesture_driver_update(&btn->gd, (uint64_t)g_get_monotonic_time(),
			      actions & BUTTON_ACTION_TALK, actions & BUTTON_ACTION_EMERGENCY);
}

void buttons_gatt_battery_value(struct button *btn, GVariant *value)
{
	gsize len = 0;
	const uint8_t *bytes;

	if (!g_variant_is_of_type(value, G_VARIANT_TYPE_BYTESTRING))
		return;
	bytes = g_variant_get_fixed_array(value, &len, 1);
	if (len != 1 || bytes[0] > 100) {
		g_message("%s: battery level of %zu bytes ignored", btn->source, (size_t)len);
		return;
	}
	if (btn->battery != bytes[0])
		g_info("%s: battery %d%% -> %u%%", btn->source, btn->battery, bytes[0]);
	btn->battery = bytes[0];
}

static void on_start_notify(GObject *src, GAsyncResult *res, gpointer user_data)
{
	buttons_reply_log(src, res, user_data, "StartNotify", NULL);
}

static void on_read_button(GObject *src, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GVariant) v = NULL;

	buttons_reply_log(src, res, user_data, "ReadValue", &v);
	if (v) {
		g_autoptr(GVariant) value = g_variant_get_child_value(v, 0);

		g_debug("%s: current value read", ((struct button *)user_data)->source);
		buttons_gatt_button_value(user_data, value);
	}
}

static void on_read_battery(GObject *src, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GVariant) v = NULL;

	buttons_reply_log(src, res, user_data, "battery ReadValue", &v);
	if (v) {
		g_autoptr(GVariant) value = g_variant_get_child_value(v, 0);

		buttons_gatt_battery_value(user_data, value);
	}
}

static void on_write_led(GObject *src, GAsyncResult *res, gpointer user_data)
{
	buttons_reply_log(src, res, user_data, "LED WriteValue", NULL);
}

static GVariant *empty_options(void)
{
	return g_variant_new_array(G_VARIANT_TYPE("{sv}"), NULL, 0);
}

void buttons_gatt_write_led(struct button *btn)
{
	struct buttons *b = btn->b;
	g_autoptr(GDBusProxy) p = NULL;
	uint8_t v;

	if (!b->cfg.led || !btn->connected || !btn->profile || !btn->led_path)
		return;
	v = btn->profile->led_values[b->led];
	if (btn->led_written == v)
		return;
	p = buttons_proxy(b, btn->led_path, IFACE_CHAR);
	if (!p)
		return;
	g_debug("%s: LED %s (0x%02x)", btn->source, button_led_to_string(b->led), v);
	btn->led_written = v;
	g_dbus_proxy_call(p, "WriteValue",
			  g_variant_new("(@ay@a{sv})",
					g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, &v, 1, 1),
					empty_options()),
			  G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS, b->cancel, on_write_led, btn);
}

/* Services resolved: find our characteristics, subscribe, read. */
void buttons_gatt_setup(struct button *btn)
{
	struct buttons *b = btn->b;
	GList *objects = g_dbus_object_manager_get_objects(b->om);
	size_t dlen = strlen(btn->device_path);

	g_clear_pointer(&btn->button_path, g_free);
	g_clear_pointer(&btn->led_path, g_free);
	g_clear_pointer(&btn->battery_path, g_free);

	/* Which profile, when the config did not say: the first known service. */
	for (GList *l = objects; l && !btn->profile; l = l->next) {
		const char *path = g_dbus_object_get_object_path(l->data);
		g_autoptr(GDBusProxy) s = NULL;
		g_autofree char *uuid = NULL;

		if (strncmp(path, btn->device_path, dlen) || path[dlen] != '/')
			continue;
		s = buttons_proxy(b, path, IFACE_SERVICE);
		uuid = buttons_prop_string(s, "UUID");
		btn->profile = uuid ? button_profile_by_service(uuid) : NULL;
		if (btn->profile)
			g_info("%s: profile %s", btn->source, btn->profile->name);
	}
	for (GList *l = objects; l; l = l->next) {
		const char *path = g_dbus_object_get_object_path(l->data);
		g_autoptr(GDBusProxy) c = NULL;
		g_autoptr(GDBusProxy) s = NULL;
		g_autofree char *uuid = NULL, *service = NULL, *suuid = NULL;

		if (strncmp(path, btn->device_path, dlen) || path[dlen] != '/')
			continue;
		c = buttons_proxy(b, path, IFACE_CHAR);
		if (!c)
			continue;
		uuid = buttons_prop_string(c, "UUID");
		service = buttons_prop_string(c, "Service");
		s = buttons_proxy(b, service, IFACE_SERVICE);
		suuid = buttons_prop_string(s, "UUID");
		g_debug("%s: characteristic %s %s (service %s)", btn->source, path,
			uuid ? uuid : "?", suuid ? suuid : "?");
		if (!uuid || !suuid)
			continue;
		if (btn->profile && button_uuid_equal(suuid, btn->profile->service_uuid)) {
			if (button_uuid_equal(uuid, btn->profile->button_uuid) && !btn->button_path)
				btn->button_path = g_strdup(path);
			else if (btn->profile->led_uuid &&
				 button_uuid_equal(uuid, btn->profile->led_uuid) && !btn->led_path)
				btn->led_path = g_strdup(path);
		} else if (button_uuid_equal(uuid, UUID_BATTERY_LEVEL) && !btn->battery_path) {
			btn->battery_path = g_strdup(path);
		}
	}
	g_list_free_full(objects, g_object_unref);

	if (!btn->button_path) {
		g_message("%s: no %s button characteristic among its services, ignoring",
			  btn->source, btn->profile ? btn->profile->name : "known");
		return;
	}
	{
		g_autoptr(GDBusProxy) c = buttons_proxy(b, btn->button_path, IFACE_CHAR);

		/* Subscribe first, then read: a change in between is not lost. */
		g_dbus_proxy_call(c, "StartNotify", NULL, G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS,
				  b->cancel, on_start_notify, btn);
		g_dbus_proxy_call(c, "ReadValue", g_variant_new("(@a{sv})", empty_options()),
				  G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS, b->cancel,
				  on_read_button, btn);
		btn->subscribed = true;
	}
	if (btn->battery_path) {
		g_autoptr(GDBusProxy) c = buttons_proxy(b, btn->battery_path, IFACE_CHAR);

		g_dbus_proxy_call(c, "ReadValue", g_variant_new("(@a{sv})", empty_options()),
				  G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS, b->cancel,
				  on_read_battery, btn);
		g_dbus_proxy_call(c, "StartNotify", NULL, G_DBUS_CALL_FLAGS_NONE, CALL_TIMEOUT_MS,
				  b->cancel, on_start_notify, btn);
	}
	buttons_gatt_write_led(btn);
	g_info("%s: ready (%s%s%s)", btn->source, btn->profile->name, btn->led_path ? ", LED" : "",
	       btn->battery_path ? ", battery" : "");
}
