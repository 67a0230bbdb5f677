/* SPDX-License-Identifier: MIT */
/* evdev-config.c - [evdev] keys and key code names. */
#include "evdev.h"

#include <errno.h>
#include <libevdev/libevdev.h>
#include <linux/input.h>
#include <string.h>

#define GROUP "evdev"

const char *evdev_key_name(uint16_t code, char buf[16])
{
	const char *name = libevdev_event_code_get_name(EV_KEY, code);

	if (name)
		return name;
	g_snprintf(buf, 16, "%u", code);
	return buf;
}

static gboolean parse_one(const char *item, uint16_t *ret, GError **error)
{
	int code = -1;

	if (g_ascii_isdigit(item[0])) {
		char *end = NULL;
		guint64 n = g_ascii_strtoull(item, &end, 0); /* 183, 0xb7 */

		if (!end || *end || n > KEY_MAX) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
				    "'%s' is not a key code (0..%d)", item, KEY_MAX);
			return FALSE;
		}
		code = (int)n;
	} else if (g_str_has_prefix(item, "KEY_") || g_str_has_prefix(item, "BTN_")) {
		code = libevdev_event_code_from_name(EV_KEY, item);
	}
	if (code < 0) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
			    "'%s' is not a key name (KEY_* or BTN_* as in "
			    "linux/input-event-codes.h) nor a number", item);
		return FALSE;
	}
	*ret = (uint16_t)code;
	return TRUE;
}

gboolean evdev_keys_parse(const char *list, struct evdev_keys *out, GError **error)
{
	g_auto(GStrv) items = NULL;
	struct evdev_keys keys = { .n = 0 };

	items = g_strsplit(list ? list : "", ",", -1);
	for (char **it = items; *it; it++) {
		uint16_t code;

		g_strstrip(*it);
		if (!**it)
			continue;
		if (!parse_one(*it, &code, error))
			return FALSE;
		if (keys.n == EVDEV_MAX_KEYS) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
				    "more than %d keys", EVDEV_MAX_KEYS);
			return FALSE;
		}
		keys.codes[keys.n++] = code;
	}
	*out = keys;
	return TRUE;
}

static gboolean get_keys(const struct conf *c, const char *key, const char *def,
			 struct evdev_keys *out, GError **error)
{
	g_autofree char *v = NULL;
	g_autoptr(GError) local = NULL;

	if (!conf_get_string(c, GROUP, key, def, &v, error))
		return FALSE;
	if (!evdev_keys_parse(v, out, &local)) {
		conf_set_error(c, error, GROUP, key, "%s", local->message);
		return FALSE;
	}
	return TRUE;
}

static bool keys_overlap(const struct evdev_keys *a, const struct evdev_keys *b)
{
	for (unsigned i = 0; i < a->n; i++)
		for (unsigned j = 0; j < b->n; j++)
			if (a->codes[i] == b->codes[j])
				return true;
	return false;
}

gboolean evdev_config_load(const struct conf *c, struct evdev_config *out, GError **error)
{
	struct evdev_config cfg = { 0 };
	int avrcp;
	const struct {
		const char *key;
		struct evdev_keys *keys;
	} lists[] = {
		{ "ptt-keys", &cfg.ptt },
		{ "emergency-keys", &cfg.emergency },
		{ "channel-next-keys", &cfg.channel_next },
		{ "channel-prev-keys", &cfg.channel_prev },
	};

	if (!conf_get_bool(c, GROUP, "enable", TRUE, &cfg.enable, error) ||
	    !get_keys(c, "ptt-keys", "KEY_F13,BTN_0", &cfg.ptt, error) ||
	    !get_keys(c, "emergency-keys", "", &cfg.emergency, error) ||
	    !get_keys(c, "channel-next-keys", "", &cfg.channel_next, error) ||
	    !get_keys(c, "channel-prev-keys", "", &cfg.channel_prev, error) ||
	    !conf_get_seconds(c, GROUP, "long-press-emergency", 0, 0, 60, &cfg.long_press, error) ||
	    !conf_get_seconds(c, GROUP, "double-press-channel", 0, 0, 5, &cfg.double_press,
			      error) ||
	    !conf_get_bool(c, GROUP, "grab", FALSE, &cfg.grab, error) ||
	    !conf_get_enum(c, GROUP, "avrcp", evdev_avrcp_mode_names, EVDEV_AVRCP_TOGGLE, &avrcp,
			   error))
		return FALSE;
	cfg.avrcp = (enum evdev_avrcp_mode)avrcp;
	/* A key has one meaning. */
	for (size_t i = 0; i < G_N_ELEMENTS(lists); i++)
		for (size_t j = i + 1; j < G_N_ELEMENTS(lists); j++)
			if (keys_overlap(lists[i].keys, lists[j].keys)) {
				conf_set_error(c, error, GROUP, lists[j].key,
					       "a key is also in %s", lists[i].key);
				return FALSE;
			}
	*out = cfg;
	return TRUE;
}
