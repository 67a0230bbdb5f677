/* SPDX-License-Identifier: MIT */
/*
 * proto.h - codec for the Zello Channel API wire format (library pttgw-proto).
 *
 * Pure: no sockets, no main loop, no logging. json-glib for JSON, GLib for base64.
 * Used by the gateway's WebSocket link (src/uplink/), the reference relay (src/relay/)
 * and the dispatcher tool.
 *
 * Text frames (JSON)
 * ------------------
 *   logon              {command, seq, username?, password?, auth_token?, refresh_token?,
 *                       channels: [..] | channel: "..", listen_only?,
 *                      platform_type?, platform_name?, version?}
 *   reply              {seq, success: true, stream_id?, refresh_token?, extensions?}
 *                      or {seq, error}
 *                      (a frame without "command" but with "seq")
 *   on_channel_status  {command, channel, status, users_online?}
 *   start_stream       {command, seq, channel?, type: "audio", codec: "opus",
 *                       codec_header, packet_duration?, for?, emergency?}
 *   stop_stream        {command, stream_id, seq?, channel?}
 *   on_stream_start    {command, stream_id, codec_header, from, channel?, packet_duration?,
 *                       type?, codec?, for?, emergency?}
 *   on_stream_stop     {command, stream_id}
 *   on_error           {command, error}
 *   send_text_message  {command, seq, channel?, text, for?}
 *   on_text_message    {command, channel?, from, text, message_id?, for? (string or false)}
 *   send_location      {command, seq, channel?, latitude, longitude, accuracy?,
 *                       formatted_address?, for?}
 *   on_location        {command, channel?, from, for?, message_id?, latitude, longitude,
 *                       accuracy?, formatted_address? ("rgl" in API.md's example)}
 *   keepalive          {command, seq?}
 *   join_stream        {command, seq, stream_id}                       (pttgw extension)
 *
 * pttgw extensions (a Zello server ignores or refuses them; the relay implements them and
 * announces them in its logon reply, "extensions": ["emergency", "join_stream", "packet_id"]):
 *   - join_stream: late entry into a burst. The relay answers {seq, success: true,
 *     stream_id}, then sends on_stream_start for that stream and every audio packet of
 *     the burst from its first one (packet_id 0 upwards), then continues live. When the
 *     burst has ended meanwhile (and the relay still keeps it) the replay ends with
 *     on_stream_stop. Errors: "no such stream", "already joined", "not authorized".
 *   - "emergency": true in start_stream / on_stream_start: an emergency burst pre-empts
 *     the current talker of the channel (who gets on_stream_stop for its stream).
 *
 * Tolerances (accepted, as sent by Zello's own example clients):
 *   - logon with the older singular "channel" instead of "channels" (folded into
 *     proto_msg.channels);
 *   - stop_stream without "channel" and without "seq";
 *   - start_stream without "packet_duration" (taken from the codec header), or with
 *     packet_duration written into the frame-size byte (see proto_codec_header_frame_ms());
 *   - audio packet ids numbered from 0 upwards from a client (API.md says 0; the relay
 *     ignores and re-stamps them).
 *
 * Errors
 * ------
 * Every parser returns negative errno and sets a GError (domain PROTO_ERROR) whose message
 * names what was wrong ("start_stream: missing field \"codec_header\""). On failure the
 * caller may still read out->cmd and out->has_seq/out->seq (when they could be read) to
 * choose between a {seq, error} reply and on_error; every other field is cleared.
 * An unknown command is not an error: proto_parse_text() returns PROTO_PARSE_IGNORED with
 * out->cmd == PROTO_CMD_UNKNOWN and out->command holding the name (log it at debug level).
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Largest text frame we accept (a 30 KB send_text_message fits with JSON escaping). */
#define PROTO_MAX_TEXT (64 * 1024)
/* Largest binary frame we accept (header + Opus data). */
#define PROTO_MAX_BINARY (64 * 1024)
/* Most channels in one logon (API.md: up to 100). */
#define PROTO_MAX_CHANNELS 100
/* Binary header: u8 type, u32be stream_id, u32be packet_id. */
#define PROTO_AUDIO_HEADER_LEN 9
#define PROTO_BINARY_TYPE_AUDIO 0x01
/* API.md's image packets {0x02, image_id, image_type, data}: not used by pttgw. */
#define PROTO_BINARY_TYPE_IMAGE 0x02

