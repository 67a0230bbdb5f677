/* SPDX-License-Identifier: MIT */
/*
 * relay-fed.h - relays federated through an MQTT broker (cluster).
 *
 *   relay-fed.c        the broker connection, presence, topics, the inbound queue
 *   relay-fed-floor.c  the floor across relays: homes (rendezvous hashing over the live
 *                      relays), requests to the home, grants, denials, hand-over
 *
 * Each relay serves its own connections. Every burst is published by the relay of its
 * talker (the origin) on the channel's topics; every relay of the configured set
 * subscribes to them, so late entry (join_stream) and pushes work on any relay:
 *
 *   <prefix>/presence/<relay>         retained "online" / "offline" (the will), QoS 1
 *   <prefix>/to/<relay>               floor requests to a home and its answers, QoS 1
 *   <prefix>/ch/<channel>/ctl         stream start and stop (origin), pre-emption (home), QoS 1
 *   <prefix>/ch/<channel>/audio/<relay>  audio frames as sent to gateways, QoS 0
 *
 * (<channel> is the channel's name with '/', '+', '#', '%' and control characters
 * written %XX.) One relay arbitrates a channel's floor: its home, the live relay of the
 * configured set with the highest hash of (relay, channel). A start_stream on another
 * relay is forwarded to the home, and the talker is answered when the home's answer is
 * in (or busy after RELAY_FED_ASK_TIMEOUT). When a relay's presence goes "offline", the
 * others end its bursts and the homes it held move to the next relay by hash.
 *
 * Threading: the MQTT connection runs on libmosquitto's thread (mosquitto_loop_start):
 * it blocks in poll() on the broker socket, reconnects with backoff, and hands every
 * inbound message to the relay's loop through a queue, waking it up (the wake callback:
 * lws_cancel_service, which works with any lws event library). Publishing is done from
 * the relay's loop (libmosquitto locks its own queue). All other calls: relay loop only.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "proto.h"

struct relay_config;
struct relay_logic;
struct relay_fed;

/* A talker asked for the floor on another relay: its answer, this long at most. */
#define RELAY_FED_ASK_TIMEOUT_USEC (3 * G_USEC_PER_SEC)
/* After the set of live relays changed, homes deny for this long: a grant of the former
 * home may still be on its way. */
#define RELAY_FED_SETTLE_USEC (500 * 1000)
/* A stop that came before the last of its audio: wait this long for the rest. */
#define RELAY_FED_LINGER_USEC (300 * 1000)

/* A burst's description as it crosses relays. */
struct relay_fed_stream {
	uint32_t id;			/* unique over the federation (relay_fed_stream_id) */
	const char *channel;
	const char *from;
	const char *for_user;		/* NULL: everyone */
	struct proto_codec_header hdr;
	unsigned packet_duration;
	bool emergency;
	const char *origin;		/* the talker's relay */
};

/* The federation settings ([federation] in the config file). */
struct relay_fed_config {
	char *broker_host;		/* NULL: no federation */
	uint16_t broker_port;
	char *relay_id;
	char **relays;			/* the configured set (relay_id among them) */
	char *prefix;			/* topic prefix, default "pttgw-fed" */
	char *username;			/* broker account, as [relay] mqtt-username ... */
	char *password_file;
	char *ca_file;
	char *cert;
	char *key;
};

/* ---- relay-fed.c ---- */

/* NULL with error on bad settings; connects in the background. */
struct relay_fed *relay_fed_new(const struct relay_fed_config *fc, struct relay_logic *l,
				GError **error);
/* Tests and fuzzing: a federation that never connects but acts as if connected
 * (publishes wait in memory), and one inbound message handed to it as if from the broker. */
struct relay_fed *relay_fed_new_detached(const struct relay_fed_config *fc,
					 struct relay_logic *l, GError **error);
void relay_fed_inject(struct relay_fed *f, const char *topic, const void *payload, size_t len,
		      bool retain);
/* Publishes "offline", disconnects; NULL-safe, returns NULL. */
struct relay_fed *relay_fed_free(struct relay_fed *f);
/* wake(data) is called from libmosquitto's thread when messages wait (async-signal-safe
 * not needed; thread-safe needed). */
void relay_fed_set_wake(struct relay_fed *f, void (*wake)(void *data), void *data);
/* Relay loop: handle the messages waiting. */
void relay_fed_dispatch(struct relay_fed *f, uint64_t now);
/* Relay loop, every few hundred ms: answers that did not come, lingering stops. */
void relay_fed_tick(struct relay_fed *f, uint64_t now);
/* A stream id of this relay's own range: 8 high bits its index in the sorted set. */
uint32_t relay_fed_stream_id(const struct relay_fed *f, uint32_t counter);
const char *relay_fed_self(const struct relay_fed *f);
/* Counters to the log (with the relay's, on SIGUSR1). */
void relay_fed_dump_stats(const struct relay_fed *f);
bool relay_fed_is_connected(const struct relay_fed *f);

/* Hooks from relay.c: a local burst started (after its grant), an audio frame of a local
 * burst (the frame as sent to gateways), a local burst ended (packets: how many). */
void relay_fed_started(struct relay_fed *f, const struct relay_fed_stream *st);
void relay_fed_audio(struct relay_fed *f, const char *channel, const uint8_t *frame, size_t len);
void relay_fed_ended(struct relay_fed *f, const char *channel, uint32_t id, unsigned packets,
		     const char *why);
/* A burst of another relay ended here (timed out): the floor's record of it goes. */
void relay_fed_forget(struct relay_fed *f, const char *channel, uint32_t id);

/* ---- relay-fed-floor.c ---- */

enum relay_fed_answer {
	RELAY_FED_GRANTED,		/* go on now */
	RELAY_FED_DENIED,		/* busy */
	RELAY_FED_ASKED,		/* relay_logic_fed_answer() follows */
};

/*
 * A local talker (session: relay.c's, an opaque token) wants the floor for st (st->id
 * reserved). replaces: the id of the burst it ended just before (restart, or a local
 * emergency pre-emption), 0: none. GRANTED and DENIED come at once when this relay is
 * the channel's home.
 */
enum relay_fed_answer relay_fed_floor_request(struct relay_fed *f, const struct relay_fed_stream *st,
					      uint32_t replaces, void *session, int64_t seq);
/* The session is gone: its questions are withdrawn (a late grant is given back). */
void relay_fed_session_gone(struct relay_fed *f, void *session);
/* The home of channel now (this relay when alone). */
const char *relay_fed_home(struct relay_fed *f, const char *channel);

/* ---- relay.c: what the federation calls back ---- */

/* The home answered a request (granted or not): the talker's reply, the burst started. */
void relay_logic_fed_answer(struct relay_logic *l, void *session, int64_t seq,
			    const struct relay_fed_stream *st, bool granted);
/* A burst of another relay starts, has an audio frame (as sent to gateways), stops
 * (packets: how many its origin sent; the end waits for missing ones a little). A stop of
 * a local burst (pre-empted by the home) ends it, telling its talker; relay_fed_ended()
 * is not called for it. */
void relay_logic_remote_start(struct relay_logic *l, const struct relay_fed_stream *st);
void relay_logic_remote_audio(struct relay_logic *l, const uint8_t *frame, size_t len);
void relay_logic_remote_stop(struct relay_logic *l, uint32_t id, unsigned packets,
			     const char *why, uint64_t now);
