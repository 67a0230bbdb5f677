/* SPDX-License-Identifier: MIT */
/*
 * buttons.c - BLE talk buttons through BlueZ's D-Bus API (GDBus).
 *
 * One GDBusObjectManagerClient on org.bluez holds every object; its signals
 * drive everything: a Device1 of a button appears -> Connect; ServicesResolved
 * -> find the characteristics, StartNotify, then ReadValue (a button already
 * held is not lost); Value changes -> decode (button-profiles.c) -> gestures
 * (gesture.c) -> events. The GATT side is in buttons-gatt.c, discovery in
 * buttons-discovery.c, the kept buttons in buttons-paired.c (buttons-private.h). While BlueZ has no device for a configured button
 * the adapter discovers; while the button is away a timer retries Connect.
 */
#include "buttons-private.h"

#include <errno.h>
#include <string.h>

static void button_free(struct button *btn)
{
	gesture_driver_clear(&btn->gd);
	g_free(btn->device_path);
	g_free(btn->name);
	g_free(btn->button_path);
	g_free(btn->led_path);
	g_free(btn->battery_path);
	g_free(btn);
}

static void on_gesture(void *data, unsigned out)
{
	struct button *btn = data;

	gesture_glib_emit(btn->b->listeners, btn->source, out);
}

struct button *buttons_button_add(struct buttons *b, const char *address,
				 const struct button_profile *profile, bool configured)
{
	struct button *btn;
	struct gesture_config gc = { .long_press = b->cfg.long_press,
				     .double_press = b->cfg.double_press };

	if (b->buttons->len >= BUTTONS_MAX) {
		g_warning("ble:%s: already %d buttons, ignoring", address, BUTTONS_MAX);
		return NULL;
	}
	btn = g_new0(struct button, 1);
	btn->b = b;
	g_strlcpy(btn->address, address, sizeof(btn->address));
	for (char *p = btn->address; *p; p++)
		*p = g_ascii_toupper(*p);
	g_snprintf(btn->source, sizeof(btn->source), "ble:%s", btn->address);
	btn->profile = profile;
	btn->configured = configured;
	btn->battery = -1;
	btn->led_written = -1;
	gesture_driver_init(&btn->gd, &gc, &gesture_glib_timeout, on_gesture, btn);
	g_ptr_array_add(b->buttons, btn);
	return btn;
}

struct button *buttons_find_by_address(struct buttons *b, const char *address)
{
	for (guint i = 0; i < b->buttons->len; i++) {
		struct button *btn = b->buttons->pdata[i];

		if (g_ascii_strcasecmp(btn->address, address) == 0)
			return btn;
	}
	return NULL;
}

static struct button *find_by_device(struct buttons *b, const char *path)
{
	for (guint i = 0; i < b->buttons->len; i++) {
		struct button *btn = b->buttons->pdata[i];

		if (btn->device_path && strcmp(btn->device_path, path) == 0)
			return btn;
	}
	return NULL;
}

/* The device path a GATT object belongs to: /org/bluez/hci0/dev_XX_.. */
static struct button *find_by_child(struct buttons *b, const char *path)
{
	for (guint i = 0; i < b->buttons->len; i++) {
		struct button *btn = b->buttons->pdata[i];
		size_t n = btn->device_path ? strlen(btn->device_path) : 0;

		if (n && strncmp(path, btn->device_path, n) == 0 && path[n] == '/')
			return btn;
	}
	return NULL;
}

GDBusProxy *buttons_proxy(struct buttons *b, const char *path, const char *iface)
{
	if (!b->om || !path)
		return NULL;
	return G_DBUS_PROXY(g_dbus_object_manager_get_interface(b->om, path, iface));
}

GVariant *buttons_prop(GDBusProxy *p, const char *name)
{
	return p ? g_dbus_proxy_get_cached_property(p, name) : NULL;
}

bool buttons_prop_bool(GDBusProxy *p, const char *name)
{
	g_autoptr(GVariant) v = buttons_prop(p, name);

	return v && g_variant_is_of_type(v, G_VARIANT_TYPE_BOOLEAN) && g_variant_get_boolean(v);
}