/*
 * Extensions a server announces in its logon reply ("extensions": [...], a member
 * a plain Zello client ignores). A client uses one only when it was announced.
 */
#define PROTO_EXT_EMERGENCY "emergency"     /* "emergency": true pre-empts the talker */
#define PROTO_EXT_JOIN_STREAM "join_stream" /* late entry (join_stream command) */
#define PROTO_EXT_PACKET_ID "packet_id"     /* client packet ids numbered from 0 up */

/* Error strings the relay sends (API.md's codes where one fits, else ours). */
#define PROTO_ERR_INVALID_JSON "invalid json"
#define PROTO_ERR_INVALID_REQUEST "invalid request"
#define PROTO_ERR_NOT_ENOUGH_PARAMS "not enough params"
#define PROTO_ERR_NOT_AUTHORIZED "not authorized"
#define PROTO_ERR_NOT_LOGGED_IN "not logged in"
#define PROTO_ERR_UNKNOWN_COMMAND "unknown command"
#define PROTO_ERR_CHANNEL_BUSY "channel busy"
#define PROTO_ERR_CHANNEL_NOT_READY "channel is not ready"
#define PROTO_ERR_CHANNELS_LIMIT "channels limit exceeded"
#define PROTO_ERR_FAILED_START "failed to start stream"
#define PROTO_ERR_FAILED_STOP "failed to stop stream"
#define PROTO_ERR_INVALID_AUDIO "invalid audio packet"
#define PROTO_ERR_NO_SUCH_STREAM "no such stream"
#define PROTO_ERR_ALREADY_JOINED "already joined"
#define PROTO_ERR_TOO_LARGE "message too large"

#define PROTO_ERROR (proto_error_quark())
GQuark proto_error_quark(void);

enum proto_error_code {
	PROTO_ERROR_TOO_LARGE,		/* frame over PROTO_MAX_TEXT / PROTO_MAX_BINARY */
	PROTO_ERROR_MALFORMED,		/* not JSON, not a JSON object, not UTF-8 */
	PROTO_ERROR_MISSING_FIELD,	/* a required field is absent */
	PROTO_ERROR_WRONG_TYPE,		/* a field has the wrong JSON type */
	PROTO_ERROR_BAD_VALUE,		/* out of range, invalid base64, bad codec header */
	PROTO_ERROR_TOO_SHORT,		/* binary frame shorter than PROTO_AUDIO_HEADER_LEN */
	PROTO_ERROR_UNKNOWN_TYPE,	/* binary frame with a type byte other than 0x01 */
};

/* "too-large", "malformed", ... (for logs and tests) */
const char *proto_error_code_to_string(enum proto_error_code code);

enum proto_cmd {
	PROTO_CMD_INVALID = 0,		/* not parsed (yet) */
	PROTO_CMD_LOGON,
	PROTO_CMD_REPLY,		/* {seq, success...} or {seq, error} */
	PROTO_CMD_ON_CHANNEL_STATUS,
	PROTO_CMD_START_STREAM,
	PROTO_CMD_STOP_STREAM,
	PROTO_CMD_ON_STREAM_START,
	PROTO_CMD_ON_STREAM_STOP,
	PROTO_CMD_ON_ERROR,
	PROTO_CMD_SEND_TEXT_MESSAGE,
	PROTO_CMD_ON_TEXT_MESSAGE,
	PROTO_CMD_KEEPALIVE,
	PROTO_CMD_JOIN_STREAM,		/* pttgw extension */
	PROTO_CMD_SEND_LOCATION,
	PROTO_CMD_ON_LOCATION,
	PROTO_CMD_UNKNOWN,		/* a command we do not know: ignored */
};

/* The wire name ("logon", ...); "reply", "unknown" and "invalid" for the others. */
const char *proto_cmd_to_string(enum proto_cmd cmd);

