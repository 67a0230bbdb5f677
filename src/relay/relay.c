/* SPDX-License-Identifier: MIT */
/*
 * relay.c - the relay's logic: logon, channels, floor arbitration, bursts, late join, push.
 * Bursts of other relays and the answers of channels' homes: relay-remote.c.
 *
 * Knows nothing of libwebsockets: frames go out through relay_conn_send(), which queues
 * them (bounded) on the connection.
 */
#include "relay-private.h"

#include <errno.h>
#include <string.h>

#include "relay-auth.h"

#ifdef PTTGW_RELAY_PUSH
#include "relay-push.h"
#endif

/* ---- helpers ---- */

static const char *peer(const struct session *s)
{
	return relay_conn_peer(s->conn);
}

static const char *who(const struct session *s)
{
	return s->user ? s->user : "(not logged on)";
}

/* A warning a peer can trigger at will: rate-limited (the count of those left out is
 * logged with the next one that gets through). */
#define peer_warning(l, now, ...) do { \
	unsigned _dropped; \
	if (log_ratelimit_ok(&(l)->warn_rl, (now), &_dropped)) { \
		if (_dropped) \
			g_warning("%u peer warnings suppressed", _dropped); \
		g_warning(__VA_ARGS__); \
	} \
} while (0)

static void send_text(struct session *s, char *json)
{
	relay_conn_send_text(s->conn, json);
}

/* An error to a command: {seq, error} when it had a seq, else on_error. */
static void answer_error(struct session *s, const struct proto_msg *m, const char *err)
{
	if (m && m->has_seq)
		send_text(s, proto_build_reply_error(m->seq, err));
	else
		send_text(s, proto_build_on_error(err));
}

static const char *error_code_string(int code)
{
	switch ((enum proto_error_code)code) {
	case PROTO_ERROR_TOO_LARGE:
		return PROTO_ERR_TOO_LARGE;
	case PROTO_ERROR_MALFORMED:
		return PROTO_ERR_INVALID_JSON;
	case PROTO_ERROR_MISSING_FIELD:
		return PROTO_ERR_NOT_ENOUGH_PARAMS;
	case PROTO_ERROR_WRONG_TYPE:
	case PROTO_ERROR_BAD_VALUE:
		return PROTO_ERR_INVALID_REQUEST;
	case PROTO_ERROR_TOO_SHORT:
	case PROTO_ERROR_UNKNOWN_TYPE:
		return PROTO_ERR_INVALID_AUDIO;
	}
	return PROTO_ERR_INVALID_REQUEST;
}

struct channel *relay_session_channel(struct session *s, const char *name)
{
	unsigned i;

	if (!name)
		return s->channels->len == 1 ? g_ptr_array_index(s->channels, 0) : NULL;
	for (i = 0; i < s->channels->len; i++) {
		struct channel *ch = g_ptr_array_index(s->channels, i);

		if (strcmp(ch->conf->name, name) == 0)
			return ch;
	}
	return NULL;
}

/* The channel's explicit members as a set (the strings stay conf's); NULL for a channel
 * of every configured user, which then costs no copy of the user list. */
static GHashTable *members_new(const struct relay_channel_conf *conf)
{
	GHashTable *set;
	unsigned i;

	if (!conf->members)
		return NULL;
	set = g_hash_table_new(g_str_hash, g_str_equal);
	for (i = 0; conf->members[i]; i++)
		g_hash_table_add(set, conf->members[i]);
	return set;
}

static bool is_member(const struct relay_logic *l, const struct channel *ch, const char *user)
{
	return g_hash_table_contains(ch->members ? ch->members : l->cfg->users, user);
}

static void channel_status(struct channel *ch)
{
	unsigned i;

	for (i = 0; i < ch->sessions->len; i++) {
		struct session *o = g_ptr_array_index(ch->sessions, i);

		send_text(o, proto_build_on_channel_status(ch->conf->name, "online",
							   ch->sessions->len));
	}
}

/* ---- bursts ---- */

static void burst_free(struct relay_logic *l, struct burst *b)
{
	g_hash_table_remove(l->streams, GUINT_TO_POINTER(b->id));
	g_ptr_array_unref(b->packets);
	g_free(b->from);
	g_free(b->for_user);
	g_free(b);
}

static void frame_unref(gpointer p)
{
	relay_frame_unref(p);
}

void relay_burst_end(struct relay_logic *l, struct burst *b, const char *reason,
		     bool tell_talker, uint64_t now)
{
	struct channel *ch = b->ch;
	struct relay_frame *f = relay_frame_take_text(proto_build_on_stream_stop(b->id));
	unsigned i, receivers = 0;

	f->kind = RELAY_FRAME_STREAM_STOP;
	f->stream_id = b->id;
	for (i = 0; i < ch->sessions->len; i++) {
		struct session *o = g_ptr_array_index(ch->sessions, i);

		if (g_hash_table_contains(o->receiving, GUINT_TO_POINTER(b->id))) {
			relay_conn_send(o->conn, f);
			receivers++;
		} else if (o == b->talker && tell_talker) {
			relay_conn_send(o->conn, f);
		}
	}
	relay_frame_unref(f);
	g_message("stream %u on %s from %s ended (%s): packets=%u receivers=%u", b->id,
		  ch->conf->name, b->from, reason, b->packets->len, receivers);
	if (l->fed && !b->remote && !l->fed_remote_end)
		relay_fed_ended(l->fed, ch->conf->name, b->id, b->packets->len, reason);
	else if (l->fed && b->remote && !l->fed_remote_end)
		relay_fed_forget(l->fed, ch->conf->name, b->id);

	b->ended = true;
	b->ended_at = now;
	b->talker = NULL;
	if (ch->live == b)
		ch->live = NULL;
	if (ch->last)
		burst_free(l, ch->last);
	ch->last = NULL;
	if (l->cfg->keep_usec)
		ch->last = b;
	else
		burst_free(l, b);
}

