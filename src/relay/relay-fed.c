/* SPDX-License-Identifier: MIT */
/*
 * relay-fed.c - the federation's broker connection: presence, topics, the inbound queue
 * (see relay-fed.h).
 *
 * Why libmosquitto's own thread and not its socket on the relay's loop: the relay's loop
 * is libwebsockets' (its poll loop today, maybe libuv or libev tomorrow), and adopting a
 * foreign socket that libmosquitto reads, writes and reconnects by itself would tie this
 * file to that choice. The thread sleeps in poll() on one socket (no busy loop); it only
 * copies each message onto a queue under a mutex (held for a pointer push; the relay's
 * loop takes the whole batch at once) and wakes the relay's loop once per batch, so the
 * relay's state is touched by one thread only.
 */
#include "relay-fed-private.h"

#include <errno.h>
#include <gio/gio.h>
#include <string.h>

#include "conf.h"
#include "relay.h"

#define PRESENCE_ONLINE "online"
#define PRESENCE_OFFLINE "offline"

/* ---- topics ---- */

static void escape_name(GString *s, const char *name)
{
	for (const char *p = name; *p; p++) {
		unsigned char c = *p;

		if (c < 0x20 || c == 0x7f || c == '/' || c == '+' || c == '#' || c == '%')
			g_string_append_printf(s, "%%%02X", c);
		else
			g_string_append_c(s, c);
	}
}

char *fed_channel_topic(const struct relay_fed *f, const char *channel, const char *tail)
{
	GString *s = g_string_new(f->prefix);

	g_string_append(s, "/ch/");
	escape_name(s, channel);
	g_string_append_c(s, '/');
	g_string_append(s, tail);
	return g_string_free(s, FALSE);
}

bool fed_is_live(const struct relay_fed *f, const char *relay)
{
	return strcmp(relay, f->self) == 0 || g_hash_table_contains(f->live, relay);
}

const char *relay_fed_self(const struct relay_fed *f)
{
	return f->self;
}

bool relay_fed_is_connected(const struct relay_fed *f)
{
	return f && g_atomic_int_get((gint *)&f->connected);
}

uint32_t relay_fed_stream_id(const struct relay_fed *f, uint32_t counter)
{
	counter &= 0xffffff;
	if (!counter)
		counter = 1;
	return ((uint32_t)(f->self_index + 1) << 24) | counter;
}

/* ---- publishing ---- */

static void publish(struct relay_fed *f, const char *topic, const void *buf, size_t len, int qos,
		    bool retain)
{
	int rc = mosquitto_publish(f->mosq, NULL, topic, (int)len, buf, qos, retain);

	/* NO_CONN: QoS 1 waits in libmosquitto's queue, QoS 0 is dropped (audio) */
	if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_NO_CONN)
		g_warning("federation: publish to %s: %s", topic,
			  rc == MOSQ_ERR_ERRNO ? g_strerror(errno) : mosquitto_strerror(rc));
}

JsonBuilder *fed_msg_begin(const struct relay_fed *f, const char *type)
{
	JsonBuilder *b = json_builder_new();

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "t");
	json_builder_add_string_value(b, type);
	json_builder_set_member_name(b, "by");
	json_builder_add_string_value(b, f->self);
	return b;
}

void fed_publish_json(struct relay_fed *f, const char *topic, JsonBuilder *b, int qos,
		      bool retain)
{
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *text = NULL;
	gsize len;

	json_builder_end_object(b);
	root = json_builder_get_root(b);
	json_generator_set_root(gen, root);
	text = json_generator_to_data(gen, &len);
	publish(f, topic, text, len, qos, retain);
	f->stats.ctl_out++;
	g_object_unref(b);
}

void fed_send_to(struct relay_fed *f, const char *relay, JsonBuilder *b)
{
	g_autofree char *topic = g_strdup_printf("%s/to/%s", f->prefix, relay);

	fed_publish_json(f, topic, b, 1, false);
}

static void add_int(JsonBuilder *b, const char *name, int64_t v)
{
	json_builder_set_member_name(b, name);
	json_builder_add_int_value(b, v);
}

static void add_str(JsonBuilder *b, const char *name, const char *v)
{
	if (!v)
		return;
	json_builder_set_member_name(b, name);
	json_builder_add_string_value(b, v);
}

