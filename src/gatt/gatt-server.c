/* SPDX-License-Identifier: MIT */
/*
 * gatt-server.c - registration with BlueZ, the Control Point's write path,
 * client tracking (who holds the talk) and the allowlist's state file.
 */
#include "gatt-server.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "bluez.h"
#include "gatt-app.h"
#include "gatt-policy.h"
#include "statelist.h"

#define BLUEZ_SERVICE "org.bluez"
#define IFACE_ADAPTER "org.bluez.Adapter1"
#define IFACE_DEVICE "org.bluez.Device1"
#define IFACE_GATT_MANAGER "org.bluez.GattManager1"
#define IFACE_ADV_MANAGER "org.bluez.LEAdvertisingManager1"
#define ALLOWLIST_FILE "gatt-allowlist"
#define RETRY_SECONDS 2
#define PAIRING_MAX_SECONDS 3600

enum reg_state {
	REG_NONE,
	REG_PENDING,
	REG_DONE,
	_REG_STATE_MAX,
};

struct adapter {
	struct gatt_server *g;
	char *path;          /* /org/bluez/hci0 */
	const char *name;    /* hci0, inside path */
	enum reg_state app;
	enum reg_state adv;
	GCancellable *app_call;
	GCancellable *adv_call;
	guint retry;
};

struct client {
	char *path;    /* the Device1 object */
	char *source;  /* "gatt:AA:BB:CC:DD:EE:FF" */
	char address[GATT_ADDRESS_LEN + 1];
	bool holding;  /* pressed and not released */
	bool throttled; /* the rate limit was logged */
};

struct gatt_server {
	GDBusConnection *bus;
	struct gatt_events ev;
	void *data;
	char *adapter_name; /* NULL: every adapter */
	char *state_dir;
	struct gatt_app *app;
	struct gatt_app_handlers app_handlers;
	struct gatt_policy *policy;
	GCancellable *cancel;       /* creating the object manager client */
	GDBusObjectManager *bluez;  /* NULL until created */
	GHashTable *adapters;       /* path -> struct adapter */
	GHashTable *clients;        /* device path -> struct client */
	unsigned channel_count;
	bool bluez_up;
};

static const char *reg_state_to_string(enum reg_state s)
{
	switch (s) {
	case REG_NONE:
		return "unregistered";
	case REG_PENDING:
		return "registering";
	case REG_DONE:
		return "registered";
	case _REG_STATE_MAX:
		break;
	}
	return "invalid";
}

static void adapter_set_reg(struct adapter *a, enum reg_state *which, enum reg_state s,
			    const char *what)
{
	if (*which == s)
		return;
	g_info("%s: %s %s -> %s", a->name, what, reg_state_to_string(*which),
	       reg_state_to_string(s));
	*which = s;
}

/* ---- allowlist state file ---- */

static void allowlist_load(struct gatt_server *g)
{
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) items = state_list_load(g->state_dir, ALLOWLIST_FILE, &error);

	if (!items) {
		g_warning("%s/%s: %s, ignoring", g->state_dir, ALLOWLIST_FILE, error->message);
		return;
	}
	for (char **it = items; *it; it++) {
		int r = gatt_policy_allow(g->policy, *it);

		if (r == -EINVAL)
			g_warning("%s/%s: '%s' is not a device address, ignoring", g->state_dir,
				  ALLOWLIST_FILE, *it);
		else if (r == -ENOSPC)
			g_warning("%s/%s: allowlist full (%d), ignoring the rest", g->state_dir,
				  ALLOWLIST_FILE, GATT_POLICY_ALLOWLIST_MAX);
	}
}

static void allowlist_save(struct gatt_server *g)
{
	g_autoptr(GPtrArray) items = g_ptr_array_new();
	g_autoptr(GError) error = NULL;

	for (size_t i = 0; i < gatt_policy_allowlist_size(g->policy); i++)
		g_ptr_array_add(items, (gpointer)gatt_policy_allowlist_get(g->policy, i));
	g_ptr_array_add(items, NULL);
	if (!state_list_save(g->state_dir, ALLOWLIST_FILE,
			     "pttgw: devices paired through the pairing window",
			     (const char *const *)items->pdata, &error))
		g_warning("%s; the allowlist is not saved", error->message);
}

