/* SPDX-License-Identifier: MIT */
/*
 * gateway-headset.h - the headset's Bluetooth profile, switched by the gateway
 * ([audio] hfp-policy, hfp-switch-timeout, hfp-hangover, hfp-switch-fail).
 * Used by gateway-audio.c only.
 */
#pragma once

#include <stdbool.h>

#include "audio.h"
#include "gateway-private.h"

enum gateway_headset_fail {
	GATEWAY_HEADSET_FAIL_FALLBACK, /* capture from the configured/default input */
	GATEWAY_HEADSET_FAIL_DENY,     /* the press is released, busy cue */
};

struct gateway_headset_config {
	uint64_t switch_timeout; /* usec */
	uint64_t hangover;       /* usec */
	enum gateway_headset_fail on_fail;
};

struct gateway_headset;

gboolean gateway_headset_config(const struct conf *c, struct gateway_headset_config *ret,
				GError **error);
/* Has its own PipeWire connection (reconnects by itself). */
struct gateway_headset *gateway_headset_new(struct gateway *gw, const struct audio_config *cfg,
					    const struct gateway_headset_config *hc);
struct gateway_headset *gateway_headset_free(struct gateway_headset *hs);

/* The microphone is wanted (on) or not. true: capture now; false: the headset
 * is being switched, gateway_audio_capture_ready() follows. */
bool gateway_headset_capture(struct gateway_headset *hs, bool on);
/* The capture on the headset's HFP source failed or gave no sample within
 * mic-timeout (gateway-audio.c): the HFP audio link (SCO) did not come up, a switch
 * failure like the others: named (event "headset" failed, status), then
 * hfp-switch-fail. Once per talk; true when taken (false: not a headset matter). */
bool gateway_headset_capture_failed(struct gateway_headset *hs, const char *reason);
/* A remote burst plays (on) or ended. */
void gateway_headset_playback(struct gateway_headset *hs, bool on);
void gateway_headset_status_json(struct gateway_headset *hs, JsonBuilder *b);

/* gateway-audio.c: the switch is over; fail names why it failed (NULL: it did
 * not); deny: the press is refused rather than captured elsewhere. */
void gateway_audio_capture_ready(struct gateway *gw, const char *fail, bool deny);
