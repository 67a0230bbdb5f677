/* SPDX-License-Identifier: MIT */
/*
 * config.h - the daemon's configuration file: load it, and warn about keys
 * that the documented example (pttgw.conf.example, embedded) does not list.
 */
#pragma once

#include <glib.h>

#include "conf.h"

#define PTTGW_DEFAULT_CONFIG PTTGW_SYSCONFDIR "/pttgw.conf"

/*
 * Load path into c. explicit_path: the user named it (--config), so a missing
 * file is an error; the default path may be absent (defaults apply).
 */
gboolean config_load(struct conf *c, const char *path, gboolean explicit_path, GError **error);
void config_clear(struct conf *c);

/* Groups and keys in c that the example config does not document; logs a
 * warning for each and returns how many there were. */
unsigned config_warn_unknown(const struct conf *c);

/* Whether group/key is documented in the example config. */
gboolean config_key_known(const char *group, const char *key);
