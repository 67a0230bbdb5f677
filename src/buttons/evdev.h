/* SPDX-License-Identifier: MIT */
/*
 * evdev.h - talk keys from input devices (USB/BT HID, HID over GATT, GPIO keys).
 *
 * Follows, through a GUdev monitor on subsystem "input", the event devices
 * that udev tagged with PTTGW_PTT=1 (udev/70-pttgw.rules, 70-pttgw.hwdb) as
 * they come and go; reads their key events and maps key codes through the
 * config. Sources are named "evdev:/dev/input/eventN". Events: button-events.h.
 */
#pragma once

#include <glib.h>
#include <json-glib/json-glib.h>
#include <stdint.h>

#include "button-events.h"
#include "conf.h"
#include "evdev-avrcp.h"

#define EVDEV_MAX_KEYS 16    /* per list */
#define EVDEV_MAX_DEVICES 16 /* followed at once */

struct evdev_keys {
	uint16_t codes[EVDEV_MAX_KEYS];
	unsigned n;
};

struct evdev_config {
	gboolean enable;
	struct evdev_keys ptt;          /* press / release */
	struct evdev_keys emergency;    /* press(emergency) / release */
	struct evdev_keys channel_next; /* channel(+1) on key down */
	struct evdev_keys channel_prev; /* channel(-1) on key down */
	uint64_t long_press;            /* usec; talk held this long -> emergency; 0 off */
	uint64_t double_press;          /* usec; talk double press -> channel(+1); 0 off */
	gboolean grab;                  /* EVIOCGRAB: keep the keys from everyone else */
	enum evdev_avrcp_mode avrcp;    /* a headset's play/pause (PTTGW_AVRCP=1 devices) */
};

/* Reads [evdev]; defaults when keys are absent. Nothing to free. */
gboolean evdev_config_load(const struct conf *c, struct evdev_config *out, GError **error);

/* "KEY_F13, BTN_0, 0x2c0, 183" -> codes. Names as in linux/input-event-codes.h. */
gboolean evdev_keys_parse(const char *list, struct evdev_keys *out, GError **error);
/* "KEY_F13"; a number as text for a code without a name. */
const char *evdev_key_name(uint16_t code, char buf[16]);

struct evdev;

/* Returns NULL with error when udev cannot be reached. cfg->enable false gives
 * a context that follows nothing. */
struct evdev *evdev_new(const struct evdev_config *cfg, const struct button_events *events,
			void *data, GError **error);
struct evdev *evdev_free(struct evdev *e); /* NULL-safe, returns NULL */

/* More listeners, as buttons_add_watch() (buttons.h). */
unsigned evdev_add_watch(struct evdev *e, const struct button_events *events, void *data,
			 void (*destroy)(void *data));
bool evdev_remove_watch(struct evdev *e, unsigned id);

/* Status: adds one array value, one object per device:
 * {"source", "name", "devnode", "held", "grabbed"}. */
void evdev_to_json(struct evdev *e, JsonBuilder *builder);
