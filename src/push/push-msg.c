/* SPDX-License-Identifier: MIT */
/*
 * push-msg.c - the signed push message (format: push-msg.h).
 */
#include "push-msg.h"

#include <errno.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/random.h>

#include "conf.h"
#include "json-util.h"

G_DEFINE_QUARK(pttgw-push-msg-error-quark, push_msg_error)

const char *push_msg_error_to_string(enum push_msg_error e)
{
	switch (e) {
	case PUSH_MSG_ERROR_TOO_BIG:
		return "too-big";
	case PUSH_MSG_ERROR_MALFORMED:
		return "malformed";
	case PUSH_MSG_ERROR_BAD_MAC:
		return "bad-mac";
	case PUSH_MSG_ERROR_WRONG_USER:
		return "wrong-user";
	case PUSH_MSG_ERROR_STALE:
		return "stale";
	case PUSH_MSG_ERROR_FUTURE:
		return "future";
	case PUSH_MSG_ERROR_REPLAY:
		return "replay";
	case _PUSH_MSG_ERROR_MAX:
		break;
	}
	return "invalid";
}

void push_msg_clear(struct push_msg *m)
{
	if (!m)
		return;
	g_clear_pointer(&m->channel, g_free);
	g_clear_pointer(&m->from, g_free);
	g_clear_pointer(&m->to, g_free);
	g_clear_pointer(&m->nonce, g_free);
	m->stream_id = 0;
	m->timestamp_ms = 0;
}

void push_msg_new_nonce(struct push_msg *m)
{
	guint8 raw[16];
	size_t got = 0;

	while (got < sizeof(raw)) {
		ssize_t n = getrandom(raw + got, sizeof(raw) - got, 0);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			/* no getrandom(): GLib's generator still gives unique nonces */
			for (; got < sizeof(raw); got++)
				raw[got] = (guint8)g_random_int();
			break;
		}
		got += (size_t)n;
	}
	g_free(m->nonce);
	m->nonce = g_malloc(sizeof(raw) * 2 + 1);
	for (size_t i = 0; i < sizeof(raw); i++)
		g_snprintf(m->nonce + 2 * i, 3, "%02x", raw[i]);
}

static bool name_ok(const char *s, bool may_be_empty)
{
	size_t n;

	if (!s)
		return false;
	n = strlen(s);
	return (may_be_empty || n > 0) && n <= PUSH_MSG_MAX_NAME && g_utf8_validate(s, -1, NULL);
}

static bool nonce_ok(const char *s)
{
	size_t n;

	if (!s)
		return false;
	n = strlen(s);
	if (n < PUSH_MSG_NONCE_MIN || n > PUSH_MSG_NONCE_MAX)
		return false;
	for (const char *p = s; *p; p++)
		if (!g_ascii_isalnum(*p) && !strchr("+/=_-", *p))
			return false;
	return true;
}

