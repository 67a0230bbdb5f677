/* SPDX-License-Identifier: MIT */
/* buttons-config.c - [buttons] keys. */
#include "buttons.h"

#include "button-profiles.h"

#define GROUP "buttons"

gboolean buttons_valid_address(const char *s)
{
	if (strlen(s) != 17)
		return FALSE;
	for (int i = 0; i < 17; i++)
		if (i % 3 == 2 ? s[i] != ':' : !g_ascii_isxdigit(s[i]))
			return FALSE;
	return TRUE;
}

/* "A, B ,C" -> {"A","B","C"}; empty items dropped. */
static char **split_list(const char *v)
{
	g_auto(GStrv) items = g_strsplit(v ? v : "", ",", -1);
	g_autoptr(GStrvBuilder) b = g_strv_builder_new();

	for (char **it = items; *it; it++) {
		g_strstrip(*it);
		if (**it)
			g_strv_builder_add(b, *it);
	}
	return g_strv_builder_end(b);
}

gboolean buttons_config_load(const struct conf *c, struct buttons_config *out, GError **error)
{
	struct buttons_config cfg = { 0 };
	g_autofree char *devices = NULL, *profiles = NULL;

	if (!conf_get_string(c, GROUP, "adapter", "", &cfg.adapter, error) ||
	    !conf_get_string(c, GROUP, "devices", "", &devices, error) ||
	    !conf_get_string(c, GROUP, "pairing-profiles", "zello,pryme,blu-ptt,aina", &profiles,
			     error) ||
	    !conf_get_seconds(c, GROUP, "pairing-window", 0, 0, 3600, &cfg.pairing_window,
			      error) ||
	    !conf_get_seconds(c, GROUP, "reconnect-interval", 5, 0.1, 600,
			      &cfg.reconnect_interval, error) ||
	    !conf_get_bool(c, GROUP, "led", TRUE, &cfg.led, error) ||
	    !conf_get_seconds(c, GROUP, "long-press-emergency", 0, 0, 60, &cfg.long_press,
			      error) ||
	    !conf_get_seconds(c, GROUP, "double-press-channel", 0, 0, 5, &cfg.double_press,
			      error) ||
	    !conf_get_string(c, GROUP, "state-dir", "/var/lib/pttgw", &cfg.state_dir, error))
		goto fail;
	if (!*cfg.adapter)
		g_clear_pointer(&cfg.adapter, g_free);

	cfg.devices = split_list(devices);
	if (g_strv_length(cfg.devices) > BUTTONS_MAX) {
		conf_set_error(c, error, GROUP, "devices", "more than %d buttons", BUTTONS_MAX);
		goto fail;
	}
	for (char **d = cfg.devices; *d; d++) {
		g_autofree char *addr = g_strdup(*d);
		char *eq = strchr(addr, '=');

		if (eq) {
			*eq++ = '\0';
			g_strstrip(addr);
			g_strstrip(eq);
			if (!button_profile_by_name(eq)) {
				conf_set_error(c, error, GROUP, "devices", "'%s': unknown profile '%s'",
					       *d, eq);
				goto fail;
			}
		}
		if (!buttons_valid_address(addr)) {
			conf_set_error(c, error, GROUP, "devices",
				       "'%s' is not a Bluetooth address (AA:BB:CC:DD:EE:FF)", addr);
			goto fail;
		}
	}
	cfg.pairing_profiles = split_list(profiles);
	for (char **p = cfg.pairing_profiles; *p; p++)
		if (!button_profile_by_name(*p)) {
			conf_set_error(c, error, GROUP, "pairing-profiles", "unknown profile '%s'",
				       *p);
			goto fail;
		}
	*out = cfg;
	return TRUE;
fail:
	buttons_config_clear(&cfg);
	return FALSE;
}

void buttons_config_clear(struct buttons_config *cfg)
{
	g_clear_pointer(&cfg->adapter, g_free);
	g_clear_pointer(&cfg->devices, g_strfreev);
	g_clear_pointer(&cfg->pairing_profiles, g_strfreev);
	g_clear_pointer(&cfg->state_dir, g_free);
}
