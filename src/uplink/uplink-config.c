/* SPDX-License-Identifier: MIT */
/*
 * uplink-config.c - [upstream] of the gateway configuration.
 */
#include "uplink.h"

#include <string.h>

#include "conf.h"
#include "proto.h"

#define GROUP "upstream"

static const char *const policy_names[] = {
	[UPLINK_POLICY_PERSISTENT] = "persistent",
	[UPLINK_POLICY_IDLE_DROP] = "idle-drop",
	[UPLINK_POLICY_PUSH_ONLY] = "push-only",
	NULL,
};

const char *uplink_policy_to_string(enum uplink_policy p)
{
	switch (p) {
	case UPLINK_POLICY_PERSISTENT:
		return "persistent";
	case UPLINK_POLICY_IDLE_DROP:
		return "idle-drop";
	case UPLINK_POLICY_PUSH_ONLY:
		return "push-only";
	case _UPLINK_POLICY_MAX:
	case _UPLINK_POLICY_INVALID:
		break;
	}
	return "invalid";
}

void uplink_config_clear(struct uplink_config *cfg)
{
	if (!cfg)
		return;
	g_free(cfg->url);
	g_free(cfg->channel);
	g_strfreev(cfg->channels);
	g_free(cfg->username);
	if (cfg->password)
		explicit_bzero(cfg->password, strlen(cfg->password));
	g_free(cfg->password);
	if (cfg->auth_token)
		explicit_bzero(cfg->auth_token, strlen(cfg->auth_token));
	g_free(cfg->auth_token);
	g_free(cfg->ca_file);
	g_free(cfg->platform_name);
	g_free(cfg->version);
	memset(cfg, 0, sizeof(*cfg));
}

/* A ws:// or wss:// URL with a host and, if any, a port of 1..65535 (g_uri_parse checks the
 * syntax and the port's range); no user info (secrets go in files) and no fragment. */
static gboolean url_ok(const char *url, GError **error)
{
	g_autoptr(GUri) uri = g_uri_parse(url, G_URI_FLAGS_NONE, error);
	const char *scheme;

	if (!uri)
		return FALSE;
	scheme = g_uri_get_scheme(uri);
	if (g_ascii_strcasecmp(scheme, "ws") != 0 && g_ascii_strcasecmp(scheme, "wss") != 0) {
		g_set_error(error, G_URI_ERROR, G_URI_ERROR_BAD_SCHEME, "not ws:// or wss://");
		return FALSE;
	}
	if (!g_uri_get_host(uri) || !*g_uri_get_host(uri)) {
		g_set_error(error, G_URI_ERROR, G_URI_ERROR_BAD_HOST, "no host");
		return FALSE;
	}
	if (g_uri_get_port(uri) == 0) {
		g_set_error(error, G_URI_ERROR, G_URI_ERROR_BAD_PORT, "port 0");
		return FALSE;
	}
	if (g_uri_get_userinfo(uri) || g_uri_get_fragment(uri)) {
		g_set_error(error, G_URI_ERROR, G_URI_ERROR_FAILED,
			    "user info or a fragment (credentials go in credentials-file)");
		return FALSE;
	}
	return TRUE;
}

static gboolean read_secret(const struct conf *c, const char *key, char **ret, GError **error)
{
	g_autofree char *path = NULL;
	g_autoptr(GError) local = NULL;

	if (!conf_get_string(c, GROUP, key, NULL, &path, error))
		return FALSE;
	if (!path || !*path) {
		*ret = NULL;
		return TRUE;
	}
	*ret = conf_read_secret_file(path, &local);
	if (!*ret) {
		conf_set_error(c, error, GROUP, key, "%s", local->message);
		return FALSE;
	}
	return TRUE;
}

/* [general] channels: every channel of the logon, [upstream] channel among
 * them (first when it was not listed). */
static gboolean load_channels(const struct conf *c, struct uplink_config *cfg, GError **error)
{
	g_autofree char *list = NULL;
	g_auto(GStrv) parts = NULL;
	g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);

	if (!conf_get_string(c, "general", "channels", NULL, &list, error))
		return FALSE;
	if (!list || !*list)
		return TRUE;
	parts = g_strsplit(list, ",", -1);
	for (char **p = parts; *p || cfg->channel; p++) {
		char *name = *p ? g_strstrip(*p) : cfg->channel;
		bool dup = false;

		if (!*name) {
			conf_set_error(c, error, "general", "channels", "an empty channel name");
			return FALSE;
		}
		for (unsigned i = 0; i < out->len; i++)
			dup = dup || strcmp(g_ptr_array_index(out, i), name) == 0;
		if (!dup)
			g_ptr_array_add(out, g_strdup(name));
		if (!*p)
			break; /* [upstream] channel, added last when not listed */
	}
	if (out->len > PROTO_MAX_CHANNELS) {
		conf_set_error(c, error, "general", "channels", "%u channels, at most %u "
			       "(API.md)", out->len, PROTO_MAX_CHANNELS);
		return FALSE;
	}
	g_ptr_array_add(out, NULL);
	cfg->channels = (char **)g_ptr_array_free(g_steal_pointer(&out), FALSE);
	return TRUE;
}