/* A burst on ch, live and known by its id; its talker (if any) is the caller's to set.
 * prealloc: packets room before the array grows. */
struct burst *relay_burst_new(struct relay_logic *l, struct channel *ch, uint32_t id,
			      const char *from, const struct relay_fed_stream *st,
			      unsigned prealloc, uint64_t now)
{
	struct burst *b = g_new0(struct burst, 1);

	b->id = id;
	b->ch = ch;
	b->from = g_strdup(from);
	b->for_user = g_strdup(st->for_user);
	b->hdr = st->hdr;
	b->packet_duration = st->packet_duration;
	b->emergency = st->emergency;
	b->packets = g_ptr_array_new_full(prealloc, frame_unref);
	b->started = b->last_audio = now;
	g_hash_table_insert(l->streams, GUINT_TO_POINTER(b->id), b);
	ch->live = b;
	l->stats.streams++;
	return b;
}

static void publish_push(struct relay_logic *l, struct burst *b)
{
#ifdef PTTGW_RELAY_PUSH
	GHashTableIter it;
	gpointer k;

	if (!l->push)
		return;
	g_hash_table_iter_init(&it, b->ch->members ? b->ch->members : l->cfg->users);
	while (g_hash_table_iter_next(&it, &k, NULL)) {
		const char *m = k;

		if (strcmp(m, b->from) != 0 && (!b->for_user || strcmp(m, b->for_user) == 0))
			relay_push_publish(l->push, m, b->ch->conf->name, b->id, b->from);
	}
#else
	(void)l;
	(void)b;
#endif
}

/* on_stream_start to s, and s starts receiving b. */
void relay_session_start_receiving(struct session *s, struct burst *b)
{
	struct proto_msg m = PROTO_MSG_INIT;

	m.cmd = PROTO_CMD_ON_STREAM_START;
	m.stream_id = b->id;
	m.channel = (char *)b->ch->conf->name;
	m.from = b->from;
	m.for_user = b->for_user;
	m.codec_header = b->hdr;
	m.packet_duration = b->packet_duration;
	m.emergency = b->emergency;
	send_text(s, proto_build(&m, NULL));
	g_hash_table_insert(s->receiving, GUINT_TO_POINTER(b->id), GUINT_TO_POINTER(0));
}

static uint32_t new_stream_id(struct relay_logic *l)
{
	uint32_t id;

	do {
		l->next_stream_id++;
		/* federated: ids of this relay's own range, unique across relays */
		id = l->fed ? relay_fed_stream_id(l->fed, l->next_stream_id) : l->next_stream_id;
	} while (id == 0 || g_hash_table_contains(l->streams, GUINT_TO_POINTER(id)));
	return id;
}

/* ---- commands ---- */

/*
 * The user m's credentials prove, or NULL (*ret_result says why). A wrong password is not
 * rescued by a token; a refresh token is spent when used; failures are throttled.
 */
static struct relay_user *authenticate(struct relay_logic *l, struct session *s,
				       const struct proto_msg *m, uint64_t now,
				       enum relay_auth_result *ret_result, uint64_t *ret_retry)
{
	const char *addr = relay_conn_addr(s->conn);
	struct relay_user *u = NULL;
	const char *owner = NULL;

	*ret_retry = 0;
	if (m->username) {
		u = g_hash_table_lookup(l->cfg->users, m->username);
		/* unknown names get no throttling record of their own (they would
		 * push real users' records out of the bounded table) */
		const char *key = u ? m->username : NULL;

		if (m->password || (m->auth_token && !m->refresh_token)) {
			*ret_result = relay_auth_password(l->auth, addr, key,
				u ? (m->password ? u->password : u->token) : NULL,
				m->password ? m->password : m->auth_token, now, ret_retry);
			return *ret_result == RELAY_AUTH_OK ? u : NULL;
		}
		if (u && m->auth_token && u->token && relay_auth_equal(m->auth_token, u->token)) {
			/* an auth_token with a refresh token: the token is not needed */
			*ret_result = relay_auth_password(l->auth, addr, key, u->token,
							  m->auth_token, now, ret_retry);
			return *ret_result == RELAY_AUTH_OK ? u : NULL;
		}
	}
	if (!m->refresh_token) {
		relay_auth_failed(l->auth, addr, u ? m->username : NULL, now);
		*ret_result = RELAY_AUTH_BAD;
		return NULL;
	}
	*ret_result = relay_auth_refresh(l->auth, addr, m->username, m->refresh_token, now,
					 &owner, ret_retry);
	if (*ret_result != RELAY_AUTH_OK)
		return NULL;
	u = g_hash_table_lookup(l->cfg->users, owner);
	if (!u)
		*ret_result = RELAY_AUTH_BAD;	/* removed from the config since */
	return u;
}

static const char *const relay_extensions[] = {
	PROTO_EXT_EMERGENCY, PROTO_EXT_JOIN_STREAM, PROTO_EXT_PACKET_ID, NULL,
};

