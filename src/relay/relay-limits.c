/* SPDX-License-Identifier: MIT */
/*
 * relay-limits.c - connection counts per address (relay-limits.h).
 */
#include "relay-limits.h"

struct addr_count {
	unsigned conns;
	unsigned pending;		/* not logged on */
};

struct conn_entry {
	char *addr;
	bool logged_on;
};

struct relay_limits {
	unsigned max_total;
	unsigned max_per_address;
	unsigned max_pending;
	GHashTable *addrs;		/* addr -> struct addr_count */
	GHashTable *conns;		/* key -> struct conn_entry */
};

static void conn_entry_free(gpointer p)
{
	struct conn_entry *e = p;

	g_free(e->addr);
	g_free(e);
}

struct relay_limits *relay_limits_new(unsigned max_total, unsigned max_per_address,
				      unsigned max_pending_per_address)
{
	struct relay_limits *rl = g_new0(struct relay_limits, 1);

	rl->max_total = max_total;
	rl->max_per_address = max_per_address;
	rl->max_pending = max_pending_per_address;
	rl->addrs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
	rl->conns = g_hash_table_new_full(NULL, NULL, NULL, conn_entry_free);
	return rl;
}

struct relay_limits *relay_limits_free(struct relay_limits *rl)
{
	if (!rl)
		return NULL;
	g_hash_table_unref(rl->conns);
	g_hash_table_unref(rl->addrs);
	g_free(rl);
	return NULL;
}

const char *relay_limits_admit(struct relay_limits *rl, const char *addr)
{
	struct addr_count *a = g_hash_table_lookup(rl->addrs, addr);

	if (g_hash_table_size(rl->conns) >= rl->max_total)
		return "the connection limit is reached";
	if (a && a->conns >= rl->max_per_address)
		return "too many connections from this address";
	if (a && a->pending >= rl->max_pending)
		return "too many connections from this address not logged on";
	return NULL;
}

void relay_limits_add(struct relay_limits *rl, const void *key, const char *addr)
{
	struct addr_count *a = g_hash_table_lookup(rl->addrs, addr);
	struct conn_entry *e;

	if (g_hash_table_contains(rl->conns, key))
		return;
	if (!a) {
		a = g_new0(struct addr_count, 1);
		g_hash_table_insert(rl->addrs, g_strdup(addr), a);
	}
	a->conns++;
	a->pending++;
	e = g_new0(struct conn_entry, 1);
	e->addr = g_strdup(addr);
	g_hash_table_insert(rl->conns, (gpointer)key, e);
}

void relay_limits_logged_on(struct relay_limits *rl, const void *key)
{
	struct conn_entry *e = g_hash_table_lookup(rl->conns, key);
	struct addr_count *a;

	if (!e || e->logged_on)
		return;
	e->logged_on = true;
	a = g_hash_table_lookup(rl->addrs, e->addr);
	if (a && a->pending)
		a->pending--;
}

void relay_limits_remove(struct relay_limits *rl, const void *key)
{
	struct conn_entry *e = g_hash_table_lookup(rl->conns, key);
	struct addr_count *a;

	if (!e)
		return;
	a = g_hash_table_lookup(rl->addrs, e->addr);
	if (a) {
		a->conns--;
		if (!e->logged_on && a->pending)
			a->pending--;
		if (a->conns == 0)
			g_hash_table_remove(rl->addrs, e->addr);
	}
	g_hash_table_remove(rl->conns, key);
}

unsigned relay_limits_total(const struct relay_limits *rl)
{
	return g_hash_table_size(rl->conns);
}
