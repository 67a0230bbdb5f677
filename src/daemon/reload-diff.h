/* SPDX-License-Identifier: MIT */
/*
 * reload-diff.h - compare two configurations group by group: which parts of the
 * gateway a reload must make anew (reload.c applies them).
 *
 *   [upstream]                    RELOAD_LINK | RELOAD_PUSH | RELOAD_BT (the user name
 *                                 and the default channel list come from it); a change of
 *                                 its channel key alone: RELOAD_CHANNEL (a channel switch)
 *   [push]                        RELOAD_PUSH
 *   [audio]                       RELOAD_AUDIO
 *   [floor]                       RELOAD_FLOOR
 *   [general]                     RELOAD_AUDIO | RELOAD_BT | RELOAD_FLOOR
 *   [gatt] [buttons] [evdev]      RELOAD_BT
 *   [location]                    RELOAD_LOCATION
 *
 * Groups are compared by their keys and values (order and comments do not count);
 * other groups are ignored (unknown keys only draw a warning).
 */
#pragma once

#include "conf.h"

enum reload_part {
	RELOAD_LINK = 1 << 0,    /* the uplink: reconnect */
	RELOAD_CHANNEL = 1 << 1, /* only the channel: switch on the link */
	RELOAD_PUSH = 1 << 2,
	RELOAD_AUDIO = 1 << 3,
	RELOAD_BT = 1 << 4,      /* GATT, buttons, evdev keys */
	RELOAD_FLOOR = 1 << 5,   /* the floor, pre-roll, name, unavailable-after */
	RELOAD_LOCATION = 1 << 6, /* [location]: gpsd, interval, min-distance */
};

/* The parts the change from a to b touches; *ret_groups: the changed groups, comma-separated
 * in the order general, floor, upstream, push, audio, gatt, buttons, evdev, location ("" when none;
 * g_free). */
unsigned reload_diff(const struct conf *a, const struct conf *b, char **ret_groups);
