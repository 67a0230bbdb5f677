/* SPDX-License-Identifier: MIT */
/*
 * stream-ring.h - the last STREAM_RING_SIZE stream ids seen, for "have we met
 * this stream?" questions (a push for a burst the link already announced, a
 * stream that ended coming back). libc only, fixed size, no allocation.
 *
 * Ids are kept once each; 0 (no stream) is never added. A ring starts zeroed
 * ({ 0 } or a zeroed struct), so until it has been filled stream_ring_has(r, 0)
 * answers true, as a lookup of "no stream" should not tell it apart.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define STREAM_RING_SIZE 64

struct stream_ring {
	uint32_t ids[STREAM_RING_SIZE];
	unsigned next;
};

bool stream_ring_has(const struct stream_ring *r, uint32_t id);
/* Remember id, forgetting the oldest when full; 0 and ids already kept are ignored. */
void stream_ring_add(struct stream_ring *r, uint32_t id);