/* user logs on on s while logged on elsewhere: the policy (false: refuse s). */
static bool duplicate_logon(struct relay_logic *l, struct session *s, const char *user)
{
	GPtrArray *same = g_hash_table_lookup(l->by_user, user);
	unsigned i;

	for (i = 0; same && i < same->len; i++) {
		struct session *o = g_ptr_array_index(same, i);

		if (o == s || o->closing)
			continue;
		switch (l->cfg->duplicate) {
		case RELAY_DUPLICATE_REFUSE:
			g_warning("%s: %s is logged on already (%s): new logon refused", peer(s),
				  user, peer(o));
			return false;
		case RELAY_DUPLICATE_REPLACE:
			g_message("%s: %s logs on again: the session of %s is closed", peer(s),
				  user, peer(o));
			send_text(o, proto_build_on_error("logged on elsewhere"));
			relay_conn_close(o->conn, false, "replaced by a newer logon");
			o->closing = true;
			break;
		case RELAY_DUPLICATE_ALLOW:
			g_message("%s: %s logs on again; also logged on from %s", peer(s), user,
				  peer(o));
			break;
		}
	}
	return true;
}

static void cmd_logon(struct relay_logic *l, struct session *s, const struct proto_msg *m,
		      uint64_t now)
{
	enum relay_auth_result res;
	struct relay_user *u;
	uint64_t retry;
	char *refresh;
	unsigned i;

	if (s->user) {
		peer_warning(l, now, "%s: %s: logon again, refused", peer(s), who(s));
		answer_error(s, m, PROTO_ERR_INVALID_REQUEST);
		return;
	}
	u = authenticate(l, s, m, now, &res, &retry);
	if (!u) {
		g_autofree char *name = log_escape(m->username ? m->username
							       : "(refresh token)");

		if (res == RELAY_AUTH_THROTTLED) {
			l->stats.logons_throttled++;
			peer_warning(l, now, "%s: logon of \"%s\" refused unchecked: too many "
				     "failed logons, next try in %.1f s", peer(s), name,
				     retry / 1e6);
		} else {
			l->stats.logons_failed++;
			peer_warning(l, now, "%s: logon of \"%s\" refused: bad credentials",
				     peer(s), name);
		}
		answer_error(s, m, PROTO_ERR_NOT_AUTHORIZED);
		relay_conn_close(s->conn, false, "logon refused");
		s->closing = true;
		return;
	}
	if (!duplicate_logon(l, s, u->name)) {
		answer_error(s, m, PROTO_ERR_NOT_AUTHORIZED);
		relay_conn_close(s->conn, false, "duplicate logon refused");
		s->closing = true;
		return;
	}
	relay_auth_succeeded(l->auth, relay_conn_addr(s->conn), u->name);
	refresh = relay_auth_issue_token(l->auth, u->name, now);
	s->user = g_strdup(u->name);
	{
		GPtrArray *same = g_hash_table_lookup(l->by_user, s->user);

		if (!same) {
			same = g_ptr_array_new();
			g_hash_table_insert(l->by_user, g_strdup(s->user), same);
		}
		g_ptr_array_add(same, s);
	}
	s->listen_only = m->listen_only;
	relay_conn_logged_on(s->conn);
	/* our extensions, announced: a plain Zello client ignores the member */
	send_text(s, proto_build_logon_reply(m->seq, refresh, relay_extensions));
	explicit_bzero(refresh, strlen(refresh));
	g_free(refresh);
	g_message("%s: %s logged on (%u channels)", peer(s), s->user, m->n_channels);

	for (i = 0; i < m->n_channels; i++) {
		struct channel *ch = g_hash_table_lookup(l->channels, m->channels[i]);
		struct proto_msg st = PROTO_MSG_INIT;

		st.cmd = PROTO_CMD_ON_CHANNEL_STATUS;
		st.channel = m->channels[i];
		st.status = (char *)"offline";
		if (!ch || !is_member(l, ch, s->user)) {
			g_autofree char *name = log_escape(m->channels[i]);

			st.error = (char *)(ch ? PROTO_ERR_NOT_AUTHORIZED : "no such channel");
			peer_warning(l, now, "%s: %s: channel \"%s\": %s", peer(s), s->user,
				     name, st.error);
			send_text(s, proto_build(&st, NULL));
			continue;
		}
		if (relay_session_channel(s, ch->conf->name))
			continue;	/* listed twice */
		g_ptr_array_add(s->channels, ch);
		g_ptr_array_add(ch->sessions, s);
		channel_status(ch);
	}
}

/* The floor is s's: the burst starts (reply to the talker, on_stream_start to the others). */
void relay_burst_start(struct relay_logic *l, struct session *s, struct channel *ch, uint32_t id,
		       int64_t seq, const struct relay_fed_stream *st)
{
	struct burst *b;
	unsigned i;

	if (ch->live)	/* the home granted: what this relay still holds is stale */
		relay_burst_end(l, ch->live, "superseded", true, g_get_monotonic_time());
	/* 5 s of 20 ms packets before the array grows */
	b = relay_burst_new(l, ch, id, s->user, st, 256, g_get_monotonic_time());
	b->talker = s;

	send_text(s, proto_build_reply_ok(seq < 0 ? 0 : (uint32_t)seq, true, b->id, NULL));
	for (i = 0; i < ch->sessions->len; i++) {
		struct session *o = g_ptr_array_index(ch->sessions, i);

		if (o != s && (!b->for_user || g_strcmp0(o->user, b->for_user) == 0))
			relay_session_start_receiving(o, b);
	}
	g_message("stream %u on %s from %s started%s", b->id, ch->conf->name, b->from,
		  b->emergency ? " (emergency)" : "");
	if (l->fed)
		relay_fed_started(l->fed, st);
	publish_push(l, b);
}

