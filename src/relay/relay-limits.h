/* SPDX-License-Identifier: MIT */
/*
 * relay-limits.h - counts of TCP connections, in all and per peer address, from accept()
 * (before any HTTP or WebSocket byte) to close, and of those not logged on yet.
 * relay-server.c asks relay_limits_admit() for every accepted socket.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>

struct relay_limits;

struct relay_limits *relay_limits_new(unsigned max_total, unsigned max_per_address,
				      unsigned max_pending_per_address);
struct relay_limits *relay_limits_free(struct relay_limits *rl); /* NULL-safe, returns NULL */
/* NULL when a new connection from addr may be accepted, else why not (static string). */
const char *relay_limits_admit(struct relay_limits *rl, const char *addr);
/* Connection key (any unique pointer) from addr is open / logged on / closed. */
void relay_limits_add(struct relay_limits *rl, const void *key, const char *addr);
void relay_limits_logged_on(struct relay_limits *rl, const void *key);
void relay_limits_remove(struct relay_limits *rl, const void *key);
unsigned relay_limits_total(const struct relay_limits *rl);
