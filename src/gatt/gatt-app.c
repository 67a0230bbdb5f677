/* SPDX-License-Identifier: MIT */
/* gatt-app.c - the GATT application's object tree and the advertisement. */
#include "gatt-app.h"

#include <string.h>

#include "bluez.h"
#include "gatt-service-table.h"

#define ADV_ROOT "/org/pttgw/advertisement"

struct value {
	GByteArray *bytes;
	char *path;
};

struct dis_value {
	struct gatt_app *app;
	char *text;
};

struct gatt_app {
	GDBusConnection *bus;
	const struct gatt_app_handlers *h;
	void *data;
	GDBusObjectManagerServer *manager;
	GDBusObjectManagerServer *adv_manager;
	struct value values[_GATT_APP_VALUE_MAX];
	struct dis_value dis[3];
};

static const enum gatt_chr_id value_chr[_GATT_APP_VALUE_MAX] = {
	[GATT_APP_STATE] = GATT_CHR_STATE,
	[GATT_APP_TALKER] = GATT_CHR_ACTIVE_TALKER,
	[GATT_APP_CHANNEL] = GATT_CHR_CHANNEL,
};

static GVariant *bytes_variant(const uint8_t *p, size_t len)
{
	return g_variant_new_fixed_array(G_VARIANT_TYPE_BYTE, p, len, 1);
}

/* ReadValue with the "offset" option (doc/gatt-api.txt). */
static void reply_read(GDBusMethodInvocation *invocation, BluezGattCharacteristic1 *iface,
		       GVariant *options, const uint8_t *p, size_t len)
{
	guint16 offset = 0;

	g_variant_lookup(options, "offset", "q", &offset);
	if (offset > len) {
		g_dbus_method_invocation_return_dbus_error(invocation,
							   "org.bluez.Error.InvalidOffset",
							   "Offset beyond the value");
		return;
	}
	bluez_gatt_characteristic1_complete_read_value(iface, invocation,
						       bytes_variant(p + offset, len - offset));
}

static gboolean on_value_read(BluezGattCharacteristic1 *iface, GDBusMethodInvocation *invocation,
			      GVariant *options, gpointer user_data)
{
	struct value *v = user_data;

	reply_read(invocation, iface, options, v->bytes->data, v->bytes->len);
	return TRUE;
}

static gboolean on_dis_read(BluezGattCharacteristic1 *iface, GDBusMethodInvocation *invocation,
			    GVariant *options, gpointer user_data)
{
	struct dis_value *d = user_data;

	reply_read(invocation, iface, options, (const uint8_t *)d->text, strlen(d->text));
	return TRUE;
}

static gboolean on_cp_write(BluezGattCharacteristic1 *iface, GDBusMethodInvocation *invocation,
			    GVariant *value, GVariant *options, gpointer user_data)
{
	struct gatt_app *app = user_data;

	app->h->cp_write(app->data, invocation, value, options);
	return TRUE;
}

static gboolean on_cp_read(BluezGattCharacteristic1 *iface, GDBusMethodInvocation *invocation,
			   GVariant *options, gpointer user_data)
{
	g_dbus_method_invocation_return_dbus_error(invocation, "org.bluez.Error.NotPermitted",
						   "Control Point is write-only");
	return TRUE;
}

/* BlueZ calls these when the first device subscribes and the last one leaves. */
static gboolean on_start_notify(BluezGattCharacteristic1 *iface,
				GDBusMethodInvocation *invocation, gpointer user_data)
{
	g_debug("%s: notifications on", bluez_gatt_characteristic1_get_uuid(iface));
	bluez_gatt_characteristic1_complete_start_notify(iface, invocation);
	return TRUE;
}

static gboolean on_stop_notify(BluezGattCharacteristic1 *iface,
			       GDBusMethodInvocation *invocation, gpointer user_data)
{
	g_debug("%s: notifications off", bluez_gatt_characteristic1_get_uuid(iface));
	bluez_gatt_characteristic1_complete_stop_notify(iface, invocation);
	return TRUE;
}