static void cmd_start_stream(struct relay_logic *l, struct session *s, const struct proto_msg *m,
			     uint64_t now)
{
	struct channel *ch = relay_session_channel(s, m->channel);
	struct relay_fed_stream st;
	uint32_t replaces = 0;

	if (!ch) {
		g_autofree char *name = log_escape(m->channel ? m->channel
							      : "(none; several joined)");

		peer_warning(l, now, "%s: %s: start_stream on channel \"%s\" not joined", peer(s),
			     who(s), name);
		answer_error(s, m, m->channel ? PROTO_ERR_CHANNEL_NOT_READY
					      : PROTO_ERR_NOT_ENOUGH_PARAMS);
		return;
	}
	if (s->listen_only) {
		answer_error(s, m, "listen only connection");
		return;
	}
	if (ch->live && ch->live->stop_deadline) {
		/* stopped by its relay, its last packets awaited: the floor is free */
	} else if (ch->live) {
		if (ch->live->talker == s) {
			replaces = ch->live->id;
			relay_burst_end(l, ch->live, "restarted by its talker", false, now);
		} else if (m->emergency && !ch->live->emergency && (!l->fed || !ch->live->remote)) {
			l->stats.preempted++;
			g_message("channel %s: emergency from %s pre-empts stream %u of %s",
				  ch->conf->name, s->user, ch->live->id, ch->live->from);
			replaces = ch->live->id;
			relay_burst_end(l, ch->live, "pre-empted by an emergency", true, now);
		} else if (!m->emergency || ch->live->emergency) {
			l->stats.busy++;
			g_info("channel %s: %s denied, %s talks (stream %u)", ch->conf->name,
			       s->user, ch->live->from, ch->live->id);
			answer_error(s, m, PROTO_ERR_CHANNEL_BUSY);
			return;
		}
		/* an emergency over another relay's burst: its home decides */
	}
	st = (struct relay_fed_stream){
		.id = new_stream_id(l), .channel = ch->conf->name, .from = s->user,
		.for_user = m->for_user, .hdr = m->codec_header,
		.packet_duration = m->packet_duration, .emergency = m->emergency,
	};
	if (l->fed) {
		st.origin = relay_fed_self(l->fed);
		switch (relay_fed_floor_request(l->fed, &st, replaces, s, m->has_seq ? (int64_t)m->seq : -1)) {
		case RELAY_FED_GRANTED:
			break;
		case RELAY_FED_DENIED:
			l->stats.busy++;
			g_info("channel %s: %s denied by the channel's home", ch->conf->name, s->user);
			answer_error(s, m, PROTO_ERR_CHANNEL_BUSY);
			return;
		case RELAY_FED_ASKED:
			return;	/* relay_logic_fed_answer() */
		}
	}
	relay_burst_start(l, s, ch, st.id, m->has_seq ? (int64_t)m->seq : -1, &st);
}

static void cmd_stop_stream(struct relay_logic *l, struct session *s, const struct proto_msg *m,
			    uint64_t now)
{
	struct burst *b = g_hash_table_lookup(l->streams, GUINT_TO_POINTER(m->stream_id));

	if (!b || b->ended || b->talker != s) {
		/* e.g. a pre-empted talker stopping late: harmless */
		g_info("%s: %s: stop_stream %u: not a stream of theirs in progress", peer(s),
		       who(s), m->stream_id);
		if (m->has_seq)
			send_text(s, proto_build_reply_error(m->seq, PROTO_ERR_FAILED_STOP));
		return;
	}
	relay_burst_end(l, b, "stopped", false, now);
	if (m->has_seq)
		send_text(s, proto_build_reply_ok(m->seq, false, 0, NULL));
}

static void cmd_join_stream(struct relay_logic *l, struct session *s, const struct proto_msg *m)
{
	struct burst *b = g_hash_table_lookup(l->streams, GUINT_TO_POINTER(m->stream_id));
	struct relay_frame *f;
	unsigned i;

	if (!b) {
		g_info("%s: %s: join_stream %u: no such stream", peer(s), who(s), m->stream_id);
		answer_error(s, m, PROTO_ERR_NO_SUCH_STREAM);
		return;
	}
	if (!relay_session_channel(s, b->ch->conf->name)) {
		g_warning("%s: %s: join_stream %u on %s, a channel not joined", peer(s), who(s),
			  b->id, b->ch->conf->name);
		answer_error(s, m, PROTO_ERR_NOT_AUTHORIZED);
		return;
	}
	if (b->for_user && strcmp(b->for_user, s->user) != 0) {
		g_warning("%s: %s: join_stream %u, a burst for %s only", peer(s), who(s), b->id,
			  b->for_user);
		answer_error(s, m, PROTO_ERR_NOT_AUTHORIZED);
		return;
	}
	if (b->talker == s || g_hash_table_contains(s->receiving, GUINT_TO_POINTER(b->id))) {
		g_info("%s: %s: join_stream %u: already receiving it", peer(s), who(s), b->id);
		answer_error(s, m, PROTO_ERR_ALREADY_JOINED);
		return;
	}
	l->stats.joins++;
	send_text(s, proto_build_reply_ok(m->seq, true, b->id, NULL));
	relay_session_start_receiving(s, b);
	for (i = 0; i < b->packets->len; i++)
		relay_conn_send(s->conn, g_ptr_array_index(b->packets, i));
	g_message("%s: %s joins stream %u late: %u packets replayed%s", peer(s), s->user, b->id,
		  b->packets->len, b->ended ? ", burst already ended" : ", then live");
	if (b->ended) {
		f = relay_frame_take_text(proto_build_on_stream_stop(b->id));
		f->kind = RELAY_FRAME_STREAM_STOP;
		f->stream_id = b->id;
		relay_conn_send(s->conn, f);
		relay_frame_unref(f);
	}
}

