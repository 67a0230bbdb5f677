/* SPDX-License-Identifier: MIT */
/*
 * log-escape.h - peer-supplied text on its way to a log, and a limit on repeated warnings.
 *
 * Anything a peer chose (user names, channel names, server error texts) goes through
 * log_escape() before it is logged, so that it cannot forge log lines or terminal
 * sequences; peer-triggered warnings go through a struct log_ratelimit.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

/* Longest text kept of a peer's string (longer ones end in "..."). */
#define LOG_ESCAPE_MAX 256

/*
 * A copy of s with control characters (< 0x20, 0x7f), backslash and invalid UTF-8 as
 * \xNN, cut to LOG_ESCAPE_MAX bytes of input; "(null)" for NULL. g_free it.
 */
char *log_escape(const char *s);
/* The same for len bytes that need not be NUL-terminated. */
char *log_escape_len(const char *s, size_t len);

struct log_ratelimit {
	uint64_t interval_usec;		/* a window */
	unsigned burst;			/* messages per window */
	uint64_t window_start;
	unsigned count;
	unsigned suppressed;		/* in the previous windows, not yet reported */
};

#define LOG_RATELIMIT_INIT(interval, n) { .interval_usec = (interval), .burst = (n) }

/*
 * True when one more message may be logged now. When a new window opens after
 * suppressions, *ret_suppressed (if not NULL) is their number (once), else 0.
 */
bool log_ratelimit_ok(struct log_ratelimit *rl, uint64_t now, unsigned *ret_suppressed);