char *buttons_prop_string(GDBusProxy *p, const char *name)
{
	g_autoptr(GVariant) v = buttons_prop(p, name);

	if (!v || !(g_variant_is_of_type(v, G_VARIANT_TYPE_STRING) ||
		    g_variant_is_of_type(v, G_VARIANT_TYPE_OBJECT_PATH)))
		return NULL;
	return g_variant_dup_string(v, NULL);
}

bool buttons_adapter_ok(struct buttons *b, const char *path)
{
	g_autofree char *prefix = NULL;

	if (!b->cfg.adapter)
		return true;
	prefix = g_strdup_printf("/org/bluez/%s", b->cfg.adapter);
	return g_str_has_prefix(path, prefix) &&
	       (path[strlen(prefix)] == '/' || path[strlen(prefix)] == '\0');
}

/* --- asynchronous calls; every reply checks CANCELLED before touching btn --- */

void buttons_reply_log(GObject *src, GAsyncResult *res, gpointer user_data, const char *what,
		      GVariant **ret)
{
	struct button *btn = user_data;
	g_autoptr(GError) err = NULL;
	GVariant *v = g_dbus_proxy_call_finish(G_DBUS_PROXY(src), res, &err);

	if (ret)
		*ret = v;
	else if (v)
		g_variant_unref(v);
	if (!v && !g_error_matches(err, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		g_message("%s: %s failed: %s", btn->source, what, err->message);
}

static void on_disconnect(GObject *src, GAsyncResult *res, gpointer user_data)
{
	buttons_reply_log(src, res, user_data, "Disconnect", NULL);
}

static void on_connect(GObject *src, GAsyncResult *res, gpointer user_data)
{
	struct button *btn = user_data;
	g_autoptr(GError) err = NULL;
	g_autoptr(GVariant) v = g_dbus_proxy_call_finish(G_DBUS_PROXY(src), res, &err);
	g_autoptr(GDBusProxy) dev = NULL;

	if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return;
	btn->connecting = false;
	if (!v) {
		g_info("%s: connect failed: %s (again in %.1f s)", btn->source, err->message,
		       btn->b->cfg.reconnect_interval / 1e6);
		return;
	}
	dev = buttons_proxy(btn->b, btn->device_path, IFACE_DEVICE);
	if (dev && !buttons_prop_bool(dev, "Connected")) {
		/* BlueZ answered Connect but shows no connection: a stale link; end it so
		 * the next attempt starts clean */
		g_message("%s: Connect answered but Connected is false; disconnecting",
			  btn->source);
		g_dbus_proxy_call(dev, "Disconnect", NULL, G_DBUS_CALL_FLAGS_NONE,
				  CALL_TIMEOUT_MS, btn->b->cancel, on_disconnect, btn);
	}
}

static void try_connect(struct button *btn)
{
	struct buttons *b = btn->b;
	g_autoptr(GDBusProxy) dev = NULL;

	if (!btn->device_path || btn->connected || btn->connecting)
		return;
	dev = buttons_proxy(b, btn->device_path, IFACE_DEVICE);
	if (!dev)
		return;
	btn->connecting = true;
	btn->last_attempt = (uint64_t)g_get_monotonic_time();
	g_debug("%s: connecting", btn->source);
	g_dbus_proxy_call(dev, "Connect", NULL, G_DBUS_CALL_FLAGS_NONE, CONNECT_TIMEOUT_MS,
			  b->cancel, on_connect, btn);
}

static void button_disconnected(struct button *btn, const char *why)
{
	unsigned out;

	if (btn->connected)
		g_info("%s: connected -> disconnected (%s)", btn->source, why);
	btn->connected = false;
	btn->resolved = false;
	btn->subscribed = false;
	btn->led_written = -1;
	btn->actions = 0;
	btn->last_attempt = (uint64_t)g_get_monotonic_time();
	/* a button that is gone holds no talk */
	out = gesture_driver_lost(&btn->gd);
	on_gesture(btn, out);
}

/* Device1 properties as they are now. */
static void device_sync(struct button *btn)
{
	struct buttons *b = btn->b;
	g_autoptr(GDBusProxy) dev = buttons_proxy(b, btn->device_path, IFACE_DEVICE);
	g_autoptr(GDBusProxy) bat = buttons_proxy(b, btn->device_path, IFACE_BATTERY);
	g_autoptr(GVariant) pct = buttons_prop(bat, "Percentage");
	bool connected = buttons_prop_bool(dev, "Connected");
	bool resolved = connected && buttons_prop_bool(dev, "ServicesResolved");
	g_autofree char *name = buttons_prop_string(dev, "Name");

	if (name && g_strcmp0(name, btn->name)) {
		g_free(btn->name);
		btn->name = g_steal_pointer(&name);
	}
	if (pct && g_variant_is_of_type(pct, G_VARIANT_TYPE_BYTE))
		btn->battery = g_variant_get_byte(pct);
	if (connected && !btn->connected) {
		g_info("%s: disconnected -> connected", btn->source);
		btn->connected = true;
	} else if (!connected && btn->connected) {
		button_disconnected(btn, "link lost");
	}
	if (resolved && !btn->resolved) {
		btn->resolved = true;
		buttons_gatt_setup(btn);
	}
	/* right after a drop, give the button (and BlueZ) reconnect-interval */
	if (!connected && (uint64_t)g_get_monotonic_time() - btn->last_attempt >=
				  b->cfg.reconnect_interval)
		try_connect(btn);
	buttons_discovery_update(b);
}

/* A device may be one of ours: configured, or new within a pairing window. */
static void device_seen(struct buttons *b, GDBusObject *obj)
{
	const char *path = g_dbus_object_get_object_path(obj);
	g_autoptr(GDBusProxy) dev = buttons_proxy(b, path, IFACE_DEVICE);
	g_autofree char *address = buttons_prop_string(dev, "Address");
	struct button *btn;

	if (!address || !buttons_adapter_ok(b, path))
		return;
	btn = buttons_find_by_address(b, address);
	if (!btn && b->pairing_until && (uint64_t)g_get_monotonic_time() < b->pairing_until) {
		g_autoptr(GVariant) uuids = buttons_prop(dev, "UUIDs");
		const struct button_profile *found = NULL;

		for (gsize i = 0; uuids && !found && i < g_variant_n_children(uuids); i++) {
			const char *u = NULL;
			const struct button_profile *p;

			g_variant_get_child(uuids, i, "&s", &u);
			p = button_profile_by_service(u);
			if (p && g_strv_contains((const char *const *)b->cfg.pairing_profiles,
						 p->name))
				found = p;
		}
		if (found) {
			btn = buttons_button_add(b, address, found, false);
			if (btn) {
				btn->kept = true;
				g_message("%s: new %s button taken in the pairing window, kept in "
					  "%s/%s", btn->source, found->name, b->cfg.state_dir,
					  PAIRED_FILE);
				buttons_paired_save(b);
			}
		}
	}
	if (!btn)
		return;
	if (g_strcmp0(btn->device_path, path)) {
		g_free(btn->device_path);
		btn->device_path = g_strdup(path);
		btn->connected = btn->resolved = false;
		g_debug("%s: BlueZ device %s", btn->source, path);
	}
	device_sync(btn);
}

static void device_gone(struct buttons *b, const char *path)
{
	struct button *btn = find_by_device(b, path);

	if (!btn)
		return;
	button_disconnected(btn, "device removed");
	g_clear_pointer(&btn->device_path, g_free);
	g_debug("%s: BlueZ device %s removed", btn->source, path);
	buttons_discovery_update(b);
}

/* --- object manager signals --- */

static void on_object_added(GDBusObjectManager *om, GDBusObject *obj, gpointer user_data)
{
	struct buttons *b = user_data;
	const char *path = g_dbus_object_get_object_path(obj);
	g_autoptr(GDBusInterface) dev = g_dbus_object_get_interface(obj, IFACE_DEVICE);
	g_autoptr(GDBusInterface) ad = g_dbus_object_get_interface(obj, IFACE_ADAPTER);

	if (dev)
		device_seen(b, obj);
	else if (ad && !b->adapter_path)
		buttons_discovery_update(b);
	else {
		g_autoptr(GDBusInterface) c = g_dbus_object_get_interface(obj, IFACE_CHAR);
		struct button *btn = c ? find_by_child(b, path) : NULL;

		/* GATT objects normally come before ServicesResolved; a late one
		 * (a service that changed) may be the one we still lack */
		if (btn && btn->resolved && !btn->button_path)
			buttons_gatt_setup(btn);
	}
}

static void on_object_removed(GDBusObjectManager *om, GDBusObject *obj, gpointer user_data)
{
	struct buttons *b = user_data;
	const char *path = g_dbus_object_get_object_path(obj);

	if (b->adapter_path && strcmp(path, b->adapter_path) == 0) {
		g_info("ble: adapter %s removed", path);
		g_clear_pointer(&b->adapter_path, g_free);
		b->discovering = false;
	}
	device_gone(b, path);
}

static void on_interface_added(GDBusObjectManager *om, GDBusObject *obj, GDBusInterface *iface,
			       gpointer user_data)
{
	const char *name = g_dbus_proxy_get_interface_name(G_DBUS_PROXY(iface));

	if (strcmp(name, IFACE_DEVICE) == 0 || strcmp(name, IFACE_ADAPTER) == 0) {
		on_object_added(om, obj, user_data);
	} else if (strcmp(name, IFACE_BATTERY) == 0) {
		/* BlueZ's battery plugin adds Battery1 once it has read the level:
		 * the Percentage comes with the interface, not as a change */
		struct button *btn = find_by_device(user_data, g_dbus_object_get_object_path(obj));

		if (btn)
			device_sync(btn);
	}
}

static void on_props_changed(GDBusObjectManagerClient *om, GDBusObjectProxy *obj,
			     GDBusProxy *iface, GVariant *changed, GStrv invalidated,
			     gpointer user_data)
{
	struct buttons *b = user_data;
	const char *path = g_dbus_object_get_object_path(G_DBUS_OBJECT(obj));
	const char *name = g_dbus_proxy_get_interface_name(iface);
	struct button *btn;

	if (strcmp(name, IFACE_CHAR) == 0) {
		g_autoptr(GVariant) value = g_variant_lookup_value(changed, "Value", NULL);

		btn = value ? find_by_child(b, path) : NULL;
		if (!btn)
			return;
		if (btn->button_path && strcmp(path, btn->button_path) == 0)
			buttons_gatt_button_value(btn, value);
		else if (btn->battery_path && strcmp(path, btn->battery_path) == 0)
			buttons_gatt_battery_value(btn, value);
	} else if (strcmp(name, IFACE_DEVICE) == 0) {
		btn = find_by_device(b, path);
		if (btn)
			device_sync(btn);
		else if (b->pairing_until)
			device_seen(b, G_DBUS_OBJECT(obj)); /* UUIDs may come later */
	} else if (strcmp(name, IFACE_BATTERY) == 0) {
		btn = find_by_device(b, path);
		if (btn)
			device_sync(btn);
	} else if (strcmp(name, IFACE_ADAPTER) == 0 && b->adapter_path &&
		   strcmp(path, b->adapter_path) == 0) {
		g_autoptr(GVariant) powered = g_variant_lookup_value(changed, "Powered", NULL);

		/* discovery stops with the power; ask again when it comes back */
		if (powered && g_variant_get_boolean(powered)) {
			b->discovering = false;
			buttons_discovery_update(b);
		}
	}
}

static void on_owner_changed(GObject *om, GParamSpec *pspec, gpointer user_data)
{
	struct buttons *b = user_data;
	g_autofree char *owner = g_dbus_object_manager_client_get_name_owner(
		G_DBUS_OBJECT_MANAGER_CLIENT(om));

	g_info("ble: BlueZ %s", owner ? "is there" : "went away");
	if (!owner) {
		for (guint i = 0; i < b->buttons->len; i++)
			device_gone(b, ((struct button *)b->buttons->pdata[i])->device_path ?: "");
		g_clear_pointer(&b->adapter_path, g_free);
		b->discovering = false;
	}
}

static void scan_all(struct buttons *b)
{
	GList *objects = g_dbus_object_manager_get_objects(b->om);

	buttons_discovery_update(b);
	for (GList *l = objects; l; l = l->next) {
		g_autoptr(GDBusInterface) dev = g_dbus_object_get_interface(l->data, IFACE_DEVICE);

		if (dev)
			device_seen(b, l->data);
	}
	g_list_free_full(objects, g_object_unref);
}

static void on_manager(GObject *src, GAsyncResult *res, gpointer user_data)
{
	struct buttons *b = user_data;
	g_autoptr(GError) err = NULL;
	GDBusObjectManager *om = g_dbus_object_manager_client_new_finish(res, &err);

	if (!om) {
		if (!g_error_matches(err, G_IO_ERROR, G_IO_ERROR_CANCELLED))
			g_warning("ble: cannot follow BlueZ's objects: %s", err->message);
		return;
	}
	b->om = om;
	g_signal_connect(om, "object-added", G_CALLBACK(on_object_added), b);
	g_signal_connect(om, "object-removed", G_CALLBACK(on_object_removed), b);
	g_signal_connect(om, "interface-added", G_CALLBACK(on_interface_added), b);
	g_signal_connect(om, "interface-proxy-properties-changed", G_CALLBACK(on_props_changed),
			 b);
	g_signal_connect(om, "notify::name-owner", G_CALLBACK(on_owner_changed), b);
	scan_all(b);
}

static gboolean on_retry(gpointer user_data)
{
	struct buttons *b = user_data;
	uint64_t now = (uint64_t)g_get_monotonic_time();

	for (guint i = 0; i < b->buttons->len; i++) {
		struct button *btn = b->buttons->pdata[i];

		if (!btn->connected && now - btn->last_attempt >= b->cfg.reconnect_interval)
			try_connect(btn);
	}
	return G_SOURCE_CONTINUE;
}

static gboolean on_pairing_end(gpointer user_data)
{
	struct buttons *b = user_data;

	b->pairing_timer = 0;
	b->pairing_until = 0;
	g_info("ble: pairing window closed");
	buttons_discovery_update(b);
	return G_SOURCE_REMOVE;
}

struct buttons *buttons_new(GDBusConnection *system_bus, const struct buttons_config *cfg,
			    const struct button_events *events, void *data, GError **error)
{
	struct buttons *b;

	g_return_val_if_fail(G_IS_DBUS_CONNECTION(system_bus) && cfg, NULL);
	b = g_new0(struct buttons, 1);
	b->bus = g_object_ref(system_bus);
	b->cfg.adapter = g_strdup(cfg->adapter);
	b->cfg.devices = g_strdupv(cfg->devices);
	b->cfg.pairing_profiles = g_strdupv(cfg->pairing_profiles);
	b->cfg.pairing_window = cfg->pairing_window;
	b->cfg.reconnect_interval = MAX(cfg->reconnect_interval, 100000);
	b->cfg.led = cfg->led;
	b->cfg.long_press = cfg->long_press;
	b->cfg.double_press = cfg->double_press;
	b->cfg.state_dir = g_strdup(cfg->state_dir ? cfg->state_dir : "/var/lib/pttgw");
	if (!b->cfg.pairing_profiles)
		b->cfg.pairing_profiles = g_new0(char *, 1);
	b->listeners = watchlist_new();
	if (events)
		watchlist_add(b->listeners, events, data, NULL);
	b->cancel = g_cancellable_new();
	b->buttons = g_ptr_array_new_with_free_func((GDestroyNotify)button_free);
	b->led = BUTTON_LED_OFF;

	for (char **d = b->cfg.devices; d && *d; d++) {
		g_auto(GStrv) parts = g_strsplit(*d, "=", 2);
		const struct button_profile *p = NULL;

		g_strstrip(parts[0]);
		if (parts[1]) {
			p = button_profile_by_name(g_strstrip(parts[1]));
			if (!p) {
				g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
					    "button %s: unknown profile '%s'", parts[0], parts[1]);
				return buttons_free(b);
			}
		}
		if (buttons_find_by_address(b, parts[0]))
			continue;
		if (!buttons_button_add(b, parts[0], p, true)) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
				    "more than %d buttons", BUTTONS_MAX);
			return buttons_free(b);
		}
	}
	buttons_paired_load(b);
	if (b->cfg.pairing_window) {
		b->pairing_until = (uint64_t)g_get_monotonic_time() + b->cfg.pairing_window;
		b->pairing_timer = g_timeout_add((guint)(b->cfg.pairing_window / 1000),
						 on_pairing_end, b);
	}
	b->retry_timer = g_timeout_add((guint)(b->cfg.reconnect_interval / 1000), on_retry, b);
	g_dbus_object_manager_client_new(b->bus, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_DO_NOT_AUTO_START,
					 BLUEZ, "/", NULL, NULL, NULL, b->cancel, on_manager, b);
	g_info("ble: %u buttons (configured and kept), adapter %s", b->buttons->len,
	       b->cfg.adapter ? b->cfg.adapter : "any");
	return b;
}

