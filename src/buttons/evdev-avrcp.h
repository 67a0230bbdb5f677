/* SPDX-License-Identifier: MIT */
/*
 * evdev-avrcp.h - a headset's play/pause button as a talk key, pure.
 *
 * BlueZ turns a headset's AVRCP passthrough commands into key events of an input
 * device of its own (uinput, named "<headset> (AVRCP)", bus Bluetooth): PLAY as
 * KEY_PLAYCD, PAUSE as KEY_PAUSECD (and KEY_PLAYPAUSE from some). udev tags it
 * (udev/70-pttgw.hwdb: PTTGW_AVRCP=1) and evdev.c feeds the level of those keys,
 * frame by frame, through evdev_avrcp_talk():
 *  hold    talk while the key is down (a headset that sends the release when the
 *          button is let go; BlueZ releases by itself 2 s after a press that
 *          never gets one);
 *  toggle  each key down starts a talk or ends the running one (most headsets
 *          send press and release together, and alternate PLAY and PAUSE);
 *  off     the keys are no talk keys (unless listed in ptt-keys).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

enum evdev_avrcp_mode {
	EVDEV_AVRCP_OFF,
	EVDEV_AVRCP_HOLD,
	EVDEV_AVRCP_TOGGLE,
	_EVDEV_AVRCP_MODE_MAX,
};

struct evdev_avrcp {
	bool held; /* a play/pause key was down after the last frame */
	bool on;   /* toggle: a talk runs */
};

/* KEY_PLAYCD, KEY_PAUSECD, KEY_PLAYPAUSE. */
bool evdev_avrcp_key(uint16_t code);
/* After a frame: is one of those keys down? Returns the talk level this device gives. */
bool evdev_avrcp_talk(struct evdev_avrcp *s, enum evdev_avrcp_mode mode, bool held);
/* Names as in the config: "off", "hold", "toggle"; NULL-terminated, by enum value. */
extern const char *const evdev_avrcp_mode_names[];
const char *evdev_avrcp_mode_to_string(enum evdev_avrcp_mode mode);
