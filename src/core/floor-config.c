/* SPDX-License-Identifier: MIT */
/*
 * floor-config.c - group [floor] of the configuration into struct floor_config.
 */
#include "floor-config.h"

/* Defaults here are in seconds, as written in the example config; they must
 * agree with floor_config_init() (checked by test-floor). */
#define DAY (24.0 * 3600.0)

gboolean floor_config_load(const struct conf *c, struct floor_config *out, GError **error)
{
	const char *g = FLOOR_CONFIG_GROUP;
	struct floor_config cfg;
	guint64 req_n, rel_n;

	floor_config_init(&cfg);
	if (!conf_get_seconds(c, g, "request-timeout", cfg.request_timeout / 1e6, 0.05, 60,
			      &cfg.request_timeout, error) ||
	    !conf_get_uint(c, g, "request-attempts", cfg.request_attempts, 1, 10, &req_n, error) ||
	    !conf_get_seconds(c, g, "release-timeout", cfg.release_timeout / 1e6, 0.05, 60,
			      &cfg.release_timeout, error) ||
	    !conf_get_uint(c, g, "release-attempts", cfg.release_attempts, 1, 10, &rel_n, error) ||
	    !conf_get_seconds(c, g, "max-talk", cfg.max_talk / 1e6, 0, DAY, &cfg.max_talk, error) ||
	    !conf_get_seconds(c, g, "talk-warning", cfg.talk_warning / 1e6, 0, DAY,
			      &cfg.talk_warning, error) ||
	    !conf_get_seconds(c, g, "queue-timeout", cfg.queue_timeout / 1e6, 0, DAY,
			      &cfg.queue_timeout, error) ||
	    !conf_get_seconds(c, g, "receive-timeout", cfg.receive_timeout / 1e6, 0.5, DAY,
			      &cfg.receive_timeout, error) ||
	    !conf_get_seconds(c, g, "connect-timeout", cfg.connect_timeout / 1e6, 0, 600,
			      &cfg.connect_timeout, error))
		return FALSE;
	cfg.request_attempts = (unsigned)req_n;
	cfg.release_attempts = (unsigned)rel_n;
	if (cfg.max_talk && cfg.talk_warning >= cfg.max_talk) {
		conf_set_error(c, error, g, "talk-warning",
			       "must be shorter than max-talk (%g s), or 0 for no warning",
			       cfg.max_talk / 1e6);
		return FALSE;
	}
	*out = cfg;
	return TRUE;
}
