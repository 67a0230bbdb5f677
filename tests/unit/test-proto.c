/* SPDX-License-Identifier: MIT */
/*
 * test-proto.c - codec conformance with API.md's worked examples (byte-exact), the
 * tolerances for Zello's example clients, and a table of bad inputs -> named errors.
 */
#include "proto.h"

#include <errno.h>
#include <string.h>

/* ---- API.md worked examples: parse the document's text, rebuild it byte-exact ---- */

struct example {
	const char *path;
	const char *doc;	/* as printed in API.md */
	const char *compact;	/* the same, as our builder writes it */
};

static const struct example examples[] = {
	{ "/proto/apimd/logon",
	  "{\n  \"command\": \"logon\",\n  \"seq\": 1,\n  \"auth_token\": \"[json web token]\",\n"
	  "  \"username\": \"sherlock\",\n  \"password\": \"secret\",\n"
	  "  \"channels\": [\"Baker Street 221B\", \"Reichenbach Falls\"]\n}",
	  "{\"command\":\"logon\",\"seq\":1,\"auth_token\":\"[json web token]\","
	  "\"username\":\"sherlock\",\"password\":\"secret\","
	  "\"channels\":[\"Baker Street 221B\",\"Reichenbach Falls\"]}" },
	{ "/proto/apimd/logon-reply",
	  "{\n  \"seq\": 1,\n  \"success\": true,\n"
	  "  \"refresh_token\": \"[refresh json web token]\"\n}",
	  "{\"seq\":1,\"success\":true,\"refresh_token\":\"[refresh json web token]\"}" },
	{ "/proto/apimd/logon-error",
	  "{\n  \"seq\": 1,\n  \"error\": \"error code\"\n}",
	  "{\"seq\":1,\"error\":\"error code\"}" },
	{ "/proto/apimd/start_stream",
	  "{\n  \"command\": \"start_stream\",\n  \"seq\": 2,\n"
	  "  \"channel\": \"Baker Street 221B\",\n"
	  "  \"type\": \"audio\",\n  \"codec\": \"opus\",\n  \"codec_header\": \"gD4BPA==\",\n"
	  "  \"packet_duration\": 20\n}",
	  "{\"command\":\"start_stream\",\"seq\":2,\"channel\":\"Baker Street 221B\","
	  "\"type\":\"audio\",\"codec\":\"opus\",\"codec_header\":\"gD4BPA==\","
	  "\"packet_duration\":20}" },
	{ "/proto/apimd/start_stream-for",
	  "{\n  \"command\": \"start_stream\",\n  \"seq\": 2,\n"
	  "  \"channel\": \"Baker Street 221B\",\n"
	  "  \"type\": \"audio\",\n  \"codec\": \"opus\",\n  \"codec_header\": \"gD4BPA==\",\n"
	  "  \"packet_duration\": 20,\n  \"for\": \"mrs.hudson\"\n}",
	  "{\"command\":\"start_stream\",\"seq\":2,\"channel\":\"Baker Street 221B\","
	  "\"type\":\"audio\",\"codec\":\"opus\",\"codec_header\":\"gD4BPA==\","
	  "\"packet_duration\":20,\"for\":\"mrs.hudson\"}" },
	{ "/proto/apimd/start_stream-reply",
	  "{\n  \"seq\": 2,\n  \"success\": true,\n  \"stream_id\": 22695\n}",
	  "{\"seq\":2,\"success\":true,\"stream_id\":22695}" },
	{ "/proto/apimd/stop_stream",
	  "{\n  \"command\": \"stop_stream\",\n  \"seq\": 3,\n  \"stream_id\": 22695,\n"
	  "  \"channel\": \"Baker Street 221B\"\n}",
	  "{\"command\":\"stop_stream\",\"seq\":3,\"stream_id\":22695,"
	  "\"channel\":\"Baker Street 221B\"}" },
	{ "/proto/apimd/send_text_message",
	  "{\n  \"command\": \"send_text_message\",\n  \"seq\": 3,\n"
	  "  \"channel\": \"Reichenbach Falls\",\n  \"text\": \"Where are you?\",\n"
	  "  \"for\": \"holmes\"\n}",
	  "{\"command\":\"send_text_message\",\"seq\":3,\"channel\":\"Reichenbach Falls\","
	  "\"text\":\"Where are you?\",\"for\":\"holmes\"}" },
	{ "/proto/apimd/on_channel_status",
	  "{\n  \"command\": \"on_channel_status\",\n  \"channel\": \"test\",\n"
	  "  \"status\": \"online\",\n  \"users_online\": 2\n}",
	  "{\"command\":\"on_channel_status\",\"channel\":\"test\",\"status\":\"online\","
	  "\"users_online\":2}" },
	{ "/proto/apimd/on_stream_start",
	  "{\n  \"command\": \"on_stream_start\",\n  \"type\": \"audio\",\n  \"codec\": \"opus\",\n"
	  "  \"codec_header\": \"gD4BPA==\",\n  \"packet_duration\": 20,\n"
	  "  \"stream_id\": 22695,\n  \"channel\": \"test\",\n  \"from\": \"alex\",\n"
	  "  \"for\": \"jim\"\n}",
	  "{\"command\":\"on_stream_start\",\"type\":\"audio\",\"codec\":\"opus\","
	  "\"codec_header\":\"gD4BPA==\",\"packet_duration\":20,\"stream_id\":22695,"
	  "\"channel\":\"test\",\"from\":\"alex\",\"for\":\"jim\"}" },
	{ "/proto/apimd/on_stream_stop",
	  "{\n  \"command\": \"on_stream_stop\",\n  \"stream_id\": 22695\n}",
	  "{\"command\":\"on_stream_stop\",\"stream_id\":22695}" },
	{ "/proto/apimd/on_error",
	  "{\n  \"command\": \"on_error\",\n  \"error\": \"server closed connection\"\n}",
	  "{\"command\":\"on_error\",\"error\":\"server closed connection\"}" },
	{ "/proto/apimd/on_text_message",
	  "{\n  \"command\": \"on_text_message\",\n  \"channel\": \"test\",\n"
	  "  \"from\": \"alex\",\n"
	  "  \"for\": false,\n  \"message_id\": 16777216,\n  \"text\": \"Hello Zello!\"\n}",
	  "{\"command\":\"on_text_message\",\"channel\":\"test\",\"from\":\"alex\",\"for\":false,"
	  "\"message_id\":16777216,\"text\":\"Hello Zello!\"}" },
	/* pttgw extension */
	{ "/proto/ext/join_stream", "{\"command\":\"join_stream\",\"seq\":7,\"stream_id\":9}",
	  "{\"command\":\"join_stream\",\"seq\":7,\"stream_id\":9}" },
	{ "/proto/ext/start_stream-emergency",
	  "{\"command\":\"start_stream\",\"seq\":4,\"channel\":\"c\",\"type\":\"audio\","
	  "\"codec\":\"opus\",\"codec_header\":\"gD4BFA==\",\"packet_duration\":20,"
	  "\"emergency\":true}",
	  "{\"command\":\"start_stream\",\"seq\":4,\"channel\":\"c\",\"type\":\"audio\","
	  "\"codec\":\"opus\",\"codec_header\":\"gD4BFA==\",\"packet_duration\":20,"
	  "\"emergency\":true}" },
	{ "/proto/ext/keepalive", "{\"command\":\"keepalive\"}", "{\"command\":\"keepalive\"}" },
};

