/* SPDX-License-Identifier: MIT */
/*
 * uplink-backoff.h - exponential backoff with full jitter (pure).
 *
 * The n-th consecutive failed attempt (n >= 1) waits a uniformly random time in
 * [0, min(cap, base * 2^(n-1))] ("full jitter").
 */
#pragma once

#include <stdint.h>

/* The upper bound of the wait after the n-th consecutive failure (n >= 1). */
uint64_t uplink_backoff_bound(uint64_t base, uint64_t cap, unsigned n);
/* The wait itself; r is uniform in [0, 1). */
uint64_t uplink_backoff_delay(uint64_t base, uint64_t cap, unsigned n, double r);
