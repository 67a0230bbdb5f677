/* SPDX-License-Identifier: MIT */
/*
 * uplink-streams.c - floor control on the Zello Channel API: our stream
 * (start_stream -> granted / denied, the server ending it -> revoked), remote
 * streams (on_stream_start -> remote_start, on_stream_stop -> remote_stop,
 * their audio), late joins (join_stream), and the server's text frames.
 */
#include "uplink-private.h"

#include "log-escape.h"

#include <errno.h>
#include <string.h>

/* ---- stream tables ----------------------------------------------------- */

static struct remote_stream *remote_find(struct uplink *u, uint32_t id)
{
	for (unsigned i = 0; i < MAX_REMOTE_STREAMS; i++)
		if (u->remote[i].used && u->remote[i].id == id)
			return &u->remote[i];
	return NULL;
}

/* A server that never sends on_stream_stop must not fill the table for good:
 * when it is full, the oldest stream ends (remote_stop) and makes room. */
static struct remote_stream *remote_add(struct uplink *u, uint32_t id)
{
	struct remote_stream *r = NULL;
	uint32_t old;

	for (unsigned i = 0; i < MAX_REMOTE_STREAMS && !r; i++)
		if (!u->remote[i].used)
			r = &u->remote[i];
	if (!r) {
		r = &u->remote[0];
		for (unsigned i = 1; i < MAX_REMOTE_STREAMS; i++)
			if (u->remote[i].order < r->order)
				r = &u->remote[i];
		old = r->id;
		uplink_bad_input(u, "on_stream_start %u with %u streams in progress: stream %u "
				 "never ended, it ends now", id, MAX_REMOTE_STREAMS, old);
		r->used = false;
		u->n_remote--;
		if (u->ev.remote_stop)
			u->ev.remote_stop(u->data, old);
	}
	r->used = true;
	r->id = id;
	r->order = ++u->remote_order;
	u->n_remote++;
	return r;
}

static void remote_remove(struct uplink *u, struct remote_stream *r)
{
	r->used = false;
	u->n_remote--;
}

static struct join *join_find_seq(struct uplink *u, uint32_t seq)
{
	for (unsigned i = 0; i < MAX_JOINS; i++)
		if (u->joins[i].used && u->joins[i].seq == seq)
			return &u->joins[i];
	return NULL;
}

static struct join *join_find_stream(struct uplink *u, uint32_t id)
{
	for (unsigned i = 0; i < MAX_JOINS; i++)
		if (u->joins[i].used && u->joins[i].stream_id == id)
			return &u->joins[i];
	return NULL;
}

unsigned uplink_streams_joins_pending(struct uplink *u)
{
	unsigned n = 0;

	for (unsigned i = 0; i < MAX_JOINS; i++)
		n += u->joins[i].used;
	return n;
}

static bool stale_take(struct uplink *u, uint32_t seq)
{
	for (unsigned i = 0; i < MAX_STALE; i++)
		if (seq && u->stale_seq[i] == seq) {
			u->stale_seq[i] = 0;
			return true;
		}
	return false;
}

void uplink_streams_send_joins(struct uplink *u)
{
	bool ext = uplink_has_extension(u, PROTO_EXT_JOIN_STREAM);

	for (unsigned i = 0; i < MAX_JOINS; i++) {
		struct join *j = &u->joins[i];

		if (!j->used || j->seq)
			continue;
		if (!ext) {
			/* a plain server: no late entry, the next burst plays */
			g_info("link: the server has no join_stream extension: stream %u "
			       "not joined", j->stream_id);
			j->used = false;
			continue;
		}
		j->seq = ++u->seq;
		if (uplink_send_text(u, proto_build_join_stream(j->seq, j->stream_id)) < 0) {
			g_warning("link: join_stream %u could not be queued, dropped",
				  j->stream_id);
			j->used = false;
		}
	}
}

/* The link is gone: tell the owner what happened to every stream. */
void uplink_streams_lost(struct uplink *u, const char *why)
{
	uint32_t id;

	switch (u->own) {
	case OWN_PENDING:
		u->own = OWN_NONE;
		if (!u->own_cancel && !u->freeing && u->ev.denied)
			u->ev.denied(u->data, why);
		break;
	case OWN_ACTIVE:
		u->own = OWN_NONE;
		id = u->own_stream;
		if (!u->own_cancel && !u->freeing && u->ev.revoked)
			u->ev.revoked(u->data, id, why);
		break;
	case OWN_NONE:
		break;
	}
	u->own_cancel = false;
	for (unsigned i = 0; i < MAX_REMOTE_STREAMS; i++) {
		if (!u->remote[i].used)
			continue;
		id = u->remote[i].id;
		remote_remove(u, &u->remote[i]);
		if (!u->freeing && u->ev.remote_stop)
			u->ev.remote_stop(u->data, id);
	}
	/* joins already sent are lost with the link; resend them on the next logon */
	for (unsigned i = 0; i < MAX_JOINS; i++)
		u->joins[i].seq = 0;
	memset(u->stale_seq, 0, sizeof(u->stale_seq));
}

