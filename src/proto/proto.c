/* SPDX-License-Identifier: MIT */
/*
 * proto.c - parse and build the text frames of the Zello Channel API (json-glib).
 */
#include "proto.h"

#include <errno.h>
#include <json-glib/json-glib.h>
#include <string.h>

/* json-glib's parser recurses per nesting level: refuse deep nesting before parsing. */
#define PROTO_MAX_DEPTH 16

G_DEFINE_QUARK(pttgw-proto-error-quark, proto_error)

static const struct {
	enum proto_cmd cmd;
	const char *name;
} cmd_names[] = {
	{ PROTO_CMD_LOGON, "logon" },
	{ PROTO_CMD_ON_CHANNEL_STATUS, "on_channel_status" },
	{ PROTO_CMD_START_STREAM, "start_stream" },
	{ PROTO_CMD_STOP_STREAM, "stop_stream" },
	{ PROTO_CMD_ON_STREAM_START, "on_stream_start" },
	{ PROTO_CMD_ON_STREAM_STOP, "on_stream_stop" },
	{ PROTO_CMD_ON_ERROR, "on_error" },
	{ PROTO_CMD_SEND_TEXT_MESSAGE, "send_text_message" },
	{ PROTO_CMD_ON_TEXT_MESSAGE, "on_text_message" },
	{ PROTO_CMD_KEEPALIVE, "keepalive" },
	{ PROTO_CMD_JOIN_STREAM, "join_stream" },
	{ PROTO_CMD_SEND_LOCATION, "send_location" },
	{ PROTO_CMD_ON_LOCATION, "on_location" },
};

const char *proto_error_code_to_string(enum proto_error_code code)
{
	switch (code) {
	case PROTO_ERROR_TOO_LARGE:
		return "too-large";
	case PROTO_ERROR_MALFORMED:
		return "malformed";
	case PROTO_ERROR_MISSING_FIELD:
		return "missing-field";
	case PROTO_ERROR_WRONG_TYPE:
		return "wrong-type";
	case PROTO_ERROR_BAD_VALUE:
		return "bad-value";
	case PROTO_ERROR_TOO_SHORT:
		return "too-short";
	case PROTO_ERROR_UNKNOWN_TYPE:
		return "unknown-type";
	}
	return "?";
}

const char *proto_cmd_to_string(enum proto_cmd cmd)
{
	switch (cmd) {
	case PROTO_CMD_INVALID:
		return "invalid";
	case PROTO_CMD_LOGON:
		return "logon";
	case PROTO_CMD_REPLY:
		return "reply";
	case PROTO_CMD_ON_CHANNEL_STATUS:
		return "on_channel_status";
	case PROTO_CMD_START_STREAM:
		return "start_stream";
	case PROTO_CMD_STOP_STREAM:
		return "stop_stream";
	case PROTO_CMD_ON_STREAM_START:
		return "on_stream_start";
	case PROTO_CMD_ON_STREAM_STOP:
		return "on_stream_stop";
	case PROTO_CMD_ON_ERROR:
		return "on_error";
	case PROTO_CMD_SEND_TEXT_MESSAGE:
		return "send_text_message";
	case PROTO_CMD_ON_TEXT_MESSAGE:
		return "on_text_message";
	case PROTO_CMD_KEEPALIVE:
		return "keepalive";
	case PROTO_CMD_JOIN_STREAM:
		return "join_stream";
	case PROTO_CMD_SEND_LOCATION:
		return "send_location";
	case PROTO_CMD_ON_LOCATION:
		return "on_location";
	case PROTO_CMD_UNKNOWN:
		return "unknown";
	}
	return "?";
}

void proto_msg_clear(struct proto_msg *msg)
{
	if (!msg)
		return;
	g_free(msg->command);
	g_free(msg->username);
	g_free(msg->password);
	g_free(msg->auth_token);
	g_free(msg->refresh_token);
	g_strfreev(msg->channels);
	g_free(msg->platform_type);
	g_free(msg->platform_name);
	g_free(msg->version);
	g_strfreev(msg->extensions);
	g_free(msg->channel);
	g_free(msg->from);
	g_free(msg->codec_error);
	g_free(msg->for_user);
	g_free(msg->error);
	g_free(msg->status);
	g_free(msg->text);
	g_free(msg->formatted_address);
	*msg = (struct proto_msg)PROTO_MSG_INIT;
}

/* ---- codec header ---- */

static bool rate_ok(unsigned rate)
{
	return rate == 8000 || rate == 12000 || rate == 16000 || rate == 24000 || rate == 48000;
}