/* ---- clients ---- */

static void client_free(gpointer p)
{
	struct client *c = p;

	g_free(c->path);
	g_free(c->source);
	g_free(c);
}

static struct client *client_get(struct gatt_server *g, const char *path, const char *address)
{
	struct client *c = g_hash_table_lookup(g->clients, path);

	if (c)
		return c;
	if (g_hash_table_size(g->clients) >= GATT_POLICY_CLIENTS_MAX)
		return NULL;
	c = g_new0(struct client, 1);
	c->path = g_strdup(path);
	memcpy(c->address, address, sizeof(c->address));
	c->source = g_strdup_printf("gatt:%s", address);
	g_hash_table_insert(g->clients, c->path, c);
	g_info("%s: client (%s)", c->source, path);
	return c;
}

/* The device went away: a held talk ends with it. */
static void client_gone(struct gatt_server *g, const char *path, const char *why)
{
	struct client *c = g_hash_table_lookup(g->clients, path);

	if (!c)
		return;
	if (c->holding) {
		g_message("%s: %s while holding the talk: releasing", c->source, why);
		c->holding = false;
		if (g->ev.release)
			g->ev.release(g->data, c->source);
	} else {
		g_info("%s: %s", c->source, why);
	}
	g_hash_table_remove(g->clients, path);
}

static void clients_gone(struct gatt_server *g, const char *prefix, const char *why)
{
	g_autoptr(GPtrArray) paths = g_ptr_array_new_with_free_func(g_free);
	GHashTableIter it;
	gpointer key;

	g_hash_table_iter_init(&it, g->clients);
	while (g_hash_table_iter_next(&it, &key, NULL))
		if (!prefix || g_str_has_prefix(key, prefix))
			g_ptr_array_add(paths, g_strdup(key));
	for (unsigned i = 0; i < paths->len; i++)
		client_gone(g, paths->pdata[i], why);
}

/* ---- the Control Point ---- */

static void dispatch(struct gatt_server *g, struct client *c, const struct gatt_cp_cmd *cmd)
{
	switch (cmd->op) {
	case GATT_CP_PRESS:
	case GATT_CP_EMERGENCY:
		c->holding = true;
		if (g->ev.press)
			g->ev.press(g->data, c->source, cmd->op == GATT_CP_EMERGENCY);
		break;
	case GATT_CP_RELEASE:
		c->holding = false;
		if (g->ev.release)
			g->ev.release(g->data, c->source);
		break;
	case GATT_CP_CHANNEL_NEXT:
		if (g->ev.channel)
			g->ev.channel(g->data, GATT_CHANNEL_NEXT, 0);
		break;
	case GATT_CP_CHANNEL_PREVIOUS:
		if (g->ev.channel)
			g->ev.channel(g->data, GATT_CHANNEL_PREVIOUS, 0);
		break;
	case GATT_CP_CHANNEL_SELECT:
		if (g->ev.channel)
			g->ev.channel(g->data, GATT_CHANNEL_SELECT, cmd->index);
		break;
	case GATT_CP_VOLUME_UP:
		if (g->ev.volume)
			g->ev.volume(g->data, +1);
		break;
	case GATT_CP_VOLUME_DOWN:
		if (g->ev.volume)
			g->ev.volume(g->data, -1);
		break;
	case _GATT_CP_OP_MAX:
		break;
	}
}

static void refuse(GDBusMethodInvocation *invocation, int err)
{
	g_dbus_method_invocation_return_dbus_error(invocation, gatt_cp_error_name(err),
						   gatt_cp_error_message(err));
}

static BluezDevice1 *get_device(struct gatt_server *g, const char *path)
{
	if (!g->bluez || !path)
		return NULL;
	return BLUEZ_DEVICE1(g_dbus_object_manager_get_interface(g->bluez, path, IFACE_DEVICE));
}

/* Bonded (BlueZ >= 5.66), else Paired. */
static bool device_bonded(BluezDevice1 *dev)
{
	g_autoptr(GVariant) v = g_dbus_proxy_get_cached_property(G_DBUS_PROXY(dev), "Bonded");

	if (v)
		return g_variant_get_boolean(v);
	return bluez_device1_get_paired(dev);
}