gboolean uplink_config_load(const struct conf *c, struct uplink_config *out, GError **error)
{
	struct uplink_config cfg = { 0 };
	g_autofree char *name = NULL, *lower = NULL;
	gboolean insecure = FALSE, listen_only = FALSE;
	guint64 frames = 0;
	int policy = UPLINK_POLICY_PERSISTENT;

	if (!conf_get_string(c, GROUP, "url", "ws://127.0.0.1:8765/", &cfg.url, error) ||
	    !conf_get_string(c, GROUP, "channel", "pttgw", &cfg.channel, error) ||
	    !conf_get_string(c, GROUP, "username", g_get_host_name(), &cfg.username, error) ||
	    !read_secret(c, "credentials-file", &cfg.password, error) ||
	    !read_secret(c, "token-file", &cfg.auth_token, error) ||
	    !conf_get_seconds(c, GROUP, "heartbeat-interval",
			      (double)UPLINK_HEARTBEAT_DEFAULT / G_USEC_PER_SEC, 0.2, 3600.0,
			      &cfg.heartbeat_interval, error) ||
	    !conf_get_seconds(c, GROUP, "backoff-base",
			      (double)UPLINK_BACKOFF_BASE_DEFAULT / G_USEC_PER_SEC, 0.01, 3600.0,
			      &cfg.backoff_base, error) ||
	    !conf_get_seconds(c, GROUP, "backoff-cap",
			      (double)UPLINK_BACKOFF_CAP_DEFAULT / G_USEC_PER_SEC, 0.01, 86400.0,
			      &cfg.backoff_cap, error) ||
	    !conf_get_string(c, GROUP, "ca-file", NULL, &cfg.ca_file, error) ||
	    !conf_get_bool(c, GROUP, "insecure", FALSE, &insecure, error) ||
	    !conf_get_enum(c, GROUP, "policy", policy_names, UPLINK_POLICY_PERSISTENT, &policy,
			   error) ||
	    !conf_get_seconds(c, GROUP, "idle-drop-after", 60.0, 1.0, 86400.0,
			      &cfg.idle_drop_after, error) ||
	    !conf_get_uint(c, GROUP, "send-queue", 50, 4, 5000, &frames, error) ||
	    !conf_get_bool(c, GROUP, "listen-only", FALSE, &listen_only, error) ||
	    !conf_get_string(c, "general", "name", "pttgw", &name, error))
		goto fail;

	{
		g_autoptr(GError) why = NULL;

		if (!url_ok(cfg.url, &why)) {
			conf_set_error(c, error, GROUP, "url", "'%s' is not a usable ws:// or wss:// "
				       "URL: %s", cfg.url, why->message);
			goto fail;
		}
	}
	if (!*cfg.channel || !*cfg.username) {
		conf_set_error(c, error, GROUP, *cfg.channel ? "username" : "channel",
			       "must not be empty");
		goto fail;
	}
	if (!load_channels(c, &cfg, error))
		goto fail;
	if (cfg.backoff_cap < cfg.backoff_base) {
		conf_set_error(c, error, GROUP, "backoff-cap", "is below backoff-base");
		goto fail;
	}
	if (cfg.ca_file && !*cfg.ca_file)
		g_clear_pointer(&cfg.ca_file, g_free);
	cfg.insecure = insecure;
	cfg.policy = (enum uplink_policy)policy;
	cfg.send_queue_frames = (unsigned)frames;
	cfg.listen_only = listen_only;
	/* API.md: a platform_name with "Gateway" in it is tracked by Zello Alarms */
	lower = g_ascii_strdown(name, -1);
	cfg.platform_name = strstr(lower, "gateway") ? g_strdup(name)
			    : g_strdup_printf("%s Gateway", name);
	cfg.version = g_strdup("pttgw " PTTGW_VERSION);
	*out = cfg;
	return TRUE;
fail:
	uplink_config_clear(&cfg);
	return FALSE;
}