int proto_codec_header_decode(const char *b64, struct proto_codec_header *ret, GError **error)
{
	size_t n = strlen(b64), i;
	g_autofree guchar *raw = NULL;
	gsize len = 0;
	struct proto_codec_header h;

	/* g_base64_decode() skips invalid characters silently: check the alphabet first. */
	if (n == 0 || n % 4 != 0 || n > 64)
		goto bad_b64;
	for (i = 0; i < n; i++) {
		char c = b64[i];

		if (g_ascii_isalnum(c) || c == '+' || c == '/')
			continue;
		if (c == '=' && i >= n - 2 && (i == n - 1 || b64[n - 1] == '='))
			continue;
		goto bad_b64;
	}
	raw = g_base64_decode(b64, &len);
	if (len != 4) {
		g_set_error(error, PROTO_ERROR, PROTO_ERROR_BAD_VALUE,
			    "codec header: %zu bytes, expected 4", (size_t)len);
		return -EINVAL;
	}
	h.sample_rate = (uint16_t)(raw[0] | raw[1] << 8);
	h.frames_per_packet = raw[2];
	h.frame_ms = raw[3];
	if (!rate_ok(h.sample_rate)) {
		g_set_error(error, PROTO_ERROR, PROTO_ERROR_BAD_VALUE,
			    "codec header: sample rate %u not supported (8000, 12000, 16000, "
			    "24000, 48000)", h.sample_rate);
		return -EINVAL;
	}
	if (h.frames_per_packet < 1 || h.frames_per_packet > 2) {
		g_set_error(error, PROTO_ERROR, PROTO_ERROR_BAD_VALUE,
			    "codec header: %u frames per packet not supported (1 or 2)",
			    h.frames_per_packet);
		return -EINVAL;
	}
	/* 2 stands for 2.5 ms; more than 60 only as the whole packet (see frame_ms()) */
	if (h.frame_ms < 2 || h.frame_ms * h.frames_per_packet > 120) {
		g_set_error(error, PROTO_ERROR, PROTO_ERROR_BAD_VALUE,
			    "codec header: frame size %u ms not supported (2.5..60 ms, "
			    "at most 120 ms a packet)", h.frame_ms);
		return -EINVAL;
	}
	*ret = h;
	return 0;

bad_b64:
	g_set_error(error, PROTO_ERROR, PROTO_ERROR_BAD_VALUE, "codec header: invalid base64");
	return -EINVAL;
}

char *proto_codec_header_encode(const struct proto_codec_header *h)
{
	guchar raw[4] = { h->sample_rate & 0xff, h->sample_rate >> 8, h->frames_per_packet,
			  h->frame_ms };

	return g_base64_encode(raw, sizeof(raw));
}

unsigned proto_codec_header_frame_ms(const struct proto_codec_header *h,
				     unsigned packet_duration)
{
	unsigned fpp = h->frames_per_packet ? h->frames_per_packet : 1;

	if (packet_duration && fpp * h->frame_ms != packet_duration &&
	    h->frame_ms == packet_duration)
		return packet_duration / fpp;
	return h->frame_ms;
}

unsigned proto_codec_header_packet_usec(const struct proto_codec_header *h,
					unsigned packet_duration)
{
	unsigned fpp = h->frames_per_packet ? h->frames_per_packet : 1;
	unsigned ms = proto_codec_header_frame_ms(h, packet_duration);

	return fpp * (ms == 2 ? 2500u : ms * 1000u);
}

/* ---- parsing ---- */

struct parse {
	JsonObject *obj;
	const char *what;	/* command name for messages */
	GError **error;
};

static const char *node_type_name(JsonNode *n)
{
	GType t;

	switch (json_node_get_node_type(n)) {
	case JSON_NODE_OBJECT:
		return "object";
	case JSON_NODE_ARRAY:
		return "array";
	case JSON_NODE_NULL:
		return "null";
	case JSON_NODE_VALUE:
		break;
	}
	t = json_node_get_value_type(n);
	if (t == G_TYPE_INT64)
		return "integer";
	if (t == G_TYPE_DOUBLE)
		return "number";
	if (t == G_TYPE_BOOLEAN)
		return "boolean";
	if (t == G_TYPE_STRING)
		return "string";
	return "value";
}

static int wrong_type(struct parse *p, const char *key, JsonNode *n, const char *want)
{
	g_set_error(p->error, PROTO_ERROR, PROTO_ERROR_WRONG_TYPE,
		    "%s: field \"%s\" is %s, expected %s", p->what, key, node_type_name(n), want);
	return -EINVAL;
}

static int missing(struct parse *p, const char *key)
{
	g_set_error(p->error, PROTO_ERROR, PROTO_ERROR_MISSING_FIELD,
		    "%s: missing field \"%s\"", p->what, key);
	return -EINVAL;
}

static bool is_value(JsonNode *n, GType t)
{
	return JSON_NODE_HOLDS_VALUE(n) && json_node_get_value_type(n) == t;
}

/* n's text, which must be valid UTF-8: the frame is, but json-glib takes escapes such as
 * "\375" (octal) and makes the byte, so a string can come out of a valid frame invalid. */
static int string_of(struct parse *p, const char *key, JsonNode *n, const char **ret)
{
	const char *s;

	if (!is_value(n, G_TYPE_STRING))
		return wrong_type(p, key, n, "string");
	s = json_node_get_string(n);
	if (!g_utf8_validate(s, -1, NULL)) {
		g_set_error(p->error, PROTO_ERROR, PROTO_ERROR_BAD_VALUE,
			    "%s: field \"%s\" is not valid UTF-8", p->what, key);
		return -EINVAL;
	}
	*ret = s;
	return 0;
}

