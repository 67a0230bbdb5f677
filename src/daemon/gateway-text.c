/* SPDX-License-Identifier: MIT */
/*
 * gateway-text.c - text messages and private calls, as the user sees them.
 *
 * Text: send_text_message to the channel or to one user (pttgwctl message,
 * D-Bus SendMessage), on_text_message from others; both become "message"
 * events (monitor, D-Bus MessageReceived) and the last GATEWAY_TEXT_KEEP are in
 * the status. Private calls: a press "to" a user sends start_stream with "for";
 * an on_stream_start "for" us is shown as a private call (talker, "to you").
 */
#include "gateway-private.h"

#include <errno.h>
#include <string.h>

#include "uplink.h"

struct message {
	uint64_t ts;
	bool outgoing;
	uint32_t seq;          /* outgoing: the request's seq; incoming: message_id */
	char *channel;
	char *from;
	char *to;              /* NULL: the channel */
	char *text;
	char *state;           /* "received", "sent", "delivered", "refused: ..." */
};

struct gateway_messages {
	GQueue recent;         /* struct message, newest last, at most GATEWAY_TEXT_KEEP */
	bool in_press_to;      /* inside gateway_press_to() */
	uint32_t private_stream; /* an incoming private call (0: none) */
	char *private_from;
};

static void message_free(void *p)
{
	struct message *m = p;

	g_free(m->channel);
	g_free(m->from);
	g_free(m->to);
	g_free(m->text);
	g_free(m->state);
	g_free(m);
}

static struct gateway_messages *msgs(struct gateway *gw)
{
	if (!gw->messages) {
		gw->messages = g_new0(struct gateway_messages, 1);
		g_queue_init(&gw->messages->recent);
	}
	return gw->messages;
}

void gateway_messages_fini(struct gateway *gw)
{
	if (!gw->messages)
		return;
	g_queue_clear_full(&gw->messages->recent, message_free);
	g_free(gw->messages->private_from);
	g_clear_pointer(&gw->messages, g_free);
}

static void keep(struct gateway *gw, struct message *m)
{
	GQueue *q = &msgs(gw)->recent;

	g_queue_push_tail(q, m);
	while (q->length > GATEWAY_TEXT_KEEP)
		message_free(g_queue_pop_head(q));
}

static void message_json(JsonBuilder *b, const struct message *m)
{
	gateway_json_string(b, "direction", m->outgoing ? "out" : "in");
	gateway_json_string(b, "channel", m->channel);
	gateway_json_string(b, "from", m->from);
	gateway_json_string(b, "to", m->to ? m->to : "channel");
	gateway_json_string(b, "text", m->text);
	gateway_json_string(b, "state", m->state);
}

static void emit_message(struct gateway *gw, const struct message *m)
{
	JsonBuilder *b = gateway_event_begin("message");

	message_json(b, m);
	gateway_json_uint(b, m->outgoing ? "seq" : "message_id", m->seq);
	gateway_emit(gw, "message", b);
}

/* A copy of valid UTF-8 text, at most max bytes, never cut inside a character. */
static char *utf8_cut(const char *text, size_t max)
{
	const char *end = NULL;

	if (strlen(text) <= max)
		return g_strdup(text);
	g_utf8_validate(text, (gssize)max, &end);
	return g_strndup(text, (gsize)(end - text));
}

/* Why text cannot be a message (NULL: it can). */
const char *gateway_text_invalid(const char *text)
{
	if (!text || !*text)
		return "the message is empty";
	if (strlen(text) > GATEWAY_TEXT_MAX)
		return "the message is too long (at most " G_STRINGIFY(GATEWAY_TEXT_MAX) " bytes)";
	if (!g_utf8_validate(text, -1, NULL))
		return "the message is not valid UTF-8";
	return NULL;
}

static const char *user_invalid(const char *user)
{
	if (strlen(user) == 0 || strlen(user) > 128 || !g_utf8_validate(user, -1, NULL))
		return "invalid user name (1 to 128 UTF-8 bytes)";
	for (const char *p = user; *p; p++)
		if ((unsigned char)*p < 0x20)
			return "invalid user name (control characters)";
	return NULL;
}

int gateway_send_message(struct gateway *gw, const char *channel, const char *to,
			 const char *text, const char **ret_reason)
{
	struct uplink *u = gateway_uplink_get(gw);
	struct message *m;
	const char *why;
	int r;

	if (channel && !*channel)
		channel = NULL;
	if (to && !*to)
		to = NULL;
	if ((why = gateway_text_invalid(text)) || (to && (why = user_invalid(to))) ||
	    (channel && (why = user_invalid(channel)))) {
		*ret_reason = why;
		return -EINVAL;
	}
	if (!u) {
		*ret_reason = "no upstream configured";
		return -EOPNOTSUPP;
	}
	r = uplink_send_message(u, channel, to, text);
	switch (r) {
	case -ENOTCONN:
		uplink_connect_now(u);
		*ret_reason = "not connected to the server; try again when the link is up";
		return r;
	case -ENETDOWN:
		*ret_reason = uplink_get_channel(u, NULL, NULL);
		if (!*ret_reason)
			*ret_reason = "the channel is offline";
		return r;
	case -EPERM:
		*ret_reason = "listen-only: this gateway does not send";
		return -EOPNOTSUPP;
	default:
		if (r < 0) {
			*ret_reason = g_strerror(-r);
			return r;
		}
	}
	m = g_new0(struct message, 1);
	m->ts = gateway_now();
	m->outgoing = true;
	m->seq = (uint32_t)r;
	m->channel = g_strdup(channel ? channel : gw->channel);
	m->from = g_strdup("you");
	m->to = g_strdup(to);
	m->text = g_strdup(text);
	m->state = g_strdup("sent");
	keep(gw, m);
	emit_message(gw, m);
	g_info("message %u sent to %s (%zu bytes)", m->seq, to ? to : "the channel", strlen(text));
	return r;
}

