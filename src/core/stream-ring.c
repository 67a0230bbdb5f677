/* SPDX-License-Identifier: MIT */
/* stream-ring.c - the last stream ids seen; see stream-ring.h. */
#include "stream-ring.h"

bool stream_ring_has(const struct stream_ring *r, uint32_t id)
{
	for (unsigned i = 0; i < STREAM_RING_SIZE; i++)
		if (r->ids[i] == id)
			return true;
	return false;
}

void stream_ring_add(struct stream_ring *r, uint32_t id)
{
	if (!id || stream_ring_has(r, id))
		return;
	r->ids[r->next] = id;
	r->next = (r->next + 1) % STREAM_RING_SIZE;
}