/* A string field; absent: *ret stays NULL (error only when required). */
static int get_str(struct parse *p, const char *key, bool required, char **ret)
{
	JsonNode *n = json_object_get_member(p->obj, key);

	const char *s;
	int r;

	if (!n)
		return required ? missing(p, key) : 0;
	if ((r = string_of(p, key, n, &s)) < 0)
		return r;
	g_free(*ret);
	*ret = g_strdup(s);
	return 0;
}

static int get_int(struct parse *p, const char *key, bool required, int64_t min, int64_t max,
		   bool *ret_has, int64_t *ret)
{
	JsonNode *n = json_object_get_member(p->obj, key);
	int64_t v;

	if (ret_has)
		*ret_has = false;
	if (!n)
		return required ? missing(p, key) : 0;
	if (!is_value(n, G_TYPE_INT64))
		return wrong_type(p, key, n, "integer");
	v = json_node_get_int(n);
	if (v < min || v > max) {
		g_set_error(p->error, PROTO_ERROR, PROTO_ERROR_BAD_VALUE,
			    "%s: field \"%s\" = %" G_GINT64_FORMAT " out of range (%"
			    G_GINT64_FORMAT "..%" G_GINT64_FORMAT ")", p->what, key, v, min, max);
		return -EINVAL;
	}
	*ret = v;
	if (ret_has)
		*ret_has = true;
	return 0;
}

static int get_u32(struct parse *p, const char *key, bool required, bool *ret_has,
		   uint32_t *ret)
{
	int64_t v = 0;
	int r = get_int(p, key, required, 0, UINT32_MAX, ret_has, &v);

	if (r == 0)
		*ret = (uint32_t)v;
	return r;
}

static int get_bool(struct parse *p, const char *key, bool *ret)
{
	JsonNode *n = json_object_get_member(p->obj, key);

	if (!n)
		return 0;
	if (!is_value(n, G_TYPE_BOOLEAN))
		return wrong_type(p, key, n, "boolean");
	*ret = json_node_get_boolean(n);
	return 0;
}

static int get_for(struct parse *p, struct proto_msg *m);

/* A JSON number (integer or not) within min..max; absent: *ret untouched. */
static int get_double(struct parse *p, const char *key, bool required, double min, double max,
		      double *ret)
{
	JsonNode *n = json_object_get_member(p->obj, key);
	double v;

	if (!n)
		return required ? missing(p, key) : 0;
	if (is_value(n, G_TYPE_INT64))
		v = (double)json_node_get_int(n);
	else if (is_value(n, G_TYPE_DOUBLE))
		v = json_node_get_double(n);
	else
		return wrong_type(p, key, n, "number");
	if (!(v >= min && v <= max)) {
		g_set_error(p->error, PROTO_ERROR, PROTO_ERROR_BAD_VALUE,
			    "%s: field \"%s\" = %g out of range (%g..%g)", p->what, key, v, min,
			    max);
		return -EINVAL;
	}
	*ret = v;
	return 0;
}

/* latitude, longitude, accuracy?, formatted_address? (or API.md example's "rgl") */
static int get_location(struct parse *p, struct proto_msg *m)
{
	int r;

	if ((r = get_double(p, "latitude", true, -90, 90, &m->latitude)) < 0 ||
	    (r = get_double(p, "longitude", true, -180, 180, &m->longitude)) < 0 ||
	    (r = get_double(p, "accuracy", false, 0, 1e7, &m->accuracy)) < 0 ||
	    (r = get_str(p, "formatted_address", false, &m->formatted_address)) < 0)
		return r;
	if (!m->formatted_address && (r = get_str(p, "rgl", false, &m->formatted_address)) < 0)
		return r;
	return get_for(p, m);
}

/* "type" and "codec": optional, but when present they must be audio / opus. */
static int check_fixed(struct parse *p, const char *key, const char *want)
{
	g_autofree char *v = NULL;
	int r = get_str(p, key, false, &v);

	if (r < 0)
		return r;
	if (v && strcmp(v, want) != 0) {
		g_set_error(p->error, PROTO_ERROR, PROTO_ERROR_BAD_VALUE,
			    "%s: field \"%s\" is \"%s\", only \"%s\" is supported", p->what, key, v,
			    want);
		return -EINVAL;
	}
	return 0;
}

static int get_codec(struct parse *p, struct proto_msg *m)
{
	g_autofree char *b64 = NULL;
	g_autoptr(GError) local = NULL;
	int64_t pd = 0;
	bool has_pd = false;
	int r;

	if ((r = check_fixed(p, "type", "audio")) < 0 || (r = check_fixed(p, "codec", "opus")) < 0)
		return r;
	if ((r = get_str(p, "codec_header", true, &b64)) < 0)
		return r;
	if (proto_codec_header_decode(b64, &m->codec_header, &local) < 0) {
		/* someone talks in a format we cannot play: the stream is still there */
		if (m->cmd == PROTO_CMD_ON_STREAM_START) {
			m->codec_error = g_strdup(local->message);
			m->codec_header = (struct proto_codec_header){ 0 };
		} else {
			g_set_error(p->error, PROTO_ERROR, local->code, "%s: %s", p->what,
				    local->message);
			return -EINVAL;
		}
	}
	if ((r = get_int(p, "packet_duration", false, 1, 1000, &has_pd, &pd)) < 0)
		return r;
	m->packet_duration = has_pd ? (unsigned)pd
				    : (unsigned)m->codec_header.frames_per_packet *
					      m->codec_header.frame_ms;
	return 0;
}

