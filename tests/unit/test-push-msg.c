/* SPDX-License-Identifier: MIT */
/*
 * test-push-msg.c - signing and verifying push messages (src/push/push-msg.h).
 */
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "push-msg.h"

#define KEY "0123456789abcdef0123456789abcdef"
#define NOW 1764122400000LL
#define WINDOW 60000

static GBytes *test_key(void)
{
	return g_bytes_new_static(KEY, strlen(KEY));
}

/* An envelope around arbitrary payload text, MAC'ed with key. */
static char *envelope_raw(const char *payload, const char *key)
{
	g_autofree char *mac = g_compute_hmac_for_data(G_CHECKSUM_SHA256, (const guchar *)key,
						       strlen(key), (const guchar *)payload,
						       strlen(payload));
	g_autofree char *b64 = g_base64_encode((const guchar *)payload, strlen(payload));

	return g_strdup_printf("{\"v\":1,\"payload\":\"%s\",\"mac\":\"%s\"}", b64, mac);
}

static char *sign(uint32_t sid, int64_t ts, const char *nonce, const char *to)
{
	struct push_msg m = {
		.channel = (char *)"ops",
		.stream_id = sid,
		.from = (char *)"alice",
		.to = (char *)to,
		.timestamp_ms = ts,
		.nonce = (char *)nonce,
	};
	g_autoptr(GError) error = NULL;
	char *env = push_msg_sign(&m, KEY, strlen(KEY), NULL, &error);

	g_assert_no_error(error);
	g_assert_nonnull(env);
	return env;
}