/* codec_header: 4 bytes {u16le sample_rate_hz, u8 frames_per_packet, u8 frame_size_ms}. */
struct proto_codec_header {
	uint16_t sample_rate;		/* Hz: 8000, 12000, 16000, 24000 or 48000 */
	uint8_t frames_per_packet;	/* 1 or 2 */
	uint8_t frame_ms;		/* 2 (2.5 ms) .. 60; up to 120 as the packet length */
};

/* Base64 text -> header. Rejects invalid base64, a length other than 4, bad values:
 * a sample rate Opus does not have, frames per packet other than 1 or 2, a frame
 * size under 2 ms (2 stands for 2.5 ms, which the byte cannot hold) or a packet of
 * more than 120 ms. Messages start with "codec header: " and name the value
 * ("codec header: sample rate 44100 not supported"). */
int proto_codec_header_decode(const char *b64, struct proto_codec_header *ret,
			      GError **error);
/* Header -> newly allocated base64 text (g_free). */
char *proto_codec_header_encode(const struct proto_codec_header *h);
/*
 * Duration of one Opus frame in ms, tolerating clients that write packet_duration into
 * the frame-size byte: when frames_per_packet * frame_ms != packet_duration but
 * frame_ms == packet_duration, returns packet_duration / frames_per_packet.
 * packet_duration 0 means "not given".
 */
unsigned proto_codec_header_frame_ms(const struct proto_codec_header *h,
				     unsigned packet_duration);
/* The packet length the header announces, in usec (frame size 2 is 2.5 ms), with the
 * tolerance above; the Opus packets themselves have the last word. */
unsigned proto_codec_header_packet_usec(const struct proto_codec_header *h,
					unsigned packet_duration);

/*
 * One parsed text frame. Which fields are set depends on cmd (see the table at the top);
 * strings are owned (NULL when absent) and freed by proto_msg_clear().
 * Integers without a has_ flag are 0 when absent.
 */
struct proto_msg {
	enum proto_cmd cmd;
	char *command;			/* the "command" string as received (NULL for replies) */
	bool has_seq;
	uint32_t seq;

	/* logon */
	char *username;
	char *password;
	char *auth_token;
	char *refresh_token;		/* logon, and a logon reply */
	char **channels;		/* NULL-terminated; "channel" folded in; logon only */
	unsigned n_channels;
	bool listen_only;
	char *platform_type;		/* logon, optional */
	char *platform_name;
	char *version;

	/* logon reply: the extensions the server announces (NULL-terminated, or NULL) */
	char **extensions;

	/* most commands */
	char *channel;

	/* streams */
	bool has_stream_id;		/* replies: the stream_id of a start_stream reply */
	uint32_t stream_id;
	struct proto_codec_header codec_header;
	unsigned packet_duration;	/* ms; when absent: frames_per_packet * frame_ms */
	/* on_stream_start whose codec_header cannot be decoded: the stream exists (the
	 * channel is busy) but cannot be played; why ("codec header: ..."), else NULL.
	 * start_stream with such a header is refused instead. */
	char *codec_error;
	char *from;
	char *for_user;			/* "for" */
	bool emergency;			/* pttgw extension */

	/* reply */
	bool success;			/* true: success; false: error is set */
	char *error;			/* reply {seq, error} and on_error */

	/* on_channel_status */
	char *status;			/* "online" / "offline" */
	int64_t users_online;		/* -1 when absent */

	/* text messages (message_id: on_location too) */
	char *text;
	uint32_t message_id;

	/* locations: degrees (WGS 84), accuracy in metres (-1 when absent) */
	double latitude;
	double longitude;
	double accuracy;
	char *formatted_address;
};

#define PROTO_MSG_INIT { .cmd = PROTO_CMD_INVALID, .users_online = -1, .accuracy = -1 }

/* Frees the strings and resets *msg to PROTO_MSG_INIT. NULL-safe; may be called twice. */
void proto_msg_clear(struct proto_msg *msg);

/* proto_parse_text() returns 0 when parsed, this when the command is unknown (ignored). */
#define PROTO_PARSE_IGNORED 1

