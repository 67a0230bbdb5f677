/* SPDX-License-Identifier: MIT */
/*
 * push-sign.c - print a signed push envelope (push-msg.h), for the shell tests:
 *   push-sign KEYFILE CHANNEL STREAM_ID FROM TO [AGE_MS]
 * AGE_MS shifts the timestamp into the past (negative: the future).
 */
#include <stdio.h>
#include <stdlib.h>

#include "push-msg.h"

int main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GBytes) key = NULL;
	g_autofree char *env = NULL;
	struct push_msg m = { 0 };
	const void *k;
	size_t klen;

	if (argc < 6 || argc > 7) {
		fprintf(stderr, "usage: %s KEYFILE CHANNEL STREAM_ID FROM TO [AGE_MS]\n", argv[0]);
		return 2;
	}
	key = push_key_load(argv[1], &error);
	if (!key) {
		fprintf(stderr, "%s\n", error->message);
		return 1;
	}
	m.channel = argv[2];
	m.stream_id = (uint32_t)strtoul(argv[3], NULL, 10);
	m.from = argv[4];
	m.to = argv[5][0] ? argv[5] : NULL;
	m.timestamp_ms = g_get_real_time() / 1000 - (argc == 7 ? strtoll(argv[6], NULL, 10) : 0);
	push_msg_new_nonce(&m);
	k = g_bytes_get_data(key, &klen);
	env = push_msg_sign(&m, k, klen, NULL, &error);
	g_free(m.nonce);
	if (!env) {
		fprintf(stderr, "%s\n", error->message);
		return 1;
	}
	printf("%s\n", env);
	return 0;
}
