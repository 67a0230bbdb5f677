/* SPDX-License-Identifier: MIT */
/*
 * audio-profile.h - the headset's Bluetooth profile, owned by the gateway.
 *
 * A Bluetooth headset is one PipeWire device (bluez_card.<ADDR>, device.api
 * bluez5) with one active profile: in a2dp-sink it has a sink, in
 * headset-head-unit a sink and a source. This module follows that device on
 * a PipeWire core (registry: the device, its EnumProfile/Profile params, and
 * the nodes whose device.id is the device's) and switches it by setting its
 * Profile param. It never decides when: the caller does.
 */
#pragma once

#include <stdbool.h>

#include <pipewire/pipewire.h>

enum audio_profile_mode {
	AUDIO_PROFILE_ABSENT, /* no headset device */
	AUDIO_PROFILE_OFF,
	AUDIO_PROFILE_A2DP,
	AUDIO_PROFILE_HFP,
	AUDIO_PROFILE_OTHER,  /* a profile we do not use (a2dp-source, audio-gateway...) */
	_AUDIO_PROFILE_MODE_MAX,
};

struct audio_profile_events {
	/* the device came or went, its profile or its nodes changed */
	void (*changed)(void *data);
};

struct audio_profile;

/* headset: a Bluetooth address (AA:BB:CC:DD:EE:FF) to follow that device,
 * anything else (NULL, a node name) follows the first bluez5 device. */
struct audio_profile *audio_profile_new(struct pw_core *core, const char *headset,
					const struct audio_profile_events *ev, void *data);
struct audio_profile *audio_profile_free(struct audio_profile *p); /* NULL-safe, returns NULL */

enum audio_profile_mode audio_profile_get_mode(const struct audio_profile *p);
/* The device offers a profile of that mode (with availability not "no"). */
bool audio_profile_offers(const struct audio_profile *p, enum audio_profile_mode mode);
/* The active profile is mode and its nodes exist (HFP: sink and source; A2DP: sink). */
bool audio_profile_ready(const struct audio_profile *p, enum audio_profile_mode mode);
/* device.name of the device, "" when absent. */
const char *audio_profile_device_name(const struct audio_profile *p);
/* The active profile's name ("" when unknown). */
const char *audio_profile_name(const struct audio_profile *p);

/* Ask for a profile of mode (HFP prefers mSBC, then the highest priority).
 * 0: asked (or already active); -ENODEV: no device; -ENOENT: no such profile. */
int audio_profile_set(struct audio_profile *p, enum audio_profile_mode mode);

const char *audio_profile_mode_to_string(enum audio_profile_mode m);
