/* SPDX-License-Identifier: MIT */
/*
 * gateway-link.h - the link state as the uplink's enum, for the modules that
 * act on it (gateway-bt.c); strings are made only at the edges
 * (gateway_link_state_to_string(): D-Bus, JSON, logs).
 */
#pragma once

#include "gateway-private.h"
#include "uplink.h"

/* The uplink's state; _UPLINK_STATE_INVALID without an uplink ("disabled"). */
static inline enum uplink_state gateway_link_state(const struct gateway *gw)
{
	return gw->link_state;
}
