/* SPDX-License-Identifier: MIT */
/*
 * fuzz-push-msg.c - libFuzzer target for the push message verifier.
 *
 * First byte even: the input is an envelope as it comes from the broker.
 * First byte odd: the rest is payload text, wrapped in a correctly MAC'ed
 * envelope, so the payload parser behind the MAC gets fuzzed too.
 */
#include <glib.h>
#include <stdint.h>
#include <string.h>

#include "push-msg.h"

#define KEY "fuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzz"
#define NOW 1764122400000LL

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void silence(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer d)
{
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static GBytes *key;
	struct push_verifier *v;
	struct push_msg m = { 0 };
	GError *error = NULL;

	if (!key) {
		key = g_bytes_new_static(KEY, strlen(KEY));
		g_log_set_default_handler(silence, NULL);
	}
	if (size < 1)
		return 0;
	v = push_verifier_new(key, 60000, 8, "bob");
	if (data[0] & 1) {
		char *mac = g_compute_hmac_for_data(G_CHECKSUM_SHA256, (const guchar *)KEY,
						    strlen(KEY), data + 1, size - 1);
		char *b64 = g_base64_encode(data + 1, size - 1);
		char *env = g_strdup_printf("{\"v\":1,\"payload\":\"%s\",\"mac\":\"%s\"}", b64, mac);

		/* twice: the second must be a replay when the first passed */
		for (int i = 0; i < 2; i++) {
			if (push_verifier_check(v, env, strlen(env), NOW, &m, &error)) {
				g_assert(i == 0);
				g_assert(m.stream_id > 0 && m.channel && m.from && m.nonce);
				push_msg_clear(&m);
			} else {
				g_assert(error && error->domain == PUSH_MSG_ERROR);
				g_clear_error(&error);
			}
		}
		g_free(env);
		g_free(b64);
		g_free(mac);
	} else {
		if (push_verifier_check(v, data + 1, size - 1, NOW, &m, &error))
			push_msg_clear(&m);
		else
			g_clear_error(&error);
	}
	push_verifier_free(v);
	return 0;
}
