/* SPDX-License-Identifier: MIT */
/*
 * relay-fed-floor.c - one floor per channel across relays (see relay-fed.h).
 *
 * A channel's home is chosen by rendezvous hashing: every live relay of the configured
 * set scores hash(relay, channel), the highest wins. Every relay computes the same home
 * from the same set, and when a relay goes only the channels it was home of move.
 *
 * The home decides from what it knows of the channel's holder (its own grants, and the
 * start and stop of every burst, which every relay receives): free, or the holder is the
 * burst the requester ended just before (restart, local pre-emption) -> granted; an
 * emergency over a non-emergency holder -> the holder is stopped, granted; else denied.
 * After the live set changed, or this relay (re)connected to the broker, it denies for
 * RELAY_FED_SETTLE_USEC, so that a grant of the former home still on its way cannot meet a
 * second one; while this relay is not connected to the broker it denies (the others may
 * have moved its channels elsewhere when its will was published).
 */
#include "relay-fed-private.h"

#include <string.h>

#include "relay.h"

/* ---- rendezvous hashing ---- */

static uint64_t fnv1a(const char *s, uint64_t h)
{
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* splitmix64's finalizer: FNV's low bits alone mix poorly */
static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ULL;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebULL;
	x ^= x >> 31;
	return x;
}

static uint64_t score(const char *relay, const char *channel)
{
	uint64_t h = fnv1a(relay, 0xcbf29ce484222325ULL);

	h = (h ^ 0xff) * 0x100000001b3ULL;	/* a separator no name contains */
	return mix64(fnv1a(channel, h));
}

const char *relay_fed_home(struct relay_fed *f, const char *channel)
{
	const char *best = f->self;
	uint64_t best_score = score(f->self, channel);

	for (unsigned i = 0; f->relays[i]; i++) {
		const char *r = f->relays[i];
		uint64_t s;

		if (r == best || strcmp(r, f->self) == 0 || !fed_is_live(f, r))
			continue;
		s = score(r, channel);
		if (s > best_score || (s == best_score && strcmp(r, best) < 0)) {
			best = r;
			best_score = s;
		}
	}
	return best;
}

/* ---- tables ---- */

static void holder_free(gpointer p)
{
	struct fed_holder *h = p;

	g_free(h->origin);
	g_free(h);
}

static void ask_free(gpointer p)
{
	struct fed_ask *a = p;

	g_free(a->channel);
	g_free(a->from);
	g_free(a->for_user);
	g_free(a->home);
	g_free(a);
}

void fed_floor_init(struct relay_fed *f)
{
	f->holders = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, holder_free);
	f->asks = g_hash_table_new_full(NULL, NULL, NULL, ask_free);
}

void fed_floor_clear(struct relay_fed *f)
{
	g_clear_pointer(&f->holders, g_hash_table_destroy);
	g_clear_pointer(&f->asks, g_hash_table_destroy);
}

/* Channels the floor keeps track of, at most (names come from other relays' messages). */
#define MAX_HOLDERS 65536

static void set_holder(struct relay_fed *f, const char *channel, uint32_t id, const char *origin,
		       bool emergency, bool started, uint64_t now)
{
	struct fed_holder *h;

	if (g_hash_table_size(f->holders) >= MAX_HOLDERS &&
	    !g_hash_table_contains(f->holders, channel)) {
		g_warning("federation: %u channels with a floor holder already: %u on %s not kept",
			  MAX_HOLDERS, id, channel);
		return;
	}
	h = g_new0(struct fed_holder, 1);

	h->id = id;
	h->origin = g_strdup(origin);
	h->emergency = emergency;
	h->started = started;
	h->since = now;
	g_hash_table_replace(f->holders, g_strdup(channel), h);
}

void fed_floor_started(struct relay_fed *f, const struct relay_fed_stream *st)
{
	set_holder(f, st->channel, st->id, st->origin, st->emergency, true,
		   g_get_monotonic_time());
}

void fed_floor_stopped(struct relay_fed *f, const char *channel, uint32_t id)
{
	struct fed_holder *h = g_hash_table_lookup(f->holders, channel);

	if (h && h->id == id) {
		g_debug("federation: %s: %u let go", channel, id);
		g_hash_table_remove(f->holders, channel);
	}
}

void fed_floor_own_retained(struct relay_fed *f, JsonObject *o)
{
	struct relay_fed_stream st;
	struct fed_holder *h;

	if (!fed_get_stream(o, &st))
		return;
	h = g_hash_table_lookup(f->holders, st.channel);
	if (h && h->id == st.id)
		return;
	g_message("federation: %s: stream %u of an earlier run still retained, stopped",
		  st.channel, st.id);
	fed_publish_stop(f, st.channel, st.id, 0, "its relay restarted");
}

/* ---- the home's decision ---- */