char *push_msg_sign(const struct push_msg *m, const void *key, size_t key_len,
		    size_t *ret_len, GError **error)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *payload = NULL;
	g_autofree char *b64 = NULL;
	g_autofree char *mac = NULL;
	char *env;
	size_t plen;

	if (!name_ok(m->channel, false) || !name_ok(m->from, false) ||
	    (m->to && !name_ok(m->to, true)) || !nonce_ok(m->nonce) || m->stream_id == 0) {
		g_set_error(error, PUSH_MSG_ERROR, PUSH_MSG_ERROR_MALFORMED,
			    "push fields out of their limits (channel, from, to, nonce, stream_id)");
		return NULL;
	}
	if (key_len < PUSH_MSG_KEY_MIN || key_len > PUSH_MSG_KEY_MAX) {
		g_set_error(error, PUSH_MSG_ERROR, PUSH_MSG_ERROR_MALFORMED,
			    "push key of %zu bytes (want %d..%d)", key_len, PUSH_MSG_KEY_MIN,
			    PUSH_MSG_KEY_MAX);
		return NULL;
	}
	json_builder_begin_object(b);
	json_builder_set_member_name(b, "channel");
	json_builder_add_string_value(b, m->channel);
	json_builder_set_member_name(b, "stream_id");
	json_builder_add_int_value(b, m->stream_id);
	json_builder_set_member_name(b, "from");
	json_builder_add_string_value(b, m->from);
	if (m->to) {
		json_builder_set_member_name(b, "to");
		json_builder_add_string_value(b, m->to);
	}
	json_builder_set_member_name(b, "timestamp");
	json_builder_add_int_value(b, m->timestamp_ms);
	json_builder_set_member_name(b, "nonce");
	json_builder_add_string_value(b, m->nonce);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	payload = json_to_string(root, FALSE);
	plen = strlen(payload);
	if (plen > PUSH_MSG_MAX_PAYLOAD) {
		g_set_error(error, PUSH_MSG_ERROR, PUSH_MSG_ERROR_TOO_BIG,
			    "push payload of %zu bytes (limit %d)", plen, PUSH_MSG_MAX_PAYLOAD);
		return NULL;
	}
	mac = g_compute_hmac_for_data(G_CHECKSUM_SHA256, key, key_len, (const guchar *)payload,
				      plen);
	b64 = g_base64_encode((const guchar *)payload, plen);
	env = g_strdup_printf("{\"v\":1,\"payload\":\"%s\",\"mac\":\"%s\"}", b64, mac);
	if (ret_len)
		*ret_len = strlen(env);
	return env;
}

GBytes *push_key_load(const char *path, GError **error)
{
	g_autofree char *key = conf_read_secret_file(path, error);
	size_t n;

	if (!key)
		return NULL;
	n = strlen(key);
	if (n < PUSH_MSG_KEY_MIN || n > PUSH_MSG_KEY_MAX) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
			    "%s: push key of %zu bytes (want %d..%d, e.g. `openssl rand -hex 32`)",
			    path, n, PUSH_MSG_KEY_MIN, PUSH_MSG_KEY_MAX);
		return NULL;
	}
	return g_bytes_new_take(g_steal_pointer(&key), n);
}

/* ---- verifier ---- */

struct replay_entry {
	char *nonce;
	int64_t ts;
};

struct push_verifier {
	GBytes *key;
	int64_t window_ms;
	unsigned max_entries;
	char *self;
	GHashTable *seen; /* nonce (owned by the entry) -> struct replay_entry */
	GQueue order;     /* struct replay_entry, arrival order */
	int64_t floor_ms; /* pushes signed at or before this are stale (evictions) */
	bool have_floor;
	int64_t high_ms;  /* the newest timestamp accepted (also across restarts) */
	bool have_high;
	int64_t offset_ms; /* relay clock - ours, from the last accepted push */
	bool have_offset;
	bool monotonic;   /* newer than high_ms is fresh, whatever our clock says */
};

void push_verifier_use_monotonic(struct push_verifier *v)
{
	v->monotonic = true;
}

void push_verifier_set_high_water(struct push_verifier *v, int64_t ts_ms)
{
	v->high_ms = ts_ms;
	v->have_high = true;
	if (!v->have_floor || ts_ms > v->floor_ms)
		v->floor_ms = ts_ms;
	v->have_floor = true;
}

gboolean push_verifier_get_high_water(const struct push_verifier *v, int64_t *ret_ts_ms)
{
	if (v->have_high)
		*ret_ts_ms = v->high_ms;
	return v->have_high;
}

gboolean push_verifier_get_offset(const struct push_verifier *v, int64_t *ret_offset_ms)
{
	if (v->have_offset)
		*ret_offset_ms = v->offset_ms;
	return v->have_offset;
}