static void test_example(gconstpointer data)
{
	const struct example *ex = data;
	struct proto_msg m = PROTO_MSG_INIT, again = PROTO_MSG_INIT;
	g_autoptr(GError) error = NULL;
	g_autofree char *built = NULL, *rebuilt = NULL;
	size_t len = 0;

	g_assert_cmpint(proto_parse_text(ex->doc, strlen(ex->doc), &m, &error), ==, 0);
	g_assert_no_error(error);
	built = proto_build(&m, &len);
	g_assert_cmpstr(built, ==, ex->compact);
	g_assert_cmpuint(len, ==, strlen(ex->compact));
	/* and the compact form round-trips */
	g_assert_cmpint(proto_parse_text(built, len, &again, &error), ==, 0);
	rebuilt = proto_build(&again, NULL);
	g_assert_cmpstr(rebuilt, ==, ex->compact);
	proto_msg_clear(&m);
	proto_msg_clear(&again);
}

/* Field-level checks of the worked examples. */
static void test_fields(void)
{
	struct proto_msg m = PROTO_MSG_INIT;
	g_autoptr(GError) error = NULL;
	const char *s;

	s = examples[0].doc;
	g_assert_cmpint(proto_parse_text(s, strlen(s), &m, &error), ==, 0);
	g_assert_cmpint(m.cmd, ==, PROTO_CMD_LOGON);
	g_assert_true(m.has_seq);
	g_assert_cmpuint(m.seq, ==, 1);
	g_assert_cmpstr(m.username, ==, "sherlock");
	g_assert_cmpstr(m.password, ==, "secret");
	g_assert_cmpstr(m.auth_token, ==, "[json web token]");
	g_assert_cmpuint(m.n_channels, ==, 2);
	g_assert_cmpstr(m.channels[1], ==, "Reichenbach Falls");
	g_assert_null(m.channels[2]);

	s = examples[3].doc;
	g_assert_cmpint(proto_parse_text(s, strlen(s), &m, &error), ==, 0);
	g_assert_cmpint(m.cmd, ==, PROTO_CMD_START_STREAM);
	g_assert_cmpuint(m.codec_header.sample_rate, ==, 16000);
	g_assert_cmpuint(m.codec_header.frames_per_packet, ==, 1);
	g_assert_cmpuint(m.codec_header.frame_ms, ==, 60);
	g_assert_cmpuint(m.packet_duration, ==, 20);
	g_assert_false(m.emergency);

	s = examples[5].doc;
	g_assert_cmpint(proto_parse_text(s, strlen(s), &m, &error), ==, 0);
	g_assert_cmpint(m.cmd, ==, PROTO_CMD_REPLY);
	g_assert_true(m.success);
	g_assert_true(m.has_stream_id);
	g_assert_cmpuint(m.stream_id, ==, 22695);

	s = examples[2].doc;
	g_assert_cmpint(proto_parse_text(s, strlen(s), &m, &error), ==, 0);
	g_assert_cmpint(m.cmd, ==, PROTO_CMD_REPLY);
	g_assert_false(m.success);
	g_assert_cmpstr(m.error, ==, "error code");

	s = examples[9].doc;
	g_assert_cmpint(proto_parse_text(s, strlen(s), &m, &error), ==, 0);
	g_assert_cmpint(m.cmd, ==, PROTO_CMD_ON_STREAM_START);
	g_assert_cmpstr(m.from, ==, "alex");
	g_assert_cmpstr(m.channel, ==, "test");
	g_assert_cmpstr(m.for_user, ==, "jim");
	g_assert_cmpuint(m.stream_id, ==, 22695);

	s = examples[12].doc;
	g_assert_cmpint(proto_parse_text(s, strlen(s), &m, &error), ==, 0);
	g_assert_null(m.for_user);
	g_assert_cmpuint(m.message_id, ==, 16777216);
	proto_msg_clear(&m);
	proto_msg_clear(&m);
}

/* ---- codec header ---- */

