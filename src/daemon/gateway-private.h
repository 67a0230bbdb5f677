/* SPDX-License-Identifier: MIT */
/*
 * gateway-private.h - what the gateway's glue files (gateway-*.c) share.
 * Each adapter gets one glue file that maps its events onto the floor and the
 * floor's effects onto it.
 */
#pragma once

#include <json-glib/json-glib.h>

#include "floor.h"
#include "floor-config.h"
#include "gateway.h"
#include "preroll.h"
#include "status.h"
#include "stream-ring.h"
#include "uplink.h"
#include "watchlist.h"

struct gateway_deferred {
	void (*fn)(struct gateway *gw, void *arg);
	void *arg;
	GDestroyNotify free_arg;
};

struct gateway {
	const struct conf *conf;
	GMainLoop *loop;
	GDBusConnection *system_bus;
	char *name;
	uint64_t started;

	struct floor_config floor_cfg;
	struct floor *floor;
	GSource *floor_timer;
	int floor_depth;        /* > 0 while inside a floor call */
	GQueue deferred;        /* floor inputs raised during a floor call */

	struct watchlist *listeners; /* struct gateway_events */

	/* Service status */
	struct svc_inputs svc;
	enum svc_status status;
	guint status_timer;

	/* Link and push, as seen by the user */
	enum uplink_state link_state; /* _UPLINK_STATE_INVALID: no uplink ("disabled") */
	char *link_detail;
	char *push_state;       /* "disabled", "up", "down" */
	char *channel;
	char *talker;

	/* Talk */
	struct preroll preroll;
	uint32_t tx_stream_id;  /* granted stream we are sending on; 0 none */
	bool capturing;

	/* The microphone gate: with an audio bridge on PipeWire, the user sees
	 * "transmitting" (floor event, FloorState, GATT, the granted outcome) only once
	 * the grant and the microphone's first samples are both in (gateway_mic_live). */
	bool mic_gate;          /* this talk's capture is gated (audio bridge connected) */
	bool mic_live;          /* this talk's microphone delivered samples */
	enum floor_state shown; /* the floor state the user was last told of */
	uint32_t held_press;    /* a granted press whose outcome waits for the microphone */
	char *held_reason;
	char *mic_denied;       /* the microphone failed and the press is denied: why */

	/* Audio as seen by the user */
	char *audio_route;
	bool audio_active;
	char *audio_error;

	/* Counters (status --json "counters") */
	uint64_t presses, grants, denials, cancels, pushes, pushes_ignored;
	uint64_t frames_sent, frames_dropped, packets_received, packets_not_playing;

	/* Remote streams the link announced (on_stream_start) */
	struct stream_ring seen_streams;

	/* Adapters (NULL when not configured) */
	struct gateway_uplink *uplink;
	struct gateway_push *push;
	struct gateway_audio *audio;
	struct gateway_bt *bt;
	struct gateway_channels *channels; /* gateway-channels.c, always there */

	struct gateway_reload *reload; /* reload.c */
	struct gateway_messages *messages; /* gateway-text.c */
	struct gateway_location *location; /* gateway-location.c (NULL: off) */
};

/* gateway.c */
/* A member "name": value in the object being built (NULL string: null). */
void gateway_json_string(JsonBuilder *b, const char *name, const char *value);
void gateway_json_uint(JsonBuilder *b, const char *name, uint64_t value);
bool gateway_stream_seen(struct gateway *gw, uint32_t stream_id);
JsonBuilder *gateway_event_begin(const char *type);
void gateway_emit(struct gateway *gw, const char *type, JsonBuilder *b); /* consumes b */
void gateway_changed(struct gateway *gw, unsigned props);
void gateway_set_string(struct gateway *gw, char **field, const char *value, unsigned prop);
void gateway_set_link_state(struct gateway *gw, enum uplink_state st);
/* The link state's name at the edges (D-Bus, JSON, logs): "disabled" without an uplink. */
const char *gateway_link_state_to_string(enum uplink_state st);
void gateway_update_status(struct gateway *gw);
/* Run fn(gw, arg) now, or right after the floor call in progress returns. */
void gateway_floor_input(struct gateway *gw, void (*fn)(struct gateway *gw, void *arg), void *arg,
			 GDestroyNotify free_arg);
void gateway_floor_done(struct gateway *gw); /* rearm the timer, drain deferred inputs */
/* Make a call into the floor (statements, e.g. r = floor_press(...)): floor inputs
 * raised meanwhile are queued, and run once it returns (gateway_floor_done()). */
#define GATEWAY_FLOOR_CALL(gw, ...)                                                  \
	do {                                                                         \
		(gw)->floor_depth++;                                                 \
		__VA_ARGS__;                                                         \
		(gw)->floor_depth--;                                                 \
		gateway_floor_done(gw);                                              \
	} while (0)
/* Idle floor only: load [floor] and [general] again and make the floor anew on them. */
gboolean gateway_floor_renew(struct gateway *gw, GError **error);
static inline uint64_t gateway_now(void)
{
	return (uint64_t)g_get_monotonic_time();
}

/* Adapter glue: each returns TRUE when not configured (nothing to do). */
gboolean gateway_uplink_init(struct gateway *gw, GError **error);
void gateway_uplink_fini(struct gateway *gw);
gboolean gateway_uplink_start(struct gateway *gw, GError **error);
void gateway_uplink_request(struct gateway *gw, bool emergency);
void gateway_uplink_release(struct gateway *gw, uint32_t stream_id);
void gateway_uplink_reconnect(struct gateway *gw);
void gateway_uplink_join(struct gateway *gw, uint32_t stream_id);
bool gateway_uplink_connected(struct gateway *gw);
int gateway_uplink_set_channel(struct gateway *gw, const char *channel);
int gateway_uplink_send(struct gateway *gw, uint32_t stream_id, const uint8_t *opus, size_t len);
void gateway_uplink_status_json(struct gateway *gw, JsonBuilder *b);
/* Why the service is not ready, readable (NULL: nothing to say). */
const char *gateway_uplink_service_detail(struct gateway *gw);
/* The channel's users online as the server last said; -1: unknown. */
int64_t gateway_uplink_users_online(struct gateway *gw);

