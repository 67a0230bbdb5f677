/* SPDX-License-Identifier: MIT */
/*
 * audio-pw.h - the PipeWire connection on a GLib main context.
 *
 * PipeWire's main loop runs from a GSource on its fd (pw_loop_iterate), so the
 * daemon keeps one GLib main loop. The registry is mirrored: audio nodes (with
 * the properties routing needs and their state) and links between nodes.
 * audio_pw_notify_rt() is the only call allowed from process() on the data
 * thread: it wakes the main side (pw_loop_invoke) at most once until handled.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <gio/gio.h>
#include <glib.h>
#include <pipewire/pipewire.h>

#include "audio-route.h"

struct audio_pw;

struct audio_pw_events {
	/* a node appeared, went, or changed state; gone is non-NULL while one goes */
	void (*nodes)(void *data, const struct audio_node *gone);
	/* a link appeared or went */
	void (*links)(void *data);
	/* process() asked for attention (main loop) */
	void (*rt_notify)(void *data);
	/* lost PipeWire (daemon gone): message says why */
	void (*disconnected)(void *data, const char *message);
};

struct audio_pw *audio_pw_new(const struct audio_pw_events *ev, void *data, GError **error);
struct audio_pw *audio_pw_free(struct audio_pw *pw); /* NULL-safe, returns NULL */

struct pw_core *audio_pw_get_core(struct audio_pw *pw);
bool audio_pw_connected(const struct audio_pw *pw);
/* All audio nodes (sinks, sources), in registry order. */
const struct audio_node *const *audio_pw_get_nodes(const struct audio_pw *pw, size_t *ret_n);
const struct audio_node *audio_pw_find_node(const struct audio_pw *pw, uint32_t id);
const struct audio_node *audio_pw_find_node_by_name(const struct audio_pw *pw, const char *name);
/* The node linked to node_id (its output peer when is_output, else its input peer),
 * SPA_ID_INVALID when none. */
uint32_t audio_pw_link_peer(const struct audio_pw *pw, uint32_t node_id, bool is_output);
/* Real-time safe. */
void audio_pw_notify_rt(struct audio_pw *pw);
/* Run PipeWire's loop until a core sync round-trip completes (tests, start-up). */
int audio_pw_roundtrip(struct audio_pw *pw, unsigned timeout_ms);
