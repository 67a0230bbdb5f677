/* SPDX-License-Identifier: MIT */
/*
 * test-uplink-badserver - a WebSocket server that answers a logon and then
 * sends every kind of bad input of issue 3's list, followed by one good burst
 * (stream 42, 10 packets). A gateway that survives logs one error per bad
 * frame, keeps the link, and reports "remote_stop 42 10".
 *
 *   test-uplink-badserver PORT [bad|good|refuse] [CERT KEY]
 *
 * "good" answers the logon and sends only the good burst; "refuse" answers
 * every logon with {seq, error: "not authorized"}. With CERT and KEY it
 * speaks TLS (wss://).
 */
#include <libwebsockets.h>
#include <glib.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"

struct frame {
	size_t len;
	enum lws_write_protocol type;
	uint8_t buf[]; /* LWS_PRE + len */
};

struct session {
	GQueue q;
};

static int interrupted;
static int refuse, good;

static void push(struct lws *wsi, struct session *s, const void *data, size_t len,
		 enum lws_write_protocol type)
{
	struct frame *f = g_malloc(sizeof(*f) + LWS_PRE + len);

	f->len = len;
	f->type = type;
	memcpy(f->buf + LWS_PRE, data, len);
	g_queue_push_tail(&s->q, f);
	lws_callback_on_writable(wsi);
}

static void push_text(struct lws *wsi, struct session *s, const char *text)
{
	push(wsi, s, text, strlen(text), LWS_WRITE_TEXT);
}

static void push_owned(struct lws *wsi, struct session *s, char *text)
{
	push_text(wsi, s, text);
	g_free(text);
}

static void good_burst(struct lws *wsi, struct session *s);

static void script(struct lws *wsi, struct session *s)
{
	const struct proto_codec_header h = { 16000, 1, 20 };
	g_autofree uint8_t *big = NULL;
	uint8_t frame[64];
	size_t n;

	/* 1 malformed JSON, 2 not an object, 3 missing fields, 4 wrong types */
	push_text(wsi, s, "{\"command\": \"on_stream_start\", \"stream_id\": ");
	push_text(wsi, s, "[1, 2, 3]");
	push_text(wsi, s, "{\"command\": \"on_stream_start\"}");
	push_text(wsi, s, "{\"command\": \"on_stream_start\", \"stream_id\": \"seven\", "
			  "\"codec_header\": 5, \"from\": true}");
	/* 5 invalid base64 in codec_header: not bad input, someone talks in a format we
	 * cannot play (the stream starts, with the reason); it ends at once */
	push_text(wsi, s, "{\"command\": \"on_stream_start\", \"stream_id\": 7, "
			  "\"codec_header\": \"!!not base64!!\", \"from\": \"x\"}");
	push_owned(wsi, s, proto_build_on_stream_stop(7));
	/* 6 unknown command (ignored), 7 a reply nobody asked for */
	push_text(wsi, s, "{\"command\": \"on_frobnicate\", \"x\": 1}");
	push_text(wsi, s, "{\"seq\": 9999, \"success\": true}");
	/* 8 binary shorter than 9 bytes, 9 unknown type byte */
	push(wsi, s, "\x01\x00\x00", 3, LWS_WRITE_BINARY);
	n = proto_build_audio(frame, sizeof(frame), 42, 0, "abc", 3);
	frame[0] = 0x7f;
	push(wsi, s, frame, n, LWS_WRITE_BINARY);
	/* 10 audio for a stream that is not ours (never started) */
	n = proto_build_audio(frame, sizeof(frame), 999, 0, "abc", 3);
	push(wsi, s, frame, n, LWS_WRITE_BINARY);
	/* 11 oversized frames (1 MiB), text and binary */
	big = g_malloc(1024 * 1024);
	memset(big, 'a', 1024 * 1024);
	big[0] = '"';
	big[1024 * 1024 - 1] = '"';
	push(wsi, s, big, 1024 * 1024, LWS_WRITE_TEXT);
	proto_audio_write_header(big, 42, 0);
	push(wsi, s, big, 1024 * 1024, LWS_WRITE_BINARY);
	/* 12 a command only clients send */
	push_owned(wsi, s, proto_build_start_stream(1, "x", &h, 20, false));
	/* 13 streams that never end: 9 of them (the gateway tracks 8) */
	for (uint32_t i = 100; i < 109; i++)
		push_owned(wsi, s, proto_build_on_stream_start(i, "test", "ghost", &h, 20, false));
	for (uint32_t i = 100; i < 109; i++)
		push_owned(wsi, s, proto_build_on_stream_stop(i));

	/* and then a good burst: it must arrive whole */
	good_burst(wsi, s);
}

