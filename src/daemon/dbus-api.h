/* SPDX-License-Identifier: MIT */
/*
 * dbus-api.h - org.pttgw.Gateway1 at /org/pttgw/Gateway: the control API.
 * Documented in org.pttgw.Gateway1.txt.
 */
#pragma once

#include <gio/gio.h>

#include "gateway.h"

#define PTTGW_BUS_NAME "org.pttgw.Gateway1"
#define PTTGW_OBJECT_PATH "/org/pttgw/Gateway"
#define PTTGW_INTERFACE "org.pttgw.Gateway1"

struct dbus_api;

/* Exports the object and owns the name. on_name_lost: called when the name
 * cannot be had or is lost (another daemon runs), so the caller can quit. */
struct dbus_api *dbus_api_new(GDBusConnection *bus, struct gateway *gw, GCallback on_name_lost,
			      void *data, GError **error);
struct dbus_api *dbus_api_free(struct dbus_api *api);

#define DBUS_API_ERROR_FAILED "org.pttgw.Error.Failed"

/* The one errno -> error table (negative errno in): the D-Bus error name
 * (org.pttgw.Error.Failed for one the table lacks), and the reason for people
 * (g_strerror() for one the table lacks). Static strings. */
const char *dbus_api_error_name(int r);
const char *dbus_api_error_reason(int r);

/* dbus-api-messages.c: SendMessage and PressTo (TRUE: method handled), and the
 * MessageReceived / LocationReceived signals made from the gateway's events. */
gboolean dbus_api_messages_call(struct gateway *gw, const char *method, GVariant *params,
				GDBusMethodInvocation *inv);
void dbus_api_messages_signal(GDBusConnection *bus, const char *type, const char *json);
