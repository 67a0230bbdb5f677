/* SPDX-License-Identifier: MIT */
/*
 * gateway.h - the daemon's context: the floor state machine and the adapters
 * around it (uplink, push, audio, GATT, buttons), joined on one GLib main loop.
 *
 * Everything the user can observe leaves through listeners: one event per
 * transition (a JSON object with a monotonic timestamp) and a mask of changed
 * properties. The D-Bus API, the monitor and sd_notify are such listeners.
 */
#pragma once

#include <gio/gio.h>
#include <stdbool.h>
#include <stdint.h>

#include "conf.h"

enum gateway_prop {
	GATEWAY_PROP_FLOOR = 1 << 0,
	GATEWAY_PROP_SERVICE = 1 << 1,
	GATEWAY_PROP_LINK = 1 << 2,
	GATEWAY_PROP_PUSH = 1 << 3,
	GATEWAY_PROP_CHANNEL = 1 << 4,
	GATEWAY_PROP_TALKER = 1 << 5,
	GATEWAY_PROP_ROUTE = 1 << 6,
	GATEWAY_PROP_AUDIO = 1 << 7,
};

struct gateway_events {
	/* type: "floor", "outcome", "link", "push", "audio", "cue", "status", ...
	 * json: the whole event, {"ts": <usec>, "type": ..., ...} */
	void (*event)(void *data, uint64_t ts, const char *type, const char *json);
	void (*changed)(void *data, unsigned props);
};

struct gateway_options {
	GMainLoop *loop;             /* the one main loop */
	GDBusConnection *system_bus; /* for BlueZ; NULL: no Bluetooth adapters */
};

struct gateway;

struct gateway *gateway_new(const struct conf *c, const struct gateway_options *opts,
			    GError **error);
struct gateway *gateway_free(struct gateway *gw);
/* Start the adapters (connect upstream, register GATT, open audio, ...). */
gboolean gateway_start(struct gateway *gw, GError **error);

/* A watchlist (src/common/watchlist.h): ids are never 0; a listener may be added
 * or removed from inside a notification (an added one hears from the next on).
 * destroy (may be NULL) runs once with data: on removal or when the gateway is freed. */
guint gateway_add_listener(struct gateway *gw, const struct gateway_events *ev, void *data,
			   void (*destroy)(void *data));
void gateway_remove_listener(struct gateway *gw, guint id);

/* User actions; negative errno on refusal, with a reason in *ret_reason. */
int gateway_press(struct gateway *gw, const char *source, bool emergency, const char **ret_reason);
int gateway_release(struct gateway *gw, const char *source, const char **ret_reason);
/* A private call: start_stream "for" user to (gateway-text.c). */
int gateway_press_to(struct gateway *gw, const char *source, const char *to,
		     const char **ret_reason);
/* send_text_message to channel (NULL: the selected one), to one user when to is
 * set. The request's seq (> 0; a "message_sent" event follows), or -errno:
 * -EINVAL (empty, too long, not UTF-8), -ENOTCONN, -ENETDOWN, -EPERM (listen-only). */
int gateway_send_message(struct gateway *gw, const char *channel, const char *to,
			 const char *text, const char **ret_reason);
int gateway_select_channel(struct gateway *gw, const char *channel, const char **ret_reason);
int gateway_open_pairing(struct gateway *gw, unsigned seconds, const char **ret_reason);
/* Playback volume by steps (0: read); the new volume in percent, or -errno. */
int gateway_volume(struct gateway *gw, int steps, const char **ret_reason);

/* Snapshot of the status; the strings stay valid until the next main loop turn. */
const char *gateway_get_floor_state(struct gateway *gw);
const char *gateway_get_service_status(struct gateway *gw);
const char *gateway_get_link_state(struct gateway *gw);
const char *gateway_get_push_state(struct gateway *gw);
const char *gateway_get_channel(struct gateway *gw);
const char *gateway_get_talker(struct gateway *gw);
const char *gateway_get_audio_route(struct gateway *gw);
bool gateway_get_audio_active(struct gateway *gw);
/* The whole status as a JSON object text (pttgwctl status --json). */
char *gateway_status_json(struct gateway *gw);
