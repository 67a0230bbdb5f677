/* SPDX-License-Identifier: MIT */
/*
 * relay-auth.c - passwords, refresh tokens and logon throttling (see relay-auth.h).
 */
#include "relay-auth.h"

#include <crypt.h>
#include <errno.h>
#include <string.h>
#include <sys/random.h>

/* records kept at most (per kind); the stalest goes first when full */
#define MAX_RECORDS 4096
#define TOKEN_BYTES 32

struct throttle {
	unsigned failures;
	uint64_t last;			/* last failure */
	uint64_t not_before;		/* no check before this */
};

struct token {
	char *user;
	uint64_t expires;
	uint64_t issued;
};

struct relay_auth {
	struct relay_auth_limits lim;
	GHashTable *by_addr;		/* addr -> struct throttle */
	GHashTable *by_user;		/* user -> struct throttle */
	GHashTable *tokens;		/* token -> struct token */
	char *last_user;		/* relay_auth_refresh()'s *ret_user */
};

static void token_free(gpointer p)
{
	struct token *t = p;

	g_free(t->user);
	g_free(t);
}

static void key_free(gpointer p)
{
	explicit_bzero(p, strlen(p));
	g_free(p);
}

struct relay_auth *relay_auth_new(const struct relay_auth_limits *lim)
{
	struct relay_auth *a = g_new0(struct relay_auth, 1);

	a->lim = *lim;
	a->by_addr = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	a->by_user = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	a->tokens = g_hash_table_new_full(g_str_hash, g_str_equal, key_free, token_free);
	return a;
}

struct relay_auth *relay_auth_free(struct relay_auth *a)
{
	if (!a)
		return NULL;
	g_hash_table_unref(a->by_addr);
	g_hash_table_unref(a->by_user);
	g_hash_table_unref(a->tokens);
	g_free(a->last_user);
	g_free(a);
	return NULL;
}

bool relay_auth_equal(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b), n = MAX(la, lb), i;
	volatile unsigned char d = la != lb;

	for (i = 0; i < n; i++)
		d |= (unsigned char)(i < la ? a[i] : 0) ^ (unsigned char)(i < lb ? b[i] : 0);
	return d == 0;
}

bool relay_auth_is_hash(const char *s)
{
	return s && s[0] == '$' && strchr(s + 1, '$') != NULL;
}

