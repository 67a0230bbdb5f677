/* SPDX-License-Identifier: MIT */
/*
 * scan.h - which remote burst gets the speaker when the gateway listens to
 * several channels at once (scanning), by channel priority.
 *
 * Pure: no GLib, no I/O, no clock. It sits in front of the floor: every
 * on_stream_start goes through scan_start(), and only a burst it lets through
 * becomes floor_taken(); the floor still decides (half-duplex, our own talk).
 *
 * The rules (test-scan has one case per rule; test-floor-model runs them with
 * the floor over three channels):
 *
 * Rank. Every channel has a rank, lower wins (the [general] priority order);
 *   ranks are distinct. With priority_selected, the selected channel ranks
 *   above all others (an MCPTT-style "priority call").
 * Start. A burst on channel c while the floor plays P (its word, not ours: it
 *   may have let a burst go or start one it held back):
 *   - c ranks above P's channel: the new burst plays (SCAN_PLAY) and P loses
 *     the speaker: P is pre-empted, counted once on P's channel;
 *   - c is P's own channel: the server replaced P (e.g. an emergency): the new
 *     one plays, P is not counted;
 *   - c ranks below: the new burst is pre-empted (SCAN_PREEMPTED), counted on c.
 *   Nothing playing: the new burst plays. Our own talk requested or held
 *   (busy): a burst on another channel than the selected one is pre-empted
 *   (counted); the selected channel's goes to the floor, whose rules decide.
 * Never mixed, never resumed. A pre-empted burst never reaches the floor again,
 *   also when the one that took the speaker ends first.
 * Stop. scan_stop() forgets a burst; it returns true when the floor had been
 *   told of it (remote_idle is then due).
 * Link down: scan_reset() forgets every burst (counters stay).
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#define SCAN_MAX_CHANNELS 100 /* API.md: a logon names up to 100 channels */
#define SCAN_MAX_BURSTS 16    /* live bursts tracked at once; more are pre-empted */

enum scan_verdict {
	SCAN_PLAY,      /* tell the floor: floor_taken() */
	SCAN_PREEMPTED, /* keep it off the speaker; counted on its channel */
	SCAN_IGNORED,   /* unknown channel, stream 0 or already known: nothing to do */
	_SCAN_VERDICT_MAX,
};

struct scan;

/* rank: n_channels distinct values (lower wins), or NULL for index order. */
struct scan *scan_new(unsigned n_channels, const unsigned *rank, bool priority_selected);
struct scan *scan_free(struct scan *s); /* NULL-safe, returns NULL */

/* -EINVAL when ch is out of range. */
int scan_select(struct scan *s, unsigned ch);
unsigned scan_get_selected(const struct scan *s);
unsigned scan_get_n_channels(const struct scan *s);

/*
 * A remote burst stream on channel ch starts. playing: the burst the floor
 * plays now (floor_get_playing(), 0 none); busy: our own talk is requested or
 * held. *ret_lost (may be NULL): the burst that lost the speaker to this one
 * (pre-empted), 0 none.
 */
enum scan_verdict scan_start(struct scan *s, unsigned ch, uint32_t stream, uint32_t playing,
			     bool busy, uint32_t *ret_lost);
/* The burst ended; true when it had been let through (the floor knows it). */
bool scan_stop(struct scan *s, uint32_t stream);
void scan_reset(struct scan *s);

/* The channel of a live burst, or -1. */
int scan_channel_of(const struct scan *s, uint32_t stream);
/* Was this live burst pre-empted? */
bool scan_is_preempted(const struct scan *s, uint32_t stream);
/* Bursts pre-empted on ch so far (0 for an unknown channel). */
uint64_t scan_get_preempted(const struct scan *s, unsigned ch);
/* The effective rank of ch (priority_selected applied); lower wins. */
unsigned scan_rank(const struct scan *s, unsigned ch);

const char *scan_verdict_to_string(enum scan_verdict v);
