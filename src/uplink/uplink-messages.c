/* SPDX-License-Identifier: MIT */
/*
 * uplink-messages.c - what the link carries besides talk: text messages
 * (send_text_message / on_text_message), locations (send_location /
 * on_location) and the "for" recipient of a private call (start_stream,
 * on_stream_start). API.md, "Commands" and "Events".
 */
#include <errno.h>
#include <string.h>

#include "log-escape.h"
#include "uplink-private.h"

int uplink_set_talk_for(struct uplink *u, const char *user)
{
	if (user && (!*user || !g_utf8_validate(user, -1, NULL)))
		return -EINVAL;
	g_free(u->talk_for);
	u->talk_for = g_strdup(user);
	return 0;
}

/* The link can carry a message now: 0 or -errno. */
static int can_send(struct uplink *u)
{
	if (!u->wsi || !u->logged_on || !u->channel_known)
		return -ENOTCONN;
	if (!u->channel_online)
		return -ENETDOWN;
	if (u->cfg.listen_only)
		return -EPERM; /* API.md: "listen only connection" */
	return 0;
}

/* Remember seq until its reply; the oldest pending one makes room. */
static void pending_add(struct uplink *u, uint32_t seq)
{
	unsigned i;

	for (i = 0; i < MAX_MSG_PENDING; i++)
		if (!u->msg_seq[i]) {
			u->msg_seq[i] = seq;
			return;
		}
	memmove(u->msg_seq, u->msg_seq + 1, sizeof(u->msg_seq) - sizeof(u->msg_seq[0]));
	u->msg_seq[MAX_MSG_PENDING - 1] = seq;
}

static int send_json(struct uplink *u, uint32_t seq, char *json)
{
	int r = uplink_send_text(u, json);

	if (r < 0)
		return r;
	pending_add(u, seq);
	return (int)seq;
}

int uplink_send_message(struct uplink *u, const char *channel, const char *for_user,
			const char *text)
{
	uint32_t seq;
	int r;

	if (!text || !*text || !g_utf8_validate(text, -1, NULL))
		return -EINVAL;
	if ((r = can_send(u)) < 0)
		return r;
	seq = ++u->seq;
	return send_json(u, seq, proto_build_send_text_message(seq, channel ? channel
									 : u->cfg.channel,
								 text, for_user));
}

int uplink_send_location(struct uplink *u, double latitude, double longitude,
			 double accuracy, const char *for_user)
{
	uint32_t seq;
	int r;

	if (!(latitude >= -90 && latitude <= 90 && longitude >= -180 && longitude <= 180))
		return -EINVAL;
	if ((r = can_send(u)) < 0)
		return r;
	seq = ++u->seq;
	return send_json(u, seq, proto_build_send_location(seq, u->cfg.channel, latitude,
							   longitude, accuracy, NULL, for_user));
}

bool uplink_messages_reply(struct uplink *u, const struct proto_msg *m)
{
	unsigned i;

	for (i = 0; i < MAX_MSG_PENDING; i++) {
		if (u->msg_seq[i] != m->seq || !m->seq)
			continue;
		u->msg_seq[i] = 0;
		if (!m->success) {
			g_autofree char *why = log_escape(m->error ? m->error : "?");

			g_message("link: message %u refused: %s", m->seq, why);
		}
		if (u->ev.sent)
			u->ev.sent(u->data, m->seq, m->success ? NULL : (m->error ? m->error : "?"));
		return true;
	}
	return false;
}

void uplink_messages_inbound(struct uplink *u, const struct proto_msg *m)
{
	g_autofree char *from = log_escape(m->from ? m->from : "?");

	if (m->cmd == PROTO_CMD_ON_TEXT_MESSAGE) {
		g_info("link: text message %u from %s%s (%zu bytes)", m->message_id, from,
		       m->for_user ? " to us" : "", strlen(m->text));
		if (u->ev.text)
			u->ev.text(u->data, m->channel, m->from, m->for_user, m->text,
				   m->message_id);
		return;
	}
	g_info("link: location %u from %s", m->message_id, from);
	if (u->ev.location)
		u->ev.location(u->data, m->channel, m->from, m->for_user, m->latitude,
			       m->longitude, m->accuracy, m->formatted_address);
}