static int get_for(struct parse *p, struct proto_msg *m)
{
	JsonNode *n = json_object_get_member(p->obj, "for");

	/* on_text_message carries "for": false when the message is for everyone. */
	if (n && is_value(n, G_TYPE_BOOLEAN) && !json_node_get_boolean(n))
		return 0;
	return get_str(p, "for", false, &m->for_user);
}

static int parse_logon(struct parse *p, struct proto_msg *m)
{
	JsonNode *n;
	JsonArray *a;
	unsigned i, len;
	int r;

	if ((r = get_str(p, "username", false, &m->username)) < 0 ||
	    (r = get_str(p, "password", false, &m->password)) < 0 ||
	    (r = get_str(p, "auth_token", false, &m->auth_token)) < 0 ||
	    (r = get_str(p, "refresh_token", false, &m->refresh_token)) < 0 ||
	    (r = get_bool(p, "listen_only", &m->listen_only)) < 0 ||
	    (r = get_str(p, "platform_type", false, &m->platform_type)) < 0 ||
	    (r = get_str(p, "platform_name", false, &m->platform_name)) < 0 ||
	    (r = get_str(p, "version", false, &m->version)) < 0)
		return r;
	if (m->username && !m->password && !m->auth_token && !m->refresh_token)
		return missing(p, "password");

	n = json_object_get_member(p->obj, "channels");
	if (n) {
		if (!JSON_NODE_HOLDS_ARRAY(n))
			return wrong_type(p, "channels", n, "array of strings");
		a = json_node_get_array(n);
		len = json_array_get_length(a);
		if (len > PROTO_MAX_CHANNELS) {
			g_set_error(p->error, PROTO_ERROR, PROTO_ERROR_BAD_VALUE,
				    "logon: %u channels, at most %u", len, PROTO_MAX_CHANNELS);
			return -EINVAL;
		}
		m->channels = g_new0(char *, len + 1);
		for (i = 0; i < len; i++) {
			const char *c;

			if ((r = string_of(p, "channels[]", json_array_get_element(a, i), &c)) < 0)
				return r;
			m->channels[i] = g_strdup(c);
		}
		m->n_channels = len;
	} else {
		g_autofree char *one = NULL;

		/* older clients: a singular "channel" */
		if (!json_object_has_member(p->obj, "channel"))
			return missing(p, "channels");
		if ((r = get_str(p, "channel", true, &one)) < 0)
			return r;
		m->channels = g_new0(char *, 2);
		m->channels[0] = g_steal_pointer(&one);
		m->n_channels = 1;
	}
	if (m->n_channels == 0)
		return missing(p, "channels");
	return 0;
}

static int parse_reply(struct parse *p, struct proto_msg *m)
{
	JsonNode *n = json_object_get_member(p->obj, "error");
	bool ok = false;
	int r;

	p->what = "reply";
	if (n && !JSON_NODE_HOLDS_NULL(n)) {
		if ((r = get_str(p, "error", true, &m->error)) < 0)
			return r;
		m->success = false;
		return 0;
	}
	if (!json_object_has_member(p->obj, "success"))
		return missing(p, "success");
	if ((r = get_bool(p, "success", &ok)) < 0)
		return r;
	m->success = ok;
	if (!ok)
		m->error = g_strdup("unknown error");
	if ((r = get_u32(p, "stream_id", false, &m->has_stream_id, &m->stream_id)) < 0 ||
	    (r = get_str(p, "refresh_token", false, &m->refresh_token)) < 0)
		return r;
	/* our extensions: tolerated in any shape, strings kept, the rest ignored */
	n = json_object_get_member(p->obj, "extensions");
	if (n && JSON_NODE_HOLDS_ARRAY(n)) {
		JsonArray *a = json_node_get_array(n);
		unsigned len = MIN(json_array_get_length(a), 32u), k = 0;

		m->extensions = g_new0(char *, len + 1);
		for (unsigned i = 0; i < len; i++) {
			JsonNode *e = json_array_get_element(a, i);

			if (is_value(e, G_TYPE_STRING) &&
			    g_utf8_validate(json_node_get_string(e), -1, NULL))
				m->extensions[k++] = g_strdup(json_node_get_string(e));
		}
	}
	return 0;
}