static BluezGattCharacteristic1 *export_chr(GDBusObjectManagerServer *manager, const char *path,
					    const char *service_path, const char *uuid,
					    const char *const *flags)
{
	g_autoptr(GDBusObjectSkeleton) object = g_dbus_object_skeleton_new(path);
	BluezGattCharacteristic1 *iface = bluez_gatt_characteristic1_skeleton_new();

	bluez_gatt_characteristic1_set_uuid(iface, uuid);
	bluez_gatt_characteristic1_set_service(iface, service_path);
	bluez_gatt_characteristic1_set_flags(iface, flags);
	g_dbus_object_skeleton_add_interface(object, G_DBUS_INTERFACE_SKELETON(iface));
	g_dbus_object_manager_server_export(manager, object);
	return iface; /* the object holds a reference; the caller drops this one */
}

static void export_service(GDBusObjectManagerServer *manager, const char *path, const char *uuid)
{
	g_autoptr(GDBusObjectSkeleton) object = g_dbus_object_skeleton_new(path);
	g_autoptr(BluezGattService1) iface = bluez_gatt_service1_skeleton_new();

	bluez_gatt_service1_set_uuid(iface, uuid);
	bluez_gatt_service1_set_primary(iface, TRUE);
	g_dbus_object_skeleton_add_interface(object, G_DBUS_INTERFACE_SKELETON(iface));
	g_dbus_object_manager_server_export(manager, object);
}

static void export_ptt(struct gatt_app *app, const struct gatt_config *cfg)
{
	const char *service_path = GATT_APP_PATH "/service0";

	export_service(app->manager, service_path, cfg->service_uuid);
	for (int i = 0; i < _GATT_CHR_MAX; i++) {
		const struct gatt_chr_def *def = &gatt_chr_defs[i];
		g_autofree char *path = g_strdup_printf("%s/char%d", service_path, i);
		const char *flags[G_N_ELEMENTS(def->flags) + 1] = { NULL };
		g_autoptr(BluezGattCharacteristic1) iface = NULL;
		int n = 0;

		for (; def->flags[n]; n++)
			flags[n] = def->flags[n];
		if (def->write_security)
			flags[n++] = cfg->security == GATT_SECURITY_AUTHENTICATED ?
					     GATT_WRITE_SECURITY_AUTHENTICATED :
					     GATT_WRITE_SECURITY_ENCRYPT;
		iface = export_chr(app->manager, path, service_path, def->uuid, flags);
		if (i == GATT_CHR_CONTROL_POINT || i == GATT_CHR_CONTROL_POINT_COMMAND) {
			g_signal_connect(iface, "handle-write-value", G_CALLBACK(on_cp_write), app);
			g_signal_connect(iface, "handle-read-value", G_CALLBACK(on_cp_read), app);
			continue;
		}
		for (int v = 0; v < _GATT_APP_VALUE_MAX; v++) {
			if (value_chr[v] != (enum gatt_chr_id)i)
				continue;
			app->values[v].path = g_steal_pointer(&path);
			g_signal_connect(iface, "handle-read-value", G_CALLBACK(on_value_read),
					 &app->values[v]);
		}
		g_signal_connect(iface, "handle-start-notify", G_CALLBACK(on_start_notify), app);
		g_signal_connect(iface, "handle-stop-notify", G_CALLBACK(on_stop_notify), app);
	}
}

static void export_dis(struct gatt_app *app, const struct gatt_config *cfg)
{
	static const char *const flags[] = { "read", NULL };
	const char *service_path = GATT_APP_PATH "/service1";
	const char *uuids[] = { GATT_DIS_MANUFACTURER_UUID, GATT_DIS_MODEL_UUID,
				GATT_DIS_FIRMWARE_UUID };
	const char *texts[] = { cfg->manufacturer, cfg->model, cfg->firmware };

	export_service(app->manager, service_path, GATT_DIS_UUID);
	for (unsigned i = 0; i < G_N_ELEMENTS(app->dis); i++) {
		g_autofree char *path = g_strdup_printf("%s/char%u", service_path, i);
		g_autoptr(BluezGattCharacteristic1) iface = NULL;

		app->dis[i].app = app;
		app->dis[i].text = g_strdup(texts[i] ? texts[i] : "");
		iface = export_chr(app->manager, path, service_path, uuids[i], flags);
		g_signal_connect(iface, "handle-read-value", G_CALLBACK(on_dis_read), &app->dis[i]);
	}
}

static gboolean on_adv_release(BluezLEAdvertisement1 *iface, GDBusMethodInvocation *invocation,
			       gpointer user_data)
{
	struct gatt_app *app = user_data;

	bluez_leadvertisement1_complete_release(iface, invocation);
	if (app->h->adv_released)
		app->h->adv_released(app->data);
	return TRUE;
}

