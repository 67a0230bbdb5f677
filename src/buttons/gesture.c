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