static char *hex_dump(const uint8_t *p, size_t len)
{
	GString *s = g_string_new(NULL);

	for (size_t i = 0; i < len && i < 16; i++)
		g_string_append_printf(s, "%s%02x", i ? " " : "", p[i]);
	if (len > 16)
		g_string_append(s, " ...");
	return g_string_free(s, FALSE);
}

static void on_cp_write(void *data, GDBusMethodInvocation *invocation, GVariant *value,
			GVariant *options)
{
	struct gatt_server *g = data;
	uint64_t now = (uint64_t)g_get_monotonic_time();
	g_autoptr(BluezDevice1) dev = NULL;
	g_autofree char *hex = NULL;
	const char *path = NULL;
	char address[GATT_ADDRESS_LEN + 1];
	struct gatt_cp_cmd cmd;
	struct client *c;
	const uint8_t *bytes;
	gsize len = 0;
	int r;

	bytes = g_variant_get_fixed_array(value, &len, 1);
	g_variant_lookup(options, "device", "&o", &path);
	dev = get_device(g, path);
	if (!dev || !gatt_address_normalize(bluez_device1_get_address(dev), address)) {
		g_message("Control Point write from an unknown device (%s): refused",
			  path ? path : "no device option");
		refuse(invocation, -EACCES);
		return;
	}
	c = g_hash_table_lookup(g->clients, path);
	r = gatt_policy_check_write(g->policy, now, address, device_bonded(dev));
	if (r == -EBUSY) {
		if (c && !c->throttled)
			g_message("gatt:%s: writes faster than %s allows: dropping", address,
				  "write-rate/write-burst");
		if (c)
			c->throttled = true;
		refuse(invocation, r);
		return;
	}
	if (r < 0) {
		g_message("gatt:%s: Control Point write refused: %s", address,
			  device_bonded(dev) ? "not on the allowlist" : "not bonded");
		refuse(invocation, -EACCES);
		return;
	}
	if (r == 1) {
		g_message("gatt:%s: joined the allowlist (pairing window)", address);
		allowlist_save(g);
	}
	r = gatt_cp_parse(bytes, len, &cmd);
	if (r == 0)
		r = gatt_cp_check_range(&cmd, g->channel_count);
	if (r < 0) {
		hex = hex_dump(bytes, len);
		g_message("gatt:%s: malformed Control Point write [%s]: %s", address, hex,
			  gatt_cp_error_message(r));
		refuse(invocation, r);
		return;
	}
	c = client_get(g, path, address);
	if (!c) {
		g_message("gatt:%s: too many clients (%d): refused", address,
			  GATT_POLICY_CLIENTS_MAX);
		refuse(invocation, -EACCES);
		return;
	}
	c->throttled = false;
	g_debug("%s: %s (write at %" PRIu64 " us)", c->source, gatt_cp_op_to_string(cmd.op), now);
	g_dbus_method_invocation_return_value(invocation, NULL);
	dispatch(g, c, &cmd);
}

static void schedule_retry(struct adapter *a);

static void on_adv_released(void *data)
{
	struct gatt_server *g = data;
	GHashTableIter it;
	struct adapter *a;

	/* BlueZ gives no adapter: register again wherever it is not pending */
	g_hash_table_iter_init(&it, g->adapters);
	while (g_hash_table_iter_next(&it, NULL, (gpointer *)&a))
		if (a->adv == REG_DONE) {
			adapter_set_reg(a, &a->adv, REG_NONE, "advertisement (released by BlueZ)");
			schedule_retry(a);
		}
}

/* ---- registration ---- */

static void adapter_update(struct adapter *a);

static gboolean on_retry(gpointer data)
{
	struct adapter *a = data;

	a->retry = 0;
	adapter_update(a);
	return G_SOURCE_REMOVE;
}

static void schedule_retry(struct adapter *a)
{
	if (!a->retry)
		a->retry = g_timeout_add_seconds(RETRY_SECONDS, on_retry, a);
}

static void on_app_registered(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GError) error = NULL;
	struct adapter *a;

	bluez_gatt_manager1_call_register_application_finish(BLUEZ_GATT_MANAGER1(source), res,
							      &error);
	/* cancelled: the adapter (user_data) may be gone */
	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return;
	a = user_data;
	g_clear_object(&a->app_call);
	if (error && !g_str_has_suffix(error->message, "AlreadyExists")) {
		g_warning("%s: RegisterApplication: %s; retrying in %d s", a->name, error->message,
			  RETRY_SECONDS);
		adapter_set_reg(a, &a->app, REG_NONE, "application");
		schedule_retry(a);
		return;
	}
	adapter_set_reg(a, &a->app, REG_DONE, "application");
}