static void cmd_text_message(struct relay_logic *l, struct session *s, const struct proto_msg *m)
{
	struct channel *ch = relay_session_channel(s, m->channel);
	unsigned i;

	if (!ch) {
		answer_error(s, m, PROTO_ERR_CHANNEL_NOT_READY);
		return;
	}
	l->next_message_id++;
	for (i = 0; i < ch->sessions->len; i++) {
		struct session *o = g_ptr_array_index(ch->sessions, i);

		if (o == s || (m->for_user && g_strcmp0(o->user, m->for_user) != 0))
			continue;
		send_text(o, proto_build_on_text_message(ch->conf->name, s->user, m->text,
							 l->next_message_id, m->for_user));
	}
	send_text(s, proto_build_reply_ok(m->seq, false, 0, NULL));
}

/* send_location: like a text message, to the channel or to its "for" user only */
static void cmd_location(struct relay_logic *l, struct session *s, const struct proto_msg *m)
{
	struct channel *ch = relay_session_channel(s, m->channel);
	unsigned i;

	if (!ch) {
		answer_error(s, m, PROTO_ERR_CHANNEL_NOT_READY);
		return;
	}
	l->next_message_id++;
	g_info("%s: %s: location %.7f %.7f (%.0f m)%s%s", peer(s), s->user, m->latitude,
	       m->longitude, m->accuracy, m->for_user ? " for " : "",
	       m->for_user ? m->for_user : "");
	for (i = 0; i < ch->sessions->len; i++) {
		struct session *o = g_ptr_array_index(ch->sessions, i);

		if (o == s || (m->for_user && g_strcmp0(o->user, m->for_user) != 0))
			continue;
		send_text(o, proto_build_on_location(ch->conf->name, s->user, l->next_message_id,
						     m->latitude, m->longitude, m->accuracy,
						     m->formatted_address, m->for_user));
	}
	send_text(s, proto_build_reply_ok(m->seq, false, 0, NULL));
}

void relay_logic_text(struct relay_logic *l, struct relay_conn *c, const char *buf, size_t len,
		      uint64_t now)
{
	struct session *s = relay_conn_get_session(c);
	struct proto_msg m = PROTO_MSG_INIT;
	g_autoptr(GError) error = NULL;
	int r;

	if (!s || s->closing)
		return;
	r = proto_parse_text(buf, len, &m, &error);
	if (r < 0) {
		l->stats.bad_frames++;
		g_autofree char *why = log_escape(error->message);

		peer_warning(l, now, "%s: %s: bad text frame (%zu bytes): %s, dropped", peer(s),
			     who(s), len, why);
		answer_error(s, &m, error_code_string(error->code));
		proto_msg_clear(&m);
		return;
	}
	if (r == PROTO_PARSE_IGNORED) {
		g_autofree char *name = log_escape(m.command);

		/* as a strict server: {seq, error}, or on_error without a seq */
		g_debug("%s: %s: unknown command \"%s\", refused", peer(s), who(s), name);
		answer_error(s, &m, PROTO_ERR_UNKNOWN_COMMAND);
		proto_msg_clear(&m);
		return;
	}
	if (!s->user && m.cmd != PROTO_CMD_LOGON && m.cmd != PROTO_CMD_KEEPALIVE) {
		peer_warning(l, now, "%s: %s before logon, refused", peer(s),
			     proto_cmd_to_string(m.cmd));
		answer_error(s, &m, PROTO_ERR_NOT_LOGGED_IN);
		proto_msg_clear(&m);
		return;
	}
	switch (m.cmd) {
	case PROTO_CMD_LOGON:
		cmd_logon(l, s, &m, now);
		break;
	case PROTO_CMD_START_STREAM:
		cmd_start_stream(l, s, &m, now);
		break;
	case PROTO_CMD_STOP_STREAM:
		cmd_stop_stream(l, s, &m, now);
		break;
	case PROTO_CMD_JOIN_STREAM:
		cmd_join_stream(l, s, &m);
		break;
	case PROTO_CMD_SEND_TEXT_MESSAGE:
		cmd_text_message(l, s, &m);
		break;
	case PROTO_CMD_SEND_LOCATION:
		cmd_location(l, s, &m);
		break;
	case PROTO_CMD_KEEPALIVE:
		if (m.has_seq)
			send_text(s, proto_build_reply_ok(m.seq, false, 0, NULL));
		break;
	case PROTO_CMD_REPLY:
		g_debug("%s: %s: reply to seq %u, ignored", peer(s), who(s), m.seq);
		break;
	case PROTO_CMD_ON_CHANNEL_STATUS:
	case PROTO_CMD_ON_STREAM_START:
	case PROTO_CMD_ON_STREAM_STOP:
	case PROTO_CMD_ON_ERROR:
	case PROTO_CMD_ON_TEXT_MESSAGE:
	case PROTO_CMD_ON_LOCATION:
	case PROTO_CMD_INVALID:
	case PROTO_CMD_UNKNOWN:
		g_debug("%s: %s: server-side command %s from a client, ignored", peer(s), who(s),
			proto_cmd_to_string(m.cmd));
		if (m.has_seq)
			send_text(s, proto_build_reply_error(m.seq, PROTO_ERR_INVALID_REQUEST));
		break;
	}
	proto_msg_clear(&m);
}