/* ---- inbound ----------------------------------------------------------- */

static void on_reply(struct uplink *u, const struct proto_msg *m)
{
	struct join *j;

	if (m->seq == u->logon_seq && !u->logged_on) {
		uplink_logon_reply(u, m);
		return;
	}
	if (u->own != OWN_NONE && m->seq == u->own_seq) {
		bool cancel = u->own_cancel;

		if (m->success && m->has_stream_id && u->own == OWN_PENDING) {
			u->own_stream = m->stream_id;
			u->own_packet = 0;
			if (cancel) {
				g_info("link: stream %u granted after release, stopping it",
				       m->stream_id);
				u->own = OWN_NONE;
				u->own_cancel = false;
				uplink_send_text(u, proto_build_stop_stream(true, ++u->seq,
									    m->stream_id,
									    u->cfg.channel));
				uplink_policy_check(u, true);
				return;
			}
			u->own = OWN_ACTIVE;
			g_info("link: floor granted, stream %u", m->stream_id);
			if (u->ev.granted)
				u->ev.granted(u->data, m->stream_id);
			return;
		}
		if (u->own == OWN_PENDING) {
			g_autofree char *reason = NULL;

			if (m->success) {
				uplink_bad_input(u, "start_stream reply without stream_id");
				reason = g_strdup("reply without stream_id");
			} else {
				reason = uplink_error_reason(m->error);
				if (uplink_error_lookup(m->error)->action == UPLINK_ERR_CHANNEL)
					uplink_channel_not_ready(u);
			}
			u->own_cancel = false;
			uplink_streams_deny_pending(u, reason, cancel);
		}
		return;
	}
	if (uplink_messages_reply(u, m))
		return;
	if (stale_take(u, m->seq)) {
		if (m->success && m->has_stream_id)
			uplink_send_text(u, proto_build_stop_stream(true, ++u->seq, m->stream_id,
							     u->cfg.channel));
		return;
	}
	if ((j = join_find_seq(u, m->seq))) {
		if (m->success) {
			g_info("link: joined stream %u", j->stream_id);
		} else {
			g_autofree char *why = log_escape(m->error);

			g_message("link: join_stream %u refused: %s", j->stream_id, why);
			j->used = false;
			uplink_policy_check(u, true);
		}
		return;
	}
	if (!m->success) {
		const struct uplink_error_info *e = uplink_error_lookup(m->error);

		g_autofree char *why = log_escape(m->error);

		g_message("link: server error for request %u: %s (%s)", m->seq, why, e->text);
		if (e->action != UPLINK_ERR_IGNORE)
			uplink_set_error(u, "%s", e->text);
	} else
		g_debug("link: reply for request %u", m->seq);
}

static void on_stream_start(struct uplink *u, const struct proto_msg *m)
{
	struct join *j = join_find_stream(u, m->stream_id);

	if (!m->has_stream_id) {
		uplink_bad_input(u, "on_stream_start without stream_id");
		return;
	}
	if (u->own == OWN_ACTIVE && m->stream_id == u->own_stream)
		return; /* our own stream echoed */
	if (j)
		j->used = false; /* the joined burst is coming */
	if (remote_find(u, m->stream_id)) {
		g_debug("link: on_stream_start %u again (late join), ignored", m->stream_id);
		return;
	}
	if (!remote_add(u, m->stream_id))
		return;
	uplink_policy_busy(u);
	{
		g_autofree char *from = log_escape(m->from ? m->from : "?");

		g_info("link: stream %u from %s%s%s", m->stream_id, from,
		       m->emergency ? " (emergency)" : "", j ? " (joined)" : "");
	}
	if (m->for_user && u->ev.remote_for)
		u->ev.remote_for(u->data, m->stream_id, m->from, m->for_user);
	if (u->ev.remote_start)
		u->ev.remote_start(u->data, m->stream_id, m->from, m->channel,
				   m->packet_duration,
				   m->codec_error ? 0
						  : proto_codec_header_packet_usec(
							    &m->codec_header, m->packet_duration),
				   m->codec_error);
}