static void test_codec_header(void)
{
	struct proto_codec_header h = { 0 };
	g_autoptr(GError) error = NULL;
	g_autofree char *b64 = NULL;

	g_assert_cmpint(proto_codec_header_decode("gD4BPA==", &h, &error), ==, 0);
	g_assert_cmpuint(h.sample_rate, ==, 16000);
	g_assert_cmpuint(h.frames_per_packet, ==, 1);
	g_assert_cmpuint(h.frame_ms, ==, 60);
	b64 = proto_codec_header_encode(&h);
	g_assert_cmpstr(b64, ==, "gD4BPA==");
	g_free(g_steal_pointer(&b64));

	h = (struct proto_codec_header){ .sample_rate = 48000, .frames_per_packet = 2,
					 .frame_ms = 20 };
	b64 = proto_codec_header_encode(&h);
	g_assert_cmpstr(b64, ==, "gLsCFA==");	/* 0x80 0xbb 0x02 0x14 */
	g_assert_cmpuint(proto_codec_header_frame_ms(&h, 40), ==, 20);
	/* an example client writes packet_duration into the frame-size byte */
	h.frame_ms = 40;
	g_assert_cmpuint(proto_codec_header_frame_ms(&h, 40), ==, 20);
	g_assert_cmpuint(proto_codec_header_frame_ms(&h, 0), ==, 40);
}

struct bad_header {
	const char *b64;
	const char *msg;
};

static const struct bad_header bad_headers[] = {
	{ "", "invalid base64" },
	{ "gD4BPA=", "invalid base64" },
	{ "gD4B*A==", "invalid base64" },
	{ "g=4BPA==", "invalid base64" },
	{ "gD4B", "3 bytes, expected 4" },
	{ "gD4BPAA=", "5 bytes, expected 4" },
	{ "AAABPA==", "codec header: sample rate 0 not supported" },
	{ "RKwBFA==", "codec header: sample rate 44100 not supported" },
	{ "IlYBFA==", "codec header: sample rate 22050 not supported" },
	{ "gD4APA==", "codec header: 0 frames per packet not supported" },
	{ "gD4DFA==", "codec header: 3 frames per packet not supported" },
	{ "gD4GFA==", "codec header: 6 frames per packet not supported" },
	{ "gD4BAA==", "codec header: frame size 0 ms not supported" },
	{ "gD4BAQ==", "codec header: frame size 1 ms not supported" },
	{ "gD4CPQ==", "codec header: frame size 61 ms not supported" },
	{ "gD4B/w==", "codec header: frame size 255 ms not supported" },
};

/* Every header API.md allows: 8/12/16/24/48 kHz, 1 or 2 frames, frames of 2.5 (byte 2)
 * .. 60 ms; the packet length it announces. */
static void test_codec_header_all(void)
{
	static const unsigned rates[] = { 8000, 12000, 16000, 24000, 48000 };
	static const unsigned ms[] = { 2, 5, 10, 20, 40, 60 };

	for (size_t r = 0; r < G_N_ELEMENTS(rates); r++)
		for (unsigned fpp = 1; fpp <= 2; fpp++)
			for (size_t k = 0; k < G_N_ELEMENTS(ms); k++) {
				struct proto_codec_header h = { (uint16_t)rates[r], (uint8_t)fpp,
								(uint8_t)ms[k] }, got;
				g_autofree char *b64 = proto_codec_header_encode(&h);
				g_autoptr(GError) error = NULL;
				unsigned frame_us = ms[k] == 2 ? 2500 : ms[k] * 1000;

				g_assert_cmpint(proto_codec_header_decode(b64, &got, &error), ==, 0);
				g_assert_no_error(error);
				g_assert_cmpuint(got.sample_rate, ==, rates[r]);
				g_assert_cmpuint(got.frames_per_packet, ==, fpp);
				g_assert_cmpuint(got.frame_ms, ==, ms[k]);
				g_assert_cmpuint(proto_codec_header_packet_usec(&got, 0), ==,
						 fpp * frame_us);
				/* packet_duration written into the frame byte (2 x 20 as 40) */
				if (fpp == 2 && ms[k] == 40)
					g_assert_cmpuint(proto_codec_header_packet_usec(&got, 40),
							 ==, 40000);
			}
}

/* on_stream_start with a header we cannot play: the stream is there, the reason
 * comes with it; start_stream with it is refused. */
static void test_codec_header_on_stream_start(void)
{
	static const char on[] = "{\"command\":\"on_stream_start\",\"type\":\"audio\","
				 "\"codec\":\"opus\",\"codec_header\":\"RKwBFA==\","
				 "\"packet_duration\":20,\"stream_id\":5,\"from\":\"x\"}";
	static const char st[] = "{\"command\":\"start_stream\",\"seq\":2,\"type\":\"audio\","
				 "\"codec\":\"opus\",\"codec_header\":\"RKwBFA==\"}";
	struct proto_msg m = PROTO_MSG_INIT;
	g_autoptr(GError) error = NULL;

	g_assert_cmpint(proto_parse_text(on, strlen(on), &m, &error), ==, 0);
	g_assert_no_error(error);
	g_assert_cmpuint(m.stream_id, ==, 5);
	g_assert_cmpstr(m.codec_error, ==,
			"codec header: sample rate 44100 not supported (8000, 12000, 16000, "
			"24000, 48000)");
	proto_msg_clear(&m);
	g_assert_cmpint(proto_parse_text(st, strlen(st), &m, &error), ==, -EINVAL);
	g_assert_nonnull(strstr(error->message, "sample rate 44100 not supported"));
	g_assert_null(m.codec_error);
	proto_msg_clear(&m);
	/* the good one has none */
	g_clear_error(&error);
}

static void test_codec_header_bad(void)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(bad_headers); i++) {
		struct proto_codec_header h = { .sample_rate = 1 };
		g_autoptr(GError) error = NULL;

		g_assert_cmpint(proto_codec_header_decode(bad_headers[i].b64, &h, &error), ==,
				-EINVAL);
		g_assert_error(error, PROTO_ERROR, PROTO_ERROR_BAD_VALUE);
		if (!strstr(error->message, bad_headers[i].msg))
			g_error("%s: \"%s\" lacks \"%s\"", bad_headers[i].b64, error->message,
				bad_headers[i].msg);
		g_assert_cmpuint(h.sample_rate, ==, 1); /* untouched on failure */
	}
}

/* ---- tolerances of Zello's example clients ---- */

