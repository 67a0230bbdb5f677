/* SPDX-License-Identifier: MIT */
/* evdev-avrcp.c - a headset's play/pause button as a talk key (evdev-avrcp.h). */
#include "evdev-avrcp.h"

#include <linux/input-event-codes.h>
#include <stddef.h>

const char *const evdev_avrcp_mode_names[] = { "off", "hold", "toggle", NULL };

bool evdev_avrcp_key(uint16_t code)
{
	return code == KEY_PLAYCD || code == KEY_PAUSECD || code == KEY_PLAYPAUSE;
}

bool evdev_avrcp_talk(struct evdev_avrcp *s, enum evdev_avrcp_mode mode, bool held)
{
	bool down = held && !s->held;

	s->held = held;
	switch (mode) {
	case EVDEV_AVRCP_OFF:
		s->on = false;
		return false;
	case EVDEV_AVRCP_HOLD:
		s->on = held;
		return held;
	case EVDEV_AVRCP_TOGGLE:
		if (down)
			s->on = !s->on;
		return s->on;
	case _EVDEV_AVRCP_MODE_MAX:
		break;
	}
	return false;
}

const char *evdev_avrcp_mode_to_string(enum evdev_avrcp_mode mode)
{
	switch (mode) {
	case EVDEV_AVRCP_OFF:
		return "off";
	case EVDEV_AVRCP_HOLD:
		return "hold";
	case EVDEV_AVRCP_TOGGLE:
		return "toggle";
	case _EVDEV_AVRCP_MODE_MAX:
		break;
	}
	return "?";
}
