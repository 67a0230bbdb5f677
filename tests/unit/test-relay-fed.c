/* SPDX-License-Identifier: MIT */
/*
 * test-relay-fed.c - the federation's homes and floor (src/relay/relay-fed*.c), without a
 * broker: relay_fed_new_detached() and messages handed in with relay_fed_inject(). The
 * relay's side (relay_logic_*) is a recorder.
 */
#include <glib.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "relay.h"
#include "relay-fed.h"

/* ---- the relay's side, recorded ---- */

static GString *calls;

void relay_logic_fed_answer(struct relay_logic *l, void *session, int64_t seq,
			    const struct relay_fed_stream *st, bool granted)
{
	g_string_append_printf(calls, "answer %u %s;", st->id, granted ? "granted" : "denied");
}

void relay_logic_remote_start(struct relay_logic *l, const struct relay_fed_stream *st)
{
	g_string_append_printf(calls, "start %u %s;", st->id, st->channel);
}

void relay_logic_remote_audio(struct relay_logic *l, const uint8_t *frame, size_t len)
{
	g_string_append_printf(calls, "audio %zu;", len);
}

void relay_logic_remote_stop(struct relay_logic *l, uint32_t id, unsigned packets,
			     const char *why, uint64_t now)
{
	g_string_append_printf(calls, "stop %u %u;", id, packets);
}

/* ---- helpers ---- */

/* What the relay's side was handed since the last call, as expected (printf format). */
static void G_GNUC_PRINTF(1, 2) expect_calls(const char *fmt, ...)
{
	g_autofree char *want = NULL;
	va_list ap;

	va_start(ap, fmt);
	want = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_assert_cmpstr(calls->str, ==, want);
	g_string_truncate(calls, 0);
}

static char *all3[] = { "ra", "rb", "rc", NULL };

static struct relay_fed *fed(const char *self, char **relays)
{
	struct relay_fed_config fc = {
		.broker_host = "127.0.0.1", .broker_port = 1, .relay_id = (char *)self,
		.relays = relays,
	};
	g_autoptr(GError) error = NULL;
	struct relay_fed *f = relay_fed_new_detached(&fc, NULL, &error);

	g_assert_no_error(error);
	return f;
}

static void presence(struct relay_fed *f, const char *relay, bool online)
{
	g_autofree char *topic = g_strdup_printf("pttgw-fed/presence/%s", relay);
	const char *p = online ? "online" : "offline";

	relay_fed_inject(f, topic, p, strlen(p), false);
}

/* all of relays but self live, and the settling time over */
static struct relay_fed *fed_live(const char *self, char **relays)
{
	struct relay_fed *f = fed(self, relays);

	for (unsigned i = 0; relays[i]; i++)
		presence(f, relays[i], true);
	g_usleep(RELAY_FED_SETTLE_USEC + 50000);
	return f;
}

static void inject_json(struct relay_fed *f, const char *topic, const char *json)
{
	relay_fed_inject(f, topic, json, strlen(json), false);
}

static struct relay_fed_stream stream(uint32_t id, const char *ch, bool emergency)
{
	return (struct relay_fed_stream){
		.id = id, .channel = ch, .from = "gw", .hdr = { 16000, 1, 20 },
		.packet_duration = 20, .emergency = emergency, .origin = NULL,
	};
}

/* ---- homes ---- */

static void test_home_agree(void)
{
	struct relay_fed *f[3] = { fed_live("ra", all3), fed_live("rb", all3), fed_live("rc", all3) };
	unsigned count[3] = { 0 };

	for (unsigned i = 0; i < 3000; i++) {
		g_autofree char *ch = g_strdup_printf("channel-%u", i);
		const char *h = relay_fed_home(f[0], ch);

		g_assert_cmpstr(h, ==, relay_fed_home(f[1], ch));
		g_assert_cmpstr(h, ==, relay_fed_home(f[2], ch));
		count[h[1] - 'a']++;
	}
	/* spread: each relay is home of about a third */
	for (unsigned r = 0; r < 3; r++)
		g_assert_cmpuint(count[r], >, 800);
	for (unsigned r = 0; r < 3; r++)
		relay_fed_free(f[r]);
}

static void test_home_gone_moves_only_its_channels(void)
{
	struct relay_fed *f = fed_live("ra", all3);
	char *before[2000];
	unsigned moved = 0;

	for (unsigned i = 0; i < 2000; i++) {
		g_autofree char *ch = g_strdup_printf("c%u", i);

		before[i] = g_strdup(relay_fed_home(f, ch));
	}
	presence(f, "rc", false);
	for (unsigned i = 0; i < 2000; i++) {
		g_autofree char *ch = g_strdup_printf("c%u", i);
		const char *now = relay_fed_home(f, ch);

		g_assert_cmpstr(now, !=, "rc");
		if (strcmp(before[i], "rc") != 0)
			g_assert_cmpstr(now, ==, before[i]);
		else
			moved++;
		g_free(before[i]);
	}
	g_assert_cmpuint(moved, >, 500);
	/* back: the same homes as before it went */
	presence(f, "rc", true);
	relay_fed_free(f);
}