static void test_tolerances(void)
{
	struct proto_msg m = PROTO_MSG_INIT;
	g_autoptr(GError) error = NULL;
	const char *s;

	/* the examples' logon: singular "channel" */
	s = "{\"command\":\"logon\",\"seq\":1,\"auth_token\":\"t\",\"username\":\"u\","
	    "\"password\":\"p\",\"channel\":\"Baker Street 221B\"}";
	g_assert_cmpint(proto_parse_text(s, strlen(s), &m, &error), ==, 0);
	g_assert_cmpuint(m.n_channels, ==, 1);
	g_assert_cmpstr(m.channels[0], ==, "Baker Street 221B");

	/* the examples' stop_stream: no channel, no seq */
	s = "{\"command\":\"stop_stream\",\"stream_id\":22695}";
	g_assert_cmpint(proto_parse_text(s, strlen(s), &m, &error), ==, 0);
	g_assert_cmpint(m.cmd, ==, PROTO_CMD_STOP_STREAM);
	g_assert_false(m.has_seq);
	g_assert_null(m.channel);
	g_assert_cmpuint(m.stream_id, ==, 22695);

	/* start_stream without channel and packet_duration */
	s = "{\"command\":\"start_stream\",\"seq\":2,\"type\":\"audio\",\"codec\":\"opus\","
	    "\"codec_header\":\"gD4BFA==\"}";
	g_assert_cmpint(proto_parse_text(s, strlen(s), &m, &error), ==, 0);
	g_assert_null(m.channel);
	g_assert_cmpuint(m.packet_duration, ==, 20);

	/* unknown command: ignored, not an error; the name is kept for the debug log */
	s = "{\"command\":\"send_image\",\"seq\":3,\"width\":46}";
	g_assert_cmpint(proto_parse_text(s, strlen(s), &m, &error), ==, PROTO_PARSE_IGNORED);
	g_assert_no_error(error);
	g_assert_cmpint(m.cmd, ==, PROTO_CMD_UNKNOWN);
	g_assert_cmpstr(m.command, ==, "send_image");
	g_assert_true(m.has_seq);

	/* unknown fields are ignored */
	s = "{\"command\":\"on_stream_stop\",\"stream_id\":5,\"whatever\":[1,{\"a\":null}]}";
	g_assert_cmpint(proto_parse_text(s, strlen(s), &m, &error), ==, 0);
	g_assert_cmpuint(m.stream_id, ==, 5);

	/* not NUL-terminated: only len bytes are read */
	s = "{\"command\":\"keepalive\"}GARBAGE";
	g_assert_cmpint(proto_parse_text(s, 23, &m, &error), ==, 0);
	g_assert_cmpint(m.cmd, ==, PROTO_CMD_KEEPALIVE);
	proto_msg_clear(&m);
}

/* ---- bad text frames -> named errors ---- */

struct bad_text {
	const char *path;
	const char *text;
	int ret;
	int code;
	const char *msg;	/* a substring of the error message */
	enum proto_cmd cmd;	/* what the caller may still read */
	int seq;		/* -1: no seq */
};