void fed_add_stream(JsonBuilder *b, const struct relay_fed_stream *st)
{
	add_int(b, "sid", st->id);
	add_str(b, "ch", st->channel);
	add_str(b, "from", st->from);
	add_str(b, "for", st->for_user);
	add_str(b, "origin", st->origin);
	add_int(b, "rate", st->hdr.sample_rate);
	add_int(b, "fpp", st->hdr.frames_per_packet);
	add_int(b, "fms", st->hdr.frame_ms);
	add_int(b, "pd", st->packet_duration);
	json_builder_set_member_name(b, "em");
	json_builder_add_boolean_value(b, st->emergency);
}

int64_t fed_get_int(JsonObject *o, const char *name, int64_t def)
{
	JsonNode *n = json_object_get_member(o, name);

	if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_INT64)
		return def;
	return json_node_get_int(n);
}

const char *fed_get_str(JsonObject *o, const char *name)
{
	JsonNode *n = json_object_get_member(o, name);

	if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != G_TYPE_STRING)
		return NULL;
	return json_node_get_string(n);
}

bool fed_get_stream(JsonObject *o, struct relay_fed_stream *st)
{
	int64_t id = fed_get_int(o, "sid", -1);
	int64_t rate = fed_get_int(o, "rate", 0), fpp = fed_get_int(o, "fpp", 0);
	int64_t fms = fed_get_int(o, "fms", 0), pd = fed_get_int(o, "pd", 0);
	JsonNode *em = json_object_get_member(o, "em");

	memset(st, 0, sizeof(*st));
	if (id <= 0 || id > UINT32_MAX || rate < 0 || rate > UINT16_MAX || fpp < 0 || fpp > 255 ||
	    fms < 0 || fms > 255 || pd < 0 || pd > 10000)
		return false;
	st->id = id;
	st->channel = fed_get_str(o, "ch");
	st->from = fed_get_str(o, "from");
	st->for_user = fed_get_str(o, "for");
	st->origin = fed_get_str(o, "origin");
	st->hdr.sample_rate = rate;
	st->hdr.frames_per_packet = fpp;
	st->hdr.frame_ms = fms;
	st->packet_duration = pd;
	st->emergency = em && JSON_NODE_HOLDS_VALUE(em) &&
			json_node_get_value_type(em) == G_TYPE_BOOLEAN && json_node_get_boolean(em);
	return st->channel && st->from && st->origin;
}

void fed_publish_stop(struct relay_fed *f, const char *channel, uint32_t id, unsigned packets,
		      const char *why)
{
	g_autofree char *topic = fed_channel_topic(f, channel, "ctl");
	JsonBuilder *b = fed_msg_begin(f, "stop");

	add_int(b, "sid", id);
	add_str(b, "ch", channel);
	add_int(b, "n", packets);
	add_str(b, "why", why);
	/* retained: the channel's last start or stop is its floor for a relay that comes up */
	fed_publish_json(f, topic, b, 1, true);
}

/* ---- hooks from relay.c ---- */

void relay_fed_started(struct relay_fed *f, const struct relay_fed_stream *st)
{
	g_autofree char *topic = fed_channel_topic(f, st->channel, "ctl");
	struct relay_fed_stream s = *st;
	JsonBuilder *b = fed_msg_begin(f, "start");

	s.origin = f->self;
	fed_add_stream(b, &s);
	fed_publish_json(f, topic, b, 1, true);
	fed_floor_started(f, &s);
}

void relay_fed_audio(struct relay_fed *f, const char *channel, const uint8_t *frame, size_t len)
{
	const char *topic = g_hash_table_lookup(f->audio_topics, channel);

	if (!topic) {
		g_autofree char *tail = g_strdup_printf("audio/%s", f->self);
		char *t = fed_channel_topic(f, channel, tail);

		/* channels come and go only with a reload: bounded by the configured ones */
		if (g_hash_table_size(f->audio_topics) > 100000)
			g_hash_table_remove_all(f->audio_topics);
		g_hash_table_insert(f->audio_topics, g_strdup(channel), t);
		topic = t;
	}
	publish(f, topic, frame, len, 0, false);
	f->stats.audio_out++;
}

void relay_fed_ended(struct relay_fed *f, const char *channel, uint32_t id, unsigned packets,
		     const char *why)
{
	fed_publish_stop(f, channel, id, packets, why);
	fed_floor_stopped(f, channel, id);
}

void relay_fed_forget(struct relay_fed *f, const char *channel, uint32_t id)
{
	fed_floor_stopped(f, channel, id);
}

