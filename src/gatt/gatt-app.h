/* SPDX-License-Identifier: MIT */
/*
 * gatt-app.h - the D-Bus objects of the GATT application and the advertisement
 * (internal to pttgw-gatt).
 *
 * /org/pttgw/gatt                       ObjectManager (RegisterApplication)
 *   /service0                           PTT service
 *     /char0 .. /char4                  Control Point, Control Point Command, State,
 *                                       Active Talker, Channel
 *   /service1                           Device Information (0x180A)
 *     /char0 .. /char2                  manufacturer, model, firmware revision
 * /org/pttgw/advertisement              ObjectManager
 *   /adv0                               LEAdvertisement1 (RegisterAdvertisement)
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include <gio/gio.h>

#include "gatt-server.h"

#define GATT_APP_PATH "/org/pttgw/gatt"
#define GATT_APP_ADV_PATH "/org/pttgw/advertisement/adv0"

/* the characteristics whose values change (the order of gatt/ptt-service.json) */
enum gatt_app_value {
	GATT_APP_STATE,
	GATT_APP_TALKER,
	GATT_APP_CHANNEL,
	_GATT_APP_VALUE_MAX,
};

struct gatt_app_handlers {
	/* a Control Point WriteValue; the handler completes the invocation */
	void (*cp_write)(void *data, GDBusMethodInvocation *invocation, GVariant *value,
			 GVariant *options);
	/* BlueZ released the advertisement by itself */
	void (*adv_released)(void *data);
};

struct gatt_app;

struct gatt_app *gatt_app_new(GDBusConnection *bus, const struct gatt_config *cfg,
			      const struct gatt_app_handlers *h, void *data, GError **error);
struct gatt_app *gatt_app_free(struct gatt_app *app); /* NULL-safe, returns NULL */

/* Stores a value; when it differs, emits PropertiesChanged(Value): a notification. */
void gatt_app_set_value(struct gatt_app *app, enum gatt_app_value which, const uint8_t *value,
			size_t len);
