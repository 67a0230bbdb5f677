/* SPDX-License-Identifier: MIT */
/*
 * gatt-policy.h - who may write the Control Point, and how often.
 *
 * Pure: no GLib, no D-Bus, no clock. An allowlist of device addresses
 * (bounded), a pairing window during which bonded devices join it, and a
 * token bucket per device (bounded table, least recently used evicted).
 * Times are microseconds of the caller's monotonic clock.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GATT_POLICY_ALLOWLIST_MAX 64
#define GATT_POLICY_CLIENTS_MAX 64
#define GATT_ADDRESS_LEN 17 /* "AA:BB:CC:DD:EE:FF" */

struct gatt_policy;

/* rate: writes per second sustained (>= 1); burst: writes at once (>= 1) */
struct gatt_policy *gatt_policy_new(unsigned rate, unsigned burst);
struct gatt_policy *gatt_policy_free(struct gatt_policy *p); /* NULL-safe, returns NULL */

/* "aa:bb:cc:dd:ee:ff" -> "AA:BB:CC:DD:EE:FF" in out; false when it is not an address. */
bool gatt_address_normalize(const char *in, char out[GATT_ADDRESS_LEN + 1]);

/* 1 added, 0 already there, -EINVAL not an address, -ENOSPC allowlist full */
int gatt_policy_allow(struct gatt_policy *p, const char *address);
bool gatt_policy_is_allowed(const struct gatt_policy *p, const char *address);
size_t gatt_policy_allowlist_size(const struct gatt_policy *p);
/* i < size: the i-th address */
const char *gatt_policy_allowlist_get(const struct gatt_policy *p, size_t i);

/* Opens the pairing window until now + duration (0 closes it). */
void gatt_policy_open_pairing(struct gatt_policy *p, uint64_t now, uint64_t duration);
/* Microseconds left of the window, 0 when closed. */
uint64_t gatt_policy_pairing_left(const struct gatt_policy *p, uint64_t now);

/*
 * A device bonded: during the pairing window it joins the allowlist.
 * 1 added (the caller saves the allowlist), 0 nothing to do, -ENOSPC full.
 */
int gatt_policy_bonded(struct gatt_policy *p, uint64_t now, const char *address);

/*
 * A Control Point write from address:
 *  0        go ahead
 *  1        go ahead; the device just joined the allowlist (save it)
 *  -EACCES  not bonded, or not allowed and no pairing window (NotAuthorized)
 *  -EBUSY   over the rate (the write is dropped)
 *  -EINVAL  address is not an address
 * Refused writes count against the rate as well, so a flood stays cheap.
 */
int gatt_policy_check_write(struct gatt_policy *p, uint64_t now, const char *address,
			    bool bonded);