/* ---- libmosquitto's thread ---- */


static void on_connect(struct mosquitto *mosq, void *obj, int rc)
{
	struct relay_fed *f = obj;
	g_autofree char *presence = g_strdup_printf("%s/presence/+", f->prefix);
	g_autofree char *to = g_strdup_printf("%s/to/%s", f->prefix, f->self);
	g_autofree char *channels = g_strdup_printf("%s/ch/#", f->prefix);
	g_autofree char *me = g_strdup_printf("%s/presence/%s", f->prefix, f->self);

	if (rc != 0) {
		g_warning("federation: broker %s:%d refused: %s", f->host, f->port,
			  mosquitto_connack_string(rc));
		return;
	}
	/* presence first (its retained messages come before the channels'), messages to this
	 * relay, every channel (late entry works anywhere) */
	mosquitto_subscribe(mosq, NULL, presence, 1);
	mosquitto_subscribe(mosq, NULL, to, 1);
	mosquitto_subscribe(mosq, NULL, channels, 1);
	mosquitto_publish(mosq, NULL, me, strlen(PRESENCE_ONLINE), PRESENCE_ONLINE, 1, true);
	g_atomic_int_inc(&f->connects);
	g_atomic_int_set(&f->connected, 1);
	g_message("federation: broker %s:%d up; %s online", f->host, f->port, f->self);
}

static void on_disconnect(struct mosquitto *mosq, void *obj, int rc)
{
	struct relay_fed *f = obj;

	if (g_atomic_int_compare_and_exchange(&f->connected, 1, 0))
		g_message("federation: broker %s:%d down: %s", f->host, f->port,
			  rc == 0 ? "disconnected" : mosquitto_strerror(rc));
}

static void on_message(struct mosquitto *mosq, void *obj, const struct mosquitto_message *msg)
{
	struct relay_fed *f = obj;
	struct mosquitto_message *copy = g_new0(struct mosquitto_message, 1);

	if (mosquitto_message_copy(copy, msg) != MOSQ_ERR_SUCCESS) {
		g_free(copy);
		return;
	}
	pthread_mutex_lock(&f->lock);
	g_queue_push_tail(&f->inbox, copy);
	/* one wake-up per batch: the loop takes the whole queue; under the lock, so that
	 * relay_fed_set_wake(NULL) returns only when no wake-up runs */
	if (f->inbox.length == 1 && f->wake)
		f->wake(f->wake_data);
	pthread_mutex_unlock(&f->lock);
}

/* ---- the relay's loop ---- */

static void message_free(struct mosquitto_message *m)
{
	mosquitto_message_free_contents(m);
	g_free(m);
}

static void on_presence(struct relay_fed *f, const char *relay, const char *payload, size_t len)
{
	bool online = len == strlen(PRESENCE_ONLINE) && memcmp(payload, PRESENCE_ONLINE, len) == 0;
	bool was = g_hash_table_contains(f->live, relay);
	bool known = false;

	if (strcmp(relay, f->self) == 0)
		return;
	for (unsigned i = 0; f->relays[i]; i++)
		known |= strcmp(f->relays[i], relay) == 0;
	if (!known) {
		g_debug("federation: presence of %s, not in the configured set, ignored", relay);
		return;
	}
	if (online == was)
		return;
	if (online)
		g_hash_table_add(f->live, g_strdup(relay));
	else
		g_hash_table_remove(f->live, relay);
	g_message("federation: relay %s %s (%u of %u live)", relay, online ? "up" : "gone",
		  g_hash_table_size(f->live) + 1, g_strv_length(f->relays));
	fed_floor_presence(f, relay, online);
}

