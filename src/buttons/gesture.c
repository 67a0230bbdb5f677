/* SPDX-License-Identifier: MIT */
#include "gesture.h"

#include <string.h>

void gesture_init(struct gesture *g, const struct gesture_config *cfg)
{
	memset(g, 0, sizeof(*g));
	g->cfg = *cfg;
}

void gesture_reset(struct gesture *g)
{
	struct gesture_config cfg = g->cfg;

	gesture_init(g, &cfg);
}

enum gesture_action gesture_key(struct gesture *g, uint64_t now, bool down)
{
	if (down == g->down)
		return GESTURE_NONE; /* repeats and duplicates */
	g->down = down;
	if (down) {
		bool second = g->cfg.double_press && g->tap_up_at &&
			      now - g->tap_up_at <= g->cfg.double_press;

		g->down_at = now;
		g->escalated = false;
		g->tap_up_at = 0;
		g->swallowed = second;
		return second ? GESTURE_CHANNEL_NEXT : GESTURE_PRESS;
	}
	if (g->swallowed) {
		g->swallowed = false;
		return GESTURE_NONE;
	}
	/* A short tap may start a double press. */
	if (g->cfg.double_press && now - g->down_at < g->cfg.double_press && !g->escalated)
		g->tap_up_at = now ? now : 1;
	return GESTURE_RELEASE;
}

uint64_t gesture_next_deadline(const struct gesture *g)
{
	if (!g->down || g->swallowed || g->escalated || !g->cfg.long_press)
		return 0;
	return g->down_at + g->cfg.long_press;
}

enum gesture_action gesture_tick(struct gesture *g, uint64_t now)
{
	uint64_t deadline = gesture_next_deadline(g);

	if (!deadline || now < deadline)
		return GESTURE_NONE;
	g->escalated = true;
	return GESTURE_EMERGENCY;
}

const char *gesture_action_to_string(enum gesture_action a)
{
	switch (a) {
	case GESTURE_NONE:
		return "none";
	case GESTURE_PRESS:
		return "press";
	case GESTURE_EMERGENCY:
		return "emergency";
	case GESTURE_RELEASE:
		return "release";
	case GESTURE_CHANNEL_NEXT:
		return "channel-next";
	case _GESTURE_ACTION_MAX:
		break;
	}
	return "invalid";
}

void gesture_source_init(struct gesture_source *s, const struct gesture_config *cfg)
{
	memset(s, 0, sizeof(*s));
	gesture_init(&s->talk, cfg);
}

static unsigned apply(struct gesture_source *s, enum gesture_action a)
{
	switch (a) {
	case GESTURE_NONE:
	case _GESTURE_ACTION_MAX:
		return 0;
	case GESTURE_PRESS:
		if (s->pressed)
			return 0; /* the emergency key already talks */
		s->pressed = true;
		return GESTURE_OUT_PRESS;
	case GESTURE_EMERGENCY:
		return s->pressed ? GESTURE_OUT_EMERGENCY : 0;
	case GESTURE_RELEASE:
		if (!s->pressed || s->emergency)
			return 0;
		s->pressed = false;
		return GESTURE_OUT_RELEASE;
	case GESTURE_CHANNEL_NEXT:
		return GESTURE_OUT_CHANNEL_NEXT;
	}
	return 0;
}

unsigned gesture_source_update(struct gesture_source *s, uint64_t now, bool talk, bool emergency)
{
	unsigned out = 0;

	if (emergency && !s->emergency) {
		s->emergency = true;
		s->pressed = true;
		out |= GESTURE_OUT_EMERGENCY;
	}
	out |= apply(s, gesture_key(&s->talk, now, talk));
	if (!emergency && s->emergency) {
		s->emergency = false;
		/* still talking only if the talk key is down and was not swallowed */
		if (s->pressed && !(s->talk.down && !s->talk.swallowed)) {
			s->pressed = false;
			out |= GESTURE_OUT_RELEASE;
		}
	}
	return out;
}

unsigned gesture_source_tick(struct gesture_source *s, uint64_t now)
{
	return apply(s, gesture_tick(&s->talk, now));
}

unsigned gesture_source_lost(struct gesture_source *s)
{
	unsigned out = s->pressed ? GESTURE_OUT_RELEASE : 0;
	struct gesture_config cfg = s->talk.cfg;

	gesture_source_init(s, &cfg);
	return out;
}

static void driver_emit(struct gesture_driver *d, unsigned out)
{
	if (out && d->emit)
		d->emit(d->data, out);
}

static void driver_cancel(struct gesture_driver *d)
{
	if (d->timer) {
		d->timeout->remove(d->timer);
		d->timer = 0;
	}
}

static void driver_fire(void *data);

static void driver_arm(struct gesture_driver *d)
{
	uint64_t deadline = gesture_next_deadline(&d->src.talk);
	uint64_t now;

	driver_cancel(d);
	if (!deadline)
		return;
	now = d->timeout->now();
	d->timer = d->timeout->add(deadline > now ? deadline - now : 0, driver_fire, d);
}

static void driver_fire(void *data)
{
	struct gesture_driver *d = data;

	d->timer = 0; /* one-shot: gone once it fired */
	driver_emit(d, gesture_source_tick(&d->src, d->timeout->now()));
	driver_arm(d);
}

void gesture_driver_init(struct gesture_driver *d, const struct gesture_config *cfg,
			 const struct gesture_timeout_ops *timeout,
			 void (*emit)(void *data, unsigned out), void *data)
{
	memset(d, 0, sizeof(*d));
	gesture_source_init(&d->src, cfg);
	d->timeout = timeout;
	d->emit = emit;
	d->data = data;
}

void gesture_driver_update(struct gesture_driver *d, uint64_t now, bool talk, bool emergency)
{
	driver_emit(d, gesture_source_update(&d->src, now, talk, emergency));
	driver_arm(d);
}

unsigned gesture_driver_lost(struct gesture_driver *d)
{
	driver_cancel(d);
	return gesture_source_lost(&d->src);
}

void gesture_driver_clear(struct gesture_driver *d)
{
	driver_cancel(d);
}