static int parse_body(struct parse *p, struct proto_msg *m)
{
	int64_t users = -1;
	bool has = false;
	int r;

	switch (m->cmd) {
	case PROTO_CMD_LOGON:
		return parse_logon(p, m);
	case PROTO_CMD_REPLY:
		return parse_reply(p, m);
	case PROTO_CMD_ON_CHANNEL_STATUS:
		if ((r = get_str(p, "channel", true, &m->channel)) < 0 ||
		    (r = get_str(p, "status", true, &m->status)) < 0 ||
		    (r = get_int(p, "users_online", false, 0, INT32_MAX, &has, &users)) < 0 ||
		    (r = get_str(p, "error", false, &m->error)) < 0)
			return r;
		m->users_online = has ? users : -1;
		return 0;
	case PROTO_CMD_START_STREAM:
		if (!m->has_seq)
			return missing(p, "seq");
		if ((r = get_str(p, "channel", false, &m->channel)) < 0 ||
		    (r = get_codec(p, m)) < 0 || (r = get_for(p, m)) < 0 ||
		    (r = get_bool(p, "emergency", &m->emergency)) < 0)
			return r;
		return 0;
	case PROTO_CMD_STOP_STREAM:
		if ((r = get_u32(p, "stream_id", true, &m->has_stream_id, &m->stream_id)) < 0 ||
		    (r = get_str(p, "channel", false, &m->channel)) < 0)
			return r;
		return 0;
	case PROTO_CMD_ON_STREAM_START:
		if ((r = get_u32(p, "stream_id", true, &m->has_stream_id, &m->stream_id)) < 0 ||
		    (r = get_codec(p, m)) < 0 || (r = get_str(p, "from", true, &m->from)) < 0 ||
		    (r = get_str(p, "channel", false, &m->channel)) < 0 ||
		    (r = get_for(p, m)) < 0 || (r = get_bool(p, "emergency", &m->emergency)) < 0)
			return r;
		return 0;
	case PROTO_CMD_ON_STREAM_STOP:
		return get_u32(p, "stream_id", true, &m->has_stream_id, &m->stream_id);
	case PROTO_CMD_ON_ERROR:
		return get_str(p, "error", true, &m->error);
	case PROTO_CMD_SEND_TEXT_MESSAGE:
		if (!m->has_seq)
			return missing(p, "seq");
		if ((r = get_str(p, "channel", false, &m->channel)) < 0 ||
		    (r = get_str(p, "text", true, &m->text)) < 0 || (r = get_for(p, m)) < 0)
			return r;
		return 0;
	case PROTO_CMD_ON_TEXT_MESSAGE:
		if ((r = get_str(p, "channel", false, &m->channel)) < 0 ||
		    (r = get_str(p, "from", true, &m->from)) < 0 ||
		    (r = get_str(p, "text", true, &m->text)) < 0 ||
		    (r = get_u32(p, "message_id", false, NULL, &m->message_id)) < 0 ||
		    (r = get_for(p, m)) < 0)
			return r;
		return 0;
	case PROTO_CMD_KEEPALIVE:
		return 0;
	case PROTO_CMD_JOIN_STREAM:
		if (!m->has_seq)
			return missing(p, "seq");
		return get_u32(p, "stream_id", true, &m->has_stream_id, &m->stream_id);
	case PROTO_CMD_SEND_LOCATION:
		if (!m->has_seq)
			return missing(p, "seq");
		if ((r = get_str(p, "channel", false, &m->channel)) < 0)
			return r;
		return get_location(p, m);
	case PROTO_CMD_ON_LOCATION:
		if ((r = get_str(p, "channel", false, &m->channel)) < 0 ||
		    (r = get_str(p, "from", true, &m->from)) < 0 ||
		    (r = get_u32(p, "message_id", false, NULL, &m->message_id)) < 0)
			return r;
		return get_location(p, m);
	case PROTO_CMD_INVALID:
	case PROTO_CMD_UNKNOWN:
		break;
	}
	return 0;
}

/* Refuse nesting deeper than PROTO_MAX_DEPTH (outside strings) before json-glib recurses. */
static bool depth_ok(const char *buf, size_t len)
{
	unsigned depth = 0;
	bool in_str = false, esc = false;
	size_t i;

	for (i = 0; i < len; i++) {
		char c = buf[i];

		if (in_str) {
			if (esc)
				esc = false;
			else if (c == '\\')
				esc = true;
			else if (c == '"')
				in_str = false;
			continue;
		}
		if (c == '"') {
			in_str = true;
		} else if (c == '{' || c == '[') {
			if (++depth > PROTO_MAX_DEPTH)
				return false;
		} else if ((c == '}' || c == ']') && depth > 0) {
			depth--;
		}
	}
	return true;
}

static enum proto_cmd cmd_from_string(const char *s)
{
	size_t i;

	for (i = 0; i < G_N_ELEMENTS(cmd_names); i++)
		if (strcmp(s, cmd_names[i].name) == 0)
			return cmd_names[i].cmd;
	return PROTO_CMD_UNKNOWN;
}