static void export_adv(struct gatt_app *app, const struct gatt_config *cfg)
{
	g_autoptr(GDBusObjectSkeleton) object = g_dbus_object_skeleton_new(GATT_APP_ADV_PATH);
	g_autoptr(BluezLEAdvertisement1) iface = bluez_leadvertisement1_skeleton_new();
	const char *uuids[] = { cfg->service_uuid, NULL };

	bluez_leadvertisement1_set_type_(iface, "peripheral");
	bluez_leadvertisement1_set_service_uuids(iface, uuids);
	bluez_leadvertisement1_set_local_name(iface, cfg->local_name);
	/* Flags "LE General Discoverable": phones list the gateway in a scan for new
	 * devices and may bond, whether or not the adapter itself is discoverable */
	bluez_leadvertisement1_set_discoverable(iface, TRUE);
	g_signal_connect(iface, "handle-release", G_CALLBACK(on_adv_release), app);
	g_dbus_object_skeleton_add_interface(object, G_DBUS_INTERFACE_SKELETON(iface));
	g_dbus_object_manager_server_export(app->adv_manager, object);
}

struct gatt_app *gatt_app_new(GDBusConnection *bus, const struct gatt_config *cfg,
			      const struct gatt_app_handlers *h, void *data, GError **error)
{
	struct gatt_app *app = g_new0(struct gatt_app, 1);

	app->bus = g_object_ref(bus);
	app->h = h;
	app->data = data;
	for (int v = 0; v < _GATT_APP_VALUE_MAX; v++)
		app->values[v].bytes = g_byte_array_new();
	app->manager = g_dbus_object_manager_server_new(GATT_APP_PATH);
	app->adv_manager = g_dbus_object_manager_server_new(ADV_ROOT);
	export_ptt(app, cfg);
	export_dis(app, cfg);
	export_adv(app, cfg);
	/* exporting fails only when something else owns the paths on this connection */
	if (g_dbus_connection_is_closed(bus)) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_CLOSED, "the system bus connection is closed");
		return gatt_app_free(app);
	}
	g_dbus_object_manager_server_set_connection(app->manager, bus);
	g_dbus_object_manager_server_set_connection(app->adv_manager, bus);
	return app;
}

struct gatt_app *gatt_app_free(struct gatt_app *app)
{
	if (!app)
		return NULL;
	if (app->adv_manager)
		g_dbus_object_manager_server_set_connection(app->adv_manager, NULL);
	if (app->manager)
		g_dbus_object_manager_server_set_connection(app->manager, NULL);
	g_clear_object(&app->adv_manager);
	g_clear_object(&app->manager);
	for (unsigned i = 0; i < G_N_ELEMENTS(app->dis); i++)
		g_free(app->dis[i].text);
	for (int v = 0; v < _GATT_APP_VALUE_MAX; v++) {
		g_byte_array_unref(app->values[v].bytes);
		g_free(app->values[v].path);
	}
	g_clear_object(&app->bus);
	g_free(app);
	return NULL;
}

void gatt_app_set_value(struct gatt_app *app, enum gatt_app_value which, const uint8_t *value,
			size_t len)
{
	struct value *v = &app->values[which];
	GVariantBuilder changed;
	g_autoptr(GError) error = NULL;

	if (v->bytes->len == len && (len == 0 || memcmp(v->bytes->data, value, len) == 0))
		return;
	g_byte_array_set_size(v->bytes, 0);
	g_byte_array_append(v->bytes, value, len);
	g_variant_builder_init(&changed, G_VARIANT_TYPE_VARDICT);
	g_variant_builder_add(&changed, "{sv}", "Value", bytes_variant(value, len));
	/* one signal per change, in order: BlueZ notifies every subscribed device */
	if (!g_dbus_connection_emit_signal(app->bus, NULL, v->path, "org.freedesktop.DBus.Properties",
					   "PropertiesChanged",
					   g_variant_new("(sa{sv}@as)", "org.bluez.GattCharacteristic1",
							 &changed, g_variant_new_strv(NULL, 0)),
					   &error))
		g_warning("%s: cannot emit PropertiesChanged: %s, ignoring", v->path,
			  error->message);
}
