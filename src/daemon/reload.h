/* SPDX-License-Identifier: MIT */
/*
 * reload.h - read the configuration file again while running (reload.c says how).
 */
#pragma once

#include <stdbool.h>

#include "gateway.h"

/* Reload reads path again (explicit_path: as config_load()). Once, after gateway_new(). */
void gateway_reload_init(struct gateway *gw, const char *path, bool explicit_path);

/*
 * Read and check the file, then apply it: 0 applied now, 1 checked and pending (applied
 * once the floor is idle, so a burst in progress is not cut), -EINVAL the file does not
 * load (the running configuration is kept), -EIO applied but an adapter failed to start
 * again; *error says why.
 */
int gateway_reload(struct gateway *gw, GError **error);
