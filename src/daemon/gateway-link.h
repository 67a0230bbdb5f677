/* SPDX-License-Identifier: MIT */
/*
 * gateway-link.h - the link state as the uplink's enum, for the modules that
 * act on it (gateway-bt.c); the string stays for D-Bus, JSON and logs.
 *
 * gw->link_state is still stored as uplink_state_to_string()'s name (set in
 * gateway-uplink.c); this accessor is the one place that turns it back, so
 * that when the gateway keeps the enum itself only its body changes.
 */
#pragma once

#include "gateway-private.h"
#include "uplink.h"

/* The uplink's state; _UPLINK_STATE_INVALID without an uplink ("disabled"). */
static inline enum uplink_state gateway_link_state(const struct gateway *gw)
{
	for (int s = 0; s < _UPLINK_STATE_MAX; s++)
		if (g_strcmp0(gw->link_state, uplink_state_to_string((enum uplink_state)s)) == 0)
			return (enum uplink_state)s;
	return _UPLINK_STATE_INVALID;
}