static void on_stream_stop(struct uplink *u, const struct proto_msg *m)
{
	struct remote_stream *r;

	if (!m->has_stream_id) {
		uplink_bad_input(u, "on_stream_stop without stream_id");
		return;
	}
	if (u->own == OWN_ACTIVE && m->stream_id == u->own_stream) {
		u->own = OWN_NONE;
		g_message("link: server ended our stream %u", m->stream_id);
		if (u->ev.revoked)
			u->ev.revoked(u->data, m->stream_id, "stopped by server");
		uplink_policy_check(u, true);
		return;
	}
	r = remote_find(u, m->stream_id);
	if (!r) {
		g_debug("link: on_stream_stop for unknown stream %u, ignored", m->stream_id);
		return;
	}
	remote_remove(u, r);
	g_info("link: stream %u ended", m->stream_id);
	if (u->ev.remote_stop)
		u->ev.remote_stop(u->data, m->stream_id);
	uplink_policy_check(u, true);
}

void uplink_streams_text(struct uplink *u, const char *buf, size_t len)
{
	g_autoptr(GError) error = NULL;
	struct proto_msg m = PROTO_MSG_INIT;
	int r;

	r = proto_parse_text(buf, len, &m, &error);
	if (r < 0) {
		uplink_bad_input(u, "%s", error ? error->message : "unparsable text frame");
		goto out;
	}
	if (r == PROTO_PARSE_IGNORED) {
		/* on_location, on_image, on_transcription, ...: not used here */
		g_autofree char *cmd = log_escape(m.command ? m.command : "?");

		g_debug("link: event \"%s\" not used, ignored", cmd);
		goto out;
	}
	if (!u->logged_on && m.cmd != PROTO_CMD_REPLY && m.cmd != PROTO_CMD_ON_ERROR &&
	    m.cmd != PROTO_CMD_ON_CHANNEL_STATUS && m.cmd != PROTO_CMD_KEEPALIVE) {
		uplink_bad_input(u, "%s before logon", proto_cmd_to_string(m.cmd));
		goto out;
	}
	switch (m.cmd) {
	case PROTO_CMD_REPLY:
		on_reply(u, &m);
		break;
	case PROTO_CMD_ON_CHANNEL_STATUS: {
		uplink_channel_status(u, &m);
		break;
	}
	case PROTO_CMD_ON_STREAM_START:
		on_stream_start(u, &m);
		break;
	case PROTO_CMD_ON_STREAM_STOP:
		on_stream_stop(u, &m);
		break;
	case PROTO_CMD_ON_ERROR:
		uplink_server_error(u, m.error ? m.error : "?");
		break;
	case PROTO_CMD_ON_TEXT_MESSAGE:
	case PROTO_CMD_ON_LOCATION:
		uplink_messages_inbound(u, &m);
		break;
	case PROTO_CMD_KEEPALIVE:
		break;
	case PROTO_CMD_LOGON:
	case PROTO_CMD_START_STREAM:
	case PROTO_CMD_STOP_STREAM:
	case PROTO_CMD_SEND_TEXT_MESSAGE:
	case PROTO_CMD_SEND_LOCATION:
	case PROTO_CMD_JOIN_STREAM:
	case PROTO_CMD_INVALID:
	case PROTO_CMD_UNKNOWN:
		uplink_bad_input(u, "unexpected command \"%s\" from a server",
				 proto_cmd_to_string(m.cmd));
		break;
	}
out:
	proto_msg_clear(&m);
}

void uplink_streams_binary(struct uplink *u, const uint8_t *buf, size_t len)
{
	g_autoptr(GError) error = NULL;
	struct proto_audio a;

	if (len >= 1 && buf[0] == PROTO_BINARY_TYPE_IMAGE) {
		/* API.md's image packets (after on_image): not used, ignored */
		g_debug("link: image packet of %zu bytes ignored", len);
		return;
	}
	if (proto_parse_audio(buf, len, &a, &error) < 0) {
		uplink_bad_input(u, "%s", error ? error->message : "unparsable binary frame");
		return;
	}
	if (!remote_find(u, a.stream_id)) {
		uplink_bad_input(u, "audio for stream %u, which is not a stream we receive",
			  a.stream_id);
		return;
	}
	if (u->ev.audio)
		u->ev.audio(u->data, a.stream_id, a.packet_id, a.data, a.len);
}

