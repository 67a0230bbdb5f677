/* SPDX-License-Identifier: MIT */
/*
 * buttons-private.h - what the files of the BLE buttons share; not for
 * other modules (their API is buttons.h).
 *
 *   buttons.c           lifecycle, BlueZ's object manager, devices, connect
 *   buttons-gatt.c      a connected button's characteristics, values, LED
 *   buttons-discovery.c the adapter and its discovery
 *   buttons-paired.c    buttons kept from a pairing window (state directory)
 *   buttons-json.c      status as JSON
 *
 * All on the main context; every D-Bus call runs on buttons->cancel and its
 * reply checks CANCELLED before it touches a button (a button lives as long
 * as the struct buttons: buttons are never removed before buttons_free()).
 */
#pragma once

#include <stdbool.h>

#include "buttons.h"
#include "button-profiles.h"
#include "gesture-glib.h"

#define BLUEZ "org.bluez"
#define IFACE_ADAPTER "org.bluez.Adapter1"
#define IFACE_DEVICE "org.bluez.Device1"
#define IFACE_SERVICE "org.bluez.GattService1"
#define IFACE_CHAR "org.bluez.GattCharacteristic1"
#define IFACE_BATTERY "org.bluez.Battery1"
#define UUID_BATTERY_LEVEL "00002a19-0000-1000-8000-00805f9b34fb"
#define CONNECT_TIMEOUT_MS 30000
#define CALL_TIMEOUT_MS 10000
#define PAIRED_FILE "buttons-paired" /* in [buttons] state-dir: "ADDRESS=profile" lines */

struct button {
	struct buttons *b;
	char address[18];
	char source[24]; /* "ble:AA:BB:CC:DD:EE:FF" */
	const struct button_profile *profile; /* NULL until known */
	bool configured;                      /* from the config, not a pairing window */
	bool kept;                            /* taken in a pairing window: in PAIRED_FILE */
	char *device_path;                    /* NULL while BlueZ has no such device */
	char *name;
	char *button_path, *led_path, *battery_path;
	bool connected, resolved, connecting, subscribed;
	uint64_t last_attempt;
	uint32_t actions;
	struct gesture_driver gd;
	int battery; /* -1: unknown */
	int led_written; /* -1: nothing written since the connection */
	unsigned malformed;
};

struct buttons {
	GDBusConnection *bus;
	struct buttons_config cfg;
	struct watchlist *listeners; /* struct button_events */
	GCancellable *cancel;
	GDBusObjectManager *om;
	GPtrArray *buttons; /* struct button*, at most BUTTONS_MAX */
	guint retry_timer;
	guint pairing_timer;
	uint64_t pairing_until; /* 0: closed */
	char *adapter_path;     /* the adapter we use; NULL until seen */
	bool discovering;       /* we asked for discovery */
	enum button_led led;
};

/* buttons.c */
struct button *buttons_button_add(struct buttons *b, const char *address,
				  const struct button_profile *profile, bool configured);
struct button *buttons_find_by_address(struct buttons *b, const char *address);
GDBusProxy *buttons_proxy(struct buttons *b, const char *path, const char *iface);
GVariant *buttons_prop(GDBusProxy *p, const char *name);
bool buttons_prop_bool(GDBusProxy *p, const char *name);
char *buttons_prop_string(GDBusProxy *p, const char *name);
bool buttons_adapter_ok(struct buttons *b, const char *path);
/* Finish a proxy call on a button (user_data), log a failure that is not a
 * cancellation; ret (optional) takes the reply. */
void buttons_reply_log(GObject *src, GAsyncResult *res, gpointer user_data, const char *what,
		       GVariant **ret);

/* buttons-gatt.c */
void buttons_gatt_setup(struct button *btn); /* services resolved */
void buttons_gatt_button_value(struct button *btn, GVariant *value);
void buttons_gatt_battery_value(struct button *btn, GVariant *value);
void buttons_gatt_write_led(struct button *btn); /* b->led, when not shown yet */

/* buttons-discovery.c */
void buttons_discovery_update(struct buttons *b);

/* buttons-paired.c */
void buttons_paired_save(struct buttons *b);
void buttons_paired_load(struct buttons *b);