static void test_home_alone(void)
{
	char *one[] = { "solo", NULL };
	struct relay_fed *f = fed("solo", one);

	g_assert_cmpstr(relay_fed_home(f, "x"), ==, "solo");
	/* never-seen relays of the set are not homes */
	relay_fed_free(f);
	f = fed("ra", all3);
	for (unsigned i = 0; i < 100; i++) {
		g_autofree char *ch = g_strdup_printf("c%u", i);

		g_assert_cmpstr(relay_fed_home(f, ch), ==, "ra");
	}
	relay_fed_free(f);
}

/* ---- the floor at its home ---- */

/* a channel whose home is self among live relays */
static char *channel_homed(struct relay_fed *f, const char *self)
{
	for (unsigned i = 0;; i++) {
		char *ch = g_strdup_printf("h%u", i);

		if (strcmp(relay_fed_home(f, ch), self) == 0)
			return ch;
		g_free(ch);
	}
}

static void test_floor_local(void)
{
	struct relay_fed *f = fed_live("ra", all3);
	g_autofree char *ch = channel_homed(f, "ra");
	struct relay_fed_stream a = stream(relay_fed_stream_id(f, 1), ch, false);
	struct relay_fed_stream b = stream(relay_fed_stream_id(f, 2), ch, false);
	struct relay_fed_stream e = stream(relay_fed_stream_id(f, 3), ch, true);
	struct relay_fed_stream r = stream(relay_fed_stream_id(f, 4), ch, false);

	g_assert_cmphex(a.id, ==, 0x01000001);
	g_assert_cmpint(relay_fed_floor_request(f, &a, 0, NULL, 1), ==, RELAY_FED_GRANTED);
	relay_fed_started(f, &a);
	g_assert_cmpint(relay_fed_floor_request(f, &b, 0, NULL, 2), ==, RELAY_FED_DENIED);
	/* the holder's own restart */
	g_assert_cmpint(relay_fed_floor_request(f, &r, a.id, NULL, 3), ==, RELAY_FED_GRANTED);
	relay_fed_started(f, &r);
	/* an emergency pre-empts: the holder is stopped */
	g_string_truncate(calls, 0);
	g_assert_cmpint(relay_fed_floor_request(f, &e, 0, NULL, 4), ==, RELAY_FED_GRANTED);
	expect_calls("stop %u 0;", r.id);
	relay_fed_started(f, &e);
	/* and is not pre-empted by another */
	b.emergency = true;
	g_assert_cmpint(relay_fed_floor_request(f, &b, 0, NULL, 5), ==, RELAY_FED_DENIED);
	relay_fed_ended(f, ch, e.id, 10, "stopped");
	g_assert_cmpint(relay_fed_floor_request(f, &b, 0, NULL, 6), ==, RELAY_FED_GRANTED);
	relay_fed_free(f);
}

static void test_floor_remote_request(void)
{
	struct relay_fed *f = fed_live("ra", all3);
	g_autofree char *ch = channel_homed(f, "ra");
	g_autofree char *req = NULL, *req2 = NULL, *start = NULL;

	/* rb asks: granted (answered on to/rb); rc asks: denied */
	req = g_strdup_printf("{\"t\":\"req\",\"by\":\"rb\",\"sid\":33554433,\"ch\":\"%s\","
			      "\"from\":\"u\",\"origin\":\"rb\",\"rate\":16000,\"fpp\":1,"
			      "\"fms\":20,\"pd\":20,\"em\":false,\"rep\":0}", ch);
	inject_json(f, "pttgw-fed/to/ra", req);
	req2 = g_strdup_printf("{\"t\":\"req\",\"by\":\"rc\",\"sid\":50331649,\"ch\":\"%s\","
			       "\"from\":\"v\",\"origin\":\"rc\",\"rate\":16000,\"fpp\":1,"
			       "\"fms\":20,\"pd\":20,\"em\":false,\"rep\":0}", ch);
	{
		struct relay_fed_stream mine = stream(relay_fed_stream_id(f, 9), ch, false);

		/* the grant to rb holds the floor before its start arrives */
		g_assert_cmpint(relay_fed_floor_request(f, &mine, 0, NULL, 1), ==,
				RELAY_FED_DENIED);
	}
	inject_json(f, "pttgw-fed/to/ra", req2);
	/* rb's start, then rb goes: the burst ends here */
	start = g_strdup_printf("{\"t\":\"start\",\"by\":\"rb\",\"sid\":33554433,\"ch\":\"%s\","
				"\"from\":\"u\",\"origin\":\"rb\",\"rate\":16000,\"fpp\":1,"
				"\"fms\":20,\"pd\":20,\"em\":false}", ch);
	g_string_truncate(calls, 0);
	inject_json(f, "pttgw-fed/ch/x/ctl", start);
	presence(f, "rb", false);
	expect_calls("start 33554433 %s;stop 33554433 0;", ch);
	/* the live set changed: denied while it settles, then granted */
	{
		struct relay_fed_stream mine = stream(relay_fed_stream_id(f, 10), ch, false);

		g_assert_cmpint(relay_fed_floor_request(f, &mine, 0, NULL, 2), ==,
				RELAY_FED_DENIED);
		g_usleep(RELAY_FED_SETTLE_USEC + 50000);
		mine.id = relay_fed_stream_id(f, 11);
		g_assert_cmpint(relay_fed_floor_request(f, &mine, 0, NULL, 3), ==,
				RELAY_FED_GRANTED);
	}
	relay_fed_free(f);
}

