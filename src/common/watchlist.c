/* SPDX-License-Identifier: MIT */
/* watchlist.c - listeners safe against changes during a notification; see watchlist.h. */
#include "watchlist.h"

#include <glib.h>

struct watch {
	unsigned id; /* 0: removed, pruned when no notification runs */
	const void *events;
	void *data;
	void (*destroy)(void *data);
};

struct watchlist {
	GArray *watches; /* struct watch, in registration order */
	unsigned next_id;
	unsigned depth;  /* notifications running */
	bool stale;      /* removed entries to prune */
	bool freeing;    /* watchlist_free() ran inside a notification */
};

struct watchlist *watchlist_new(void)
{
	struct watchlist *wl = g_new0(struct watchlist, 1);

	wl->watches = g_array_new(FALSE, FALSE, sizeof(struct watch));
	return wl;
}

/* Take the entry out of service and run its destroy; the slot stays. */
static void retire(struct watch *w)
{
	void (*destroy)(void *data) = w->destroy;
	void *data = w->data;

	w->id = 0;
	w->events = NULL;
	w->destroy = NULL;
	if (destroy)
		destroy(data);
}

static void prune(struct watchlist *wl)
{
	for (guint i = wl->watches->len; i-- > 0;)
		if (!g_array_index(wl->watches, struct watch, i).id)
			g_array_remove_index(wl->watches, i);
	wl->stale = false;
}

static void release(struct watchlist *wl)
{
	g_array_unref(wl->watches);
	g_free(wl);
}

struct watchlist *watchlist_free(struct watchlist *wl)
{
	if (!wl || wl->freeing)
		return NULL;
	wl->freeing = true;
	/* a destroy may look at the list (or remove from it): index by index */
	for (guint i = 0; i < wl->watches->len; i++) {
		struct watch *w = &g_array_index(wl->watches, struct watch, i);

		if (w->id)
			retire(w);
	}
	if (!wl->depth)
		release(wl);
	return NULL;
}

unsigned watchlist_add(struct watchlist *wl, const void *events, void *data,
		       void (*destroy)(void *data))
{
	struct watch w = { .events = events, .data = data, .destroy = destroy };

	if (!wl || !events || wl->freeing)
		return 0;
	if (++wl->next_id == 0) /* after 2^32 registrations: 0 is not an id */
		++wl->next_id;
	w.id = wl->next_id;
	g_array_append_val(wl->watches, w);
	return w.id;
}

bool watchlist_remove(struct watchlist *wl, unsigned id)
{
	if (!wl || !id)
		return false;
	for (guint i = 0; i < wl->watches->len; i++) {
		struct watch *w = &g_array_index(wl->watches, struct watch, i);

		if (w->id != id)
			continue;
		retire(w);
		if (wl->depth || wl->freeing)
			wl->stale = true; /* someone indexes the array: prune later */
		else
			prune(wl);
		return true;
	}
	return false;
}

unsigned watchlist_count(const struct watchlist *wl)
{
	unsigned n = 0;

	for (guint i = 0; wl && i < wl->watches->len; i++)
		n += g_array_index(wl->watches, struct watch, i).id != 0;
	return n;
}

void watchlist_begin(struct watchlist *wl, struct watchlist_iter *it)
{
	it->wl = wl;
	it->pos = 0;
	it->end = wl ? wl->watches->len : 0; /* added from here on: next time */
	if (wl)
		wl->depth++;
}

const void *watchlist_next(struct watchlist_iter *it, void **ret_data)
{
	struct watchlist *wl = it->wl;

	while (wl && !wl->freeing && it->pos < it->end) {
		/* the array may have grown (and moved): index it afresh each time */
		struct watch *w = &g_array_index(wl->watches, struct watch, it->pos++);

		if (w->id) {
			*ret_data = w->data;
			return w->events;
		}
	}
	return NULL;
}

void watchlist_end(struct watchlist_iter *it)
{
	struct watchlist *wl = it->wl;

	if (!wl || --wl->depth)
		return;
	if (wl->freeing)
		release(wl);
	else if (wl->stale)
		prune(wl);
}
