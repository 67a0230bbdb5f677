/* SPDX-License-Identifier: MIT */
#include "uplink-backoff.h"

uint64_t uplink_backoff_bound(uint64_t base, uint64_t cap, unsigned n)
{
	uint64_t b = base;

	if (n == 0)
		return 0;
	for (unsigned i = 1; i < n && b < cap; i++)
		b = b > UINT64_MAX / 2 ? UINT64_MAX : b * 2;
	return b < cap ? b : cap;
}

uint64_t uplink_backoff_delay(uint64_t base, uint64_t cap, unsigned n, double r)
{
	uint64_t b = uplink_backoff_bound(base, cap, n);

	if (r < 0.0 || r >= 1.0)
		r = 0.0;
	return (uint64_t)((double)b * r);
}
