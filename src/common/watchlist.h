/* SPDX-License-Identifier: MIT */
/*
 * watchlist.h - the one listener list: (events, data, destroy) registrations
 * with non-zero ids, safe against changes from inside a notification.
 *
 * events is the caller's struct of callbacks (PipeWire's style: designated
 * initialisers, every member optional), kept by pointer: it must outlive the
 * registration. Each callback takes the registration's data first.
 *
 * During a notification (WATCHLIST_EMIT, nestable):
 * - a registration removed is not called any more; its destroy runs at once;
 * - a registration added is called from the next notification on;
 * - the list may be freed: the notification stops, the list goes at its end.
 * destroy runs exactly once per registration: on removal or on watchlist_free().
 */
#pragma once

#include <stdbool.h>

struct watchlist;

struct watchlist *watchlist_new(void);
/* Runs every destroy; NULL-safe, returns NULL. May be called from a notification. */
struct watchlist *watchlist_free(struct watchlist *wl);

/* Returns the registration's id, never 0 (0 for a NULL list or events). */
unsigned watchlist_add(struct watchlist *wl, const void *events, void *data,
		       void (*destroy)(void *data));
/* false when id is not (or no longer) registered. */
bool watchlist_remove(struct watchlist *wl, unsigned id);
/* Live registrations. */
unsigned watchlist_count(const struct watchlist *wl);

/* The notification loop, for WATCHLIST_EMIT. */
struct watchlist_iter {
	struct watchlist *wl;
	unsigned pos, end;
};
void watchlist_begin(struct watchlist *wl, struct watchlist_iter *it);
/* The next live registration's events (and *ret_data); NULL at the end. */
const void *watchlist_next(struct watchlist_iter *it, void **ret_data);
void watchlist_end(struct watchlist_iter *it);

/* Call method (a member of struct type) of every registration that has it:
 * method(data, args...). wl may be NULL (nothing to call). */
#define WATCHLIST_EMIT(wl, type, method, ...)                                        \
	do {                                                                         \
		struct watchlist_iter it_;                                           \
		const type *ev_;                                                     \
		void *data_;                                                         \
		watchlist_begin((wl), &it_);                                         \
		while ((ev_ = watchlist_next(&it_, &data_)))                         \
			if (ev_->method)                                             \
				ev_->method(data_, ##__VA_ARGS__);                   \
		watchlist_end(&it_);                                                 \
	} while (0)