static void test_roundtrip(void)
{
	g_autoptr(GBytes) key = test_key();
	struct push_verifier *v = push_verifier_new(key, WINDOW, 64, "bob");
	struct push_msg in = {
		.channel = (char *)"ops \"night\" \xc3\xa9",
		.stream_id = 4294967295u,
		.from = (char *)"al\\ice",
		.to = (char *)"bob",
		.timestamp_ms = NOW,
	};
	struct push_msg out = { 0 };
	g_autoptr(GError) error = NULL;
	g_autofree char *env = NULL;
	size_t len = 0;

	push_msg_new_nonce(&in);
	g_assert_cmpuint(strlen(in.nonce), ==, 32);
	env = push_msg_sign(&in, KEY, strlen(KEY), &len, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(len, ==, strlen(env));
	g_assert_true(push_verifier_check(v, env, len, NOW + 1000, &out, &error));
	g_assert_no_error(error);
	g_assert_cmpstr(out.channel, ==, in.channel);
	g_assert_cmpstr(out.from, ==, in.from);
	g_assert_cmpstr(out.to, ==, "bob");
	g_assert_cmpstr(out.nonce, ==, in.nonce);
	g_assert_cmpuint(out.stream_id, ==, 4294967295u);
	g_assert_cmpint(out.timestamp_ms, ==, NOW);
	g_assert_cmpuint(push_verifier_cache_size(v), ==, 1);
	push_msg_clear(&out);
	g_free(in.nonce);
	push_verifier_free(v);
}

static void test_nonce_unique(void)
{
	struct push_msg a = { 0 }, b = { 0 };

	push_msg_new_nonce(&a);
	push_msg_new_nonce(&b);
	g_assert_cmpstr(a.nonce, !=, b.nonce);
	push_msg_clear(&a);
	push_msg_clear(&b);
}

/* ---- table: one envelope each, checked against a fresh verifier ---- */

enum build {
	B_SIGNED,   /* push_msg_sign() with ts offset */
	B_RAW,      /* payload text, MAC'ed with KEY */
	B_RAW_KEY2, /* payload text, MAC'ed with another key */
	B_LITERAL,  /* the envelope text itself */
};

struct vcase {
	const char *name;
	enum build build;
	const char *text;  /* payload (B_RAW*) or envelope (B_LITERAL) */
	int64_t ts_offset; /* B_SIGNED: timestamp = NOW + offset */
	const char *to;    /* B_SIGNED */
	int want;          /* -1: accepted, else enum push_msg_error */
};

#define GOOD_NONCE "00112233445566778899aabbccddeeff"
#define P(extra) "{\"channel\":\"ops\",\"stream_id\":7,\"from\":\"alice\"," extra "}"
#define TSN "\"timestamp\":1764122400000,\"nonce\":\"" GOOD_NONCE "\""

static const struct vcase vcases[] = {
	{ "good", B_SIGNED, NULL, 0, NULL, -1 },
	{ "good/to-us", B_SIGNED, NULL, 0, "bob", -1 },
	{ "good/window-edge-past", B_SIGNED, NULL, -WINDOW, NULL, -1 },
	{ "good/window-edge-future", B_SIGNED, NULL, WINDOW, NULL, -1 },
	{ "good/raw-extra-members", B_RAW, P(TSN ",\"emergency\":true,\"x\":[1,2]"), 0, NULL, -1 },
	{ "stale", B_SIGNED, NULL, -WINDOW - 1, NULL, PUSH_MSG_ERROR_STALE },
	{ "stale/hours", B_SIGNED, NULL, -3600 * 1000, NULL, PUSH_MSG_ERROR_STALE },
	{ "future", B_SIGNED, NULL, WINDOW + 1, NULL, PUSH_MSG_ERROR_FUTURE },
	{ "wrong-user", B_SIGNED, NULL, 0, "mallory", PUSH_MSG_ERROR_WRONG_USER },
	{ "mac/other-key", B_RAW_KEY2, P(TSN), 0, NULL, PUSH_MSG_ERROR_BAD_MAC },
	{ "mac/missing", B_LITERAL, "{\"v\":1,\"payload\":\"e30=\"}", 0, NULL,
	  PUSH_MSG_ERROR_BAD_MAC },
	{ "mac/not-string", B_LITERAL, "{\"v\":1,\"payload\":\"e30=\",\"mac\":5}", 0, NULL,
	  PUSH_MSG_ERROR_BAD_MAC },
	{ "mac/short", B_LITERAL, "{\"v\":1,\"payload\":\"e30=\",\"mac\":\"abcd\"}", 0, NULL,
	  PUSH_MSG_ERROR_BAD_MAC },
	{ "mac/not-hex", B_LITERAL,
	  "{\"v\":1,\"payload\":\"e30=\",\"mac\":"
	  "\"zz00000000000000000000000000000000000000000000000000000000000000\"}",
	  0, NULL, PUSH_MSG_ERROR_BAD_MAC },
	{ "mac/zero", B_LITERAL,
	  "{\"v\":1,\"payload\":\"e30=\",\"mac\":"
	  "\"0000000000000000000000000000000000000000000000000000000000000000\"}",
	  0, NULL, PUSH_MSG_ERROR_BAD_MAC },
	{ "fields/no-channel", B_RAW, "{\"stream_id\":7,\"from\":\"alice\"," TSN "}", 0, NULL,
	  PUSH_MSG_ERROR_MALFORMED },
	{ "fields/empty-channel", B_RAW, "{\"channel\":\"\",\"stream_id\":7,\"from\":\"a\"," TSN "}",
	  0, NULL, PUSH_MSG_ERROR_MALFORMED },
	{ "fields/channel-number", B_RAW, "{\"channel\":3,\"stream_id\":7,\"from\":\"a\"," TSN "}",
	  0, NULL, PUSH_MSG_ERROR_MALFORMED },
	{ "fields/no-stream-id", B_RAW, "{\"channel\":\"ops\",\"from\":\"alice\"," TSN "}", 0,
	  NULL, PUSH_MSG_ERROR_MALFORMED },
	{ "fields/stream-id-zero", B_RAW,
	  "{\"channel\":\"ops\",\"stream_id\":0,\"from\":\"alice\"," TSN "}", 0, NULL,
	  PUSH_MSG_ERROR_MALFORMED },
	{ "fields/stream-id-too-big", B_RAW,
	  "{\"channel\":\"ops\",\"stream_id\":4294967296,\"from\":\"alice\"," TSN "}", 0, NULL,
	  PUSH_MSG_ERROR_MALFORMED },
	{ "fields/stream-id-string", B_RAW,
	  "{\"channel\":\"ops\",\"stream_id\":\"7\",\"from\":\"alice\"," TSN "}", 0, NULL,
	  PUSH_MSG_ERROR_MALFORMED },
	{ "fields/stream-id-float", B_RAW,
	  "{\"channel\":\"ops\",\"stream_id\":7.5,\"from\":\"alice\"," TSN "}", 0, NULL,
	  PUSH_MSG_ERROR_MALFORMED },
	{ "fields/no-from", B_RAW, "{\"channel\":\"ops\",\"stream_id\":7," TSN "}", 0, NULL,
	  PUSH_MSG_ERROR_MALFORMED },
	{ "fields/to-number", B_RAW, P("\"to\":1," TSN), 0, NULL, PUSH_MSG_ERROR_MALFORMED },
	{ "fields/no-timestamp", B_RAW, P("\"nonce\":\"" GOOD_NONCE "\""), 0, NULL,
	  PUSH_MSG_ERROR_MALFORMED },
	{ "fields/timestamp-string", B_RAW,
	  P("\"timestamp\":\"1764122400000\",\"nonce\":\"" GOOD_NONCE "\""), 0, NULL,
	  PUSH_MSG_ERROR_MALFORMED },
	{ "fields/no-nonce", B_RAW, P("\"timestamp\":1764122400000"), 0, NULL,
	  PUSH_MSG_ERROR_MALFORMED },
	{ "fields/short-nonce", B_RAW, P("\"timestamp\":1764122400000,\"nonce\":\"abc\""), 0,
	  NULL, PUSH_MSG_ERROR_MALFORMED },
	{ "fields/nonce-bad-chars", B_RAW,
	  P("\"timestamp\":1764122400000,\"nonce\":\"0011223344556677 8899aabbccddeeff\""), 0,
	  NULL, PUSH_MSG_ERROR_MALFORMED },
	{ "payload/not-json", B_RAW, "channel=ops", 0, NULL, PUSH_MSG_ERROR_MALFORMED },
	{ "payload/array", B_RAW, "[1,2,3]", 0, NULL, PUSH_MSG_ERROR_MALFORMED },
	{ "payload/truncated", B_RAW, "{\"channel\":\"ops\",\"stream_id\":7", 0, NULL,
	  PUSH_MSG_ERROR_MALFORMED },
	{ "payload/not-utf8", B_RAW, P("\"x\":\"\xff\xfe\"," TSN), 0, NULL,
	  PUSH_MSG_ERROR_MALFORMED },
	{ "envelope/not-json", B_LITERAL, "hello", 0, NULL, PUSH_MSG_ERROR_MALFORMED },
	{ "envelope/empty", B_LITERAL, "", 0, NULL, PUSH_MSG_ERROR_MALFORMED },
	{ "envelope/array", B_LITERAL, "[]", 0, NULL, PUSH_MSG_ERROR_MALFORMED },
	{ "envelope/no-version", B_LITERAL, "{\"payload\":\"e30=\",\"mac\":\"00\"}", 0, NULL,
	  PUSH_MSG_ERROR_MALFORMED },
	{ "envelope/version-2", B_LITERAL, "{\"v\":2,\"payload\":\"e30=\",\"mac\":\"00\"}", 0, NULL,
	  PUSH_MSG_ERROR_MALFORMED },
	{ "envelope/no-payload", B_LITERAL,
	  "{\"v\":1,\"mac\":"
	  "\"0000000000000000000000000000000000000000000000000000000000000000\"}",
	  0, NULL, PUSH_MSG_ERROR_MALFORMED },
	{ "envelope/payload-not-base64", B_LITERAL,
	  "{\"v\":1,\"payload\":\"e3*=\",\"mac\":"
	  "\"0000000000000000000000000000000000000000000000000000000000000000\"}",
	  0, NULL, PUSH_MSG_ERROR_MALFORMED },
	{ "envelope/payload-bad-padding", B_LITERAL,
	  "{\"v\":1,\"payload\":\"e3=0\",\"mac\":"
	  "\"0000000000000000000000000000000000000000000000000000000000000000\"}",
	  0, NULL, PUSH_MSG_ERROR_MALFORMED },
};

static void run_vcase(gconstpointer p)
{
	const struct vcase *c = p;
	g_autoptr(GBytes) key = test_key();
	struct push_verifier *v = push_verifier_new(key, WINDOW, 64, "bob");
	g_autoptr(GError) error = NULL;
	g_autofree char *env = NULL;
	struct push_msg out = { 0 };
	gboolean ok;

	switch (c->build) {
	case B_SIGNED:
		env = sign(7, NOW + c->ts_offset, GOOD_NONCE, c->to);
		break;
	case B_RAW:
		env = envelope_raw(c->text, KEY);
		break;
	case B_RAW_KEY2:
		env = envelope_raw(c->text, "another key, 16+ bytes long");
		break;
	case B_LITERAL:
		env = g_strdup(c->text);
		break;
	}
	ok = push_verifier_check(v, env, strlen(env), NOW, &out, &error);
	if (c->want < 0) {
		g_assert_no_error(error);
		g_assert_true(ok);
		g_assert_cmpuint(out.stream_id, ==, 7);
		g_assert_cmpuint(push_verifier_cache_size(v), ==, 1);
		push_msg_clear(&out);
	} else {
		g_assert_false(ok);
		g_assert_error(error, PUSH_MSG_ERROR, c->want);
		g_test_message("%s: %s", push_msg_error_to_string(c->want), error->message);
		/* nothing changed: no nonce recorded, and the good push still passes */
		g_assert_cmpuint(push_verifier_cache_size(v), ==, 0);
		g_assert_null(out.channel);
		g_clear_pointer(&env, g_free);
		g_clear_error(&error);
		env = sign(7, NOW, GOOD_NONCE, NULL);
		g_assert_true(push_verifier_check(v, env, strlen(env), NOW, &out, &error));
		push_msg_clear(&out);
	}
	push_verifier_free(v);
}

/* ---- tampering with a correctly signed envelope ---- */

static void test_forged_mac(void)
{
	g_autoptr(GBytes) key = test_key();
	struct push_verifier *v = push_verifier_new(key, WINDOW, 64, NULL);
	g_autofree char *env = sign(7, NOW, GOOD_NONCE, NULL);
	g_autoptr(GError) error = NULL;
	struct push_msg out = { 0 };
	char *mac = strstr(env, "\"mac\":\"") + 7;

	/* each hex digit of the MAC flipped in turn */
	for (int i = 0; i < PUSH_MSG_MAC_HEX; i++) {
		char saved = mac[i];

		mac[i] = saved == '0' ? '1' : '0';
		g_assert_false(push_verifier_check(v, env, strlen(env), NOW, &out, &error));
		g_assert_error(error, PUSH_MSG_ERROR, PUSH_MSG_ERROR_BAD_MAC);
		g_clear_error(&error);
		mac[i] = saved;
	}
	/* uppercase hex is the same MAC */
	for (int i = 0; i < PUSH_MSG_MAC_HEX; i++)
		mac[i] = g_ascii_toupper(mac[i]);
	g_assert_true(push_verifier_check(v, env, strlen(env), NOW, &out, &error));
	push_msg_clear(&out);
	push_verifier_free(v);
}

static void test_tampered_payload(void)
{
	g_autoptr(GBytes) key = test_key();
	struct push_verifier *v = push_verifier_new(key, WINDOW, 64, NULL);
	g_autofree char *good = sign(7, NOW, GOOD_NONCE, NULL);
	g_autofree char *other = sign(8, NOW, GOOD_NONCE, NULL);
	g_autoptr(GError) error = NULL;
	struct push_msg out = { 0 };
	g_autoptr(GString) forged = g_string_new(NULL);
	const char *mac_good = strstr(good, ",\"mac\"");
	const char *mac_other = strstr(other, ",\"mac\"");

	/* stream 8's payload with stream 7's MAC */
	g_string_append_len(forged, other, mac_other - other);
	g_string_append(forged, mac_good);
	g_assert_false(push_verifier_check(v, forged->str, forged->len, NOW, &out, &error));
	g_assert_error(error, PUSH_MSG_ERROR, PUSH_MSG_ERROR_BAD_MAC);
	push_verifier_free(v);
}

static void test_replay(void)
{
	g_autoptr(GBytes) key = test_key();
	struct push_verifier *v = push_verifier_new(key, WINDOW, 64, NULL);
	g_autofree char *env = sign(7, NOW, GOOD_NONCE, NULL);
	g_autofree char *same_nonce = sign(9, NOW + 5, GOOD_NONCE, NULL);
	g_autoptr(GError) error = NULL;
	struct push_msg out = { 0 };

	g_assert_true(push_verifier_check(v, env, strlen(env), NOW, &out, &error));
	push_msg_clear(&out);
	g_assert_false(push_verifier_check(v, env, strlen(env), NOW + 10, &out, &error));
	g_assert_error(error, PUSH_MSG_ERROR, PUSH_MSG_ERROR_REPLAY);
	g_clear_error(&error);
	/* a new payload reusing the nonce is a replay too */
	g_assert_false(push_verifier_check(v, same_nonce, strlen(same_nonce), NOW + 10, &out,
					   &error));
	g_assert_error(error, PUSH_MSG_ERROR, PUSH_MSG_ERROR_REPLAY);
	g_clear_error(&error);
	g_assert_cmpuint(push_verifier_cache_size(v), ==, 1);
	/* once out of the window: stale, not replay, and the entry is gone */
	g_assert_false(push_verifier_check(v, env, strlen(env), NOW + WINDOW + 1, &out, &error));
	g_assert_error(error, PUSH_MSG_ERROR, PUSH_MSG_ERROR_STALE);
	g_clear_error(&error);
	g_clear_pointer(&env, g_free);
	env = sign(10, NOW + WINDOW + 1, "ffeeddccbbaa99887766554433221100", NULL);
	g_assert_true(push_verifier_check(v, env, strlen(env), NOW + WINDOW + 1, &out, &error));
	push_msg_clear(&out);
	g_assert_cmpuint(push_verifier_cache_size(v), ==, 1);
	push_verifier_free(v);
}

static void test_replay_cache_bound(void)
{
	g_autoptr(GBytes) key = test_key();
	struct push_verifier *v = push_verifier_new(key, WINDOW, 4, NULL);
	g_autoptr(GError) error = NULL;
	struct push_msg out = { 0 };
	char *envs[6];

	for (int i = 0; i < 6; i++) {
		g_autofree char *nonce = g_strdup_printf("%032x", i + 1);

		envs[i] = sign(100 + i, NOW + i, nonce, NULL);
		g_assert_true(push_verifier_check(v, envs[i], strlen(envs[i]), NOW + 10, &out,
						  &error));
		push_msg_clear(&out);
		g_assert_cmpuint(push_verifier_cache_size(v), <=, 4);
	}
	g_assert_cmpuint(push_verifier_cache_size(v), ==, 4);
	/* the evicted ones (0 and 1) must not come back: the floor rejects them */
	for (int i = 0; i < 6; i++) {
		g_assert_false(push_verifier_check(v, envs[i], strlen(envs[i]), NOW + 20, &out,
						   &error));
		g_assert_error(error, PUSH_MSG_ERROR,
			       (i < 2 ? PUSH_MSG_ERROR_STALE : PUSH_MSG_ERROR_REPLAY));
		g_clear_error(&error);
		g_free(envs[i]);
	}
	push_verifier_free(v);
}

static void test_oversized(void)
{
	g_autoptr(GBytes) key = test_key();
	struct push_verifier *v = push_verifier_new(key, WINDOW, 64, NULL);
	g_autoptr(GError) error = NULL;
	struct push_msg out = { 0 };
	g_autoptr(GString) big = g_string_new("{\"v\":1,\"pad\":\"");
	g_autoptr(GString) payload = g_string_new(P(TSN ",\"pad\":\""));
	g_autofree char *env = NULL;
	struct push_msg m = {
		.channel = (char *)"ops", .stream_id = 1, .from = (char *)"a",
		.timestamp_ms = NOW, .nonce = (char *)GOOD_NONCE,
	};
	g_autofree char *long_name = g_strnfill(PUSH_MSG_MAX_NAME + 1, 'x');

	/* an envelope over the limit is refused before it is parsed */
	while (big->len <= PUSH_MSG_MAX_ENVELOPE)
		g_string_append_c(big, 'x');
	g_string_append(big, "\"}");
	g_assert_false(push_verifier_check(v, big->str, big->len, NOW, &out, &error));
	g_assert_error(error, PUSH_MSG_ERROR, PUSH_MSG_ERROR_TOO_BIG);
	g_clear_error(&error);
	/* a correctly MAC'ed payload over its limit */
	while (payload->len <= PUSH_MSG_MAX_PAYLOAD + 10)
		g_string_append_c(payload, 'y');
	g_string_append(payload, "\"}");
	env = envelope_raw(payload->str, KEY);
	g_assert_false(push_verifier_check(v, env, strlen(env), NOW, &out, &error));
	g_assert_error(error, PUSH_MSG_ERROR, PUSH_MSG_ERROR_TOO_BIG);
	g_clear_error(&error);
	/* names over PUSH_MSG_MAX_NAME are refused by the signer and the verifier */
	m.from = long_name;
	g_assert_null(push_msg_sign(&m, KEY, strlen(KEY), NULL, &error));
	g_assert_error(error, PUSH_MSG_ERROR, PUSH_MSG_ERROR_MALFORMED);
	g_clear_error(&error);
	g_clear_pointer(&env, g_free);
	{
		g_autofree char *p = g_strdup_printf("{\"channel\":\"ops\",\"stream_id\":7,"
						     "\"from\":\"%s\"," TSN "}", long_name);
		env = envelope_raw(p, KEY);
	}
	g_assert_false(push_verifier_check(v, env, strlen(env), NOW, &out, &error));
	g_assert_error(error, PUSH_MSG_ERROR, PUSH_MSG_ERROR_MALFORMED);
	g_assert_cmpuint(push_verifier_cache_size(v), ==, 0);
	push_verifier_free(v);
}

static void test_key_file(void)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *dir = g_dir_make_tmp("test-push-XXXXXX", &error);
	g_autofree char *path = g_build_filename(dir, "push.key", NULL);
	GBytes *key;

	g_assert_no_error(error);
	g_assert_true(g_file_set_contents(path, KEY "\nsecond line\n", -1, &error));
	g_assert_cmpint(g_chmod(path, 0644), ==, 0);
	g_assert_null(push_key_load(path, &error));
	g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_PERM);
	g_clear_error(&error);
	g_assert_cmpint(g_chmod(path, 0600), ==, 0);
	key = push_key_load(path, &error);
	g_assert_no_error(error);
	g_assert_cmpuint(g_bytes_get_size(key), ==, strlen(KEY));
	g_bytes_unref(key);
	g_assert_true(g_file_set_contents(path, "short\n", -1, &error));
	g_assert_cmpint(g_chmod(path, 0600), ==, 0);
	g_assert_null(push_key_load(path, &error));
	g_assert_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL);
	g_clear_error(&error);
	g_assert_null(push_key_load("/nonexistent/push.key", &error));
	g_assert_nonnull(error);
	g_unlink(path);
	g_rmdir(dir);
}

static void test_error_names(void)
{
	for (int e = 0; e < _PUSH_MSG_ERROR_MAX; e++)
		g_assert_cmpstr(push_msg_error_to_string(e), !=, "invalid");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/push-msg/roundtrip", test_roundtrip);
	g_test_add_func("/push-msg/nonce/unique", test_nonce_unique);
	for (size_t i = 0; i < G_N_ELEMENTS(vcases); i++) {
		g_autofree char *name = g_strdup_printf("/push-msg/verify/%s", vcases[i].name);

		g_test_add_data_func(name, &vcases[i], run_vcase);
	}
	g_test_add_func("/push-msg/verify/forged-mac", test_forged_mac);
	g_test_add_func("/push-msg/verify/tampered-payload", test_tampered_payload);
	g_test_add_func("/push-msg/verify/replay", test_replay);
	g_test_add_func("/push-msg/verify/replay-cache-bound", test_replay_cache_bound);
	g_test_add_func("/push-msg/verify/oversized", test_oversized);
	g_test_add_func("/push-msg/key-file", test_key_file);
	g_test_add_func("/push-msg/error-names", test_error_names);
	return g_test_run();
}
