/* SPDX-License-Identifier: MIT */
#include "preroll.h"

void preroll_init(struct preroll *p, unsigned max_frames)
{
	g_queue_init(&p->frames);
	p->max_frames = max_frames;
	p->dropped = 0;
}

void preroll_clear(struct preroll *p)
{
	g_queue_clear_full(&p->frames, (GDestroyNotify)g_bytes_unref);
}

void preroll_push(struct preroll *p, const uint8_t *data, size_t len)
{
	if (p->max_frames == 0)
		return;
	while (p->frames.length >= p->max_frames) {
		g_bytes_unref(g_queue_pop_head(&p->frames));
		p->dropped++;
	}
	g_queue_push_tail(&p->frames, g_bytes_new(data, len));
}

GBytes *preroll_pop(struct preroll *p)
{
	return g_queue_pop_head(&p->frames);
}

unsigned preroll_len(const struct preroll *p)
{
	return p->frames.length;
}