static void on_adv_registered(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GError) error = NULL;
	struct adapter *a;

	bluez_leadvertising_manager1_call_register_advertisement_finish(
		BLUEZ_LEADVERTISING_MANAGER1(source), res, &error);
	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return;
	a = user_data;
	g_clear_object(&a->adv_call);
	if (error && !g_str_has_suffix(error->message, "AlreadyExists")) {
		g_warning("%s: RegisterAdvertisement: %s; retrying in %d s", a->name,
			  error->message, RETRY_SECONDS);
		adapter_set_reg(a, &a->adv, REG_NONE, "advertisement");
		schedule_retry(a);
		return;
	}
	adapter_set_reg(a, &a->adv, REG_DONE, "advertisement");
}

static void adapter_update(struct adapter *a)
{
	struct gatt_server *g = a->g;
	g_autoptr(BluezGattManager1) gm = NULL;
	g_autoptr(BluezLEAdvertisingManager1) am = NULL;
	GVariantBuilder opts;

	if (!g->bluez)
		return;
	gm = BLUEZ_GATT_MANAGER1(g_dbus_object_manager_get_interface(g->bluez, a->path,
								    IFACE_GATT_MANAGER));
	am = BLUEZ_LEADVERTISING_MANAGER1(g_dbus_object_manager_get_interface(g->bluez, a->path,
									     IFACE_ADV_MANAGER));
	if (gm && a->app == REG_NONE) {
		adapter_set_reg(a, &a->app, REG_PENDING, "application");
		a->app_call = g_cancellable_new();
		g_variant_builder_init(&opts, G_VARIANT_TYPE_VARDICT);
		bluez_gatt_manager1_call_register_application(gm, GATT_APP_PATH,
							      g_variant_builder_end(&opts),
							      G_DBUS_CALL_FLAGS_NONE, -1, a->app_call,
							      on_app_registered, a);
	}
	if (am && a->adv == REG_NONE) {
		adapter_set_reg(a, &a->adv, REG_PENDING, "advertisement");
		a->adv_call = g_cancellable_new();
		g_variant_builder_init(&opts, G_VARIANT_TYPE_VARDICT);
		bluez_leadvertising_manager1_call_register_advertisement(
			am, GATT_APP_ADV_PATH, g_variant_builder_end(&opts),
			G_DBUS_CALL_FLAGS_NONE, -1, a->adv_call, on_adv_registered, a);
	}
}

static void adapter_free(gpointer p)
{
	struct adapter *a = p;

	if (a->retry)
		g_source_remove(a->retry);
	g_cancellable_cancel(a->app_call);
	g_cancellable_cancel(a->adv_call);
	g_clear_object(&a->app_call);
	g_clear_object(&a->adv_call);
	g_free(a->path);
	g_free(a);
}

static bool adapter_wanted(const struct gatt_server *g, const char *path)
{
	const char *name;

	if (!g_str_has_prefix(path, "/org/bluez/hci"))
		return false;
	name = path + strlen("/org/bluez/");
	if (strchr(name, '/'))
		return false;
	return !g->adapter_name || strcmp(name, g->adapter_name) == 0;
}

static void on_object_added(GDBusObjectManager *m, GDBusObject *object, gpointer data)
{
	struct gatt_server *g = data;
	const char *path = g_dbus_object_get_object_path(object);
	struct adapter *a;
	g_autoptr(GDBusInterface) gm = g_dbus_object_get_interface(object, IFACE_GATT_MANAGER);

	if (!gm || !adapter_wanted(g, path))
		return;
	a = g_hash_table_lookup(g->adapters, path);
	if (!a) {
		a = g_new0(struct adapter, 1);
		a->g = g;
		a->path = g_strdup(path);
		a->name = a->path + strlen("/org/bluez/");
		g_hash_table_insert(g->adapters, a->path, a);
		g_message("%s: adapter appeared", a->name);
	}
	adapter_update(a);
}

