/* SPDX-License-Identifier: MIT */
/*
 * relay-fed-private.h - what relay-fed.c and relay-fed-floor.c share (see relay-fed.h).
 */
#pragma once

#include <json-glib/json-glib.h>
#include <mosquitto.h>
#include <pthread.h>

#include "relay-fed.h"

/* A grant whose burst did not start within this long is forgotten by its home. */
#define RELAY_FED_GRANT_USEC (RELAY_FED_ASK_TIMEOUT_USEC + G_USEC_PER_SEC)

/* Who holds a channel's floor, as this relay knows it. */
struct fed_holder {
	uint32_t id;
	char *origin;
	bool emergency;
	bool started;			/* its start was seen (else: granted here, not yet started) */
	uint64_t since;
};

/* A local talker's request waiting for its home's answer. */
struct fed_ask {
	uint32_t id;
	void *session;			/* NULL: gone; a grant is given back */
	int64_t seq;
	char *channel, *from, *for_user;
	struct proto_codec_header hdr;
	unsigned packet_duration;
	bool emergency;
	uint32_t replaces;
	char *home;
	uint64_t deadline;
};

struct relay_fed {
	struct relay_logic *logic;
	struct mosquitto *mosq;
	char *host;
	int port;
	char *self;
	char *prefix;
	char **relays;			/* sorted */
	unsigned self_index;
	GHashTable *live;		/* relay -> "1", others with presence "online" */
	/* lock guards inbox, wake, wake_data (a pthread mutex, not GLib's: ThreadSanitizer
	 * sees it, and GLib is not built with TSan) */
	pthread_mutex_t lock;
	GQueue inbox;			/* struct mosquitto_message * (copies) */
	void (*wake)(void *data);
	void *wake_data;
	gint connected;			/* atomic */
	bool detached;			/* relay_fed_new_detached(): no thread, no broker */
	gint connects;			/* atomic: CONNACKs so far */
	gint connects_seen;		/* relay loop: ... of which fed_connection_check() knew */
	GHashTable *audio_topics;	/* channel -> our audio topic there (no allocation per packet) */
	GHashTable *holders;		/* channel -> struct fed_holder */
	GHashTable *asks;		/* id -> struct fed_ask */
	uint64_t settle_until;
	uint64_t now;			/* of the current dispatch or tick */
	struct {
		uint64_t audio_out, audio_in, ctl_out, ctl_in, asked, granted, denied;
	} stats;
};

/* relay-fed.c */
/* <prefix>/ch/<escaped channel>/<tail> (g_free). */
char *fed_channel_topic(const struct relay_fed *f, const char *channel, const char *tail);
void fed_publish_json(struct relay_fed *f, const char *topic, JsonBuilder *b, int qos,
		      bool retain);
/* A message to one relay: <prefix>/to/<relay>. */
void fed_send_to(struct relay_fed *f, const char *relay, JsonBuilder *b);
bool fed_is_live(const struct relay_fed *f, const char *relay);
/* Relay loop: a (re)connection since the last call starts a settling time. */
void fed_connection_check(struct relay_fed *f, uint64_t now);
/* A builder with {"t": type, "by": self, ... left open. */
JsonBuilder *fed_msg_begin(const struct relay_fed *f, const char *type);
void fed_add_stream(JsonBuilder *b, const struct relay_fed_stream *st);
/* Members of a type, or def / NULL. */
int64_t fed_get_int(JsonObject *o, const char *name, int64_t def);
const char *fed_get_str(JsonObject *o, const char *name);
/* The stream members of o; strings point into o. false: missing or bad. */
bool fed_get_stream(JsonObject *o, struct relay_fed_stream *st);
void fed_publish_stop(struct relay_fed *f, const char *channel, uint32_t id, unsigned packets,
		      const char *why);

/* relay-fed-floor.c */
void fed_floor_init(struct relay_fed *f);
void fed_floor_clear(struct relay_fed *f);
/* A message to this relay: req, grant, deny. */
void fed_floor_direct(struct relay_fed *f, const char *type, JsonObject *o);
/* start or stop on a channel's ctl topic, from another relay. */
void fed_floor_started(struct relay_fed *f, const struct relay_fed_stream *st);
void fed_floor_stopped(struct relay_fed *f, const char *channel, uint32_t id);
/* A retained start of this relay's: stopped unless it is the burst we hold. */
void fed_floor_own_retained(struct relay_fed *f, JsonObject *o);
/* A relay came or went. */
void fed_floor_presence(struct relay_fed *f, const char *relay, bool online);
void fed_floor_tick(struct relay_fed *f, uint64_t now);