static bool decide(struct relay_fed *f, const char *channel, uint32_t id, bool emergency,
		   uint32_t replaces, const char *origin)
{
	uint64_t now = g_get_monotonic_time();
	struct fed_holder *h = g_hash_table_lookup(f->holders, channel);

	if (!g_atomic_int_get(&f->connected) && f->relays[1]) {
		/* cut off from the broker, the others may have given our channels new homes */
		g_info("federation: %s: request %u from %s denied: not connected to the broker",
		       channel, id, origin);
		return false;
	}
	fed_connection_check(f, now);
	if (now < f->settle_until) {
		g_info("federation: %s: request %u from %s denied: relays changed just now",
		       channel, id, origin);
		return false;
	}
	if (h && h->id != replaces && h->id != id) {
		uint32_t old = h->id;

		if (!emergency || h->emergency) {
			g_info("federation: %s: request %u from %s denied: %u of %s holds it",
			       channel, id, origin, h->id, h->origin);
			return false;
		}
		g_message("federation: %s: emergency %u from %s pre-empts %u of %s", channel, id,
			  origin, old, h->origin);
		g_hash_table_remove(f->holders, channel);
		fed_publish_stop(f, channel, old, 0, "pre-empted by an emergency");
		relay_logic_remote_stop(f->logic, old, 0, "pre-empted by an emergency", now);
	}
	set_holder(f, channel, id, origin, emergency, false, now);
	g_debug("federation: %s: %u of %s granted", channel, id, origin);
	return true;
}

/* ---- the origin's side ---- */

static void ask_stream(const struct fed_ask *a, const char *self, struct relay_fed_stream *st)
{
	*st = (struct relay_fed_stream){
		.id = a->id, .channel = a->channel, .from = a->from, .for_user = a->for_user,
		.hdr = a->hdr, .packet_duration = a->packet_duration, .emergency = a->emergency,
		.origin = self,
	};
}

static void send_request(struct relay_fed *f, struct fed_ask *a)
{
	struct relay_fed_stream st;
	JsonBuilder *b = fed_msg_begin(f, "req");

	ask_stream(a, f->self, &st);
	fed_add_stream(b, &st);
	json_builder_set_member_name(b, "rep");
	json_builder_add_int_value(b, a->replaces);
	fed_send_to(f, a->home, b);
}

enum relay_fed_answer relay_fed_floor_request(struct relay_fed *f, const struct relay_fed_stream *st,
					      uint32_t replaces, void *session, int64_t seq)
{
	const char *home = relay_fed_home(f, st->channel);
	struct fed_ask *a;

	if (strcmp(home, f->self) == 0) {
		bool ok = decide(f, st->channel, st->id, st->emergency, replaces, f->self);

		if (ok)
			f->stats.granted++;
		else
			f->stats.denied++;
		return ok ? RELAY_FED_GRANTED : RELAY_FED_DENIED;
	}
	a = g_new0(struct fed_ask, 1);
	a->id = st->id;
	a->session = session;
	a->seq = seq;
	a->channel = g_strdup(st->channel);
	a->from = g_strdup(st->from);
	a->for_user = g_strdup(st->for_user);
	a->hdr = st->hdr;
	a->packet_duration = st->packet_duration;
	a->emergency = st->emergency;
	a->replaces = replaces;
	a->home = g_strdup(home);
	a->deadline = g_get_monotonic_time() + RELAY_FED_ASK_TIMEOUT_USEC;
	g_hash_table_replace(f->asks, GUINT_TO_POINTER(a->id), a);
	f->stats.asked++;
	g_debug("federation: %s: stream %u of %s asked of %s", a->channel, a->id, a->from, home);
	send_request(f, a);
	return RELAY_FED_ASKED;
}

void relay_fed_session_gone(struct relay_fed *f, void *session)
{
	GHashTableIter it;
	gpointer v;

	g_hash_table_iter_init(&it, f->asks);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		struct fed_ask *a = v;

		if (a->session == session)
			a->session = NULL;
	}
}

static void answered(struct relay_fed *f, const char *by, JsonObject *o, bool granted)
{
	int64_t sid = fed_get_int(o, "sid", 0);
	const char *ch = fed_get_str(o, "ch");
	uint32_t id = sid > 0 && sid <= UINT32_MAX ? (uint32_t)sid : 0;
	struct fed_ask *a = g_hash_table_lookup(f->asks, GUINT_TO_POINTER(id));
	struct relay_fed_stream st;

	if (!a || !a->session) {
		/* answered too late, or the talker left: a grant is given back */
		g_info("federation: %s %u from %s: no one waits for it%s", granted ? "grant" : "denial",
		       id, by, granted ? ", given back" : "");
		if (granted && ch)
			fed_publish_stop(f, ch, id, 0, "granted too late");
		if (a)
			g_hash_table_remove(f->asks, GUINT_TO_POINTER(id));
		return;
	}
	g_hash_table_steal(f->asks, GUINT_TO_POINTER(id));
	g_debug("federation: %s: %u %s by %s", a->channel, id, granted ? "granted" : "denied", by);
	ask_stream(a, f->self, &st);
	if (granted)
		f->stats.granted++;
	else
		f->stats.denied++;
	relay_logic_fed_answer(f->logic, a->session, a->seq, &st, granted);
	ask_free(a);
}