static void test_floor_asked(void)
{
	struct relay_fed *f = fed_live("ra", all3);
	g_autofree char *ch = channel_homed(f, "rb");
	struct relay_fed_stream a = stream(relay_fed_stream_id(f, 1), ch, false);
	struct relay_fed_stream b = stream(relay_fed_stream_id(f, 2), ch, false);
	g_autofree char *grant = NULL, *deny = NULL;
	int session;

	g_assert_cmpint(relay_fed_floor_request(f, &a, 0, &session, 1), ==, RELAY_FED_ASKED);
	g_assert_cmpint(relay_fed_floor_request(f, &b, 0, &session, 2), ==, RELAY_FED_ASKED);
	g_string_truncate(calls, 0);
	grant = g_strdup_printf("{\"t\":\"grant\",\"by\":\"rb\",\"sid\":%u,\"ch\":\"%s\"}", a.id, ch);
	deny = g_strdup_printf("{\"t\":\"deny\",\"by\":\"rb\",\"sid\":%u,\"ch\":\"%s\"}", b.id, ch);
	inject_json(f, "pttgw-fed/to/ra", grant);
	inject_json(f, "pttgw-fed/to/ra", deny);
	/* a second grant (QoS 1 duplicate): nobody waits, given back, not answered twice */
	inject_json(f, "pttgw-fed/to/ra", grant);
	expect_calls("answer %u granted;answer %u denied;", a.id, b.id);
	/* no answer: busy after the timeout; the session gone: no answer at all */
	a.id = relay_fed_stream_id(f, 3);
	b.id = relay_fed_stream_id(f, 4);
	relay_fed_floor_request(f, &a, 0, &session, 3);
	relay_fed_floor_request(f, &b, 0, &calls, 4);
	relay_fed_session_gone(f, &calls);
	g_string_truncate(calls, 0);
	relay_fed_tick(f, g_get_monotonic_time() + RELAY_FED_ASK_TIMEOUT_USEC + 1);
	expect_calls("answer %u denied;", a.id);
	relay_fed_free(f);
}

static void test_bad_messages(void)
{
	struct relay_fed *f = fed_live("ra", all3);
	static const char *const bad[] = {
		"", "{", "[]", "null", "{\"t\":\"start\"}", "{\"t\":1,\"by\":\"rb\"}",
		"{\"t\":\"start\",\"by\":\"rb\",\"sid\":-1,\"ch\":\"c\",\"from\":\"u\",\"origin\":\"rb\"}",
		"{\"t\":\"start\",\"by\":\"rb\",\"sid\":1,\"ch\":\"c\",\"from\":\"u\",\"origin\":\"rc\"}",
		"{\"t\":\"stop\",\"by\":\"rb\",\"sid\":\"x\",\"ch\":\"c\"}",
		"{\"t\":\"grant\",\"by\":\"rb\",\"sid\":{}}",
	};

	g_string_truncate(calls, 0);
	for (unsigned i = 0; i < G_N_ELEMENTS(bad); i++) {
		inject_json(f, "pttgw-fed/ch/c/ctl", bad[i]);
		inject_json(f, "pttgw-fed/to/ra", bad[i]);
	}
	relay_fed_inject(f, "pttgw-fed/ch/c/audio/rb", "", 0, false);
	relay_fed_inject(f, "other/ch/c/ctl", "{}", 2, false);
	presence(f, "not-in-the-set", true);
	expect_calls("%s", "");
	relay_fed_free(f);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	calls = g_string_new(NULL);
	g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL);
	g_test_add_func("/relay-fed/home/agree", test_home_agree);
	g_test_add_func("/relay-fed/home/gone-moves-only-its-channels",
			test_home_gone_moves_only_its_channels);
	g_test_add_func("/relay-fed/home/alone", test_home_alone);
	g_test_add_func("/relay-fed/floor/local", test_floor_local);
	g_test_add_func("/relay-fed/floor/remote-request", test_floor_remote_request);
	g_test_add_func("/relay-fed/floor/asked", test_floor_asked);
	g_test_add_func("/relay-fed/bad-messages", test_bad_messages);
	int r = g_test_run();

	g_string_free(calls, TRUE);
	return r;
}