void gateway_text_on_sent(void *data, uint32_t seq, const char *error)
{
	struct gateway *gw = data;
	JsonBuilder *b;
	GList *l;

	for (l = msgs(gw)->recent.head; l; l = l->next) {
		struct message *m = l->data;

		if (m->outgoing && m->seq == seq) {
			g_free(m->state);
			m->state = error ? g_strdup_printf("refused: %s", error)
					 : g_strdup("delivered");
		}
	}
	b = gateway_event_begin("message_sent");
	gateway_json_uint(b, "seq", seq);
	gateway_json_string(b, "result", error ? "refused" : "delivered");
	if (error)
		gateway_json_string(b, "reason", error);
	gateway_emit(gw, "message_sent", b);
}

void gateway_text_on_text(void *data, const char *channel, const char *from,
			  const char *for_user, const char *text, uint32_t message_id)
{
	struct gateway *gw = data;
	struct message *m = g_new0(struct message, 1);

	m->ts = gateway_now();
	m->seq = message_id;
	m->channel = g_strdup(channel ? channel : gw->channel);
	m->from = g_strdup(from);
	m->to = for_user ? g_strdup("you") : NULL;
	m->text = utf8_cut(text, GATEWAY_TEXT_MAX * 4);
	m->state = g_strdup("received");
	keep(gw, m);
	emit_message(gw, m);
}

/* ---- private calls ---- */

int gateway_press_to(struct gateway *gw, const char *source, const char *to,
		     const char **ret_reason)
{
	struct uplink *u = gateway_uplink_get(gw);
	const char *why;
	int r;

	if ((why = user_invalid(to))) {
		*ret_reason = why;
		return -EINVAL;
	}
	if (!u) {
		*ret_reason = "no upstream configured";
		return -EOPNOTSUPP;
	}
	uplink_set_talk_for(u, to);
	msgs(gw)->in_press_to = true;
	r = gateway_press(gw, source, false, ret_reason);
	msgs(gw)->in_press_to = false;
	if (r < 0)
		uplink_set_talk_for(u, NULL);
	else
		g_message("%s: private call to %s", source, to);
	return r;
}

void gateway_talk_for_reset(struct gateway *gw)
{
	struct uplink *u = gateway_uplink_get(gw);

	/* a plain press talks to the channel again */
	if (u && !msgs(gw)->in_press_to)
		uplink_set_talk_for(u, NULL);
}

void gateway_text_on_remote_for(void *data, uint32_t stream_id, const char *from,
				const char *for_user)
{
	struct gateway *gw = data;
	struct gateway_messages *g = msgs(gw);
	JsonBuilder *b = gateway_event_begin("private_call");

	g->private_stream = stream_id;
	g_free(g->private_from);
	g->private_from = g_strdup(from);
	gateway_json_uint(b, "stream_id", stream_id);
	gateway_json_string(b, "from", from);
	gateway_json_string(b, "to", "you");
	gateway_emit(gw, "private_call", b);
	g_message("private call from %s (stream %u, for %s)", from ? from : "?", stream_id,
		  for_user);
}

void gateway_text_remote_stop(struct gateway *gw, uint32_t stream_id)
{
	if (gw->messages && gw->messages->private_stream == stream_id) {
		gw->messages->private_stream = 0;
		g_clear_pointer(&gw->messages->private_from, g_free);
	}
}

void gateway_text_status_json(struct gateway *gw, JsonBuilder *b)
{
	struct gateway_messages *g = msgs(gw);
	GList *l;

	json_builder_set_member_name(b, "private_call");
	if (g->private_stream) {
		json_builder_begin_object(b);
		gateway_json_uint(b, "stream_id", g->private_stream);
		gateway_json_string(b, "from", g->private_from);
		gateway_json_string(b, "to", "you");
		json_builder_end_object(b);
	} else {
		json_builder_add_null_value(b);
	}
	json_builder_set_member_name(b, "messages");
	json_builder_begin_array(b);
	for (l = g->recent.head; l; l = l->next) {
		const struct message *m = l->data;

		json_builder_begin_object(b);
		gateway_json_uint(b, "age_ms", (gateway_now() - m->ts) / 1000);
		message_json(b, m);
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}
