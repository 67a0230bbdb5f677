/* SPDX-License-Identifier: MIT */
/*
 * fuzz-proto.c - libFuzzer target for the codec: text frames, binary frames, codec headers.
 * The first input byte picks the parser; a text frame that parses must rebuild and reparse
 * to the same command.
 */
#include "proto.h"

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fuzz_text(const char *buf, size_t len)
{
	struct proto_msg m = PROTO_MSG_INIT, again = PROTO_MSG_INIT;
	GError *error = NULL;
	char *built;
	size_t blen = 0;
	int r = proto_parse_text(buf, len, &m, &error);

	if (r < 0) {
		if (!error || !error->message[0])
			abort();
		g_error_free(error);
		proto_msg_clear(&m);
		return;
	}
	if (error)
		abort();
	built = proto_build(&m, &blen);
	r = proto_parse_text(built, blen, &again, &error);
	/* everything we build we can read back (an unknown command stays unknown) */
	if (r < 0 || again.cmd != m.cmd || again.seq != m.seq || again.stream_id != m.stream_id)
		abort();
	g_free(built);
	proto_msg_clear(&again);
	proto_msg_clear(&m);
}

static void fuzz_audio(const uint8_t *buf, size_t len)
{
	struct proto_audio a;
	GError *error = NULL;
	uint8_t *out;
	size_t n;

	if (proto_parse_audio(buf, len, &a, &error) < 0) {
		g_error_free(error);
		return;
	}
	if (a.data + a.len != buf + len)
		abort();
	out = malloc(len);
	n = proto_build_audio(out, len, a.stream_id, a.packet_id, a.data, a.len);
	if (n != len || memcmp(out, buf, len) != 0)
		abort();
	free(out);
}

static void fuzz_header(const uint8_t *buf, size_t len)
{
	char *s = g_strndup((const char *)buf, len);
	struct proto_codec_header h;
	GError *error = NULL;

	if (proto_codec_header_decode(s, &h, &error) == 0) {
		char *back = proto_codec_header_encode(&h);
		struct proto_codec_header h2;

		if (proto_codec_header_decode(back, &h2, NULL) < 0 || memcmp(&h, &h2, sizeof(h)))
			abort();
		g_free(back);
	} else {
		g_error_free(error);
	}
	g_free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	switch (data[0] % 3) {
	case 0:
		fuzz_text((const char *)data + 1, size - 1);
		break;
	case 1:
		fuzz_audio(data + 1, size - 1);
		break;
	default:
		fuzz_header(data + 1, size - 1);
		break;
	}
	return 0;
}