char *relay_auth_hash_password(const char *password)
{
	char salt[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data *cd;
	char *r = NULL;

	if (!crypt_gensalt_rn("$y$", 0, NULL, 0, salt, sizeof(salt)))
		return NULL;
	cd = g_new0(struct crypt_data, 1);
	if (crypt_r(password, salt, cd) && cd->output[0] == '$')
		r = g_strdup(cd->output);
	else
		errno = EINVAL;
	explicit_bzero(cd, sizeof(*cd));
	g_free(cd);
	return r;
}

/* ---- throttling ---- */

static struct throttle *record(GHashTable *t, const char *key, bool create)
{
	struct throttle *r = g_hash_table_lookup(t, key);
	GHashTableIter it;
	gpointer k, v, oldest_key = NULL;
	uint64_t oldest = UINT64_MAX;

	if (r || !create)
		return r;
	if (g_hash_table_size(t) >= MAX_RECORDS) {
		g_hash_table_iter_init(&it, t);
		while (g_hash_table_iter_next(&it, &k, &v)) {
			if (((struct throttle *)v)->last < oldest) {
				oldest = ((struct throttle *)v)->last;
				oldest_key = k;
			}
		}
		if (oldest_key)
			g_hash_table_remove(t, oldest_key);
	}
	r = g_new0(struct throttle, 1);
	g_hash_table_insert(t, g_strdup(key), r);
	return r;
}

static uint64_t wait_for(GHashTable *t, const char *key, uint64_t now)
{
	struct throttle *r = key ? record(t, key, false) : NULL;

	return r && r->not_before > now ? r->not_before - now : 0;
}

static void fail(struct relay_auth *a, GHashTable *t, const char *key, uint64_t now)
{
	struct throttle *r;
	uint64_t d;
	unsigned n;

	if (!key)
		return;
	r = record(t, key, true);
	r->failures++;
	r->last = now;
	if (r->failures <= a->lim.free_failures)
		return;
	n = MIN(r->failures - a->lim.free_failures - 1, 30u);
	d = MIN(a->lim.base_delay_usec << n, a->lim.max_delay_usec);
	r->not_before = now + d;
}

void relay_auth_failed(struct relay_auth *a, const char *addr, const char *user, uint64_t now)
{
	fail(a, a->by_addr, addr, now);
	fail(a, a->by_user, user, now);
}

void relay_auth_succeeded(struct relay_auth *a, const char *addr, const char *user)
{
	if (addr)
		g_hash_table_remove(a->by_addr, addr);
	if (user)
		g_hash_table_remove(a->by_user, user);
}

static bool password_matches(const char *stored, const char *given)
{
	struct crypt_data *cd;
	bool ok;

	if (!relay_auth_is_hash(stored))
		return relay_auth_equal(stored, given);
	cd = g_new0(struct crypt_data, 1);
	ok = crypt_r(given, stored, cd) && cd->output[0] == '$' &&
	     relay_auth_equal(cd->output, stored);
	explicit_bzero(cd, sizeof(*cd));
	g_free(cd);
	return ok;
}

enum relay_auth_result relay_auth_password(struct relay_auth *a, const char *addr,
					   const char *user, const char *stored_password,
					   const char *password, uint64_t now,
					   uint64_t *ret_retry_usec)
{
	uint64_t w = MAX(wait_for(a->by_addr, addr, now), wait_for(a->by_user, user, now));

	if (w) {
		*ret_retry_usec = w;
		return RELAY_AUTH_THROTTLED;
	}
	*ret_retry_usec = 0;
	if (stored_password && password && password_matches(stored_password, password))
		return RELAY_AUTH_OK;
	relay_auth_failed(a, addr, user, now);
	return RELAY_AUTH_BAD;
}

/* ---- refresh tokens ---- */

enum relay_auth_result relay_auth_refresh(struct relay_auth *a, const char *addr,
					  const char *user, const char *token, uint64_t now,
					  const char **ret_user, uint64_t *ret_retry_usec)
{
	/* a token is proof of a recent logon: only the address is throttled, so that a
	 * stranger guessing at a user's password does not lock its gateways out */
	uint64_t w = wait_for(a->by_addr, addr, now);
	gpointer k, v;
	struct token *t;
	bool ok;

	*ret_user = NULL;
	*ret_retry_usec = w;
	if (w)
		return RELAY_AUTH_THROTTLED;
	if (!g_hash_table_lookup_extended(a->tokens, token, &k, &v)) {
		relay_auth_failed(a, addr, NULL, now);
		return RELAY_AUTH_BAD;
	}
	t = v;
	ok = t->expires > now && (!user || strcmp(user, t->user) == 0);
	g_free(a->last_user);
	a->last_user = g_strdup(t->user);
	g_hash_table_remove(a->tokens, token);	/* single use */
	if (!ok) {
		relay_auth_failed(a, addr, NULL, now);
		return RELAY_AUTH_BAD;
	}
	*ret_user = a->last_user;
	return RELAY_AUTH_OK;
}

char *relay_auth_issue_token(struct relay_auth *a, const char *user, uint64_t now)
{
	uint8_t raw[TOKEN_BYTES];
	size_t got = 0;
	GHashTableIter it;
	gpointer k, v, oldest_key = NULL;
	uint64_t oldest = UINT64_MAX;
	unsigned n = 0, i;
	struct token *t;
	GString *s;

	while (got < sizeof(raw)) {
		ssize_t r = getrandom(raw + got, sizeof(raw) - got, 0);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			g_error("getrandom: %s", g_strerror(errno));	/* no weak fallback */
		got += r;
	}
	/* at most tokens_per_user live tokens per user: the oldest goes */
	g_hash_table_iter_init(&it, a->tokens);
	while (g_hash_table_iter_next(&it, &k, &v)) {
		t = v;
		if (strcmp(t->user, user) != 0)
			continue;
		n++;
		if (t->issued < oldest) {
			oldest = t->issued;
			oldest_key = k;
		}
	}
	if (n >= a->lim.tokens_per_user && oldest_key)
		g_hash_table_remove(a->tokens, oldest_key);

	s = g_string_new("rt-");
	for (i = 0; i < sizeof(raw); i++)
		g_string_append_printf(s, "%02x", raw[i]);
	explicit_bzero(raw, sizeof(raw));
	t = g_new0(struct token, 1);
	t->user = g_strdup(user);
	t->issued = now;
	t->expires = now + a->lim.token_lifetime_usec;
	g_hash_table_insert(a->tokens, g_strdup(s->str), t);
	return g_string_free(s, FALSE);
}

void relay_auth_expire(struct relay_auth *a, uint64_t now)
{
	GHashTable *tables[] = { a->by_addr, a->by_user };
	GHashTableIter it;
	gpointer v;
	unsigned i;

	g_hash_table_iter_init(&it, a->tokens);
	while (g_hash_table_iter_next(&it, NULL, &v))
		if (((struct token *)v)->expires <= now)
			g_hash_table_iter_remove(&it);
	for (i = 0; i < G_N_ELEMENTS(tables); i++) {
		g_hash_table_iter_init(&it, tables[i]);
		while (g_hash_table_iter_next(&it, NULL, &v)) {
			struct throttle *r = v;

			if (r->not_before <= now && now - r->last > a->lim.forget_usec)
				g_hash_table_iter_remove(&it);
		}
	}
}
