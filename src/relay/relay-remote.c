/* SPDX-License-Identifier: MIT */
/*
 * relay-remote.c - the relay's logic for federation (relay-fed.h): bursts that arrive from
 * other relays (relay_logic_remote_*), and the answers of channels' homes to our talkers.
 *
 * Shares relay.c's private state through relay-private.h.
 */
#include "relay-private.h"

#include <string.h>

void relay_logic_set_wake(struct relay_logic *l, void (*wake)(void *data), void *data)
{
	if (l->fed)
		relay_fed_set_wake(l->fed, wake, data);
}

void relay_logic_poll(struct relay_logic *l, uint64_t now)
{
	if (l->fed)
		relay_fed_dispatch(l->fed, now);
}

static void end_remote(struct relay_logic *l, struct burst *b, const char *why, uint64_t now)
{
	l->fed_remote_end = true;
	relay_burst_end(l, b, why, true, now);
	l->fed_remote_end = false;
}

void relay_logic_fed_answer(struct relay_logic *l, void *session, int64_t seq,
			    const struct relay_fed_stream *st, bool granted)
{
	struct session *s = session;
	struct channel *ch = relay_session_channel(s, st->channel);

	if (!granted) {
		l->stats.busy++;
		/* s asked for the floor: logged on, s->user is set */
		g_info("channel %s: %s denied by the channel's home", st->channel, s->user);
		relay_conn_send_text(s->conn, seq >= 0 ?
				     proto_build_reply_error(seq, PROTO_ERR_CHANNEL_BUSY) :
				     proto_build_on_error(PROTO_ERR_CHANNEL_BUSY));
		return;
	}
	if (!ch || s->closing) {
		/* given back at once: the home frees the floor */
		relay_fed_ended(l->fed, st->channel, st->id, 0, "talker gone");
		return;
	}
	relay_burst_start(l, s, ch, st->id, seq, st);
}

void relay_logic_remote_start(struct relay_logic *l, const struct relay_fed_stream *st)
{
	struct channel *ch = g_hash_table_lookup(l->channels, st->channel);
	uint64_t now = g_get_monotonic_time();
	struct burst *b;
	unsigned i;

	if (!ch) {
		g_debug("federation: stream %u on %s, a channel not configured here", st->id,
			st->channel);
		return;
	}
	if (g_hash_table_contains(l->streams, GUINT_TO_POINTER(st->id)))
		return;	/* known already (a duplicate) */
	if (ch->live)
		end_remote(l, ch->live, ch->live->remote ? "superseded" :
			   "another relay's talker has the floor", now);
	b = relay_burst_new(l, ch, st->id, st->from, st, 0, now);
	b->remote = true;
	for (i = 0; i < ch->sessions->len; i++) {
		struct session *o = g_ptr_array_index(ch->sessions, i);

		if (!b->for_user || g_strcmp0(o->user, b->for_user) == 0)
			relay_session_start_receiving(o, b);
	}
	g_message("stream %u on %s from %s (relay %s) started%s", b->id, ch->conf->name, b->from,
		  st->origin, b->emergency ? " (emergency)" : "");
}

void relay_logic_remote_audio(struct relay_logic *l, const uint8_t *frame, size_t len)
{
	struct proto_audio a;
	struct burst *b;
	struct relay_frame *f;
	unsigned i;

	if (proto_parse_audio(frame, len, &a, NULL) < 0 || len > PROTO_MAX_BINARY)
		return;
	b = g_hash_table_lookup(l->streams, GUINT_TO_POINTER(a.stream_id));
	if (!b || !b->remote || b->ended || a.packet_id < b->next_packet)
		return;	/* not (or no longer) live here, or a duplicate */
	if (b->packets->len >= MAX_BURST_PACKETS || b->bytes + len > l->cfg->max_burst_bytes) {
		end_remote(l, b, "too much audio", g_get_monotonic_time());
		return;
	}
	b->next_packet = a.packet_id + 1;
	f = relay_frame_new(RELAY_FRAME_AUDIO, len);
	f->stream_id = b->id;
	memcpy(f->data, frame, len);
	g_ptr_array_add(b->packets, f);
	b->bytes += len;
	b->last_audio = g_get_monotonic_time();
	l->stats.packets_in++;
	for (i = 0; i < b->ch->sessions->len; i++) {
		struct session *o = g_ptr_array_index(b->ch->sessions, i);

		if (g_hash_table_contains(o->receiving, GUINT_TO_POINTER(b->id)))
			relay_conn_send(o->conn, f);
	}
	if (b->stop_deadline && b->packets->len >= b->stop_packets)
		end_remote(l, b, "stopped", b->last_audio);
}

void relay_logic_remote_stop(struct relay_logic *l, uint32_t id, unsigned packets,
			     const char *why, uint64_t now)
{
	struct burst *b = g_hash_table_lookup(l->streams, GUINT_TO_POINTER(id));
	g_autofree char *reason = g_strdup(why ? why : "stopped");

	if (!b || b->ended)
		return;
	if (!b->remote) {
		/* ours, stopped by the channel's home (an emergency elsewhere) */
		l->stats.preempted++;
		end_remote(l, b, reason, now);
		return;
	}
	if (b->packets->len >= packets) {
		end_remote(l, b, reason, now);
		return;
	}
	/* its last packets come on another path (QoS 0): wait for them a little */
	b->stop_packets = packets;
	b->stop_deadline = now + RELAY_FED_LINGER_USEC;
}
