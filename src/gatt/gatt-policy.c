/* SPDX-License-Identifier: MIT */
#include "gatt-policy.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define TOKEN 1000000ull /* one write, in micro-tokens */

struct bucket {
	char address[GATT_ADDRESS_LEN + 1]; /* "" unused */
	uint64_t tokens;                    /* micro-tokens */
	uint64_t last;                      /* last refill and last use */
};

struct gatt_policy {
	uint64_t rate;  /* writes per second */
	uint64_t burst; /* writes */
	uint64_t pairing_until;
	size_t n_allowed;
	char allowed[GATT_POLICY_ALLOWLIST_MAX][GATT_ADDRESS_LEN + 1];
	struct bucket buckets[GATT_POLICY_CLIENTS_MAX];
};

struct gatt_policy *gatt_policy_new(unsigned rate, unsigned burst)
{
	struct gatt_policy *p;

	if (rate == 0 || burst == 0) {
		errno = EINVAL;
		return NULL;
	}
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->rate = rate;
	p->burst = burst;
	return p;
}

struct gatt_policy *gatt_policy_free(struct gatt_policy *p)
{
	free(p);
	return NULL;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool gatt_address_normalize(const char *in, char out[GATT_ADDRESS_LEN + 1])
{
	static const char hex[] = "0123456789ABCDEF";
	char tmp[GATT_ADDRESS_LEN + 1];

	if (!in || strlen(in) != GATT_ADDRESS_LEN)
		return false;
	for (int i = 0; i < GATT_ADDRESS_LEN; i++) {
		if (i % 3 == 2) {
			if (in[i] != ':')
				return false;
			tmp[i] = ':';
			continue;
		}
		int v = hexval(in[i]);
		if (v < 0)
			return false;
		tmp[i] = hex[v];
	}
	tmp[GATT_ADDRESS_LEN] = '\0';
	memcpy(out, tmp, sizeof(tmp));
	return true;
}

static int find_allowed(const struct gatt_policy *p, const char *norm)
{
	for (size_t i = 0; i < p->n_allowed; i++)
		if (strcmp(p->allowed[i], norm) == 0)
			return (int)i;
	return -1;
}

int gatt_policy_allow(struct gatt_policy *p, const char *address)
{
	char norm[GATT_ADDRESS_LEN + 1];

	if (!gatt_address_normalize(address, norm))
		return -EINVAL;
	if (find_allowed(p, norm) >= 0)
		return 0;
	if (p->n_allowed >= GATT_POLICY_ALLOWLIST_MAX)
		return -ENOSPC;
	memcpy(p->allowed[p->n_allowed++], norm, sizeof(norm));
	return 1;
}

bool gatt_policy_is_allowed(const struct gatt_policy *p, const char *address)
{
	char norm[GATT_ADDRESS_LEN + 1];

	return gatt_address_normalize(address, norm) && find_allowed(p, norm) >= 0;
}

size_t gatt_policy_allowlist_size(const struct gatt_policy *p)
{
	return p->n_allowed;
}

const char *gatt_policy_allowlist_get(const struct gatt_policy *p, size_t i)
{
	return i < p->n_allowed ? p->allowed[i] : NULL;
}

void gatt_policy_open_pairing(struct gatt_policy *p, uint64_t now, uint64_t duration)
{
	p->pairing_until = duration ? now + duration : 0;
}

uint64_t gatt_policy_pairing_left(const struct gatt_policy *p, uint64_t now)
{
	return p->pairing_until > now ? p->pairing_until - now : 0;
}

int gatt_policy_bonded(struct gatt_policy *p, uint64_t now, const char *address)
{
	if (gatt_policy_pairing_left(p, now) == 0)
		return 0;
	return gatt_policy_allow(p, address);
}

/* The bucket of norm; a free one or the least recently used one otherwise. */
static struct bucket *get_bucket(struct gatt_policy *p, const char *norm, uint64_t now)
{
	struct bucket *lru = NULL;

	for (size_t i = 0; i < GATT_POLICY_CLIENTS_MAX; i++) {
		struct bucket *b = &p->buckets[i];

		if (strcmp(b->address, norm) == 0)
			return b;
		if (!lru || (lru->address[0] && (!b->address[0] || b->last < lru->last)))
			lru = b;
	}
	memcpy(lru->address, norm, GATT_ADDRESS_LEN + 1);
	lru->tokens = p->burst * TOKEN;
	lru->last = now;
	return lru;
}

static bool take_token(struct gatt_policy *p, struct bucket *b, uint64_t now)
{
	uint64_t max = p->burst * TOKEN;

	if (now > b->last) {
		uint64_t add = (now - b->last) * p->rate; /* micro-tokens: usec * writes/s */

		b->tokens = (max - b->tokens < add) ? max : b->tokens + add;
	}
	b->last = now > b->last ? now : b->last;
	if (b->tokens < TOKEN)
		return false;
	b->tokens -= TOKEN;
	return true;
}

int gatt_policy_check_write(struct gatt_policy *p, uint64_t now, const char *address,
			    bool bonded)
{
	char norm[GATT_ADDRESS_LEN + 1];
	int r;

	if (!gatt_address_normalize(address, norm))
		return -EINVAL;
	if (!take_token(p, get_bucket(p, norm, now), now))
		return -EBUSY;
	if (!bonded)
		return -EACCES;
	if (find_allowed(p, norm) >= 0)
		return 0;
	if (gatt_policy_pairing_left(p, now) == 0)
		return -EACCES;
	r = gatt_policy_allow(p, norm);
	return r < 0 ? -EACCES : 1;
}
