/* SPDX-License-Identifier: MIT */
/*
 * audio-route.h - routing policy: which sink and source, by node properties.
 *
 * Pure: the caller passes the nodes it knows (from PipeWire's registry) and
 * whether the user talks; the result names nodes by node.name with a reason.
 *  - the headset is the configured one (node.name, or Bluetooth address matched
 *    against api.bluez5.address), else any node with device.api = bluez5;
 *  - listening: its A2DP sink, else its HFP sink (hfp-policy = always: HFP);
 *  - talking: a configured input if present, else (hfp-policy != never) the
 *    headset's HFP source, whose HFP sink then plays too; else the default;
 *  - no headset: the configured output/input if present, else the session's
 *    default (node_name "" = let the session manager choose), else none.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "audio.h"

struct audio_node {
	uint32_t id;
	char name[AUDIO_NAME_MAX];        /* node.name */
	char media_class[64];             /* Audio/Sink, Audio/Source, Audio/Source/Virtual... */
	char device_api[32];              /* bluez5, alsa, ... */
	char bt_address[32];              /* api.bluez5.address */
	char bt_profile[48];              /* api.bluez5.profile */
	int state;                        /* enum pw_node_state, 0 while unknown */
	char error[128];                  /* node info error, if any */
};

bool audio_node_is_sink(const struct audio_node *n);
bool audio_node_is_source(const struct audio_node *n);
bool audio_node_is_a2dp(const struct audio_node *n);
bool audio_node_is_hfp(const struct audio_node *n);

void audio_route_compute(const struct audio_config *cfg, const struct audio_node *const *nodes,
			 size_t n_nodes, bool talking, struct audio_route *ret);
bool audio_route_equal(const struct audio_route *a, const struct audio_route *b);
/* The headset's microphone failed during this talk (no SCO audio link): the talk
 * route's source becomes the configured input when it is no Bluetooth node, else the
 * first non-Bluetooth source by name (not "": the session manager could resolve the
 * default to the headset again), else none. The sink is left as it is. */
void audio_route_avoid_bt_source(const struct audio_config *cfg,
				 const struct audio_node *const *nodes, size_t n_nodes,
				 struct audio_route *r);