struct push_verifier *push_verifier_new(GBytes *key, int64_t window_ms, unsigned max_entries,
					const char *self)
{
	struct push_verifier *v = g_new0(struct push_verifier, 1);

	v->key = g_bytes_ref(key);
	v->window_ms = window_ms;
	v->max_entries = max_entries ? max_entries : 1;
	v->self = g_strdup(self);
	v->seen = g_hash_table_new(g_str_hash, g_str_equal);
	g_queue_init(&v->order);
	return v;
}

static void replay_entry_free(struct replay_entry *e)
{
	g_free(e->nonce);
	g_free(e);
}

struct push_verifier *push_verifier_free(struct push_verifier *v)
{
	struct replay_entry *e;

	if (!v)
		return NULL;
	while ((e = g_queue_pop_head(&v->order)))
		replay_entry_free(e);
	g_hash_table_destroy(v->seen);
	g_free(v->self);
	g_bytes_unref(v->key);
	g_free(v);
	return NULL;
}

unsigned push_verifier_cache_size(const struct push_verifier *v)
{
	return g_hash_table_size(v->seen);
}

static void replay_expire(struct push_verifier *v, int64_t now_ms)
{
	struct replay_entry *e;

	while ((e = g_queue_peek_head(&v->order)) && e->ts < now_ms - v->window_ms) {
		g_queue_pop_head(&v->order);
		g_hash_table_remove(v->seen, e->nonce);
		replay_entry_free(e);
	}
}

static void replay_add(struct push_verifier *v, const char *nonce, int64_t ts)
{
	struct replay_entry *e;

	while (g_hash_table_size(v->seen) >= v->max_entries &&
	       (e = g_queue_pop_head(&v->order))) {
		if (!v->have_floor || e->ts > v->floor_ms)
			v->floor_ms = e->ts;
		v->have_floor = true;
		g_hash_table_remove(v->seen, e->nonce);
		replay_entry_free(e);
	}
	e = g_new(struct replay_entry, 1);
	e->nonce = g_strdup(nonce);
	e->ts = ts;
	g_queue_push_tail(&v->order, e);
	g_hash_table_insert(v->seen, e->nonce, e);
}

static bool b64_valid(const char *s, size_t n)
{
	size_t pad = 0;

	if (n == 0 || n % 4)
		return false;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (c == '=') {
			if (i < n - 2)
				return false;
			pad++;
		} else if (pad || !(g_ascii_isalnum(c) || c == '+' || c == '/')) {
			return false;
		}
	}
	return true;
}

static bool hex_decode(const char *s, guint8 *out, size_t out_len)
{
	if (strlen(s) != out_len * 2)
		return false;
	for (size_t i = 0; i < out_len; i++) {
		int hi = g_ascii_xdigit_value(s[2 * i]);
		int lo = g_ascii_xdigit_value(s[2 * i + 1]);

		if (hi < 0 || lo < 0)
			return false;
		out[i] = (guint8)(hi << 4 | lo);
	}
	return true;
}

static bool const_time_equal(const guint8 *a, const guint8 *b, size_t n)
{
	volatile guint8 acc = 0;

	for (size_t i = 0; i < n; i++)
		acc |= a[i] ^ b[i];
	return acc == 0;
}