static void on_object_removed(GDBusObjectManager *m, GDBusObject *object, gpointer data)
{
	struct gatt_server *g = data;
	const char *path = g_dbus_object_get_object_path(object);
	g_autofree char *prefix = g_strconcat(path, "/", NULL);

	if (!g_str_has_prefix(path, "/org/bluez/hci") || !strstr(path + 11, "/"))
		g_debug("%s: removed", path);

	client_gone(g, path, "device removed");
	if (g_hash_table_contains(g->adapters, path)) {
		g_message("%s: adapter went away", path + strlen("/org/bluez/"));
		clients_gone(g, prefix, "adapter went away");
		g_hash_table_remove(g->adapters, path);
	}
}

static void on_interface_added(GDBusObjectManager *m, GDBusObject *object,
			       GDBusInterface *iface, gpointer data)
{
	on_object_added(m, object, data);
}

static void on_interface_removed(GDBusObjectManager *m, GDBusObject *object,
				 GDBusInterface *iface, gpointer data)
{
	struct gatt_server *g = data;
	/* a plain GDBusProxy (an interface not in org.bluez.xml) has no GDBusInterfaceInfo */
	const char *name = g_dbus_proxy_get_interface_name(G_DBUS_PROXY(iface));
	const char *path = g_dbus_object_get_object_path(object);

	g_debug("%s: %s removed", path, name);

	if (strcmp(name, IFACE_DEVICE) == 0)
		client_gone(g, path, "device removed");
	else if (strcmp(name, IFACE_GATT_MANAGER) == 0)
		on_object_removed(m, object, data);
}

/* /org/bluez/hci0/dev_XX: a device of an adapter we serve (not of another one's). */
static bool device_on_our_adapter(const struct gatt_server *g, const char *path)
{
	const char *slash = strrchr(path, '/');
	g_autofree char *adapter = slash ? g_strndup(path, (gsize)(slash - path)) : NULL;

	return adapter && g_hash_table_contains(g->adapters, adapter);
}

static void on_properties_changed(GDBusObjectManagerClient *m, GDBusObjectProxy *object,
				  GDBusProxy *proxy, GVariant *changed,
				  const char *const *invalidated, gpointer data)
{
	struct gatt_server *g = data;
	const char *iface = g_dbus_proxy_get_interface_name(proxy);
	const char *path = g_dbus_proxy_get_object_path(proxy);
	gboolean b;

	if (strcmp(iface, IFACE_DEVICE) == 0) {
		if (g_variant_lookup(changed, "Connected", "b", &b) && !b)
			client_gone(g, path, "disconnected");
		if ((g_variant_lookup(changed, "Bonded", "b", &b) ||
		     g_variant_lookup(changed, "Paired", "b", &b)) && b &&
		    device_on_our_adapter(g, path)) {
			const char *addr = bluez_device1_get_address(BLUEZ_DEVICE1(proxy));
			int r = gatt_policy_bonded(g->policy, (uint64_t)g_get_monotonic_time(),
						   addr);

			if (r == 1) {
				g_message("gatt:%s: bonded in the pairing window: allowed", addr);
				allowlist_save(g);
			} else if (r == -ENOSPC) {
				g_warning("gatt:%s: bonded but the allowlist is full (%d)", addr,
					  GATT_POLICY_ALLOWLIST_MAX);
			}
		}
	} else if (strcmp(iface, IFACE_ADAPTER) == 0) {
		struct adapter *a = g_hash_table_lookup(g->adapters, path);

		if (a && g_variant_lookup(changed, "Powered", "b", &b) && b)
			adapter_update(a);
	}
}

static void on_name_owner(GObject *object, GParamSpec *pspec, gpointer data)
{
	struct gatt_server *g = data;
	g_autofree char *owner = g_dbus_object_manager_client_get_name_owner(
		G_DBUS_OBJECT_MANAGER_CLIENT(object));
	bool up = owner != NULL;

	if (up == g->bluez_up)
		return;
	g_message("bluetoothd %s -> %s", g->bluez_up ? "up" : "down", up ? "up" : "down");
	g->bluez_up = up;
	if (!up) {
		/* objects are removed one by one too; make sure nothing is left held */
		clients_gone(g, NULL, "bluetoothd went away");
		g_hash_table_remove_all(g->adapters);
	}
}