struct buttons *buttons_free(struct buttons *b)
{
	if (!b)
		return NULL;
	g_cancellable_cancel(b->cancel);
	if (b->pairing_timer)
		g_source_remove(b->pairing_timer);
	if (b->retry_timer)
		g_source_remove(b->retry_timer);
	if (b->om) {
		g_signal_handlers_disconnect_by_data(b->om, b);
		g_object_unref(b->om);
	}
	g_ptr_array_unref(b->buttons);
	b->listeners = watchlist_free(b->listeners);
	g_object_unref(b->cancel);
	g_free(b->adapter_path);
	buttons_config_clear(&b->cfg);
	g_object_unref(b->bus);
	g_free(b);
	return NULL;
}

void buttons_set_state(struct buttons *b, enum floor_state floor, enum svc_status status)
{
	enum button_led led = button_led_for_state(floor, status);

	if (!b || led == b->led)
		return;
	g_debug("ble: LEDs %s -> %s", button_led_to_string(b->led), button_led_to_string(led));
	b->led = led;
	for (guint i = 0; i < b->buttons->len; i++)
		buttons_gatt_write_led(b->buttons->pdata[i]);
}

unsigned buttons_add_watch(struct buttons *b, const struct button_events *events, void *data,
			   void (*destroy)(void *data))
{
	return b ? watchlist_add(b->listeners, events, data, destroy) : 0;
}

bool buttons_remove_watch(struct buttons *b, unsigned id)
{
	return b && watchlist_remove(b->listeners, id);
}

int buttons_open_pairing(struct buttons *b, unsigned seconds)
{
	if (!b)
		return -EINVAL;
	if (b->pairing_timer)
		g_source_remove(b->pairing_timer);
	b->pairing_timer = 0;
	if (!seconds)
		return on_pairing_end(b), 0;
	b->pairing_until = (uint64_t)g_get_monotonic_time() + seconds * G_USEC_PER_SEC;
	b->pairing_timer = g_timeout_add_seconds(seconds, on_pairing_end, b);
	g_info("ble: pairing window open for %u s (profiles %s)", seconds,
	       b->cfg.pairing_profiles[0] ? "accepted in [buttons]" : "none");
	if (!b->om)
		return -ENOTCONN;
	buttons_discovery_update(b);
	scan_all(b);
	return b->adapter_path ? 0 : -ENOTCONN;
}