static void good_burst(struct lws *wsi, struct session *s)
{
	const struct proto_codec_header h = { 16000, 1, 20 };
	uint8_t frame[64];
	size_t n;

	push_owned(wsi, s, proto_build_on_stream_start(42, "test", "dispatcher", &h, 20, false));
	for (uint32_t i = 0; i < 10; i++) {
		n = proto_build_audio(frame, sizeof(frame), 42, i, "opus-data", 9);
		push(wsi, s, frame, n, LWS_WRITE_BINARY);
	}
	push_owned(wsi, s, proto_build_on_stream_stop(42));
}

static int cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
	      size_t len)
{
	struct session *s = user;
	struct proto_msg m = PROTO_MSG_INIT;
	struct frame *f;

	switch (reason) {
	case LWS_CALLBACK_ESTABLISHED:
		g_queue_init(&s->q);
		break;
	case LWS_CALLBACK_RECEIVE:
		if (lws_frame_is_binary(wsi) || !lws_is_final_fragment(wsi))
			break;
		if (proto_parse_text(in, len, &m, NULL) == 0 && m.cmd == PROTO_CMD_LOGON) {
			fprintf(stderr, "badserver: logon from %s\n", m.username);
			if (refuse) {
				push_owned(wsi, s,
					   proto_build_reply_error(m.seq, "not authorized"));
			} else {
				push_owned(wsi, s, proto_build_reply_ok(m.seq, false, 0, "rt-1"));
				push_owned(wsi, s,
					   proto_build_on_channel_status("test", "online", 2));
				if (good)
					good_burst(wsi, s);
				else
					script(wsi, s);
			}
		}
		proto_msg_clear(&m);
		break;
	case LWS_CALLBACK_SERVER_WRITEABLE:
		f = g_queue_pop_head(&s->q);
		if (!f)
			break;
		if (lws_write(wsi, f->buf + LWS_PRE, f->len, f->type) < (int)f->len) {
			g_free(f);
			return -1;
		}
		g_free(f);
		if (s->q.length)
			lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_CLOSED:
		while ((f = g_queue_pop_head(&s->q)))
			g_free(f);
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols protocols[] = {
	{ "pttgw-test", cb, sizeof(struct session), 0, 0, NULL, 0 },
	{ NULL, NULL, 0, 0, 0, NULL, 0 },
};

static void on_signal(int sig)
{
	interrupted = 1;
}

int main(int argc, char **argv)
{
	struct lws_context_creation_info info;
	struct lws_context *ctx;

	if (argc < 2) {
		fprintf(stderr, "usage: %s PORT [bad|good|refuse] [CERT KEY]\n", argv[0]);
		return 2;
	}
	refuse = argc > 2 && !strcmp(argv[2], "refuse");
	good = argc > 2 && !strcmp(argv[2], "good");
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	lws_set_log_level(LLL_ERR, NULL);
	memset(&info, 0, sizeof(info));
	info.port = atoi(argv[1]);
	info.iface = "127.0.0.1";
	info.protocols = protocols;
	if (argc > 4) {
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
		info.ssl_cert_filepath = argv[3];
		info.ssl_private_key_filepath = argv[4];
	}
	ctx = lws_create_context(&info);
	if (!ctx)
		return 1;
	fprintf(stderr, "badserver: listening on %s\n", argv[1]);
	while (!interrupted && lws_service(ctx, 0) >= 0)
		;
	lws_context_destroy(ctx);
	return 0;
}