int proto_parse_text(const char *buf, size_t len, struct proto_msg *out, GError **error)
{
	g_autoptr(JsonParser) parser = NULL;
	g_autoptr(GError) local = NULL;
	struct parse p = { .what = "message", .error = error };
	JsonNode *root, *n;
	enum proto_cmd cmd;
	bool has_seq = false;
	uint32_t seq = 0;
	int r;

	proto_msg_clear(out);
	if (len > PROTO_MAX_TEXT) {
		g_set_error(error, PROTO_ERROR, PROTO_ERROR_TOO_LARGE,
			    "text frame of %zu bytes, limit %u", len, PROTO_MAX_TEXT);
		return -EMSGSIZE;
	}
	if (!g_utf8_validate_len(buf, len, NULL)) {
		g_set_error(error, PROTO_ERROR, PROTO_ERROR_MALFORMED,
			    "invalid json: not valid UTF-8");
		return -EBADMSG;
	}
	if (!depth_ok(buf, len)) {
		g_set_error(error, PROTO_ERROR, PROTO_ERROR_MALFORMED,
			    "invalid json: nested deeper than %u levels", PROTO_MAX_DEPTH);
		return -EBADMSG;
	}
	parser = json_parser_new_immutable();
	if (!json_parser_load_from_data(parser, len ? buf : "", (gssize)len, &local)) {
		g_set_error(error, PROTO_ERROR, PROTO_ERROR_MALFORMED, "invalid json: %s",
			    local->message);
		return -EBADMSG;
	}
	root = json_parser_get_root(parser);
	if (!root || !JSON_NODE_HOLDS_OBJECT(root)) {
		g_set_error(error, PROTO_ERROR, PROTO_ERROR_MALFORMED,
			    "invalid json: not a JSON object");
		return -EBADMSG;
	}
	p.obj = json_node_get_object(root);

	/* seq first, so a caller can answer a bad command with {seq, error} */
	r = get_u32(&p, "seq", false, &has_seq, &seq);
	if (r < 0)
		return -EINVAL;

	n = json_object_get_member(p.obj, "command");
	if (!n) {
		if (!has_seq) {
			out->cmd = PROTO_CMD_INVALID;
			return missing(&p, "command");
		}
		cmd = PROTO_CMD_REPLY;
	} else {
		const char *c;

		if (string_of(&p, "command", n, &c) < 0) {
			out->has_seq = has_seq;
			out->seq = seq;
			return -EINVAL;
		}
		cmd = cmd_from_string(c);
		out->command = g_strdup(c);
		p.what = proto_cmd_to_string(cmd);
	}
	out->cmd = cmd;
	out->has_seq = has_seq;
	out->seq = seq;
	if (cmd == PROTO_CMD_UNKNOWN)
		return PROTO_PARSE_IGNORED;

	r = parse_body(&p, out);
	if (r < 0) {
		/* keep what tells the caller how to answer; drop the rest */
		proto_msg_clear(out);
		out->cmd = cmd;
		out->has_seq = has_seq;
		out->seq = seq;
		return r;
	}
	return 0;
}

/* ---- building ---- */

static void add_str(JsonBuilder *b, const char *key, const char *v)
{
	if (!v)
		return;
	json_builder_set_member_name(b, key);
	json_builder_add_string_value(b, v);
}

static void add_int(JsonBuilder *b, const char *key, int64_t v)
{
	json_builder_set_member_name(b, key);
	json_builder_add_int_value(b, v);
}

static void add_bool(JsonBuilder *b, const char *key, bool v)
{
	json_builder_set_member_name(b, key);
	json_builder_add_boolean_value(b, v);
}

static void add_codec(JsonBuilder *b, const struct proto_msg *m)
{
	g_autofree char *hdr = proto_codec_header_encode(&m->codec_header);

	add_str(b, "type", "audio");
	add_str(b, "codec", "opus");
	add_str(b, "codec_header", hdr);
	/* optional: 0 when a stream's header could not be read and it gave none */
	if (m->packet_duration)
		add_int(b, "packet_duration", m->packet_duration);
}

