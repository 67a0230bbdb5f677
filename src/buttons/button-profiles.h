/* SPDX-License-Identifier: MIT */
/*
 * button-profiles.h - the BLE talk button profiles we know, as data, and the
 * pure decoding of their values. No GLib, no D-Bus (floor.h and status.h are
 * pure too). See PROFILES.md.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "floor.h"
#include "status.h"

/* What a button value means; several at once for a bitmask. */
enum button_action {
	BUTTON_ACTION_TALK = 1 << 0,
	BUTTON_ACTION_EMERGENCY = 1 << 1,
	BUTTON_ACTION_CHANNEL_NEXT = 1 << 2,
	BUTTON_ACTION_CHANNEL_PREV = 1 << 3,
};

enum button_encoding {
	BUTTON_ENCODING_VALUE,   /* the whole value is one of the map's values */
	BUTTON_ENCODING_BITMASK, /* each set bit is one of the map's values */
	_BUTTON_ENCODING_MAX,
};

/* VALUE: value -> actions. BITMASK: a single bit -> actions (0 for a bit we
 * know and ignore). */
struct button_map {
	uint8_t value;
	uint32_t actions;
};

enum button_led {
	BUTTON_LED_OFF,
	BUTTON_LED_GREEN, /* ready */
	BUTTON_LED_RED,   /* our talk: requesting, transmitting, releasing */
	BUTTON_LED_AMBER, /* someone else talks, or we are queued */
	_BUTTON_LED_MAX,
};

#define BUTTON_PROFILE_MAX_MAP 8

struct button_profile {
	const char *name;         /* config name: "zello", "pryme", "blu-ptt", "aina" */
	const char *title;        /* for people */
	const char *service_uuid; /* lower-case, 128-bit */
	const char *button_uuid;  /* the characteristic that notifies the buttons */
	const char *led_uuid;     /* NULL: no LED */
	bool advertised;          /* the service UUID is in advertisements */
	enum button_encoding encoding;
	uint8_t length;           /* the only valid value length, in bytes */
	struct button_map map[BUTTON_PROFILE_MAX_MAP];
	size_t n_map;
	uint8_t led_values[_BUTTON_LED_MAX]; /* what to write for each colour */
};

size_t button_profiles_count(void);
const struct button_profile *button_profile_at(size_t i);
/* By config name, case-insensitive; NULL when unknown. */
const struct button_profile *button_profile_by_name(const char *name);
/* By service UUID, 16-bit ("ffe0") or 128-bit, any case; NULL when unknown. */
const struct button_profile *button_profile_by_service(const char *uuid);

/* Normalise a UUID to its lower-case 128-bit form ("ffe0" -> "0000ffe0-0000-1000-
 * 8000-00805f9b34fb") into out (37 bytes). Returns false when it is no UUID. */
bool button_uuid_normalise(const char *uuid, char out[37]);
bool button_uuid_equal(const char *a, const char *b);

/*
 * A notified or read value -> the set of enum button_action held now.
 * Returns 0, -EMSGSIZE (wrong length) or -EBADMSG (a value or bit the profile
 * does not know); on error *ret_actions is untouched and the value is to be
 * ignored as a whole.
 */
int button_profile_decode(const struct button_profile *p, const uint8_t *value, size_t len,
			  uint32_t *ret_actions);

/* The LED colour for the gateway's state (floor.h, status.h); out of range -> off. */
enum button_led button_led_for_state(enum floor_state floor, enum svc_status status);

const char *button_encoding_to_string(enum button_encoding e);
const char *button_led_to_string(enum button_led l);