static const struct bad_text bad_texts[] = {
	{ "/proto/bad/not-json", "{\"command\":", -EBADMSG, PROTO_ERROR_MALFORMED,
	  "invalid json", PROTO_CMD_INVALID, -1 },
	{ "/proto/bad/empty", "", -EBADMSG, PROTO_ERROR_MALFORMED, "invalid json",
	  PROTO_CMD_INVALID, -1 },
	{ "/proto/bad/array", "[1,2]", -EBADMSG, PROTO_ERROR_MALFORMED, "not a JSON object",
	  PROTO_CMD_INVALID, -1 },
	{ "/proto/bad/deep", "{\"a\":[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]}", -EBADMSG,
	  PROTO_ERROR_MALFORMED, "nested deeper", PROTO_CMD_INVALID, -1 },
	{ "/proto/bad/utf8", "{\"command\":\"on_error\",\"error\":\"\xff\"}", -EBADMSG,
	  PROTO_ERROR_MALFORMED, "UTF-8", PROTO_CMD_INVALID, -1 },
	{ "/proto/bad/no-command", "{\"stream_id\":1}", -EINVAL, PROTO_ERROR_MISSING_FIELD,
	  "missing field \"command\"", PROTO_CMD_INVALID, -1 },
	{ "/proto/bad/command-type", "{\"command\":7,\"seq\":4}", -EINVAL,
	  PROTO_ERROR_WRONG_TYPE, "field \"command\" is integer, expected string",
	  PROTO_CMD_INVALID, 4 },
	{ "/proto/bad/seq-type", "{\"command\":\"keepalive\",\"seq\":\"1\"}", -EINVAL,
	  PROTO_ERROR_WRONG_TYPE, "field \"seq\" is string", PROTO_CMD_INVALID, -1 },
	{ "/proto/bad/seq-negative", "{\"command\":\"keepalive\",\"seq\":-1}", -EINVAL,
	  PROTO_ERROR_BAD_VALUE, "\"seq\" = -1 out of range", PROTO_CMD_INVALID, -1 },
	{ "/proto/bad/start-no-header",
	  "{\"command\":\"start_stream\",\"seq\":2,\"type\":\"audio\",\"codec\":\"opus\"}",
	  -EINVAL, PROTO_ERROR_MISSING_FIELD, "start_stream: missing field \"codec_header\"",
	  PROTO_CMD_START_STREAM, 2 },
	{ "/proto/bad/start-no-seq",
	  "{\"command\":\"start_stream\",\"codec_header\":\"gD4BPA==\"}", -EINVAL,
	  PROTO_ERROR_MISSING_FIELD, "start_stream: missing field \"seq\"",
	  PROTO_CMD_START_STREAM, -1 },
	{ "/proto/bad/start-base64",
	  "{\"command\":\"start_stream\",\"seq\":2,\"codec_header\":\"gD4B%A==\"}", -EINVAL,
	  PROTO_ERROR_BAD_VALUE, "start_stream: codec header: invalid base64",
	  PROTO_CMD_START_STREAM, 2 },
	{ "/proto/bad/start-codec",
	  "{\"command\":\"start_stream\",\"seq\":2,\"codec\":\"speex\","
	  "\"codec_header\":\"gD4BPA==\"}", -EINVAL, PROTO_ERROR_BAD_VALUE,
	  "field \"codec\" is \"speex\"", PROTO_CMD_START_STREAM, 2 },
	{ "/proto/bad/start-duration-type",
	  "{\"command\":\"start_stream\",\"seq\":2,\"codec_header\":\"gD4BPA==\","
	  "\"packet_duration\":\"20\"}", -EINVAL, PROTO_ERROR_WRONG_TYPE,
	  "field \"packet_duration\" is string, expected integer", PROTO_CMD_START_STREAM, 2 },
	{ "/proto/bad/stop-no-id", "{\"command\":\"stop_stream\",\"seq\":3}", -EINVAL,
	  PROTO_ERROR_MISSING_FIELD, "stop_stream: missing field \"stream_id\"",
	  PROTO_CMD_STOP_STREAM, 3 },
	{ "/proto/bad/stop-id-big", "{\"command\":\"stop_stream\",\"stream_id\":4294967296}",
	  -EINVAL, PROTO_ERROR_BAD_VALUE, "out of range", PROTO_CMD_STOP_STREAM, -1 },
	{ "/proto/bad/stop-id-float", "{\"command\":\"stop_stream\",\"stream_id\":1.5}",
	  -EINVAL, PROTO_ERROR_WRONG_TYPE, "is number, expected integer",
	  PROTO_CMD_STOP_STREAM, -1 },
	{ "/proto/bad/logon-no-channel",
	  "{\"command\":\"logon\",\"seq\":1,\"username\":\"u\",\"password\":\"p\"}", -EINVAL,
	  PROTO_ERROR_MISSING_FIELD, "logon: missing field \"channels\"", PROTO_CMD_LOGON, 1 },
	{ "/proto/bad/logon-channels-type",
	  "{\"command\":\"logon\",\"seq\":1,\"username\":\"u\",\"password\":\"p\","
	  "\"channels\":\"a\"}", -EINVAL, PROTO_ERROR_WRONG_TYPE,
	  "field \"channels\" is string, expected array", PROTO_CMD_LOGON, 1 },
	{ "/proto/bad/logon-channel-element",
	  "{\"command\":\"logon\",\"seq\":1,\"username\":\"u\",\"password\":\"p\","
	  "\"channels\":[\"a\",3]}", -EINVAL, PROTO_ERROR_WRONG_TYPE,
	  "field \"channels[]\" is integer", PROTO_CMD_LOGON, 1 },
	{ "/proto/bad/logon-no-password",
	  "{\"command\":\"logon\",\"seq\":1,\"username\":\"u\",\"channels\":[\"a\"]}", -EINVAL,
	  PROTO_ERROR_MISSING_FIELD, "logon: missing field \"password\"", PROTO_CMD_LOGON, 1 },
	{ "/proto/bad/reply-no-success", "{\"seq\":5,\"stream_id\":1}", -EINVAL,
	  PROTO_ERROR_MISSING_FIELD, "reply: missing field \"success\"", PROTO_CMD_REPLY, 5 },
	{ "/proto/bad/join-no-id", "{\"command\":\"join_stream\",\"seq\":3}", -EINVAL,
	  PROTO_ERROR_MISSING_FIELD, "join_stream: missing field \"stream_id\"",
	  PROTO_CMD_JOIN_STREAM, 3 },
	{ "/proto/bad/on_error-no-error", "{\"command\":\"on_error\"}", -EINVAL,
	  PROTO_ERROR_MISSING_FIELD, "on_error: missing field \"error\"", PROTO_CMD_ON_ERROR,
	  -1 },
	{ "/proto/bad/on_stream_start-no-from",
	  "{\"command\":\"on_stream_start\",\"stream_id\":1,\"codec_header\":\"gD4BPA==\"}",
	  -EINVAL, PROTO_ERROR_MISSING_FIELD, "on_stream_start: missing field \"from\"",
	  PROTO_CMD_ON_STREAM_START, -1 },
	/* json-glib makes a byte of an octal escape: valid frames, invalid strings */
	{ "/proto/bad/command-not-utf8", "{\"command\":\"\\375m\",\"seq\":4}", -EINVAL,
	  PROTO_ERROR_BAD_VALUE, "field \"command\" is not valid UTF-8", PROTO_CMD_INVALID, 4 },
	{ "/proto/bad/from-not-utf8",
	  "{\"command\":\"on_stream_start\",\"stream_id\":1,\"codec_header\":\"gD4BPA==\","
	  "\"from\":\"a\\375\"}", -EINVAL, PROTO_ERROR_BAD_VALUE,
	  "field \"from\" is not valid UTF-8", PROTO_CMD_ON_STREAM_START, -1 },
	{ "/proto/bad/channel-not-utf8",
	  "{\"command\":\"logon\",\"seq\":1,\"username\":\"u\",\"password\":\"p\","
	  "\"channels\":[\"\\375\"]}", -EINVAL, PROTO_ERROR_BAD_VALUE,
	  "field \"channels[]\" is not valid UTF-8", PROTO_CMD_LOGON, 1 },
	{ "/proto/bad/location-no-latitude",
	  "{\"command\":\"send_location\",\"seq\":5,\"longitude\":8.1}", -EINVAL,
	  PROTO_ERROR_MISSING_FIELD, "send_location: missing field \"latitude\"",
	  PROTO_CMD_SEND_LOCATION, 5 },
	{ "/proto/bad/location-latitude-range",
	  "{\"command\":\"send_location\",\"seq\":5,\"latitude\":90.5,\"longitude\":8.1}",
	  -EINVAL, PROTO_ERROR_BAD_VALUE, "field \"latitude\" = 90.5 out of range",
	  PROTO_CMD_SEND_LOCATION, 5 },
	{ "/proto/bad/location-longitude-type",
	  "{\"command\":\"on_location\",\"from\":\"a\",\"latitude\":1,\"longitude\":\"8\"}",
	  -EINVAL, PROTO_ERROR_WRONG_TYPE, "field \"longitude\" is string, expected number",
	  PROTO_CMD_ON_LOCATION, -1 },
	{ "/proto/bad/location-accuracy-negative",
	  "{\"command\":\"on_location\",\"from\":\"a\",\"latitude\":1,\"longitude\":2,"
	  "\"accuracy\":-3}", -EINVAL, PROTO_ERROR_BAD_VALUE, "field \"accuracy\" = -3 out of range",
	  PROTO_CMD_ON_LOCATION, -1 },
	{ "/proto/bad/on-location-no-from",
	  "{\"command\":\"on_location\",\"latitude\":1,\"longitude\":2}", -EINVAL,
	  PROTO_ERROR_MISSING_FIELD, "on_location: missing field \"from\"", PROTO_CMD_ON_LOCATION,
	  -1 },
	{ "/proto/bad/text-not-utf8",
	  "{\"command\":\"on_text_message\",\"from\":\"a\",\"text\":\"x\\375\"}", -EINVAL,
	  PROTO_ERROR_BAD_VALUE, "field \"text\" is not valid UTF-8", PROTO_CMD_ON_TEXT_MESSAGE,
	  -1 },
	{ "/proto/bad/text-missing",
	  "{\"command\":\"send_text_message\",\"seq\":9}", -EINVAL, PROTO_ERROR_MISSING_FIELD,
	  "send_text_message: missing field \"text\"", PROTO_CMD_SEND_TEXT_MESSAGE, 9 },
	{ "/proto/bad/emergency-type",
	  "{\"command\":\"start_stream\",\"seq\":2,\"codec_header\":\"gD4BPA==\","
	  "\"emergency\":1}", -EINVAL, PROTO_ERROR_WRONG_TYPE,
	  "field \"emergency\" is integer, expected boolean", PROTO_CMD_START_STREAM, 2 },
};

