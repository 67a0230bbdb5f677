/* SPDX-License-Identifier: MIT */
/*
 * fuzz-log-escape.c - libFuzzer target for log_escape_len() (src/common/log-escape.c):
 * any bytes in, valid UTF-8 out without control characters (C0, DEL, C1), no longer than
 * four times LOG_ESCAPE_MAX plus the "..." mark.
 */
#include <glib.h>
#include <stdint.h>
#include <string.h>

#include "log-escape.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *out = log_escape_len((const char *)data, size);
	const char *p;

	if (!g_utf8_validate(out, -1, NULL) || strlen(out) > 4 * LOG_ESCAPE_MAX + 3)
		__builtin_trap();
	for (p = out; *p; p = g_utf8_next_char(p)) {
		gunichar c = g_utf8_get_char(p);

		if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0))
			__builtin_trap();
	}
	g_free(out);
	return 0;
}