static gboolean parse_payload(const guint8 *p, size_t plen, struct push_msg *m, GError **error)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) jerr = NULL;
	JsonObject *o;
	JsonNode *n;
	gint64 sid;
	const char *channel, *from, *to, *nonce;

	if (memchr(p, '\0', plen) || !g_utf8_validate((const char *)p, (gssize)plen, NULL)) {
		g_set_error(error, PUSH_MSG_ERROR, PUSH_MSG_ERROR_MALFORMED,
			    "payload is not UTF-8 text");
		return FALSE;
	}
	if (!json_parser_load_from_data(parser, (const char *)p, (gssize)plen, &jerr)) {
		g_set_error(error, PUSH_MSG_ERROR, PUSH_MSG_ERROR_MALFORMED,
			    "payload is not JSON: %s", jerr->message);
		return FALSE;
	}
	if (!JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
		g_set_error(error, PUSH_MSG_ERROR, PUSH_MSG_ERROR_MALFORMED,
			    "payload is not a JSON object");
		return FALSE;
	}
	o = json_node_get_object(json_parser_get_root(parser));
	channel = json_util_string_member(o, "channel");
	if (!name_ok(channel, false)) {
		g_set_error(error, PUSH_MSG_ERROR, PUSH_MSG_ERROR_MALFORMED,
			    "payload: \"channel\" missing, not a string or out of 1..%d bytes",
			    PUSH_MSG_MAX_NAME);
		return FALSE;
	}
	from = json_util_string_member(o, "from");
	if (!name_ok(from, false)) {
		g_set_error(error, PUSH_MSG_ERROR, PUSH_MSG_ERROR_MALFORMED,
			    "payload: \"from\" missing, not a string or out of 1..%d bytes",
			    PUSH_MSG_MAX_NAME);
		return FALSE;
	}
	to = NULL;
	if (json_object_has_member(o, "to")) {
		to = json_util_string_member(o, "to");
		if (!name_ok(to, true)) {
			g_set_error(error, PUSH_MSG_ERROR, PUSH_MSG_ERROR_MALFORMED,
				    "payload: \"to\" not a string of at most %d bytes",
				    PUSH_MSG_MAX_NAME);
			return FALSE;
		}
	}
	n = json_util_member_of_type(o, "stream_id", G_TYPE_INT64);
	sid = n ? json_node_get_int(n) : 0;
	if (sid < 1 || sid > (gint64)UINT32_MAX) {
		g_set_error(error, PUSH_MSG_ERROR, PUSH_MSG_ERROR_MALFORMED,
			    "payload: \"stream_id\" missing or not an integer in 1..4294967295");
		return FALSE;
	}
	n = json_util_member_of_type(o, "timestamp", G_TYPE_INT64);
	if (!n) {
		g_set_error(error, PUSH_MSG_ERROR, PUSH_MSG_ERROR_MALFORMED,
			    "payload: \"timestamp\" missing or not an integer (Unix ms)");
		return FALSE;
	}
	m->timestamp_ms = json_node_get_int(n);
	nonce = json_util_string_member(o, "nonce");
	if (!nonce_ok(nonce)) {
		g_set_error(error, PUSH_MSG_ERROR, PUSH_MSG_ERROR_MALFORMED,
			    "payload: \"nonce\" missing or not %d..%d characters of [0-9a-zA-Z+/=_-]",
			    PUSH_MSG_NONCE_MIN, PUSH_MSG_NONCE_MAX);
		return FALSE;
	}
	m->channel = g_strdup(channel);
	m->from = g_strdup(from);
	m->to = g_strdup(to);
	m->nonce = g_strdup(nonce);
	m->stream_id = (uint32_t)sid;
	return TRUE;
}

/* The envelope {"v": 1, "mac": hex, "payload": base64}: its MAC into mac,
 * its decoded payload (g_free) into *ret_payload. */