void relay_logic_binary(struct relay_logic *l, struct relay_conn *c, const uint8_t *buf,
			size_t len, uint64_t now)
{
	struct session *s = relay_conn_get_session(c);
	g_autoptr(GError) error = NULL;
	struct proto_audio a;
	struct burst *b;
	struct relay_frame *f;
	unsigned i;

	if (!s || s->closing)
		return;
	if (proto_parse_audio(buf, len, &a, &error) < 0) {
		l->stats.bad_frames++;
		g_autofree char *why = log_escape(error->message);

		peer_warning(l, now, "%s: %s: bad binary frame: %s, dropped", peer(s), who(s), why);
		send_text(s, proto_build_on_error(PROTO_ERR_INVALID_AUDIO));
		return;
	}
	if (!s->user) {
		peer_warning(l, now, "%s: audio before logon, dropped", peer(s));
		send_text(s, proto_build_on_error(PROTO_ERR_NOT_LOGGED_IN));
		return;
	}
	b = g_hash_table_lookup(l->streams, GUINT_TO_POINTER(a.stream_id));
	if (!b || b->ended || b->talker != s) {
		/* logged once per stream: a pre-empted talker may send a few more packets */
		if (s->bad_stream != a.stream_id) {
			s->bad_stream = a.stream_id;
			peer_warning(l, now, "%s: %s: audio for stream %u, which is not theirs "
				     "in progress, dropped", peer(s), who(s), a.stream_id);
		}
		l->stats.bad_frames++;
		return;
	}
	if (b->packets->len >= MAX_BURST_PACKETS ||
	    b->bytes + len > l->cfg->max_burst_bytes) {
		relay_burst_end(l, b, "too much audio", true, now);
		return;
	}
	f = relay_frame_new(RELAY_FRAME_AUDIO, len);
	f->stream_id = b->id;
	proto_audio_write_header(f->data, b->id, b->packets->len);
	memcpy(f->data + PROTO_AUDIO_HEADER_LEN, a.data, a.len);
	g_ptr_array_add(b->packets, f);
	b->bytes += len;
	b->last_audio = now;
	l->stats.packets_in++;
	for (i = 0; i < b->ch->sessions->len; i++) {
		struct session *o = g_ptr_array_index(b->ch->sessions, i);

		if (o != s && g_hash_table_contains(o->receiving, GUINT_TO_POINTER(b->id)))
			relay_conn_send(o->conn, f);
	}
	if (l->fed)
		relay_fed_audio(l->fed, b->ch->conf->name, f->data, f->len);
}

void relay_logic_oversized(struct relay_logic *l, struct relay_conn *c, bool binary, size_t len)
{
	struct session *s = relay_conn_get_session(c);

	if (!s || s->closing)
		return;
	l->stats.bad_frames++;
	peer_warning(l, (uint64_t)g_get_monotonic_time(),
		     "%s: %s: %s frame of at least %zu bytes over the limit of %u, dropped",
		     peer(s), who(s), binary ? "binary" : "text", len,
		     binary ? PROTO_MAX_BINARY : PROTO_MAX_TEXT);
	send_text(s, proto_build_on_error(PROTO_ERR_TOO_LARGE));
}

void relay_logic_written(struct relay_logic *l, struct relay_conn *c, const struct relay_frame *f)
{
	struct session *s = relay_conn_get_session(c);
	gpointer key = GUINT_TO_POINTER(f->stream_id), v;

	if (!s || !g_hash_table_lookup_extended(s->receiving, key, NULL, &v))
		return;
	if (f->kind == RELAY_FRAME_AUDIO) {
		l->stats.packets_out++;
		g_hash_table_insert(s->receiving, key, GUINT_TO_POINTER(GPOINTER_TO_UINT(v) + 1));
	} else if (f->kind == RELAY_FRAME_STREAM_STOP) {
		g_message("delivered stream=%u user=%s peer=%s packets=%u", f->stream_id, who(s),
			  peer(s), GPOINTER_TO_UINT(v));
		g_hash_table_remove(s->receiving, key);
	}
}

/* ---- sessions ---- */

void relay_logic_connected(struct relay_logic *l, struct relay_conn *c, uint64_t now)
{
	struct session *s = g_new0(struct session, 1);

	s->conn = c;
	s->channels = g_ptr_array_new();
	s->receiving = g_hash_table_new(NULL, NULL);
	s->connected_at = now;
	relay_conn_set_session(c, s);
	g_ptr_array_add(l->sessions, s);
	g_info("%s: connected (%u connections)", peer(s), l->sessions->len);
}