static void test_bad_text(gconstpointer data)
{
	const struct bad_text *t = data;
	struct proto_msg m = PROTO_MSG_INIT;
	g_autoptr(GError) error = NULL;

	g_assert_cmpint(proto_parse_text(t->text, strlen(t->text), &m, &error), ==, t->ret);
	g_assert_error(error, PROTO_ERROR, t->code);
	if (!strstr(error->message, t->msg))
		g_error("\"%s\" lacks \"%s\"", error->message, t->msg);
	g_assert_cmpint(m.cmd, ==, t->cmd);
	g_assert_cmpint(m.has_seq, ==, t->seq >= 0);
	if (t->seq >= 0)
		g_assert_cmpuint(m.seq, ==, (unsigned)t->seq);
	/* nothing else is left behind */
	g_assert_null(m.channels);
	g_assert_null(m.username);
	proto_msg_clear(&m);
}

static void test_too_large(void)
{
	struct proto_msg m = PROTO_MSG_INIT;
	struct proto_audio a;
	g_autoptr(GError) error = NULL;
	size_t big = 1024 * 1024;
	g_autofree char *buf = g_malloc0(big);

	g_assert_cmpint(proto_parse_text(buf, big, &m, &error), ==, -EMSGSIZE);
	g_assert_error(error, PROTO_ERROR, PROTO_ERROR_TOO_LARGE);
	g_assert_nonnull(strstr(error->message, "1048576 bytes"));
	g_clear_error(&error);
	g_assert_cmpint(proto_parse_text(buf, PROTO_MAX_TEXT + 1, &m, &error), ==, -EMSGSIZE);
	g_clear_error(&error);
	buf[0] = 1;
	g_assert_cmpint(proto_parse_audio(buf, big, &a, &error), ==, -EMSGSIZE);
	g_assert_error(error, PROTO_ERROR, PROTO_ERROR_TOO_LARGE);
	g_clear_error(&error);
	g_assert_cmpint(proto_parse_audio(buf, PROTO_MAX_BINARY, &a, &error), ==, 0);
	g_assert_cmpuint(a.len, ==, PROTO_MAX_BINARY - 9);
}

/* ---- binary ---- */

static void test_audio(void)
{
	static const uint8_t frame[] = { 0x01, 0x00, 0x00, 0x58, 0xa7, 0x00, 0x00, 0x00, 0x02,
					 0xf8, 0xff, 0xfe };
	uint8_t out[32];
	struct proto_audio a;
	g_autoptr(GError) error = NULL;

	g_assert_cmpint(proto_parse_audio(frame, sizeof(frame), &a, &error), ==, 0);
	g_assert_cmpuint(a.stream_id, ==, 22695);
	g_assert_cmpuint(a.packet_id, ==, 2);
	g_assert_cmpuint(a.len, ==, 3);
	g_assert_true(a.data == frame + 9);

	g_assert_cmpuint(proto_build_audio(out, sizeof(out), 22695, 2, frame + 9, 3), ==,
			 sizeof(frame));
	g_assert_cmpmem(out, sizeof(frame), frame, sizeof(frame));
	g_assert_cmpuint(proto_build_audio(out, 11, 22695, 2, frame + 9, 3), ==, 0);

	/* header only: an empty Opus packet is allowed */
	g_assert_cmpint(proto_parse_audio(frame, 9, &a, &error), ==, 0);
	g_assert_cmpuint(a.len, ==, 0);

	/* packet ids from 0 upwards as the example clients send them */
	proto_audio_write_header(out, 0xdeadbeef, 0);
	g_assert_cmpint(proto_parse_audio(out, 9, &a, &error), ==, 0);
	g_assert_cmpuint(a.stream_id, ==, 0xdeadbeef);
	g_assert_cmpuint(a.packet_id, ==, 0);
}