static gboolean open_envelope(const void *data, size_t len, guint8 mac[32],
			      guint8 **ret_payload, gsize *ret_plen, GError **error)
{
	g_autoptr(JsonParser) parser = NULL;
	g_autoptr(GError) jerr = NULL;
	g_autofree guint8 *payload = NULL;
	const char *b64, *hex;
	JsonObject *o;
	JsonNode *n;
	gsize plen;
	size_t b64_len;

	if (len > PUSH_MSG_MAX_ENVELOPE) {
		g_set_error(error, PUSH_MSG_ERROR, PUSH_MSG_ERROR_TOO_BIG,
			    "envelope of %zu bytes (limit %d)", len, PUSH_MSG_MAX_ENVELOPE);
		return FALSE;
	}
	if (len == 0 || memchr(data, '\0', len) ||
	    !g_utf8_validate((const char *)data, (gssize)len, NULL)) {
		g_set_error(error, PUSH_MSG_ERROR, PUSH_MSG_ERROR_MALFORMED,
			    "envelope is empty or not UTF-8 text");
		return FALSE;
	}
	parser = json_parser_new();
	if (!json_parser_load_from_data(parser, (const char *)data, (gssize)len, &jerr)) {
		g_set_error(error, PUSH_MSG_ERROR, PUSH_MSG_ERROR_MALFORMED,
			    "envelope is not JSON: %s", jerr->message);
		return FALSE;
	}
	if (!JSON_NODE_HOLDS_OBJECT(json_parser_get_root(parser))) {
		g_set_error(error, PUSH_MSG_ERROR, PUSH_MSG_ERROR_MALFORMED,
			    "envelope is not a JSON object");
		return FALSE;
	}
	o = json_node_get_object(json_parser_get_root(parser));
	n = json_util_member_of_type(o, "v", G_TYPE_INT64);
	if (!n || json_node_get_int(n) != 1) {
		g_set_error(error, PUSH_MSG_ERROR, PUSH_MSG_ERROR_MALFORMED,
			    "envelope: \"v\" missing or not 1");
		return FALSE;
	}
	hex = json_util_string_member(o, "mac");
	if (!hex) {
		g_set_error(error, PUSH_MSG_ERROR, PUSH_MSG_ERROR_BAD_MAC,
			    "envelope: \"mac\" missing or not a string");
		return FALSE;
	}
	if (!hex_decode(hex, mac, 32)) {
		g_set_error(error, PUSH_MSG_ERROR, PUSH_MSG_ERROR_BAD_MAC,
			    "envelope: \"mac\" is not %d hex digits", PUSH_MSG_MAC_HEX);
		return FALSE;
	}
	b64 = json_util_string_member(o, "payload");
	if (!b64) {
		g_set_error(error, PUSH_MSG_ERROR, PUSH_MSG_ERROR_MALFORMED,
			    "envelope: \"payload\" missing or not a string");
		return FALSE;
	}
	b64_len = strlen(b64);
	if (b64_len > (PUSH_MSG_MAX_PAYLOAD + 2) / 3 * 4) {
		g_set_error(error, PUSH_MSG_ERROR, PUSH_MSG_ERROR_TOO_BIG,
			    "payload of more than %d bytes", PUSH_MSG_MAX_PAYLOAD);
		return FALSE;
	}
	if (!b64_valid(b64, b64_len)) {
		g_set_error(error, PUSH_MSG_ERROR, PUSH_MSG_ERROR_MALFORMED,
			    "envelope: \"payload\" is not base64");
		return FALSE;
	}
	payload = g_base64_decode(b64, &plen);
	if (plen > PUSH_MSG_MAX_PAYLOAD) {
		g_set_error(error, PUSH_MSG_ERROR, PUSH_MSG_ERROR_TOO_BIG,
			    "payload of %zu bytes (limit %d)", (size_t)plen, PUSH_MSG_MAX_PAYLOAD);
		return FALSE;
	}
	*ret_payload = g_steal_pointer(&payload);
	*ret_plen = plen;
	return TRUE;
}

/* HMAC-SHA256 of the payload under our key, compared in constant time with mac. */
static gboolean check_mac(const struct push_verifier *v, const guint8 *payload, gsize plen,
			  const guint8 mac[32], GError **error)
{
	g_autoptr(GHmac) hmac = NULL;
	guint8 want[32];
	gsize want_len = sizeof(want);
	gconstpointer key;
	gsize key_len;

	key = g_bytes_get_data(v->key, &key_len);
	hmac = g_hmac_new(G_CHECKSUM_SHA256, key, key_len);
	g_hmac_update(hmac, payload, (gssize)plen);
	g_hmac_get_digest(hmac, want, &want_len);
	if (want_len != sizeof(want) || !const_time_equal(want, mac, sizeof(want))) {
		g_set_error(error, PUSH_MSG_ERROR, PUSH_MSG_ERROR_BAD_MAC,
			    "MAC does not match the payload (forged, or another key)");
		return FALSE;
	}
	return TRUE;
}