static void on_ctl(struct relay_fed *f, const struct mosquitto_message *m)
{
	g_autoptr(JsonParser) p = json_parser_new();
	g_autoptr(GError) error = NULL;
	JsonObject *o;
	const char *type, *by;

	/* (an empty text parses, with no root) */
	if (m->payloadlen <= 0 || !json_parser_load_from_data(p, m->payload, m->payloadlen, &error) ||
	    !json_parser_get_root(p) || !JSON_NODE_HOLDS_OBJECT(json_parser_get_root(p))) {
		g_warning("federation: %s: not a JSON object, ignored", m->topic);
		return;
	}
	o = json_node_get_object(json_parser_get_root(p));
	type = fed_get_str(o, "t");
	by = fed_get_str(o, "by");
	if (!type || !by) {
		g_warning("federation: %s: no \"t\" or \"by\", ignored", m->topic);
		return;
	}
	f->stats.ctl_in++;
	if (g_str_has_suffix(m->topic, "/ctl")) {
		if (strcmp(by, f->self) == 0) {
			/* our own, applied when sent; or, retained, the start of a burst of
			 * ours that we do not have (an earlier run): stopped for good */
			if (m->retain && strcmp(type, "start") == 0)
				fed_floor_own_retained(f, o);
			return;
		}
		if (strcmp(type, "start") == 0) {
			struct relay_fed_stream st;

			if (!fed_get_stream(o, &st) || strcmp(st.origin, by) != 0) {
				g_warning("federation: %s: bad start from %s, ignored", m->topic, by);
				return;
			}
			/* retained (we just subscribed, after the presences): a burst of a relay
			 * that is not live is over */
			if (m->retain && !fed_is_live(f, st.origin))
				return;
			fed_floor_started(f, &st);
			relay_logic_remote_start(f->logic, &st);
		} else if (strcmp(type, "stop") == 0) {
			int64_t id = fed_get_int(o, "sid", 0), n = fed_get_int(o, "n", 0);
			const char *ch = fed_get_str(o, "ch");

			if (id <= 0 || id > UINT32_MAX || !ch || n < 0 || n > UINT32_MAX)
				return;
			fed_floor_stopped(f, ch, id);
			if (!m->retain)
				relay_logic_remote_stop(f->logic, id, n, fed_get_str(o, "why"), f->now);
		}
		return;
	}
	fed_floor_direct(f, type, o);
}

static void on_inbound(struct relay_fed *f, const struct mosquitto_message *m)
{
	size_t plen = strlen(f->prefix);
	const char *t = m->topic, *rest;

	if (strncmp(t, f->prefix, plen) != 0 || t[plen] != '/')
		return;
	rest = t + plen + 1;
	if (g_str_has_prefix(rest, "presence/")) {
		on_presence(f, rest + 9, m->payload, m->payloadlen);
	} else if (g_str_has_prefix(rest, "to/")) {
		if (strcmp(rest + 3, f->self) == 0)
			on_ctl(f, m);
	} else if (g_str_has_prefix(rest, "ch/")) {
		const char *last = strrchr(rest, '/');

		if (!last)
			return;
		if (last - rest > 6 && strncmp(last - 6, "/audio", 6) == 0) {
			if (strcmp(last + 1, f->self) == 0 || m->payloadlen <= 0)
				return;
			f->stats.audio_in++;
			relay_logic_remote_audio(f->logic, m->payload, m->payloadlen);
		} else if (strcmp(last, "/ctl") == 0 && m->payloadlen > 0) {
			on_ctl(f, m);
		}
	}
}

void fed_connection_check(struct relay_fed *f, uint64_t now)
{
	int n = g_atomic_int_get(&f->connects);

	if (n != f->connects_seen) {
		f->connects_seen = n;
		f->settle_until = MAX(f->settle_until, now + RELAY_FED_SETTLE_USEC);
	}
}

void relay_fed_dispatch(struct relay_fed *f, uint64_t now)
{
	struct mosquitto_message *m;
	GQueue batch = G_QUEUE_INIT;

	f->now = now;
	fed_connection_check(f, now);
	pthread_mutex_lock(&f->lock);
	batch = f->inbox;
	g_queue_init(&f->inbox);
	pthread_mutex_unlock(&f->lock);
	while ((m = g_queue_pop_head(&batch))) {
		on_inbound(f, m);
		message_free(m);
	}
}

void relay_fed_tick(struct relay_fed *f, uint64_t now)
{
	relay_fed_dispatch(f, now);
	fed_floor_tick(f, now);
}

void relay_fed_dump_stats(const struct relay_fed *f)
{
	g_message("federation: %s %s, %u of %u relays live, audio out=%" G_GUINT64_FORMAT
		  " in=%" G_GUINT64_FORMAT ", control out=%" G_GUINT64_FORMAT " in=%"
		  G_GUINT64_FORMAT ", floor asked=%" G_GUINT64_FORMAT " granted=%" G_GUINT64_FORMAT
		  " denied=%" G_GUINT64_FORMAT, f->self,
		  relay_fed_is_connected(f) ? "connected" : "NOT connected",
		  g_hash_table_size(f->live) + 1, g_strv_length(f->relays), f->stats.audio_out,
		  f->stats.audio_in, f->stats.ctl_out, f->stats.ctl_in, f->stats.asked,
		  f->stats.granted, f->stats.denied);
}