gboolean gateway_push_init(struct gateway *gw, GError **error);
void gateway_push_fini(struct gateway *gw);
gboolean gateway_push_start(struct gateway *gw, GError **error);
void gateway_push_status_json(struct gateway *gw, JsonBuilder *b);

gboolean gateway_audio_init(struct gateway *gw, GError **error);
void gateway_audio_fini(struct gateway *gw);
gboolean gateway_audio_start(struct gateway *gw, GError **error);
void gateway_audio_capture(struct gateway *gw, bool on);
/* Playback volume by steps; the new volume (percent) or -EOPNOTSUPP without audio. */
int gateway_audio_volume(struct gateway *gw, int steps);
void gateway_audio_playback(struct gateway *gw, uint32_t stream_id, bool on);
/* on_stream_start said how stream_id is encoded (packet length; or why it cannot play) */
void gateway_audio_announce(struct gateway *gw, uint32_t stream_id, unsigned packet_usec,
			    const char *codec_error);
void gateway_audio_packet(struct gateway *gw, uint32_t stream_id, uint32_t packet_id,
			  const uint8_t *opus, size_t len);
void gateway_audio_cue(struct gateway *gw, enum floor_cue cue);
void gateway_audio_status_json(struct gateway *gw, JsonBuilder *b);
/* The microphone's encoded frames enter here (from the audio glue). */
void gateway_mic_frame(struct gateway *gw, const uint8_t *opus, size_t len);
/* gateway.c, from the audio glue: the talk waits for its microphone (gate on) ... */
void gateway_mic_gate(struct gateway *gw, bool on);
/* ... which delivered its first samples now (from, the capture's reason) ... */
void gateway_mic_live(struct gateway *gw, const char *from);
/* ... or failed for good: the press ends, denied with reason (after the floor call). */
void gateway_mic_deny(struct gateway *gw, const char *reason);
/* The floor state as the user sees it (transmitting only with a live microphone). */
enum floor_state gateway_floor_state(struct gateway *gw);

/* gateway-channels.c: several channels, the priority between their bursts */
gboolean gateway_channels_init(struct gateway *gw, GError **error);
void gateway_channels_fini(struct gateway *gw);
/* on_stream_start (channel NULL: the selected one): true when the floor is to
 * hear of it (floor_taken), false when it is kept off the speaker. */
bool gateway_channels_start(struct gateway *gw, uint32_t stream, const char *channel,
			    const char *talker);
/* on_stream_stop: true when the floor is to hear of it (floor_remote_idle). */
bool gateway_channels_stop(struct gateway *gw, uint32_t stream);
void gateway_channels_link(struct gateway *gw, bool up);
void gateway_channels_status(struct gateway *gw, const char *channel, bool online,
			     int64_t users_online);
/* Talk on channel from now on (one outside the list joins it). 0 or -errno. */
int gateway_channels_select(struct gateway *gw, const char *channel);
uint64_t gateway_channels_preempted(struct gateway *gw);
/* The channel of a live remote burst, or NULL. */
const char *gateway_channels_of_stream(struct gateway *gw, uint32_t stream);
/* The "channels" array of the status. */
void gateway_channels_status_json(struct gateway *gw, JsonBuilder *b);

gboolean gateway_bt_init(struct gateway *gw, GError **error);
void gateway_bt_fini(struct gateway *gw);
gboolean gateway_bt_start(struct gateway *gw, GError **error);
void gateway_bt_state_changed(struct gateway *gw);
int gateway_bt_open_pairing(struct gateway *gw, unsigned seconds);
void gateway_bt_status_json(struct gateway *gw, JsonBuilder *b);

/* The uplink itself for the glue files that use it directly; NULL without one. */
struct uplink *gateway_uplink_get(struct gateway *gw);

/* gateway-text.c: text messages and private calls */
#define GATEWAY_TEXT_MAX 4096 /* bytes of one message */
#define GATEWAY_TEXT_KEEP 5   /* messages in the status */
const char *gateway_text_invalid(const char *text);
void gateway_messages_fini(struct gateway *gw);
void gateway_talk_for_reset(struct gateway *gw);
void gateway_text_remote_stop(struct gateway *gw, uint32_t stream_id);
void gateway_text_status_json(struct gateway *gw, JsonBuilder *b);
/* uplink events (data: the gateway) */
void gateway_text_on_sent(void *data, uint32_t seq, const char *error);
void gateway_text_on_text(void *data, const char *channel, const char *from,
			  const char *for_user, const char *text, uint32_t message_id);
void gateway_text_on_remote_for(void *data, uint32_t stream_id, const char *from,
				const char *for_user);

/* gateway-location.c */
gboolean gateway_location_init(struct gateway *gw, GError **error);
gboolean gateway_location_start(struct gateway *gw, GError **error);
void gateway_location_fini(struct gateway *gw);
void gateway_location_emergency(struct gateway *gw);
void gateway_location_link_up(struct gateway *gw);
void gateway_location_status_json(struct gateway *gw, JsonBuilder *b);
void gateway_location_on_location(void *data, const char *channel, const char *from,
				  const char *for_user, double latitude, double longitude,
				  double accuracy, const char *address);

/* reload.c */
void gateway_reload_fini(struct gateway *gw);
void gateway_reload_status_json(struct gateway *gw, JsonBuilder *b);