char *proto_build(const struct proto_msg *m, size_t *ret_len)
{
	g_autoptr(JsonBuilder) b = json_builder_new_immutable();
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autoptr(JsonNode) root = NULL;
	gsize len = 0;
	char *out;
	unsigned i;

	json_builder_begin_object(b);
	if (m->cmd != PROTO_CMD_REPLY)
		add_str(b, "command", m->cmd == PROTO_CMD_UNKNOWN && m->command
					      ? m->command : proto_cmd_to_string(m->cmd));
	if (m->has_seq)
		add_int(b, "seq", m->seq);

	switch (m->cmd) {
	case PROTO_CMD_LOGON:
		add_str(b, "auth_token", m->auth_token);
		add_str(b, "refresh_token", m->refresh_token);
		add_str(b, "username", m->username);
		add_str(b, "password", m->password);
		json_builder_set_member_name(b, "channels");
		json_builder_begin_array(b);
		for (i = 0; m->channels && m->channels[i]; i++)
			json_builder_add_string_value(b, m->channels[i]);
		json_builder_end_array(b);
		if (m->listen_only)
			add_bool(b, "listen_only", true);
		add_str(b, "platform_type", m->platform_type);
		add_str(b, "platform_name", m->platform_name);
		add_str(b, "version", m->version);
		break;
	case PROTO_CMD_REPLY:
		if (m->success) {
			add_bool(b, "success", true);
			if (m->has_stream_id)
				add_int(b, "stream_id", m->stream_id);
			add_str(b, "refresh_token", m->refresh_token);
			if (m->extensions) {
				json_builder_set_member_name(b, "extensions");
				json_builder_begin_array(b);
				for (i = 0; m->extensions[i]; i++)
					json_builder_add_string_value(b, m->extensions[i]);
				json_builder_end_array(b);
			}
		} else {
			add_str(b, "error", m->error ? m->error : "unknown error");
		}
		break;
	case PROTO_CMD_ON_CHANNEL_STATUS:
		add_str(b, "channel", m->channel);
		add_str(b, "status", m->status);
		if (m->users_online >= 0)
			add_int(b, "users_online", m->users_online);
		add_str(b, "error", m->error);
		break;
	case PROTO_CMD_START_STREAM:
		add_str(b, "channel", m->channel);
		add_codec(b, m);
		add_str(b, "for", m->for_user);
		if (m->emergency)
			add_bool(b, "emergency", true);
		break;
	case PROTO_CMD_STOP_STREAM:
		add_int(b, "stream_id", m->stream_id);
		add_str(b, "channel", m->channel);
		break;
	case PROTO_CMD_ON_STREAM_START:
		add_codec(b, m);
		add_int(b, "stream_id", m->stream_id);
		add_str(b, "channel", m->channel);
		add_str(b, "from", m->from);
		add_str(b, "for", m->for_user);
		if (m->emergency)
			add_bool(b, "emergency", true);
		break;
	case PROTO_CMD_ON_STREAM_STOP:
	case PROTO_CMD_JOIN_STREAM:
		add_int(b, "stream_id", m->stream_id);
		break;
	case PROTO_CMD_ON_ERROR:
		add_str(b, "error", m->error);
		break;
	case PROTO_CMD_SEND_TEXT_MESSAGE:
		add_str(b, "channel", m->channel);
		add_str(b, "text", m->text);
		add_str(b, "for", m->for_user);
		break;
	case PROTO_CMD_ON_TEXT_MESSAGE:
		add_str(b, "channel", m->channel);
		add_str(b, "from", m->from);
		if (m->for_user)
			add_str(b, "for", m->for_user);
		else
			add_bool(b, "for", false);
		add_int(b, "message_id", m->message_id);
		add_str(b, "text", m->text);
		break;
	case PROTO_CMD_SEND_LOCATION:
	case PROTO_CMD_ON_LOCATION:
		add_str(b, "channel", m->channel);
		add_str(b, "from", m->from);
		add_str(b, "for", m->for_user);
		if (m->cmd == PROTO_CMD_ON_LOCATION)
			add_int(b, "message_id", m->message_id);
		json_builder_set_member_name(b, "latitude");
		json_builder_add_double_value(b, m->latitude);
		json_builder_set_member_name(b, "longitude");
		json_builder_add_double_value(b, m->longitude);
		if (m->accuracy >= 0) {
			json_builder_set_member_name(b, "accuracy");
			json_builder_add_double_value(b, m->accuracy);
		}
		add_str(b, "formatted_address", m->formatted_address);
		break;
	case PROTO_CMD_KEEPALIVE:
	case PROTO_CMD_INVALID:
	case PROTO_CMD_UNKNOWN:
		break;
	}
	json_builder_end_object(b);

	root = json_builder_get_root(b);
	json_generator_set_root(gen, root);
	out = json_generator_to_data(gen, &len);
	if (ret_len)
		*ret_len = len;
	return out;
}

char *proto_build_logon(uint32_t seq, const char *username, const char *password,
			const char *auth_token, const char *refresh_token,
			const char *const *channels)
{
	struct proto_msg m = PROTO_MSG_INIT;

	m.cmd = PROTO_CMD_LOGON;
	m.has_seq = true;
	m.seq = seq;
	m.username = (char *)username;
	m.password = (char *)password;
	m.auth_token = (char *)auth_token;
	m.refresh_token = (char *)refresh_token;
	m.channels = (char **)channels;
	return proto_build(&m, NULL);
}

char *proto_build_start_stream(uint32_t seq, const char *channel,
			       const struct proto_codec_header *h, unsigned packet_duration,
			       bool emergency)
{
	struct proto_msg m = PROTO_MSG_INIT;

	m.cmd = PROTO_CMD_START_STREAM;
	m.has_seq = true;
	m.seq = seq;
	m.channel = (char *)channel;
	m.codec_header = *h;
	m.packet_duration = packet_duration ? packet_duration
					    : (unsigned)h->frames_per_packet * h->frame_ms;
	m.emergency = emergency;
	return proto_build(&m, NULL);
}

char *proto_build_stop_stream(bool has_seq, uint32_t seq, uint32_t stream_id,
			      const char *channel)
{
	struct proto_msg m = PROTO_MSG_INIT;

	m.cmd = PROTO_CMD_STOP_STREAM;
	m.has_seq = has_seq;
	m.seq = seq;
	m.stream_id = stream_id;
	m.channel = (char *)channel;
	return proto_build(&m, NULL);
}

char *proto_build_join_stream(uint32_t seq, uint32_t stream_id)
{
	struct proto_msg m = PROTO_MSG_INIT;

	m.cmd = PROTO_CMD_JOIN_STREAM;
	m.has_seq = true;
	m.seq = seq;
	m.stream_id = stream_id;
	return proto_build(&m, NULL);
}

char *proto_build_keepalive(void)
{
	struct proto_msg m = PROTO_MSG_INIT;

	m.cmd = PROTO_CMD_KEEPALIVE;
	return proto_build(&m, NULL);
}