void relay_fed_set_wake(struct relay_fed *f, void (*fn)(void *data), void *data)
{
	pthread_mutex_lock(&f->lock);
	f->wake = fn;
	f->wake_data = data;
	pthread_mutex_unlock(&f->lock);
}

/* ---- life cycle ---- */

static bool set_auth(struct relay_fed *f, const struct relay_fed_config *fc, GError **error)
{
	g_autofree char *pw = NULL;
	int rc = MOSQ_ERR_SUCCESS;

	if (fc->password_file) {
		pw = conf_read_secret_file(fc->password_file, error);
		if (!pw)
			return false;
	}
	if (fc->username)
		rc = mosquitto_username_pw_set(f->mosq, fc->username, pw);
	if (pw)
		explicit_bzero(pw, strlen(pw));
	if (rc == MOSQ_ERR_SUCCESS && (fc->ca_file || fc->cert))
		rc = mosquitto_tls_set(f->mosq, fc->ca_file, fc->ca_file ? NULL : "/etc/ssl/certs",
				       fc->cert, fc->key, NULL);
	if (rc != MOSQ_ERR_SUCCESS) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "federation: credentials: %s",
			    rc == MOSQ_ERR_ERRNO ? g_strerror(errno) : mosquitto_strerror(rc));
		return false;
	}
	return true;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool check_config(const struct relay_fed_config *fc, GError **error)
{
	const char *bad = NULL;
	bool self = false;

	if (!fc->relay_id || !*fc->relay_id)
		bad = "relay-id is missing";
	else if (!fc->relays || !fc->relays[0])
		bad = "relays (the configured set) is missing";
	else if (fc->broker_port == 0)
		bad = "the broker needs a port";
	else if (fc->prefix && (!*fc->prefix || strpbrk(fc->prefix, "+#") ||
				g_str_has_suffix(fc->prefix, "/")))
		bad = "topic-prefix has a wildcard or a trailing '/'";
	else if (!fc->cert != !fc->key)
		bad = "a client certificate needs cert and key";
	for (unsigned i = 0; !bad && fc->relays[i]; i++) {
		if (!*fc->relays[i] || strpbrk(fc->relays[i], "/+#"))
			bad = "a relay name is empty or has '/', '+' or '#'";
		for (unsigned j = 0; !bad && j < i; j++)
			if (strcmp(fc->relays[i], fc->relays[j]) == 0)
				bad = "a relay is listed twice";
		self |= !bad && strcmp(fc->relays[i], fc->relay_id) == 0;
	}
	if (!bad && !self)
		bad = "relay-id is not among relays";
	if (!bad && g_strv_length(fc->relays) > 254)
		bad = "more than 254 relays";
	if (bad) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE, "[federation]: %s", bad);
		return false;
	}
	return true;
}

static struct relay_fed *fed_create(const struct relay_fed_config *fc, struct relay_logic *l,
				     GError **error)
{
	static gsize lib_once;
	g_autofree char *client_id = NULL, *will = NULL;
	struct relay_fed *f;

	if (!check_config(fc, error))
		return NULL;
	if (g_once_init_enter(&lib_once)) {
		mosquitto_lib_init();
		g_once_init_leave(&lib_once, 1);
	}
	f = g_new0(struct relay_fed, 1);
	f->logic = l;
	f->host = g_strdup(fc->broker_host);
	f->port = fc->broker_port;
	f->self = g_strdup(fc->relay_id);
	f->prefix = g_strdup(fc->prefix ? fc->prefix : "pttgw-fed");
	f->relays = g_strdupv(fc->relays);
	qsort(f->relays, g_strv_length(f->relays), sizeof(char *), cmp_str);
	for (unsigned i = 0; f->relays[i]; i++)
		if (strcmp(f->relays[i], f->self) == 0)
			f->self_index = i;
	pthread_mutex_init(&f->lock, NULL);
	g_queue_init(&f->inbox);
	f->live = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	f->audio_topics = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	fed_floor_init(f);

	client_id = g_strdup_printf("pttgw-relay-fed-%s", f->self);
	f->mosq = mosquitto_new(client_id, true, f);
	if (!f->mosq) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
			    "federation: mosquitto_new: %s", g_strerror(errno));
		f = relay_fed_free(f);
		return NULL;
	}
	mosquitto_int_option(f->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
	mosquitto_int_option(f->mosq, MOSQ_OPT_TCP_NODELAY, 1);
	/* QoS 1 goes out at once, in order with the QoS 0 audio around it */
	mosquitto_max_inflight_messages_set(f->mosq, 0);
	mosquitto_connect_callback_set(f->mosq, on_connect);
	mosquitto_disconnect_callback_set(f->mosq, on_disconnect);
	mosquitto_message_callback_set(f->mosq, on_message);
	mosquitto_reconnect_delay_set(f->mosq, 1, 5, true);
	will = g_strdup_printf("%s/presence/%s", f->prefix, f->self);
	if (mosquitto_will_set(f->mosq, will, strlen(PRESENCE_OFFLINE), PRESENCE_OFFLINE, 1,
			       true) != MOSQ_ERR_SUCCESS || !set_auth(f, fc, error)) {
		if (error && !*error)
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "federation: will");
		f = relay_fed_free(f);
		return NULL;
	}
	return f;
}