void relay_logic_closed(struct relay_logic *l, struct relay_conn *c, uint64_t now)
{
	struct session *s = relay_conn_get_session(c);
	GHashTableIter it;
	gpointer k, v;
	unsigned i;

	if (!s)
		return;
	if (l->fed)
		relay_fed_session_gone(l->fed, s);
	for (i = 0; i < s->channels->len; i++) {
		struct channel *ch = g_ptr_array_index(s->channels, i);

		if (ch->live && ch->live->talker == s)
			relay_burst_end(l, ch->live, "talker disconnected", false, now);
		g_ptr_array_remove(ch->sessions, s);
		channel_status(ch);
	}
	/* what it got of bursts still open for it (the soak test counts these too) */
	g_hash_table_iter_init(&it, s->receiving);
	while (g_hash_table_iter_next(&it, &k, &v))
		g_message("delivered stream=%u user=%s peer=%s packets=%u (disconnected)",
			  GPOINTER_TO_UINT(k), who(s), peer(s), GPOINTER_TO_UINT(v));
	g_info("%s: %s disconnected", peer(s), who(s));
	relay_conn_set_session(c, NULL);
	if (s->user) {
		GPtrArray *same = g_hash_table_lookup(l->by_user, s->user);

		if (same && g_ptr_array_remove_fast(same, s) && !same->len)
			g_hash_table_remove(l->by_user, s->user);
	}
	g_ptr_array_remove_fast(l->sessions, s);
	g_ptr_array_unref(s->channels);
	g_hash_table_unref(s->receiving);
	g_free(s->user);
	g_free(s);
}

void relay_logic_tick(struct relay_logic *l, uint64_t now)
{
	const struct relay_config *cfg = l->cfg;
	GHashTableIter it;
	gpointer v;
	unsigned i;

	g_hash_table_iter_init(&it, l->channels);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		struct channel *ch = v;

		if (ch->live && ch->live->stop_deadline && now >= ch->live->stop_deadline) {
			l->fed_remote_end = true;
			relay_burst_end(l, ch->live, "stopped by its relay, packets missing", true,
					now);
			l->fed_remote_end = false;
		}
		if (ch->live && now - ch->live->last_audio > cfg->stream_timeout_usec)
			relay_burst_end(l, ch->live, "no audio, timed out", true, now);
		if (ch->live && now - ch->live->started > cfg->max_burst_usec)
			relay_burst_end(l, ch->live, "longest burst reached", true, now);
		if (ch->last && now - ch->last->ended_at > cfg->keep_usec) {
			burst_free(l, ch->last);
			ch->last = NULL;
		}
	}
	relay_auth_expire(l->auth, now);
	if (l->fed)
		relay_fed_tick(l->fed, now);
	for (i = 0; i < l->sessions->len; i++) {
		struct session *s = g_ptr_array_index(l->sessions, i);

		if (!s->user && !s->closing && now - s->connected_at > cfg->logon_timeout_usec) {
			peer_warning(l, now, "%s: no logon within %.1f s, closing", peer(s),
				     cfg->logon_timeout_usec / 1e6);
			send_text(s, proto_build_on_error(PROTO_ERR_NOT_LOGGED_IN));
			relay_conn_close(s->conn, false, "logon timeout");
			s->closing = true;
		}
	}
}

void relay_logic_dump_stats(struct relay_logic *l)
{
	g_message("stats: connections=%u streams=%" G_GUINT64_FORMAT " packets_in=%"
		  G_GUINT64_FORMAT " packets_out=%" G_GUINT64_FORMAT " bad_frames=%"
		  G_GUINT64_FORMAT " logons_failed=%" G_GUINT64_FORMAT " busy=%" G_GUINT64_FORMAT
		  " preempted=%" G_GUINT64_FORMAT " joins=%" G_GUINT64_FORMAT " logons_throttled=%"
		  G_GUINT64_FORMAT,
		  l->sessions->len, l->stats.streams, l->stats.packets_in, l->stats.packets_out,
		  l->stats.bad_frames, l->stats.logons_failed, l->stats.busy, l->stats.preempted,
		  l->stats.joins, l->stats.logons_throttled);
	if (l->fed)
		relay_fed_dump_stats(l->fed);
}

/* ---- life cycle ---- */

static void channel_free(gpointer p)
{
	struct channel *ch = p;

	if (ch->members)
		g_hash_table_unref(ch->members);
	g_ptr_array_unref(ch->sessions);
	g_free(ch);
}

struct relay_logic *relay_logic_new(struct relay_config *cfg, GError **error)
{
	struct relay_logic *l = g_new0(struct relay_logic, 1);
	unsigned i;

	l->cfg = cfg;
	l->channels = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, channel_free);
	l->streams = g_hash_table_new(NULL, NULL);
	l->sessions = g_ptr_array_new();
	l->by_user = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
					   (GDestroyNotify)g_ptr_array_unref);
	l->auth = relay_auth_new(&cfg->auth_limits);
	l->warn_rl = (struct log_ratelimit)LOG_RATELIMIT_INIT(G_USEC_PER_SEC, 20);
	/* ids differ across restarts, so a gateway never mistakes a new burst for an old one */
	l->next_stream_id = g_random_int_range(1, 1 << 30);
	for (i = 0; i < cfg->channels->len; i++) {
		struct channel *ch = g_new0(struct channel, 1);

		ch->conf = g_ptr_array_index(cfg->channels, i);
		ch->members = members_new(ch->conf);
		ch->sessions = g_ptr_array_new();
		g_hash_table_insert(l->channels, ch->conf->name, ch);
	}
#ifdef PTTGW_RELAY_PUSH
	if (cfg->mqtt_host) {
		const struct relay_push_auth auth = {
			.username = cfg->mqtt_username, .password_file = cfg->mqtt_password_file,
			.ca_file = cfg->mqtt_ca_file, .cert_file = cfg->mqtt_cert,
			.key_file = cfg->mqtt_key,
		};

		l->push = relay_push_new_auth(cfg->mqtt_host, cfg->mqtt_port, cfg->push_prefix,
					      &auth, error);
		if (!l->push) {
			relay_logic_free(l);
			return NULL;
		}
		for (i = 0; i < cfg->push_keys->len; i++) {
			if (!relay_push_add_key_arg(l->push, g_ptr_array_index(cfg->push_keys, i),
						    error)) {
				relay_logic_free(l);
				return NULL;
			}
		}
		g_message("pushes to %s:%u, topics %s/<username>", cfg->mqtt_host,
			  cfg->mqtt_port, cfg->push_prefix);
	}