/*
 * Parse one text frame (need not be NUL-terminated). *out is overwritten (any previous
 * content is freed first, so an initialised proto_msg can be reused); the caller calls
 * proto_msg_clear() when done, on success and on failure alike.
 * Returns 0, PROTO_PARSE_IGNORED, or -EMSGSIZE / -EINVAL / -EBADMSG with error set.
 */
int proto_parse_text(const char *buf, size_t len, struct proto_msg *out, GError **error);

/*
 * Serialise a message (the inverse of proto_parse_text(); fields that are NULL or absent
 * are left out). Returns a newly allocated NUL-terminated JSON text (g_free), its length
 * in *ret_len when ret_len is not NULL.
 */
char *proto_build(const struct proto_msg *msg, size_t *ret_len);

/* Shortcuts over proto_build() for the common frames. NULL strings are left out. */
char *proto_build_logon(uint32_t seq, const char *username, const char *password,
			const char *auth_token, const char *refresh_token,
			const char *const *channels);
char *proto_build_start_stream(uint32_t seq, const char *channel,
			       const struct proto_codec_header *h, unsigned packet_duration,
			       bool emergency);
/* has_seq false: no seq (as Zello's examples send it). */
char *proto_build_stop_stream(bool has_seq, uint32_t seq, uint32_t stream_id,
			      const char *channel);
char *proto_build_join_stream(uint32_t seq, uint32_t stream_id);
char *proto_build_keepalive(void);
/* {seq, success: true} (+ stream_id when has_stream_id, + refresh_token when set) */
char *proto_build_reply_ok(uint32_t seq, bool has_stream_id, uint32_t stream_id,
			   const char *refresh_token);
char *proto_build_reply_error(uint32_t seq, const char *error);
/* A successful logon reply announcing extensions (NULL-terminated; NULL: none). */
char *proto_build_logon_reply(uint32_t seq, const char *refresh_token,
			      const char *const *extensions);
/* Is ext among a reply's extensions? */
bool proto_msg_has_extension(const struct proto_msg *m, const char *ext);
char *proto_build_on_error(const char *error);
char *proto_build_on_channel_status(const char *channel, const char *status,
				    int64_t users_online);
char *proto_build_on_stream_start(uint32_t stream_id, const char *channel, const char *from,
				  const struct proto_codec_header *h, unsigned packet_duration,
				  bool emergency);
char *proto_build_on_stream_stop(uint32_t stream_id);
char *proto_build_send_text_message(uint32_t seq, const char *channel, const char *text,
				    const char *for_user);
char *proto_build_on_text_message(const char *channel, const char *from, const char *text,
				  uint32_t message_id, const char *for_user);
/* accuracy < 0 and NULL strings are left out. */
char *proto_build_send_location(uint32_t seq, const char *channel, double latitude,
				double longitude, double accuracy, const char *address,
				const char *for_user);
char *proto_build_on_location(const char *channel, const char *from, uint32_t message_id,
			      double latitude, double longitude, double accuracy,
			      const char *address, const char *for_user);

/* One binary audio frame; data points into the parsed buffer (no copy). */
struct proto_audio {
	uint32_t stream_id;
	uint32_t packet_id;
	const uint8_t *data;		/* Opus packet */
	size_t len;			/* may be 0 */
};

/*
 * Parse one binary frame. Returns 0, or -EMSGSIZE (over PROTO_MAX_BINARY), -EBADMSG
 * (shorter than PROTO_AUDIO_HEADER_LEN), -EPROTONOSUPPORT (type byte not 0x01) with error.
 */
int proto_parse_audio(const void *buf, size_t len, struct proto_audio *out, GError **error);

/* Write the 9-byte header in place (e.g. in front of Opus data already in a buffer). */
void proto_audio_write_header(uint8_t hdr[PROTO_AUDIO_HEADER_LEN], uint32_t stream_id,
			      uint32_t packet_id);
/*
 * Build a whole frame into buf. Returns the frame length, or 0 when cap is too small or
 * the frame would exceed PROTO_MAX_BINARY.
 */
size_t proto_build_audio(uint8_t *buf, size_t cap, uint32_t stream_id, uint32_t packet_id,
			 const void *opus, size_t opus_len);