static void test_audio_bad(void)
{
	static const uint8_t image[] = { 0x02, 0, 0, 0, 1, 0, 0, 0, 2, 0xff };
	static const uint8_t frame[] = { 0x01, 0, 0, 0, 1, 0, 0, 0, 2 };
	struct proto_audio a = { .stream_id = 77 };
	size_t len;

	for (len = 0; len < 9; len++) {
		g_autoptr(GError) error = NULL;

		g_assert_cmpint(proto_parse_audio(frame, len, &a, &error), ==, -EBADMSG);
		g_assert_error(error, PROTO_ERROR, PROTO_ERROR_TOO_SHORT);
		g_assert_nonnull(strstr(error->message, "shorter than the 9-byte header"));
	}
	g_assert_cmpuint(a.stream_id, ==, 77);
	{
		g_autoptr(GError) error = NULL;

		g_assert_cmpint(proto_parse_audio(image, sizeof(image), &a, &error), ==,
				-EPROTONOSUPPORT);
		g_assert_error(error, PROTO_ERROR, PROTO_ERROR_UNKNOWN_TYPE);
		g_assert_nonnull(strstr(error->message, "unknown type 0x02"));
	}
}

static void test_builders(void)
{
	struct proto_codec_header h = { 16000, 1, 20 };
	const char *const chans[] = { "ops", NULL };
	g_autofree char *logon = proto_build_logon(1, "gw1", "pw", NULL, NULL, chans);
	g_autofree char *start = proto_build_start_stream(2, "ops", &h, 0, false);
	g_autofree char *stop = proto_build_stop_stream(false, 0, 9, NULL);
	g_autofree char *stop2 = proto_build_stop_stream(true, 3, 9, "ops");
	g_autofree char *ok = proto_build_reply_ok(2, true, 9, NULL);
	g_autofree char *err = proto_build_reply_error(2, PROTO_ERR_CHANNEL_BUSY);
	g_autofree char *onerr = proto_build_on_error(PROTO_ERR_INVALID_JSON);
	g_autofree char *oss = proto_build_on_stream_start(9, "ops", "alice", &h, 20, true);
	g_autofree char *join = proto_build_join_stream(4, 9);

	g_assert_cmpstr(logon, ==, "{\"command\":\"logon\",\"seq\":1,\"username\":\"gw1\","
				   "\"password\":\"pw\",\"channels\":[\"ops\"]}");
	g_assert_cmpstr(start, ==, "{\"command\":\"start_stream\",\"seq\":2,\"channel\":\"ops\","
				   "\"type\":\"audio\",\"codec\":\"opus\","
				   "\"codec_header\":\"gD4BFA==\",\"packet_duration\":20}");
	g_assert_cmpstr(stop, ==, "{\"command\":\"stop_stream\",\"stream_id\":9}");
	g_assert_cmpstr(stop2, ==,
			"{\"command\":\"stop_stream\",\"seq\":3,\"stream_id\":9,"
			"\"channel\":\"ops\"}");
	g_assert_cmpstr(ok, ==, "{\"seq\":2,\"success\":true,\"stream_id\":9}");
	g_assert_cmpstr(err, ==, "{\"seq\":2,\"error\":\"channel busy\"}");
	g_assert_cmpstr(onerr, ==, "{\"command\":\"on_error\",\"error\":\"invalid json\"}");
	g_assert_cmpstr(oss, ==, "{\"command\":\"on_stream_start\",\"type\":\"audio\","
				 "\"codec\":\"opus\",\"codec_header\":\"gD4BFA==\","
				 "\"packet_duration\":20,\"stream_id\":9,\"channel\":\"ops\","
				 "\"from\":\"alice\",\"emergency\":true}");
	g_assert_cmpstr(join, ==, "{\"command\":\"join_stream\",\"seq\":4,\"stream_id\":9}");
}

/* Our extensions in the logon reply, and the logon's identification fields. */
static void test_extensions(void)
{
	static const char *const ext[] = { PROTO_EXT_EMERGENCY, PROTO_EXT_PACKET_ID, NULL };
	g_autofree char *json = proto_build_logon_reply(1, "rt", ext);
	struct proto_msg m = PROTO_MSG_INIT;
	g_autoptr(GError) error = NULL;

	g_assert_cmpint(proto_parse_text(json, strlen(json), &m, &error), ==, 0);
	g_assert_true(m.success);
	g_assert_true(proto_msg_has_extension(&m, PROTO_EXT_EMERGENCY));
	g_assert_true(proto_msg_has_extension(&m, PROTO_EXT_PACKET_ID));
	g_assert_false(proto_msg_has_extension(&m, PROTO_EXT_JOIN_STREAM));
	proto_msg_clear(&m);
	/* a plain server: no member, nothing announced; odd shapes tolerated */
	{
		const char *plain = "{\"seq\":1,\"success\":true}";
		const char *odd = "{\"seq\":1,\"success\":true,\"extensions\":[1,\"x\"]}";

		g_assert_cmpint(proto_parse_text(plain, strlen(plain), &m, &error), ==, 0);
		g_assert_false(proto_msg_has_extension(&m, PROTO_EXT_EMERGENCY));
		g_assert_cmpint(proto_parse_text(odd, strlen(odd), &m, &error), ==, 0);
	}
	g_assert_true(proto_msg_has_extension(&m, "x"));
	proto_msg_clear(&m);
	/* logon: platform fields and listen_only both ways */
	{
		struct proto_msg lo = PROTO_MSG_INIT;
		const char *chans[] = { "c", NULL };
		g_autofree char *text = NULL;

		lo.cmd = PROTO_CMD_LOGON;
		lo.has_seq = true;
		lo.seq = 3;
		lo.username = (char *)"u";
		lo.password = (char *)"p";
		lo.channels = (char **)chans;
		lo.listen_only = true;
		lo.platform_type = (char *)"linux";
		lo.platform_name = (char *)"Box Gateway";
		lo.version = (char *)"pttgw 1";
		text = proto_build(&lo, NULL);
		g_assert_cmpint(proto_parse_text(text, strlen(text), &m, &error), ==, 0);
		g_assert_cmpstr(m.platform_type, ==, "linux");
		g_assert_cmpstr(m.platform_name, ==, "Box Gateway");
		g_assert_cmpstr(m.version, ==, "pttgw 1");
		g_assert_true(m.listen_only);
		g_assert_cmpstr(m.password, ==, "p");
		proto_msg_clear(&m);
	}
}