#else
	if (cfg->mqtt_host) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
			    "--mqtt: this relay was built without push support");
		relay_logic_free(l);
		return NULL;
	}
#endif
	if (cfg->fed.broker_host) {
		l->fed = relay_fed_new(&cfg->fed, l, error);
		if (!l->fed) {
			relay_logic_free(l);
			return NULL;
		}
	}
	return l;
}

struct relay_logic *relay_logic_free(struct relay_logic *l)
{
	GHashTableIter it;
	gpointer v;

	if (!l)
		return NULL;
	/* connections are closed (relay_logic_closed) before this */
	l->fed = relay_fed_free(l->fed);
	g_hash_table_iter_init(&it, l->streams);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		struct burst *b = v;

		g_hash_table_iter_steal(&it);
		g_ptr_array_unref(b->packets);
		g_free(b->from);
		g_free(b->for_user);
		g_free(b);
	}
	g_hash_table_unref(l->streams);
	g_hash_table_unref(l->channels);
	if (l->retired)
		g_ptr_array_unref(l->retired);
	if (l->old_confs)
		g_ptr_array_unref(l->old_confs);
	g_ptr_array_unref(l->sessions);
	g_hash_table_unref(l->by_user);
	relay_auth_free(l->auth);
#ifdef PTTGW_RELAY_PUSH
	relay_push_free(l->push);
#endif
	g_free(l);
	return NULL;
}

/* ---- reload (SIGHUP): users and channels ---- */

static void close_session(struct session *s, const char *why)
{
	if (s->closing)
		return;
	g_message("%s: %s: %s, closing", peer(s), who(s), why);
	send_text(s, proto_build_on_error(PROTO_ERR_NOT_AUTHORIZED));
	relay_conn_close(s->conn, false, why);
	s->closing = true;
}

void relay_logic_reload(struct relay_logic *l, struct relay_config *next)
{
	struct relay_config *cfg = l->cfg;
	GHashTable *users = cfg->users;
	GPtrArray *confs = cfg->channels;
	GPtrArray *kept;
	GHashTableIter it;
	gpointer v;
	unsigned i, added = 0, removed = 0;

	/* the new users; refresh tokens live in l->auth, bound to user names, and a token
	 * of a user no longer configured is refused in authenticate() */
	cfg->users = next->users;
	next->users = users;
	cfg->channels = next->channels;
	next->channels = confs; /* freed with next; kept for the retired channels' names */
	if (!l->old_confs)
		l->old_confs = g_ptr_array_new_with_free_func((GDestroyNotify)g_ptr_array_unref);
	g_ptr_array_add(l->old_confs, g_ptr_array_ref(confs));
	if (!l->retired)
		l->retired = g_ptr_array_new_with_free_func(channel_free);

	/* channels: kept ones take their new members, gone ones retire, new ones open */
	kept = g_ptr_array_new();
	g_hash_table_iter_init(&it, l->channels);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		struct channel *ch = v;
		const struct relay_channel_conf *conf = NULL;

		for (i = 0; i < cfg->channels->len && !conf; i++) {
			const struct relay_channel_conf *c = g_ptr_array_index(cfg->channels, i);

			if (g_str_equal(c->name, ch->conf->name))
				conf = c;
		}
		g_hash_table_iter_steal(&it); /* keyed by the old conf's name */
		if (!conf) {
			for (i = 0; i < ch->sessions->len; i++)
				close_session(g_ptr_array_index(ch->sessions, i), "channel removed");
			g_ptr_array_add(l->retired, ch);
			removed++;
			continue;
		}
		ch->conf = conf;
		if (ch->members)
			g_hash_table_unref(ch->members);
		ch->members = members_new(conf);
		g_ptr_array_add(kept, ch);
	}
	for (i = 0; i < kept->len; i++) {
		struct channel *ch = g_ptr_array_index(kept, i);

		g_hash_table_insert(l->channels, ch->conf->name, ch);
		for (unsigned j = 0; j < ch->sessions->len; j++) {
			struct session *s = g_ptr_array_index(ch->sessions, j);

			if (s->user && !is_member(l, ch, s->user))
				close_session(s, "no longer a member of a channel");
		}
	}
	g_ptr_array_unref(kept);
	for (i = 0; i < cfg->channels->len; i++) {
		struct relay_channel_conf *conf = g_ptr_array_index(cfg->channels, i);
		struct channel *ch;

		if (g_hash_table_contains(l->channels, conf->name))
			continue;
		ch = g_new0(struct channel, 1);
		ch->conf = conf;
		ch->members = members_new(conf);
		ch->sessions = g_ptr_array_new();
		g_hash_table_insert(l->channels, conf->name, ch);
		added++;
	}
	/* sessions of users that are gone */
	for (i = 0; i < l->sessions->len; i++) {
		struct session *s = g_ptr_array_index(l->sessions, i);

		if (s->user && !g_hash_table_contains(cfg->users, s->user))
			close_session(s, "user removed");
	}
	g_message("reloaded: %u users, %u channels (%u new, %u removed)",
		  g_hash_table_size(cfg->users), cfg->channels->len, added, removed);
	relay_config_free(next);
}
