/* SPDX-License-Identifier: MIT */
#include "button-profiles.h"

#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#define BT_BASE_UUID(x) "0000" x "-0000-1000-8000-00805f9b34fb"
#define AINA_UUID(x) x "-cb21-11e5-93d0-0002a5d5c51b"

/* One talk key, 1 while held, 0 when released. */
#define ONE_KEY_MAP                                                                \
	.encoding = BUTTON_ENCODING_VALUE, .length = 1,                            \
	.map = { { 0x00, 0 }, { 0x01, BUTTON_ACTION_TALK } }, .n_map = 2

/* The table. Keep PROFILES.md in step with it. */
static const struct button_profile profiles[] = {
	{
		.name = "zello",
		.title = "Zello-style (Pryme PTT-Z and clones)",
		.service_uuid = BT_BASE_UUID("ffe0"),
		.button_uuid = BT_BASE_UUID("ffe1"),
		.advertised = true,
		ONE_KEY_MAP,
	},
	{
		.name = "pryme",
		.title = "Pryme hand microphone, BLE part",
		.service_uuid = "28393551-5345-5209-fd67-45287c0bdac5",
		.button_uuid = BT_BASE_UUID("ffe1"),
		.advertised = true,
		ONE_KEY_MAP,
	},
	{
		.name = "blu-ptt",
		.title = "Blu-PTT / Tidradio-style",
		.service_uuid = "89a8591d-bb19-485b-9f59-58492bc33e24",
		.button_uuid = "894c8042-e841-461c-a5c9-5a73d25db08e",
		.advertised = false, /* the service shows only after connecting */
		ONE_KEY_MAP,
	},
	{
		.name = "aina",
		.title = "Aina PTT buttons",
		.service_uuid = AINA_UUID("127face1"),
		.button_uuid = AINA_UUID("127fbeef"),
		.led_uuid = AINA_UUID("127fdead"),
		.advertised = true,
		.encoding = BUTTON_ENCODING_BITMASK,
		.length = 1,
		.map = {
			{ 0x01, BUTTON_ACTION_TALK },                           /* PTT1 */
			{ 0x02, BUTTON_ACTION_EMERGENCY }, /* emergency: talks too */
			{ 0x04, BUTTON_ACTION_TALK },                           /* PTT2 */
		},
		.n_map = 3,
		.led_values = {
			[BUTTON_LED_OFF] = 0x00,
			[BUTTON_LED_RED] = 0x01,
			[BUTTON_LED_GREEN] = 0x02,
			[BUTTON_LED_AMBER] = 0x04,
		},
	},
};

size_t button_profiles_count(void)
{
	return sizeof(profiles) / sizeof(profiles[0]);
}

const struct button_profile *button_profile_at(size_t i)
{
	return i < button_profiles_count() ? &profiles[i] : NULL;
}

const struct button_profile *button_profile_by_name(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < button_profiles_count(); i++)
		if (strcasecmp(profiles[i].name, name) == 0)
			return &profiles[i];
	return NULL;
}

const struct button_profile *button_profile_by_service(const char *uuid)
{
	for (size_t i = 0; i < button_profiles_count(); i++)
		if (button_uuid_equal(profiles[i].service_uuid, uuid))
			return &profiles[i];
	return NULL;
}

static bool all_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

bool button_uuid_normalise(const char *uuid, char out[37])
{
	size_t len;

	if (!uuid)
		return false;
	len = strlen(uuid);
	if (len == 4 && all_hex(uuid, 4)) {
		memcpy(out, BT_BASE_UUID("0000"), 37);
		memcpy(out + 4, uuid, 4);
	} else if (len == 8 && all_hex(uuid, 8)) {
		memcpy(out, BT_BASE_UUID("0000"), 37);
		memcpy(out, uuid, 8);
	} else if (len == 36) {
		for (size_t i = 0; i < 36; i++) {
			bool dash = i == 8 || i == 13 || i == 18 || i == 23;

			if (dash ? uuid[i] != '-' : !isxdigit((unsigned char)uuid[i]))
				return false;
		}
		memcpy(out, uuid, 37);
	} else {
		return false;
	}
	for (size_t i = 0; i < 36; i++)
		out[i] = (char)tolower((unsigned char)out[i]);
	return true;
}

bool button_uuid_equal(const char *a, const char *b)
{
	char na[37], nb[37];

	return button_uuid_normalise(a, na) && button_uuid_normalise(b, nb) &&
	       strcmp(na, nb) == 0;
}

int button_profile_decode(const struct button_profile *p, const uint8_t *value, size_t len,
			  uint32_t *ret_actions)
{
	uint32_t actions = 0;
	uint8_t v, known = 0;

	if (!p || !value || len != p->length)
		return -EMSGSIZE;
	/* Every profile so far has one byte; longer ones would need a field offset. */
	v = value[0];
	switch (p->encoding) {
	case BUTTON_ENCODING_VALUE:
		for (size_t i = 0; i < p->n_map; i++)
			if (p->map[i].value == v) {
				*ret_actions = p->map[i].actions;
				return 0;
			}
		return -EBADMSG;
	case BUTTON_ENCODING_BITMASK:
		for (size_t i = 0; i < p->n_map; i++) {
			known |= p->map[i].value;
			if (v & p->map[i].value)
				actions |= p->map[i].actions;
		}
		if (v & ~known)
			return -EBADMSG;
		*ret_actions = actions;
		return 0;
	case _BUTTON_ENCODING_MAX:
		break;
	}
	return -EBADMSG;
}

enum button_led button_led_for_state(enum floor_state floor, enum svc_status status)
{
	switch (floor) {
	case FLOOR_REQUESTING:
	case FLOOR_TRANSMITTING:
	case FLOOR_RELEASING:
		return BUTTON_LED_RED;
	case FLOOR_RECEIVING:
	case FLOOR_QUEUED:
		return BUTTON_LED_AMBER;
	case FLOOR_IDLE:
		/* Idle but no way to get a press through: not "ready", so no green. */
		return status == SVC_READY ? BUTTON_LED_GREEN : BUTTON_LED_OFF;
	case _FLOOR_STATE_MAX:
	case _FLOOR_STATE_INVALID:
		break;
	}
	return BUTTON_LED_OFF;
}

const char *button_encoding_to_string(enum button_encoding e)
{
	switch (e) {
	case BUTTON_ENCODING_VALUE:
		return "value";
	case BUTTON_ENCODING_BITMASK:
		return "bitmask";
	case _BUTTON_ENCODING_MAX:
		break;
	}
	return "invalid";
}

const char *button_led_to_string(enum button_led l)
{
	switch (l) {
	case BUTTON_LED_OFF:
		return "off";
	case BUTTON_LED_GREEN:
		return "green";
	case BUTTON_LED_RED:
		return "red";
	case BUTTON_LED_AMBER:
		return "amber";
	case _BUTTON_LED_MAX:
		break;
	}
	return "invalid";
}
