/* SPDX-License-Identifier: MIT */
/*
 * preroll.h - encoded microphone frames captured between a press and the
 * grant, sent first when the floor is granted so the first syllable arrives.
 * Bounded: the oldest frames beyond the limit are dropped (and counted).
 */
#pragma once

#include <glib.h>
#include <stdint.h>

struct preroll {
	GQueue frames;     /* GBytes */
	unsigned max_frames;
	uint64_t dropped;
};

void preroll_init(struct preroll *p, unsigned max_frames);
void preroll_clear(struct preroll *p);
void preroll_push(struct preroll *p, const uint8_t *data, size_t len);
/* Oldest first; NULL when empty. The caller owns the reference. */
GBytes *preroll_pop(struct preroll *p);
unsigned preroll_len(const struct preroll *p);
