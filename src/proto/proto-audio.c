/* SPDX-License-Identifier: MIT */
/*
 * proto-audio.c - binary stream frames: {u8 type, u32be stream_id, u32be packet_id, data}.
 */
#include "proto.h"

#include <errno.h>
#include <string.h>

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

int proto_parse_audio(const void *buf, size_t len, struct proto_audio *out, GError **error)
{
	const uint8_t *b = buf;

	if (len > PROTO_MAX_BINARY) {
		g_set_error(error, PROTO_ERROR, PROTO_ERROR_TOO_LARGE,
			    "binary frame of %zu bytes, limit %u", len, PROTO_MAX_BINARY);
		return -EMSGSIZE;
	}
	if (len < PROTO_AUDIO_HEADER_LEN) {
		g_set_error(error, PROTO_ERROR, PROTO_ERROR_TOO_SHORT,
			    "binary frame of %zu bytes, shorter than the %u-byte header", len,
			    PROTO_AUDIO_HEADER_LEN);
		return -EBADMSG;
	}
	if (b[0] != PROTO_BINARY_TYPE_AUDIO) {
		g_set_error(error, PROTO_ERROR, PROTO_ERROR_UNKNOWN_TYPE,
			    "binary frame of unknown type 0x%02x (only 0x01 audio)", b[0]);
		return -EPROTONOSUPPORT;
	}
	out->stream_id = get_be32(b + 1);
	out->packet_id = get_be32(b + 5);
	out->data = b + PROTO_AUDIO_HEADER_LEN;
	out->len = len - PROTO_AUDIO_HEADER_LEN;
	return 0;
}

void proto_audio_write_header(uint8_t hdr[PROTO_AUDIO_HEADER_LEN], uint32_t stream_id,
			      uint32_t packet_id)
{
	hdr[0] = PROTO_BINARY_TYPE_AUDIO;
	put_be32(hdr + 1, stream_id);
	put_be32(hdr + 5, packet_id);
}

size_t proto_build_audio(uint8_t *buf, size_t cap, uint32_t stream_id, uint32_t packet_id,
			 const void *opus, size_t opus_len)
{
	size_t n = PROTO_AUDIO_HEADER_LEN + opus_len;

	if (opus_len > PROTO_MAX_BINARY - PROTO_AUDIO_HEADER_LEN || n > cap)
		return 0;
	proto_audio_write_header(buf, stream_id, packet_id);
	if (opus_len)
		memmove(buf + PROTO_AUDIO_HEADER_LEN, opus, opus_len);
	return n;
}