struct relay_fed *relay_fed_new_detached(const struct relay_fed_config *fc,
					 struct relay_logic *l, GError **error)
{
	struct relay_fed *f = fed_create(fc, l, error);

	if (f) {
		f->detached = true;
		g_atomic_int_set(&f->connected, 1);
	}
	return f;
}

void relay_fed_inject(struct relay_fed *f, const char *topic, const void *payload, size_t len,
		      bool retain)
{
	struct mosquitto_message m = {
		.topic = (char *)topic, .payload = (void *)payload, .payloadlen = (int)len,
		.qos = 1, .retain = retain,
	};

	f->now = g_get_monotonic_time();
	on_inbound(f, &m);
}

struct relay_fed *relay_fed_new(const struct relay_fed_config *fc, struct relay_logic *l,
				GError **error)
{
	struct relay_fed *f = fed_create(fc, l, error);
	int rc;

	if (!f)
		return NULL;
	/* keepalive 5 s: a relay cut off is declared gone (its will) within ~7.5 s */
	rc = mosquitto_connect_async(f->mosq, f->host, f->port, 5);
	if (rc != MOSQ_ERR_SUCCESS)
		g_message("federation: broker %s:%d: %s; retrying in the background", f->host,
			  f->port, rc == MOSQ_ERR_ERRNO ? g_strerror(errno) : mosquitto_strerror(rc));
	rc = mosquitto_loop_start(f->mosq);
	if (rc != MOSQ_ERR_SUCCESS) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED,
			    "federation: mosquitto_loop_start: %s", mosquitto_strerror(rc));
		f = relay_fed_free(f);
		return NULL;
	}
	g_message("federation: relay %s of %u, broker %s:%d, topics %s/...", f->self,
		  g_strv_length(f->relays), f->host, f->port, f->prefix);
	return f;
}

struct relay_fed *relay_fed_free(struct relay_fed *f)
{
	if (!f)
		return NULL;
	if (f->mosq && f->detached) {
		mosquitto_destroy(f->mosq);
	} else if (f->mosq) {
		if (g_atomic_int_get(&f->connected)) {
			g_autofree char *me = g_strdup_printf("%s/presence/%s", f->prefix, f->self);
			int mid = 0;

			mosquitto_publish(f->mosq, &mid, me, strlen(PRESENCE_OFFLINE),
					  PRESENCE_OFFLINE, 1, true);
			g_usleep(100 * 1000);	/* give it (and the last stops) a moment */
			mosquitto_disconnect(f->mosq);
			mosquitto_loop_stop(f->mosq, false);
		} else {
			mosquitto_disconnect(f->mosq);
			mosquitto_loop_stop(f->mosq, true);
		}
		mosquitto_destroy(f->mosq);
	}
	fed_floor_clear(f);
	/* the thread is stopped: no lock needed */
	g_queue_clear_full(&f->inbox, (GDestroyNotify)message_free);
	pthread_mutex_destroy(&f->lock);
	g_clear_pointer(&f->live, g_hash_table_destroy);
	g_clear_pointer(&f->audio_topics, g_hash_table_destroy);
	g_strfreev(f->relays);
	g_free(f->prefix);
	g_free(f->self);
	g_free(f->host);
	g_free(f);
	return NULL;
}