static void on_manager_created(GObject *source, GAsyncResult *res, gpointer user_data)
{
	g_autoptr(GError) error = NULL;
	GDBusObjectManager *m = bluez_object_manager_client_new_finish(res, &error);
	struct gatt_server *g;
	GList *objects;

	if (g_error_matches(error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
		return;
	g = user_data;
	g_clear_object(&g->cancel);
	if (!m) {
		g_warning("cannot watch org.bluez: %s; GATT service disabled", error->message);
		return;
	}
	g->bluez = m;
	g_signal_connect(m, "object-added", G_CALLBACK(on_object_added), g);
	g_signal_connect(m, "object-removed", G_CALLBACK(on_object_removed), g);
	g_signal_connect(m, "interface-added", G_CALLBACK(on_interface_added), g);
	g_signal_connect(m, "interface-removed", G_CALLBACK(on_interface_removed), g);
	g_signal_connect(m, "interface-proxy-properties-changed",
			 G_CALLBACK(on_properties_changed), g);
	g_signal_connect(m, "notify::name-owner", G_CALLBACK(on_name_owner), g);
	on_name_owner(G_OBJECT(m), NULL, g);
	if (!g->bluez_up)
		g_message("bluetoothd is not running: waiting for it");
	objects = g_dbus_object_manager_get_objects(m);
	for (GList *l = objects; l; l = l->next)
		on_object_added(m, l->data, g);
	g_list_free_full(objects, g_object_unref);
}

/* ---- public ---- */

struct gatt_server *gatt_server_new(GDBusConnection *system_bus, const struct gatt_config *cfg,
				    const struct gatt_events *events, void *data, GError **error)
{
	struct gatt_server *g = g_new0(struct gatt_server, 1);

	g->bus = g_object_ref(system_bus);
	if (events)
		g->ev = *events;
	g->data = data;
	g->adapter_name = cfg->adapter && *cfg->adapter ? g_strdup(cfg->adapter) : NULL;
	g->state_dir = g_strdup(cfg->state_dir ? cfg->state_dir : "/var/lib/pttgw");
	g->policy = gatt_policy_new(cfg->write_rate ? cfg->write_rate : 20,
				    cfg->write_burst ? cfg->write_burst : 20);
	g->adapters = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, adapter_free);
	g->clients = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, client_free);
	for (char **a = cfg->allowlist; a && *a; a++)
		if (gatt_policy_allow(g->policy, *a) < 0)
			g_warning("allowlist: '%s' not added, ignoring", *a);
	allowlist_load(g);
	g_info("allowlist: %zu device(s); Control Point security: %s",
	       gatt_policy_allowlist_size(g->policy), gatt_security_to_string(cfg->security));
	g->app_handlers = (struct gatt_app_handlers){
		.cp_write = on_cp_write,
		.adv_released = on_adv_released,
	};
	g->app = gatt_app_new(system_bus, cfg, &g->app_handlers, g, error);
	if (!g->app)
		return gatt_server_free(g);
	gatt_server_set_state(g, &(struct gatt_state){ .floor = FLOOR_IDLE,
						       .status = SVC_CONNECTING,
						       .link = GATT_LINK_DOWN });
	g->cancel = g_cancellable_new();
	bluez_object_manager_client_new(system_bus, G_DBUS_OBJECT_MANAGER_CLIENT_FLAGS_DO_NOT_AUTO_START,
					BLUEZ_SERVICE, "/", g->cancel, on_manager_created, g);
	return g;
}

static void unregister_all(struct gatt_server *g)
{
	GHashTableIter it;
	struct adapter *a;

	if (!g->bluez || !g->adapters)
		return;
	g_hash_table_iter_init(&it, g->adapters);
	while (g_hash_table_iter_next(&it, NULL, (gpointer *)&a)) {
		/* fire and forget: BlueZ drops them anyway when we leave the bus */
		if (a->app == REG_DONE)
			g_dbus_connection_call(g->bus, BLUEZ_SERVICE, a->path, IFACE_GATT_MANAGER,
					       "UnregisterApplication",
					       g_variant_new("(o)", GATT_APP_PATH), NULL,
					       G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL, NULL);
		if (a->adv == REG_DONE)
			g_dbus_connection_call(g->bus, BLUEZ_SERVICE, a->path, IFACE_ADV_MANAGER,
					       "UnregisterAdvertisement",
					       g_variant_new("(o)", GATT_APP_ADV_PATH), NULL,
					       G_DBUS_CALL_FLAGS_NONE, -1, NULL, NULL, NULL);
	}
}

