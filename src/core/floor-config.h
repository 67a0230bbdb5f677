/* SPDX-License-Identifier: MIT */
/*
 * floor-config.h - struct floor_config from group [floor] of the configuration.
 *
 * Separate from floor.h so that the floor itself stays free of GLib. The keys
 * and their defaults are documented in src/daemon/pttgw.conf.example.
 */
#pragma once

#include <glib.h>

#include "conf.h"
#include "floor.h"

#define FLOOR_CONFIG_GROUP "floor"

/* Fills *out (defaults for absent keys). FALSE with error naming file, group,
 * key and why when a value is bad; *out is then untouched. */
gboolean floor_config_load(const struct conf *c, struct floor_config *out, GError **error);
