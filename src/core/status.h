/* SPDX-License-Identifier: MIT */
/*
 * status.h - the service status the user sees, derived, never copied from a socket.
 *
 * ready:       a press or a push can still get through (link up, or the push
 *              channel is up and the link can be re-established);
 * connecting:  a reconnect that a press or push waits on is under way;
 * unavailable: neither the link nor the push channel has worked for
 *              unavailable_after, or the server refused our credentials.
 *
 * The exact rules, first match wins:
 *  1. auth_refused                                        -> unavailable
 *  2. link_up: channel_offline -> unavailable, else       -> ready
 *  3. waiting (a press or push waits on a reconnect)      -> connecting
 *  4. push_configured && push_up                          -> ready
 *  5. now - last_ok < unavailable_after (grace), where
 *     last_ok = max(started, link_last_ok, push_last_ok if push_configured);
 *     a now before last_ok counts as inside the grace     -> ready
 *  6. otherwise                                           -> unavailable
 * So a gateway that has just started, or just lost its link, stays ready for
 * unavailable_after (a press then reconnects and gets through), shows
 * connecting while a press actually waits, and only then unavailable.
 *
 * Pure: no I/O; times are microseconds from the caller's monotonic clock.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

enum svc_status {
	SVC_READY,
	SVC_CONNECTING,
	SVC_UNAVAILABLE,
	_SVC_STATUS_MAX,
};

struct svc_inputs {
	bool link_up;
	bool push_configured;    /* a push channel exists at all */
	bool push_up;
	bool auth_refused;       /* credentials refused: no retry will help */
	bool channel_offline;    /* logged on, but the channel is not online */
	bool waiting;            /* a press or push waits on a reconnect */
	uint64_t link_last_ok;   /* last time the link was up (0: never) */
	uint64_t push_last_ok;   /* last time the push channel was up (0: never) */
	uint64_t started;        /* daemon start, the grace period's origin */
	uint64_t unavailable_after; /* how long both may be down before unavailable */
};

enum svc_status svc_status_derive(const struct svc_inputs *in, uint64_t now);
/* When the status derived from these inputs changes by itself (the grace of rule 5
 * runs out), or 0 when it does not: the caller re-derives then, and need not poll. */
uint64_t svc_status_next_change(const struct svc_inputs *in, uint64_t now);
const char *svc_status_to_string(enum svc_status s);