void fed_floor_direct(struct relay_fed *f, const char *type, JsonObject *o)
{
	const char *by = fed_get_str(o, "by");

	if (strcmp(type, "req") == 0) {
		struct relay_fed_stream st;
		int64_t rep = fed_get_int(o, "rep", 0);
		uint32_t replaces = rep > 0 && rep <= UINT32_MAX ? (uint32_t)rep : 0;
		bool ok;
		JsonBuilder *b;

		if (!fed_get_stream(o, &st) || strcmp(st.origin, by) != 0) {
			g_warning("federation: bad request from %s, ignored", by);
			return;
		}
		if (strcmp(relay_fed_home(f, st.channel), f->self) != 0) {
			g_info("federation: %s: request %u from %s: not the home here, denied",
			       st.channel, st.id, by);
			ok = false;
		} else {
			ok = decide(f, st.channel, st.id, st.emergency, replaces, by);
		}
		b = fed_msg_begin(f, ok ? "grant" : "deny");
		json_builder_set_member_name(b, "sid");
		json_builder_add_int_value(b, st.id);
		json_builder_set_member_name(b, "ch");
		json_builder_add_string_value(b, st.channel);
		fed_send_to(f, by, b);
	} else if (strcmp(type, "grant") == 0) {
		answered(f, by, o, true);
	} else if (strcmp(type, "deny") == 0) {
		answered(f, by, o, false);
	} else {
		g_debug("federation: message \"%s\" from %s, ignored", type, by);
	}
}

/* ---- relays coming and going ---- */

void fed_floor_presence(struct relay_fed *f, const char *relay, bool online)
{
	uint64_t now = g_get_monotonic_time();
	g_autoptr(GPtrArray) gone = g_ptr_array_new_with_free_func(g_free);
	GHashTableIter it;
	gpointer k, v;

	f->settle_until = now + RELAY_FED_SETTLE_USEC;
	if (online)
		return;
	/* its bursts end everywhere; the new home of each channel clears the retained start */
	g_hash_table_iter_init(&it, f->holders);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		struct fed_holder *h = v;

		if (strcmp(h->origin, relay) != 0)
			continue;
		g_ptr_array_add(gone, g_strdup_printf("%u:%s", h->id, (const char *)k));
		g_hash_table_iter_remove(&it);
	}
	for (unsigned i = 0; i < gone->len; i++) {
		char *s = g_ptr_array_index(gone, i), *ch = strchr(s, ':') + 1;
		uint32_t id = strtoul(s, NULL, 10);

		relay_logic_remote_stop(f->logic, id, 0, "its relay is gone", now);
		if (strcmp(relay_fed_home(f, ch), f->self) == 0)
			fed_publish_stop(f, ch, id, 0, "its relay is gone");
	}
	/* questions to it go to the channels' new homes */
	g_hash_table_iter_init(&it, f->asks);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		struct fed_ask *a = v;

		if (strcmp(a->home, relay) != 0)
			continue;
		g_free(a->home);
		a->home = g_strdup(relay_fed_home(f, a->channel));
		a->deadline = now + RELAY_FED_ASK_TIMEOUT_USEC;
		if (strcmp(a->home, f->self) == 0) {
			/* asked again of ourselves after the settling time: deny now, safe */
			a->deadline = now;
			continue;
		}
		g_message("federation: %s: stream %u asked again of %s", a->channel, a->id, a->home);
		send_request(f, a);
	}
}

void fed_floor_tick(struct relay_fed *f, uint64_t now)
{
	GHashTableIter it;
	gpointer v;
	GPtrArray *late = NULL;

	/* the dispatch just before may have stamped entries after the caller's now */
	now = MAX(now, (uint64_t)g_get_monotonic_time());
	g_hash_table_iter_init(&it, f->asks);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		struct fed_ask *a = v;

		if (now < a->deadline)
			continue;
		if (!late)
			late = g_ptr_array_new_with_free_func(ask_free);
		g_hash_table_iter_steal(&it);
		g_ptr_array_add(late, a);
	}
	for (unsigned i = 0; late && i < late->len; i++) {
		struct fed_ask *a = g_ptr_array_index(late, i);
		struct relay_fed_stream st;

		g_warning("federation: %s: no answer from %s about stream %u: busy", a->channel,
			  a->home, a->id);
		ask_stream(a, f->self, &st);
		f->stats.denied++;
		if (a->session)
			relay_logic_fed_answer(f->logic, a->session, a->seq, &st, false);
	}
	if (late)
		g_ptr_array_unref(late);
	g_hash_table_iter_init(&it, f->holders);
	while (g_hash_table_iter_next(&it, NULL, &v)) {
		struct fed_holder *h = v;

		/* granted, never started; or started by a relay not (or no longer) live */
		if ((!h->started && now - h->since > RELAY_FED_GRANT_USEC) ||
		    (h->started && !fed_is_live(f, h->origin) && now - h->since > 2 * G_USEC_PER_SEC))
			g_hash_table_iter_remove(&it);
	}
}
