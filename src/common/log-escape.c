/* SPDX-License-Identifier: MIT */
/*
 * log-escape.c - escaping peer text for logs, rate limits for warnings (log-escape.h).
 */
#include "log-escape.h"

#include <string.h>

char *log_escape_len(const char *s, size_t len)
{
	const char *p = s, *end;
	GString *o;

	if (!s)
		return g_strdup("(null)");
	end = s + MIN(len, (size_t)LOG_ESCAPE_MAX);
	o = g_string_sized_new(MIN(len, (size_t)LOG_ESCAPE_MAX) + 8);
	while (p < end) {
		unsigned char c = *p;
		const char *next;

		if (c < 0x20 || c == 0x7f || c == '\\') {
			g_string_append_printf(o, "\\x%02x", c);
			p++;
			continue;
		}
		if (c < 0x80) {
			g_string_append_c(o, c);
			p++;
			continue;
		}
		/* a whole valid UTF-8 sequence (no C1 controls) or escaped bytes */
		if (g_utf8_get_char_validated(p, end - p) < (gunichar)-2) {
			gunichar u = g_utf8_get_char(p);

			next = g_utf8_next_char(p);
			if (u >= 0x80 && u < 0xa0) {
				for (; p < next; p++)
					g_string_append_printf(o, "\\x%02x", (unsigned char)*p);
				continue;
			}
			g_string_append_len(o, p, next - p);
			p = next;
			continue;
		}
		g_string_append_printf(o, "\\x%02x", c);
		p++;
	}
	if (len > LOG_ESCAPE_MAX)
		g_string_append(o, "...");
	return g_string_free(o, FALSE);
}

char *log_escape(const char *s)
{
	return log_escape_len(s, s ? strlen(s) : 0);
}

bool log_ratelimit_ok(struct log_ratelimit *rl, uint64_t now, unsigned *ret_suppressed)
{
	if (ret_suppressed)
		*ret_suppressed = 0;
	if (rl->window_start == 0 || now - rl->window_start >= rl->interval_usec) {
		rl->window_start = now ? now : 1;
		rl->count = 0;
		if (ret_suppressed)
			*ret_suppressed = rl->suppressed;
		rl->suppressed = 0;
	}
	if (rl->count < rl->burst) {
		rl->count++;
		return true;
	}
	rl->suppressed++;
	return false;
}
