/* SPDX-License-Identifier: MIT */
/*
 * gatt-server.h - the gateway's BLE PTT GATT service (gatt/ptt-service.txt) on BlueZ.
 *
 * Exports the PTT service and the Device Information service under one
 * org.freedesktop.DBus.ObjectManager, registers them with
 * org.bluez.GattManager1.RegisterApplication and an advertisement with
 * org.bluez.LEAdvertisingManager1.RegisterAdvertisement on every matching
 * adapter, and registers again by itself when bluetoothd restarts or an
 * adapter comes back.
 *
 * Control Point writes from bonded, allowlisted devices become events; every
 * source is "gatt:<device address>". A device that disconnects (or a bluetoothd
 * that goes away) while its press is held produces the matching release.
 *
 * Call from the thread that runs the GLib main context the server was created in.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <gio/gio.h>
#include <json-glib/json-glib.h>

#include "conf.h"
#include "gatt-proto.h"

enum gatt_security {
	GATT_SECURITY_ENCRYPT,       /* encrypt-write: an encrypted (bonded) link */
	GATT_SECURITY_AUTHENTICATED, /* encrypt-authenticated-write: MITM-protected pairing */
	_GATT_SECURITY_MAX,
};

#define GATT_ALLOWLIST_MAX 64 /* devices; the allowlist and the state file stop there */

struct gatt_config {
	bool enabled;                   /* [gatt] enabled */
	char *adapter;                  /* "hci0"; NULL or "": every adapter */
	char *local_name;               /* advertised local name */
	char *service_uuid;             /* the PTT service's UUID (advertised too) */
	enum gatt_security security;    /* the Control Point's write flag */
	char **allowlist;               /* NULL-terminated "AA:BB:CC:DD:EE:FF" (upper case) */
	char *state_dir;                /* the paired allowlist is kept here */
	unsigned write_rate;            /* writes per second per device, sustained */
	unsigned write_burst;           /* writes a device may send at once */
	char *manufacturer;             /* Device Information */
	char *model;
	char *firmware;                 /* default: PTTGW_VERSION */
};

/* Reads [gatt]; on a bad value returns FALSE with the conf error set. */
gboolean gatt_config_load(const struct conf *c, struct gatt_config *out, GError **error);
void gatt_config_clear(struct gatt_config *cfg);

/*
 * Events from the Control Point, all optional, called from the main loop
 * after the write was accepted. source: "gatt:AA:BB:CC:DD:EE:FF".
 */
struct gatt_events {
	void (*press)(void *data, const char *source, bool emergency);
	void (*release)(void *data, const char *source);
	void (*channel)(void *data, enum gatt_channel_op op, unsigned index);
	void (*volume)(void *data, int delta); /* +1 or -1 */
};

struct gatt_server;

/*
 * Exports the objects on system_bus and starts watching org.bluez; returns at
 * once (registration is asynchronous and repeats whenever BlueZ comes back).
 * NULL with error when the objects cannot be exported.
 */
struct gatt_server *gatt_server_new(GDBusConnection *system_bus, const struct gatt_config *cfg,
				    const struct gatt_events *events, void *data, GError **error);
/* NULL-safe; unregisters and cancels what is in flight; returns NULL. */
struct gatt_server *gatt_server_free(struct gatt_server *g);

/* Updates the characteristics; a change notifies the subscribed clients. */
void gatt_server_set_state(struct gatt_server *g, const struct gatt_state *st);

/*
 * Opens the pairing window for seconds (0 closes it): a device that bonds, or
 * a bonded device that writes, while it is open joins the allowlist, which is
 * saved to <state_dir>/gatt-allowlist. Returns 0 or a negative errno
 * (-EINVAL: more than 3600 s).
 */
int gatt_server_open_pairing(struct gatt_server *g, unsigned seconds);

/*
 * {"registered": bool, "adapters": [{"name": "hci0", "application": bool,
 *  "advertising": bool}], "clients": [{"address", "connected", "holding",
 *  "allowed"}], "allowlist": n, "pairing-window": seconds left}
 */
JsonNode *gatt_server_status(const struct gatt_server *g);

const char *gatt_security_to_string(enum gatt_security s);