char *proto_build_reply_ok(uint32_t seq, bool has_stream_id, uint32_t stream_id,
			   const char *refresh_token)
{
	struct proto_msg m = PROTO_MSG_INIT;

	m.cmd = PROTO_CMD_REPLY;
	m.has_seq = true;
	m.seq = seq;
	m.success = true;
	m.has_stream_id = has_stream_id;
	m.stream_id = stream_id;
	m.refresh_token = (char *)refresh_token;
	return proto_build(&m, NULL);
}

char *proto_build_reply_error(uint32_t seq, const char *error)
{
	struct proto_msg m = PROTO_MSG_INIT;

	m.cmd = PROTO_CMD_REPLY;
	m.has_seq = true;
	m.seq = seq;
	m.error = (char *)error;
	return proto_build(&m, NULL);
}

char *proto_build_on_error(const char *error)
{
	struct proto_msg m = PROTO_MSG_INIT;

	m.cmd = PROTO_CMD_ON_ERROR;
	m.error = (char *)error;
	return proto_build(&m, NULL);
}

char *proto_build_on_channel_status(const char *channel, const char *status,
				    int64_t users_online)
{
	struct proto_msg m = PROTO_MSG_INIT;

	m.cmd = PROTO_CMD_ON_CHANNEL_STATUS;
	m.channel = (char *)channel;
	m.status = (char *)status;
	m.users_online = users_online;
	return proto_build(&m, NULL);
}

char *proto_build_on_stream_start(uint32_t stream_id, const char *channel, const char *from,
				  const struct proto_codec_header *h, unsigned packet_duration,
				  bool emergency)
{
	struct proto_msg m = PROTO_MSG_INIT;

	m.cmd = PROTO_CMD_ON_STREAM_START;
	m.stream_id = stream_id;
	m.channel = (char *)channel;
	m.from = (char *)from;
	m.codec_header = *h;
	m.packet_duration = packet_duration ? packet_duration
					    : (unsigned)h->frames_per_packet * h->frame_ms;
	m.emergency = emergency;
	return proto_build(&m, NULL);
}

char *proto_build_on_stream_stop(uint32_t stream_id)
{
	struct proto_msg m = PROTO_MSG_INIT;

	m.cmd = PROTO_CMD_ON_STREAM_STOP;
	m.stream_id = stream_id;
	return proto_build(&m, NULL);
}

char *proto_build_send_text_message(uint32_t seq, const char *channel, const char *text,
				    const char *for_user)
{
	struct proto_msg m = PROTO_MSG_INIT;

	m.cmd = PROTO_CMD_SEND_TEXT_MESSAGE;
	m.has_seq = true;
	m.seq = seq;
	m.channel = (char *)channel;
	m.text = (char *)text;
	m.for_user = (char *)for_user;
	return proto_build(&m, NULL);
}

char *proto_build_on_text_message(const char *channel, const char *from, const char *text,
				  uint32_t message_id, const char *for_user)
{
	struct proto_msg m = PROTO_MSG_INIT;

	m.cmd = PROTO_CMD_ON_TEXT_MESSAGE;
	m.channel = (char *)channel;
	m.from = (char *)from;
	m.text = (char *)text;
	m.message_id = message_id;
	m.for_user = (char *)for_user;
	return proto_build(&m, NULL);
}

char *proto_build_send_location(uint32_t seq, const char *channel, double latitude,
				double longitude, double accuracy, const char *address,
				const char *for_user)
{
	struct proto_msg m = PROTO_MSG_INIT;

	m.cmd = PROTO_CMD_SEND_LOCATION;
	m.has_seq = true;
	m.seq = seq;
	m.channel = (char *)channel;
	m.latitude = latitude;
	m.longitude = longitude;
	m.accuracy = accuracy;
	m.formatted_address = (char *)address;
	m.for_user = (char *)for_user;
	return proto_build(&m, NULL);
}

char *proto_build_on_location(const char *channel, const char *from, uint32_t message_id,
			      double latitude, double longitude, double accuracy,
			      const char *address, const char *for_user)
{
	struct proto_msg m = PROTO_MSG_INIT;

	m.cmd = PROTO_CMD_ON_LOCATION;
	m.channel = (char *)channel;
	m.from = (char *)from;
	m.message_id = message_id;
	m.latitude = latitude;
	m.longitude = longitude;
	m.accuracy = accuracy;
	m.formatted_address = (char *)address;
	m.for_user = (char *)for_user;
	return proto_build(&m, NULL);
}

char *proto_build_logon_reply(uint32_t seq, const char *refresh_token,
			      const char *const *extensions)
{
	struct proto_msg m = PROTO_MSG_INIT;

	m.cmd = PROTO_CMD_REPLY;
	m.has_seq = true;
	m.seq = seq;
	m.success = true;
	m.refresh_token = (char *)refresh_token;
	m.extensions = (char **)extensions;
	return proto_build(&m, NULL);
}

bool proto_msg_has_extension(const struct proto_msg *m, const char *ext)
{
	return m->extensions && g_strv_contains((const char *const *)m->extensions, ext);
}