/* ---- public API -------------------------------------------------------- */

int uplink_start_stream(struct uplink *u, bool emergency)
{
	const struct proto_codec_header h = {
		.sample_rate = 16000, .frames_per_packet = 1, .frame_ms = 20,
	};
	uint32_t seq;
	int r;

	if (!u->wsi || !u->logged_on || !u->channel_known)
		return -ENOTCONN;
	if (!u->channel_online)
		return -ENETDOWN; /* API.md: talk only to a channel that is online */
	if (emergency && !uplink_has_extension(u, PROTO_EXT_EMERGENCY)) {
		g_info("link: the server has no emergency extension: a normal talk");
		emergency = false;
	}
	if (u->own == OWN_PENDING && u->own_cancel) {
		/* the released request never got its answer: forget it */
		u->stale_seq[u->stale_next++ % MAX_STALE] = u->own_seq;
		u->own = OWN_NONE;
		u->own_cancel = false;
	}
	if (u->own != OWN_NONE)
		return -EBUSY;
	seq = ++u->seq;
	{
		struct proto_msg sm = PROTO_MSG_INIT;

		sm.cmd = PROTO_CMD_START_STREAM;
		sm.has_seq = true;
		sm.seq = seq;
		sm.channel = u->cfg.channel;
		sm.codec_header = h;
		sm.packet_duration = 20;
		sm.emergency = emergency;
		sm.for_user = u->talk_for; /* a private call (uplink_set_talk_for()) */
		r = uplink_send_text(u, proto_build(&sm, NULL));
	}
	if (r < 0)
		return r;
	u->own = OWN_PENDING;
	u->own_seq = seq;
	u->own_cancel = false;
	uplink_policy_busy(u);
	return 0;
}

int uplink_stop_stream(struct uplink *u, uint32_t stream_id)
{
	int r;

	if (!u->wsi || !u->logged_on)
		return -ENOTCONN;
	if (u->own == OWN_PENDING && stream_id == 0) {
		u->own_cancel = true; /* stopped when the answer comes */
		return 0;
	}
	if (u->own != OWN_ACTIVE || (stream_id && stream_id != u->own_stream))
		return -ENOENT;
	r = uplink_send_text(u, proto_build_stop_stream(true, ++u->seq, u->own_stream,
							u->cfg.channel));
	if (r < 0)
		return r;
	u->own = OWN_NONE;
	uplink_policy_check(u, true);
	return 0;
}

int uplink_send_audio(struct uplink *u, uint32_t stream_id, const uint8_t *opus, size_t len)
{
	uint8_t frame[PROTO_AUDIO_HEADER_LEN + 4096];
	size_t n;
	int r;

	if (!u->wsi || !u->logged_on)
		return -ENOTCONN;
	if (u->own != OWN_ACTIVE || stream_id != u->own_stream)
		return -ENOENT;
	/* API.md: packet_id from a client is zero; numbered only for a server
	 * that announced it wants them */
	n = proto_build_audio(frame, sizeof(frame), stream_id,
			      uplink_has_extension(u, PROTO_EXT_PACKET_ID) ? u->own_packet : 0,
			      opus, len);
	if (!n)
		return -EMSGSIZE;
	r = uplink_txq_push(u, frame, n, LWS_WRITE_BINARY, true);
	if (r == -ENOBUFS) {
		u->stats.audio_dropped++;
		return r;
	}
	if (r == 0)
		u->own_packet++;
	return r;
}

void uplink_streams_deny_pending(struct uplink *u, const char *reason, bool quiet)
{
	if (u->own != OWN_PENDING)
		return;
	u->own = OWN_NONE;
	u->own_cancel = false;
	g_info("link: floor denied: %s", reason);
	if (!quiet && u->ev.denied)
		u->ev.denied(u->data, reason);
	uplink_policy_check(u, true);
}

int uplink_join_stream(struct uplink *u, uint32_t stream_id)
{
	struct join *j = join_find_stream(u, stream_id);

	if (remote_find(u, stream_id))
		return -EALREADY;
	if (!j) {
		for (unsigned i = 0; i < MAX_JOINS && !j; i++)
			if (!u->joins[i].used)
				j = &u->joins[i];
		if (!j)
			return -ENOBUFS;
		*j = (struct join){ .stream_id = stream_id, .used = true };
	}
	uplink_policy_busy(u);
	if (u->wsi && u->logged_on)
		uplink_streams_send_joins(u);
	else
		uplink_connect_now(u); /* sent right after the logon */
	return 0;
}
