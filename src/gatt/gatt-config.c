/* SPDX-License-Identifier: MIT */
/* gatt-config.c - [gatt] of the configuration file. */
#include "gatt-server.h"

#include <string.h>

#include "gatt-policy.h"
#include "gatt-service-table.h"

#define GROUP "gatt"

static const char *const security_names[] = { "encrypt", "authenticated", NULL };

const char *gatt_security_to_string(enum gatt_security s)
{
	switch (s) {
	case GATT_SECURITY_ENCRYPT:
		return "encrypt";
	case GATT_SECURITY_AUTHENTICATED:
		return "authenticated";
	case _GATT_SECURITY_MAX:
		break;
	}
	return "invalid";
}

static bool uuid128_valid(const char *s)
{
	if (!s || strlen(s) != 36)
		return false;
	for (int i = 0; i < 36; i++) {
		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i] != '-')
				return false;
		} else if (!g_ascii_isxdigit(s[i])) {
			return false;
		}
	}
	return true;
}

/* "AA:..;BB:.." or separated by commas or blanks; every item an address. */
static gboolean load_allowlist(const struct conf *c, char ***ret, GError **error)
{
	g_autofree char *raw = NULL;
	g_auto(GStrv) items = NULL;
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);

	if (!conf_get_string(c, GROUP, "allowlist", "", &raw, error))
		return FALSE;
	items = g_strsplit_set(raw, ";, \t", -1);
	for (char **it = items; *it; it++) {
		char norm[GATT_ADDRESS_LEN + 1];

		if (!**it)
			continue;
		if (!gatt_address_normalize(*it, norm)) {
			conf_set_error(c, error, GROUP, "allowlist",
				       "'%s' is not a device address (AA:BB:CC:DD:EE:FF)", *it);
			return FALSE;
		}
		if (out->len >= GATT_ALLOWLIST_MAX) {
			conf_set_error(c, error, GROUP, "allowlist", "more than %d addresses",
				       GATT_ALLOWLIST_MAX);
			return FALSE;
		}
		g_ptr_array_add(out, g_strdup(norm));
	}
	g_ptr_array_add(out, NULL);
	*ret = (char **)g_ptr_array_free(g_steal_pointer(&out), FALSE);
	return TRUE;
}

gboolean gatt_config_load(const struct conf *c, struct gatt_config *out, GError **error)
{
	struct gatt_config cfg = { 0 };
	gboolean enabled;
	guint64 rate, burst;
	int security;

	if (!conf_get_bool(c, GROUP, "enabled", TRUE, &enabled, error))
		goto fail;
	cfg.enabled = enabled;
	if (!conf_get_string(c, GROUP, "adapter", "", &cfg.adapter, error))
		goto fail;
	if (!conf_get_string(c, GROUP, "local-name", "pttgw", &cfg.local_name, error))
		goto fail;
	if (strlen(cfg.local_name) > 29) {
		conf_set_error(c, error, GROUP, "local-name", "longer than 29 bytes");
		goto fail;
	}
	if (!conf_get_string(c, GROUP, "service-uuid", GATT_SERVICE_UUID, &cfg.service_uuid, error))
		goto fail;
	if (!uuid128_valid(cfg.service_uuid)) {
		conf_set_error(c, error, GROUP, "service-uuid",
			       "'%s' is not a 128-bit UUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx)",
			       cfg.service_uuid);
		goto fail;
	}
	for (char *p = cfg.service_uuid; *p; p++)
		*p = g_ascii_tolower(*p);
	if (!conf_get_enum(c, GROUP, "security", security_names, GATT_SECURITY_ENCRYPT, &security,
			   error))
		goto fail;
	cfg.security = security;
	if (!load_allowlist(c, &cfg.allowlist, error))
		goto fail;
	if (!conf_get_string(c, GROUP, "state-dir", "/var/lib/pttgw", &cfg.state_dir, error))
		goto fail;
	if (!conf_get_uint(c, GROUP, "write-rate", 20, 1, 1000, &rate, error))
		goto fail;
	cfg.write_rate = (unsigned)rate;
	if (!conf_get_uint(c, GROUP, "write-burst", 20, 1, 1000, &burst, error))
		goto fail;
	cfg.write_burst = (unsigned)burst;
	if (!conf_get_string(c, GROUP, "manufacturer", "pttgw", &cfg.manufacturer, error))
		goto fail;
	if (!conf_get_string(c, GROUP, "model", "pttgw gateway", &cfg.model, error))
		goto fail;
	if (!conf_get_string(c, GROUP, "firmware", PTTGW_VERSION, &cfg.firmware, error))
		goto fail;
	*out = cfg;
	return TRUE;
fail:
	gatt_config_clear(&cfg);
	return FALSE;
}

void gatt_config_clear(struct gatt_config *cfg)
{
	if (!cfg)
		return;
	g_free(cfg->adapter);
	g_free(cfg->local_name);
	g_free(cfg->service_uuid);
	g_strfreev(cfg->allowlist);
	g_free(cfg->state_dir);
	g_free(cfg->manufacturer);
	g_free(cfg->model);
	g_free(cfg->firmware);
	memset(cfg, 0, sizeof(*cfg));
}
