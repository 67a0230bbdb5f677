/* SPDX-License-Identifier: MIT */
/*
 * statelist.h - short lists the daemon keeps across restarts in its state
 * directory (/var/lib/pttgw, systemd's StateDirectory=): the GATT allowlist,
 * the buttons taken in a pairing window.
 *
 * A list is a text file, one item a line; blank lines and '#' comments are
 * skipped and items are stripped. It is replaced atomically (write to a temporary
 * file, fsync, rename; G_FILE_SET_CONTENTS_CONSISTENT) with mode 0640, so a power
 * cut in a vehicle leaves the old list or the new one, never half of one.
 */
#pragma once

#include <glib.h>

/* The items of DIR/NAME, NULL-terminated. A list that does not exist is empty
 * (not an error); NULL with error set when it cannot be read. */
char **state_list_load(const char *dir, const char *name, GError **error);

/* Replace DIR/NAME with HEADER (a comment line, without '#') and ITEMS
 * (NULL-terminated; NULL is empty), creating DIR (0750) when it is missing. */
gboolean state_list_save(const char *dir, const char *name, const char *header,
			 const char *const *items, GError **error);
