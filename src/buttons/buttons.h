/* SPDX-License-Identifier: MIT */
/*
 * buttons.h - BLE talk buttons, the gateway as GATT client through BlueZ.
 *
 * Configured buttons (by address, or any button of an accepted profile while
 * a pairing window is open; those are kept in <state_dir>/buttons-paired and
 * come back after a restart) are connected with Device1.Connect; their button
 * characteristic is subscribed (StartNotify) and read on every (re)connect so
 * a button already held is not lost; they are reconnected when they come back.
 * Buttons with an LED (Aina) show the gateway's state; battery level is read.
 * Sources are named "ble:AA:BB:CC:DD:EE:FF". Events: button-events.h.
 */
#pragma once

#include <gio/gio.h>
#include <json-glib/json-glib.h>
#include <stdint.h>

#include "button-events.h"
#include "conf.h"
#include "floor.h"
#include "status.h"

#define BUTTONS_MAX 16 /* configured plus paired buttons */

struct buttons_config {
	char *adapter;           /* "hci0"; NULL: every adapter */
	char **devices;          /* "AA:BB:CC:DD:EE:FF" or "AA:..:FF=profile"; NULL-terminated */
	char **pairing_profiles; /* profile names a pairing window accepts */
	uint64_t pairing_window; /* usec, a window opened at start; 0: none */
	uint64_t reconnect_interval; /* usec between connect attempts */
	gboolean led;            /* drive LEDs */
	uint64_t long_press;     /* usec; hold talk this long -> emergency; 0 off */
	uint64_t double_press;   /* usec; double press -> next channel; 0 off */
	char *state_dir;         /* buttons taken in a pairing window are kept here */
};

/* Reads [buttons]; defaults when keys are absent. Free with buttons_config_clear(). */
gboolean buttons_config_load(const struct conf *c, struct buttons_config *out, GError **error);
void buttons_config_clear(struct buttons_config *cfg);
/* "AA:BB:CC:DD:EE:FF" (either case). */
gboolean buttons_valid_address(const char *s);

struct buttons;

/* system_bus: a connection to the system bus (BlueZ). Returns NULL with error
 * on a bad config only; BlueZ absent or coming later is handled inside. */
struct buttons *buttons_new(GDBusConnection *system_bus, const struct buttons_config *cfg,
			    const struct button_events *events, void *data, GError **error);
struct buttons *buttons_free(struct buttons *b); /* NULL-safe, returns NULL */

/* More listeners beside the events given to buttons_new(); events must outlive
 * the registration. Returns a non-zero id; destroy (optional) runs once, on
 * removal or buttons_free(). A listener may remove itself while notified. */
unsigned buttons_add_watch(struct buttons *b, const struct button_events *events, void *data,
			   void (*destroy)(void *data));
bool buttons_remove_watch(struct buttons *b, unsigned id);

/* The gateway's state, for LEDs. Call on every change; cheap when unchanged. */
void buttons_set_state(struct buttons *b, enum floor_state floor, enum svc_status status);

/* Accept the first new button of a pairing profile seen within seconds.
 * Returns 0 or a negative errno (-ENOTCONN: no adapter yet). */
int buttons_open_pairing(struct buttons *b, unsigned seconds);

/* Status: adds one array value, one object per button:
 * {"source", "address", "profile" (or null), "name" (or null), "configured", "kept",
 * "connected", "held", "battery" (0..100, or null)}. The caller sets the member name first. */
void buttons_to_json(struct buttons *b, JsonBuilder *builder);