/* API.md's send_location and on_location examples: fields, and a round trip that
 * keeps every value (json-glib writes doubles with 17 digits, so not byte-exact). */
static void test_location(void)
{
	static const char send[] =
		"{\n  \"command\": \"send_location\",\n  \"seq\": 3,\n"
		"  \"channel\": \"Reichenbach Falls\",\n  \"latitude\": 46.714475,\n"
		"  \"longitude\": 8.1806319,\n  \"accuracy\": 10,\n"
		"  \"formatted_address\": \"Hausenstrasse 34, 3860 Meiringen, Switzerland\",\n"
		"  \"for\": \"watson\"\n}";
	static const char on[] =
		"{\n  \"command\": \"on_location\",\n  \"channel\": \"test\",\n"
		"  \"from\": \"alex\",\n  \"message_id\": 16777217,\n"
		"  \"latitude\": 30.27386375722625,\n  \"longitude\": -97.76014980128478,\n"
		"  \"rgl\": \"1317 W 6th St, Austin\"\n}";
	struct proto_msg m = PROTO_MSG_INIT, again = PROTO_MSG_INIT;
	g_autoptr(GError) error = NULL;
	g_autofree char *built = NULL, *b2 = NULL;

	g_assert_cmpint(proto_parse_text(send, strlen(send), &m, &error), ==, 0);
	g_assert_cmpint(m.cmd, ==, PROTO_CMD_SEND_LOCATION);
	g_assert_cmpuint(m.seq, ==, 3);
	g_assert_cmpstr(m.channel, ==, "Reichenbach Falls");
	g_assert_cmpfloat(m.latitude, ==, 46.714475);
	g_assert_cmpfloat(m.longitude, ==, 8.1806319);
	g_assert_cmpfloat(m.accuracy, ==, 10);
	g_assert_cmpstr(m.formatted_address, ==, "Hausenstrasse 34, 3860 Meiringen, Switzerland");
	g_assert_cmpstr(m.for_user, ==, "watson");
	built = proto_build(&m, NULL);
	g_assert_cmpint(proto_parse_text(built, strlen(built), &again, &error), ==, 0);
	g_assert_cmpfloat(again.latitude, ==, 46.714475);
	g_assert_cmpfloat(again.longitude, ==, 8.1806319);
	g_assert_cmpstr(again.for_user, ==, "watson");
	proto_msg_clear(&m);
	proto_msg_clear(&again);

	g_assert_cmpint(proto_parse_text(on, strlen(on), &m, &error), ==, 0);
	g_assert_cmpint(m.cmd, ==, PROTO_CMD_ON_LOCATION);
	g_assert_cmpstr(m.from, ==, "alex");
	g_assert_cmpuint(m.message_id, ==, 16777217);
	g_assert_cmpfloat(m.latitude, ==, 30.27386375722625);
	g_assert_cmpfloat(m.longitude, ==, -97.76014980128478);
	g_assert_cmpfloat(m.accuracy, <, 0); /* not given */
	g_assert_cmpstr(m.formatted_address, ==, "1317 W 6th St, Austin");
	g_assert_null(m.for_user);
	proto_msg_clear(&m);

	b2 = proto_build_on_location("c", "u", 5, -33.5, 151.25, -1, NULL, "me");
	g_assert_cmpstr(b2, ==, "{\"command\":\"on_location\",\"channel\":\"c\",\"from\":\"u\","
			"\"for\":\"me\",\"message_id\":5,\"latitude\":-33.5,\"longitude\":151.25}");
}

static void test_cmd_names(void)
{
	int c;

	for (c = PROTO_CMD_INVALID; c <= PROTO_CMD_UNKNOWN; c++)
		g_assert_cmpstr(proto_cmd_to_string(c), !=, "?");
	for (c = PROTO_ERROR_TOO_LARGE; c <= PROTO_ERROR_UNKNOWN_TYPE; c++)
		g_assert_cmpstr(proto_error_code_to_string(c), !=, "?");
}

int main(int argc, char **argv)
{
	size_t i;

	g_test_init(&argc, &argv, NULL);
	for (i = 0; i < G_N_ELEMENTS(examples); i++)
		g_test_add_data_func(examples[i].path, &examples[i], test_example);
	g_test_add_func("/proto/apimd/fields", test_fields);
	g_test_add_func("/proto/codec-header/apimd", test_codec_header);
	g_test_add_func("/proto/codec-header/bad", test_codec_header_bad);
	g_test_add_func("/proto/codec-header/all-allowed", test_codec_header_all);
	g_test_add_func("/proto/codec-header/on-stream-start-unplayable",
			test_codec_header_on_stream_start);
	g_test_add_func("/proto/tolerance/example-clients", test_tolerances);
	for (i = 0; i < G_N_ELEMENTS(bad_texts); i++)
		g_test_add_data_func(bad_texts[i].path, &bad_texts[i], test_bad_text);
	g_test_add_func("/proto/bad/too-large", test_too_large);
	g_test_add_func("/proto/audio/apimd", test_audio);
	g_test_add_func("/proto/audio/bad", test_audio_bad);
	g_test_add_func("/proto/build/shortcuts", test_builders);
	g_test_add_func("/proto/cmd/to-string", test_cmd_names);
	g_test_add_func("/proto/apimd/location", test_location);
	g_test_add_func("/proto/extensions/logon", test_extensions);
	return g_test_run();
}
