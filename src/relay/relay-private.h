/* SPDX-License-Identifier: MIT */
/*
 * relay-private.h - what relay.c and relay-remote.c share: the logic's state (sessions,
 * channels, bursts) and the burst operations both sides use. Not for other files: the
 * rest of the relay sees relay.h only.
 */
#pragma once

#include "relay.h"

#include "log-escape.h"
#include "relay-fed.h"

/* Most packets kept per burst (60 s of 2.5 ms packets would be 24000; 8192 is 160 s at 20 ms). */
#define MAX_BURST_PACKETS 8192

struct channel;

struct session {
	struct relay_conn *conn;
	char *user;			/* NULL until logged on */
	GPtrArray *channels;		/* struct channel *, joined */
	bool listen_only;
	uint64_t connected_at;
	GHashTable *receiving;		/* stream id -> packets written (GUINT_TO_POINTER) */
	uint32_t bad_stream;		/* the last foreign stream id we logged */
	bool closing;
};

struct burst {
	uint32_t id;
	struct channel *ch;
	struct session *talker;		/* NULL once ended */
	char *from;
	char *for_user;			/* "for": only this user hears it; NULL: everyone */
	struct proto_codec_header hdr;
	unsigned packet_duration;
	bool emergency;
	GPtrArray *packets;		/* struct relay_frame *, packet_id == index */
	size_t bytes;
	uint64_t started;
	uint64_t last_audio;
	uint64_t ended_at;
	bool ended;
	/* a burst of another relay (relay-fed.h): no talker here */
	bool remote;
	uint32_t next_packet;		/* remote: the next packet id expected (dups dropped) */
	unsigned stop_packets;		/* remote: stopped after this many, some still missing */
	uint64_t stop_deadline;		/* ... waited for until then; 0: not stopped */
};

struct channel {
	const struct relay_channel_conf *conf;
	GHashTable *members;		/* set of conf->members' names; NULL: every user */
	GPtrArray *sessions;		/* struct session *, logged on to this channel */
	struct burst *live;
	struct burst *last;		/* the last ended burst, joinable for keep_usec */
};

struct relay_logic {
	struct relay_config *cfg;
	GHashTable *channels;		/* name -> struct channel */
	GHashTable *streams;		/* id -> struct burst (live and kept) */
	GPtrArray *sessions;
	GHashTable *by_user;		/* user name -> GPtrArray of its logged-on sessions */
	uint32_t next_stream_id;
	uint32_t next_message_id;
	GPtrArray *retired;		/* struct channel *, removed by a reload (relay_logic_reload) */
	GPtrArray *old_confs;		/* earlier cfg->channels: the retired channels' conf */
	struct relay_auth *auth;
	struct log_ratelimit warn_rl;	/* warnings a peer can trigger */
#ifdef PTTGW_RELAY_PUSH
	struct relay_push *push;
#endif
	struct relay_fed *fed;		/* NULL: not federated */
	bool fed_remote_end;		/* ending a burst because another relay said so */
	struct {
		uint64_t streams;
		uint64_t packets_in;
		uint64_t packets_out;
		uint64_t bad_frames;
		uint64_t logons_failed;
		uint64_t logons_throttled;
		uint64_t busy;
		uint64_t preempted;
		uint64_t joins;
	} stats;
};

/* The channel name names among s's, or with name NULL s's only channel; NULL if none. */
struct channel *relay_session_channel(struct session *s, const char *name);
/* on_stream_start of b to s, and s starts receiving b. */
void relay_session_start_receiving(struct session *s, struct burst *b);

/* A new burst: ch's live one, counted, findable in l->streams by id. */
struct burst *relay_burst_new(struct relay_logic *l, struct channel *ch, uint32_t id,
			      const char *from, const struct relay_fed_stream *st,
			      unsigned prealloc, uint64_t now);
/* The floor is s's: the burst starts (reply to the talker, on_stream_start to the others). */
void relay_burst_start(struct relay_logic *l, struct session *s, struct channel *ch, uint32_t id,
		       int64_t seq, const struct relay_fed_stream *st);
/* on_stream_stop to its receivers (and with tell_talker, to its talker); kept for late join
 * (keep_usec) or freed. */
void relay_burst_end(struct relay_logic *l, struct burst *b, const char *reason,
		     bool tell_talker, uint64_t now);
