/* SPDX-License-Identifier: MIT */
/*
 * relay-auth.h - the relay's logon checks: passwords (crypt(3) hashes or plain text,
 * compared in constant time), refresh tokens (random, bound to their user, single use,
 * with an expiry) and throttling of failed logons per user and per address.
 *
 * Pure logic on the relay's loop: no lws, no proto. Time comes in as monotonic usec.
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

struct relay_auth;

struct relay_auth_limits {
	unsigned free_failures;		/* failures before delays start */
	uint64_t base_delay_usec;	/* the first delay; doubles with every failure */
	uint64_t max_delay_usec;
	uint64_t forget_usec;		/* a record without failures for this long goes */
	uint64_t token_lifetime_usec;	/* a refresh token's life */
	unsigned tokens_per_user;	/* live refresh tokens per user (oldest dropped) */
};

#define RELAY_AUTH_LIMITS_DEFAULT { \
	.free_failures = 3, .base_delay_usec = 1000000, .max_delay_usec = 60000000, \
	.forget_usec = 900000000, .token_lifetime_usec = 86400ull * 1000000, \
	.tokens_per_user = 4 }

enum relay_auth_result {
	RELAY_AUTH_OK,
	RELAY_AUTH_BAD,			/* wrong credentials (counted) */
	RELAY_AUTH_THROTTLED,		/* not checked: too many failures, retry later */
};

struct relay_auth *relay_auth_new(const struct relay_auth_limits *lim);
struct relay_auth *relay_auth_free(struct relay_auth *a); /* NULL-safe, returns NULL */

/*
 * Checks a logon from address addr (no port). stored_password is the user's configured
 * password or crypt(3) hash ("$y$..."); NULL when the user is unknown or has none.
 * Returns OK, BAD or THROTTLED; *ret_retry_usec is the wait when THROTTLED.
 */
enum relay_auth_result relay_auth_password(struct relay_auth *a, const char *addr,
					   const char *user, const char *stored_password,
					   const char *password, uint64_t now,
					   uint64_t *ret_retry_usec);
/*
 * Takes a refresh token: OK and the user it was issued to (*ret_user, owned by a, valid
 * until the next call) when it is live and, when user is not NULL, issued to user.
 * The token is spent either way when it matched.
 */
enum relay_auth_result relay_auth_refresh(struct relay_auth *a, const char *addr,
					  const char *user, const char *token, uint64_t now,
					  const char **ret_user, uint64_t *ret_retry_usec);
/* Any other failed check (e.g. a bad auth_token): counted as a failure. */
void relay_auth_failed(struct relay_auth *a, const char *addr, const char *user, uint64_t now);
/* A good logon: clears the user's and the address' failures. */
void relay_auth_succeeded(struct relay_auth *a, const char *addr, const char *user);
/* A new refresh token for user (64 hex digits from getrandom()); g_free it. */
char *relay_auth_issue_token(struct relay_auth *a, const char *user, uint64_t now);
/* Drops expired tokens and stale throttling records. */
void relay_auth_expire(struct relay_auth *a, uint64_t now);

/* Constant-time comparison of two strings (time depends on the lengths only). */
bool relay_auth_equal(const char *a, const char *b);
/* True when s looks like a crypt(3) hash ("$id$..."). */
bool relay_auth_is_hash(const char *s);
/* A yescrypt hash of password; NULL + errno on failure. g_free it. */
char *relay_auth_hash_password(const char *password);
