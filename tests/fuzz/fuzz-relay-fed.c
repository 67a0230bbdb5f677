/* SPDX-License-Identifier: MIT */
/*
 * fuzz-relay-fed.c - libFuzzer target for what a federated relay takes from the broker
 * (relay-fed.c, relay-fed-floor.c): presence, floor requests and answers, stream start and
 * stop, audio. Input: TOPIC-SUFFIX '\n' PAYLOAD; the first byte's low bit is the retain
 * flag. The relay's side (relay_logic_*) is stubbed: it checks what it is handed.
 */
#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "relay.h"
#include "relay-fed.h"

void relay_logic_fed_answer(struct relay_logic *l, void *session, int64_t seq,
			    const struct relay_fed_stream *st, bool granted)
{
	(void)l, (void)session, (void)seq, (void)granted;
	assert(st->channel && st->from && st->id);
}

void relay_logic_remote_start(struct relay_logic *l, const struct relay_fed_stream *st)
{
	(void)l;
	assert(st->channel && st->from && st->origin && st->id);
	assert(strlen(st->channel) + strlen(st->from) + strlen(st->origin) < (1u << 20));
}

void relay_logic_remote_audio(struct relay_logic *l, const uint8_t *frame, size_t len)
{
	size_t sum = 0;

	(void)l;
	for (size_t i = 0; i < len; i++)	/* ASan: the whole frame is readable */
		sum += frame[i];
	if (sum > 255 * len)
		abort();
}

void relay_logic_remote_stop(struct relay_logic *l, uint32_t id, unsigned packets,
			     const char *why, uint64_t now)
{
	(void)l, (void)packets, (void)now;
	assert(id != 0);
	if (why)
		assert(strlen(why) < (1u << 20));
}

static void quiet(const gchar *domain, GLogLevelFlags level, const gchar *msg, gpointer data)
{
	(void)domain, (void)msg, (void)data;
	if (level & (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char *relays[] = { "ra", "rb", "rc", NULL };
	struct relay_fed_config fc = {
		.broker_host = "127.0.0.1", .broker_port = 1, .relay_id = "rb", .relays = relays,
	};
	const uint8_t *nl = memchr(data, '\n', size);
	struct relay_fed *f;
	g_autofree char *suffix = NULL, *topic = NULL;
	bool retain = size > 0 && (data[0] & 1);

	g_log_set_default_handler(quiet, NULL);
	if (!nl || size < 1)
		return 0;
	suffix = g_strndup((const char *)data + 1, nl - data - (nl > data ? 1 : 0));
	topic = g_strconcat("pttgw-fed/", suffix, NULL);
	f = relay_fed_new_detached(&fc, NULL, NULL);
	assert(f);
	/* the others are live, so requests, grants and hand-overs all happen */
	relay_fed_inject(f, "pttgw-fed/presence/ra", "online", 6, true);
	relay_fed_inject(f, "pttgw-fed/presence/rc", "online", 6, true);
	relay_fed_inject(f, topic, nl + 1, size - (nl + 1 - data), retain);
	/* the same again: duplicates (QoS 1) and follow-ups on the state it left */
	relay_fed_inject(f, topic, nl + 1, size - (nl + 1 - data), retain);
	relay_fed_inject(f, "pttgw-fed/presence/ra", "offline", 7, true);
	relay_fed_tick(f, g_get_monotonic_time() + 10 * G_USEC_PER_SEC);
	relay_fed_free(f);
	return 0;
}