struct gatt_server *gatt_server_free(struct gatt_server *g)
{
	if (!g)
		return NULL;
	unregister_all(g);
	if (g->cancel)
		g_cancellable_cancel(g->cancel);
	g_clear_object(&g->cancel);
	if (g->bluez)
		g_signal_handlers_disconnect_by_data(g->bluez, g);
	g_clear_pointer(&g->clients, g_hash_table_destroy);
	g_clear_pointer(&g->adapters, g_hash_table_destroy);
	g_clear_object(&g->bluez);
	g->app = gatt_app_free(g->app);
	g->policy = gatt_policy_free(g->policy);
	g_free(g->state_dir);
	g_free(g->adapter_name);
	g_clear_object(&g->bus);
	g_free(g);
	return NULL;
}

void gatt_server_set_state(struct gatt_server *g, const struct gatt_state *st)
{
	uint8_t state[GATT_STATE_LEN];
	uint8_t talker[GATT_TALKER_MAX];
	uint8_t channel[GATT_CHANNEL_LEN_MAX];
	size_t n;

	g->channel_count = st->channel_count;
	gatt_state_encode(st, state);
	gatt_app_set_value(g->app, GATT_APP_STATE, state, sizeof(state));
	n = gatt_talker_encode(st->talker, talker);
	gatt_app_set_value(g->app, GATT_APP_TALKER, talker, n);
	n = gatt_channel_encode(st->channel_index, st->channel_count, st->channel_name, channel);
	gatt_app_set_value(g->app, GATT_APP_CHANNEL, channel, n);
}

int gatt_server_open_pairing(struct gatt_server *g, unsigned seconds)
{
	if (seconds > PAIRING_MAX_SECONDS)
		return -EINVAL;
	gatt_policy_open_pairing(g->policy, (uint64_t)g_get_monotonic_time(),
				 (uint64_t)seconds * G_USEC_PER_SEC);
	if (seconds)
		g_message("pairing window open for %u s: devices that bond now are allowed",
			  seconds);
	else
		g_message("pairing window closed");
	return 0;
}

JsonNode *gatt_server_status(const struct gatt_server *g)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	uint64_t now = (uint64_t)g_get_monotonic_time();
	bool registered = false;
	GHashTableIter it;
	gpointer v;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "adapters");
	json_builder_begin_array(b);
	g_hash_table_iter_init(&it, g->adapters);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		const struct adapter *a = v;

		registered |= a->app == REG_DONE;
		json_builder_begin_object(b);
		json_builder_set_member_name(b, "name");
		json_builder_add_string_value(b, a->name);
		json_builder_set_member_name(b, "application");
		json_builder_add_boolean_value(b, a->app == REG_DONE);
		json_builder_set_member_name(b, "advertising");
		json_builder_add_boolean_value(b, a->adv == REG_DONE);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "registered");
	json_builder_add_boolean_value(b, registered);
	json_builder_set_member_name(b, "clients");
	json_builder_begin_array(b);
	g_hash_table_iter_init(&it, g->clients);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		const struct client *c = v;

		json_builder_begin_object(b);
		json_builder_set_member_name(b, "address");
		json_builder_add_string_value(b, c->address);
		json_builder_set_member_name(b, "connected");
		json_builder_add_boolean_value(b, true);
		json_builder_set_member_name(b, "holding");
		json_builder_add_boolean_value(b, c->holding);
		json_builder_set_member_name(b, "allowed");
		json_builder_add_boolean_value(b, gatt_policy_is_allowed(g->policy, c->address));
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
	json_builder_set_member_name(b, "allowlist");
	json_builder_add_int_value(b, (gint64)gatt_policy_allowlist_size(g->policy));
	json_builder_set_member_name(b, "pairing-window");
	json_builder_add_int_value(b, (gint64)(gatt_policy_pairing_left(g->policy, now) /
					       G_USEC_PER_SEC));
	json_builder_end_object(b);
	return json_builder_get_root(b);
}