/* The addressee, the timestamp's freshness and the nonce's novelty; an accepted
 * message is remembered (replay cache, high water mark, the relay's clock offset). */
static gboolean check_replay(struct push_verifier *v, const struct push_msg *m, int64_t now_ms,
			     GError **error)
{
	if (v->self && m->to && strcmp(v->self, m->to) != 0) {
		g_set_error(error, PUSH_MSG_ERROR, PUSH_MSG_ERROR_WRONG_USER,
			    "push for user '%s', we are '%s'", m->to, v->self);
		return FALSE;
	}
	if (v->have_floor && m->timestamp_ms <= v->floor_ms) {
		g_set_error(error, PUSH_MSG_ERROR, PUSH_MSG_ERROR_STALE,
			    "timestamp %" G_GINT64_FORMAT " at or before the replay cache's floor "
			    "(the cache was full, or the newest push taken before a restart)",
			    m->timestamp_ms);
		return FALSE;
	}
	/* fresh by the relay's clock as learned, or newer than anything accepted so far
	 * (after a restart, before the offset is learned); else by our wall clock */
	if (v->have_offset && m->timestamp_ms >= now_ms + v->offset_ms - v->window_ms &&
	    m->timestamp_ms <= now_ms + v->offset_ms + v->window_ms)
		goto fresh;
	if (v->monotonic && !v->have_offset && (!v->have_high || m->timestamp_ms > v->high_ms))
		goto fresh;	/* the first since a start: newer than all before it */
	if (m->timestamp_ms < now_ms - v->window_ms) {
		g_set_error(error, PUSH_MSG_ERROR, PUSH_MSG_ERROR_STALE,
			    "timestamp %" G_GINT64_FORMAT " is %" G_GINT64_FORMAT
			    " ms old (window %" G_GINT64_FORMAT " ms)",
			    m->timestamp_ms, now_ms - m->timestamp_ms, v->window_ms);
		return FALSE;
	}
	if (m->timestamp_ms > now_ms + v->window_ms) {
		g_set_error(error, PUSH_MSG_ERROR, PUSH_MSG_ERROR_FUTURE,
			    "timestamp %" G_GINT64_FORMAT " is %" G_GINT64_FORMAT
			    " ms in the future (window %" G_GINT64_FORMAT " ms)",
			    m->timestamp_ms, m->timestamp_ms - now_ms, v->window_ms);
		return FALSE;
	}
fresh:
	replay_expire(v, v->have_offset ? now_ms + v->offset_ms : now_ms);
	if (g_hash_table_contains(v->seen, m->nonce)) {
		g_set_error(error, PUSH_MSG_ERROR, PUSH_MSG_ERROR_REPLAY,
			    "nonce %s already seen (replay or duplicate delivery)", m->nonce);
		return FALSE;
	}
	replay_add(v, m->nonce, m->timestamp_ms);
	if (!v->have_high || m->timestamp_ms > v->high_ms)
		v->high_ms = m->timestamp_ms;
	v->have_high = true;
	v->offset_ms = m->timestamp_ms - now_ms;
	v->have_offset = true;
	return TRUE;
}

gboolean push_verifier_check(struct push_verifier *v, const void *data, size_t len,
			     int64_t now_ms, struct push_msg *out, GError **error)
{
	g_autofree guint8 *payload = NULL;
	struct push_msg m = { 0 };
	guint8 mac[32];
	gsize plen;

	if (!open_envelope(data, len, mac, &payload, &plen, error) ||
	    !check_mac(v, payload, plen, mac, error) || !parse_payload(payload, plen, &m, error))
		return FALSE;
	if (!check_replay(v, &m, now_ms, error)) {
		push_msg_clear(&m);
		return FALSE;
	}
	*out = m;
	return TRUE;
}
