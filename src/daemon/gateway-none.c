/* SPDX-License-Identifier: MIT */
/*
 * gateway-none.c - adapters this build does not have yet: what the floor
 * sees when nothing is configured. Replaced adapter by adapter.
 */
#include "gateway-private.h"

#include <errno.h>

gboolean gateway_audio_init(struct gateway *gw, GError **error) { return TRUE; }
void gateway_audio_fini(struct gateway *gw) {}
gboolean gateway_audio_start(struct gateway *gw, GError **error) { return TRUE; }
void gateway_audio_capture(struct gateway *gw, bool on) {}
void gateway_audio_playback(struct gateway *gw, uint32_t stream_id, bool on) {}
void gateway_audio_packet(struct gateway *gw, uint32_t stream_id, uint32_t packet_id,
			  const uint8_t *opus, size_t len) {}
void gateway_audio_cue(struct gateway *gw, enum floor_cue cue) {}
void gateway_audio_status_json(struct gateway *gw, JsonBuilder *b) {}

gboolean gateway_bt_init(struct gateway *gw, GError **error) { return TRUE; }
void gateway_bt_fini(struct gateway *gw) {}
gboolean gateway_bt_start(struct gateway *gw, GError **error) { return TRUE; }
void gateway_bt_state_changed(struct gateway *gw) {}
int gateway_bt_open_pairing(struct gateway *gw, unsigned seconds) { return -EOPNOTSUPP; }
void gateway_bt_status_json(struct gateway *gw, JsonBuilder *b) {}
