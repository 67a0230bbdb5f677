/* SPDX-License-Identifier: MIT */
/* Unit tests of src/common/watchlist.c: ids, order, changes during a notification, destroy once. */
#include <glib.h>
#include <string.h>

#include "watchlist.h"

struct ev {
	void (*ping)(void *data, int arg);
	void (*other)(void *data);
};

#define N 4

static struct state {
	struct watchlist *wl;
	unsigned ids[N];
	char calls[64]; /* who was pinged, in order: "0123" */
	unsigned destroyed[N];
	int action[N]; /* what watcher i does when pinged */
	unsigned target;
	unsigned added;
} st;

enum { NOTHING, REMOVE_SELF, REMOVE_TARGET, ADD_NEW, FREE_LIST, NESTED };

static void on_ping(void *data, int arg);

static const struct ev ping_ev = { .ping = on_ping };
static const struct ev other_ev = { .other = NULL };

static void on_destroy(void *data)
{
	st.destroyed[GPOINTER_TO_UINT(data)]++;
}

static void on_ping(void *data, int arg)
{
	unsigned i = GPOINTER_TO_UINT(data);
	size_t n = strlen(st.calls);

	g_assert_cmpint(arg, ==, 42);
	st.calls[n] = (char)('0' + i);
	st.calls[n + 1] = '\0';
	switch (i < N ? st.action[i] : NOTHING) {
	case REMOVE_SELF:
		g_assert_true(watchlist_remove(st.wl, st.ids[i]));
		g_assert_false(watchlist_remove(st.wl, st.ids[i]));
		break;
	case REMOVE_TARGET:
		watchlist_remove(st.wl, st.ids[st.target]);
		break;
	case ADD_NEW:
		st.added = watchlist_add(st.wl, &ping_ev, GUINT_TO_POINTER(7), NULL);
		g_assert_cmpuint(st.added, !=, 0);
		break;
	case FREE_LIST:
		st.wl = watchlist_free(st.wl);
		break;
	case NESTED:
		st.action[i] = NOTHING;
		WATCHLIST_EMIT(st.wl, struct ev, ping, 42);
		break;
	}
}

static void setup(void)
{
	memset(&st, 0, sizeof(st));
	st.wl = watchlist_new();
	for (unsigned i = 0; i < N; i++) {
		st.ids[i] = watchlist_add(st.wl, &ping_ev, GUINT_TO_POINTER(i), on_destroy);
		g_assert_cmpuint(st.ids[i], !=, 0);
		for (unsigned j = 0; j < i; j++)
			g_assert_cmpuint(st.ids[i], !=, st.ids[j]);
	}
}

static void finish(void)
{
	st.wl = watchlist_free(st.wl);
	for (unsigned i = 0; i < N; i++)
		g_assert_cmpuint(st.destroyed[i], ==, 1);
}

static void test_add(void)
{
	setup();
	g_assert_cmpuint(watchlist_count(st.wl), ==, N);
	g_assert_cmpuint(watchlist_add(st.wl, NULL, NULL, NULL), ==, 0);
	g_assert_cmpuint(watchlist_add(NULL, &ping_ev, NULL, NULL), ==, 0);
	/* a registration without the method is skipped */
	g_assert_cmpuint(watchlist_add(st.wl, &other_ev, NULL, NULL), !=, 0);
	WATCHLIST_EMIT(st.wl, struct ev, ping, 42);
	g_assert_cmpstr(st.calls, ==, "0123");
	WATCHLIST_EMIT((struct watchlist *)NULL, struct ev, ping, 42);
	finish();
}

static const struct remove_case {
	const char *name;
	int action[N];
	unsigned target;
	const char *first, *second; /* calls in the first and the next notification */
} remove_cases[] = {
	{ "/watchlist/remove/self", { NOTHING, REMOVE_SELF, NOTHING, NOTHING }, 0, "0123", "023" },
	{ "/watchlist/remove/later", { REMOVE_TARGET, NOTHING, NOTHING, NOTHING }, 2, "013", "013" },
	{ "/watchlist/remove/earlier", { NOTHING, NOTHING, REMOVE_TARGET, NOTHING }, 0, "0123",
	  "123" },
	{ "/watchlist/remove/first-self", { REMOVE_SELF, NOTHING, NOTHING, NOTHING }, 0, "0123",
	  "123" },
	{ "/watchlist/remove/last-self", { NOTHING, NOTHING, NOTHING, REMOVE_SELF }, 0, "0123",
	  "012" },
	{ "/watchlist/nested", { NOTHING, NESTED, NOTHING, NOTHING }, 0, "010123" "23", "0123" },
	{ "/watchlist/nested-remove", { NOTHING, NESTED, REMOVE_SELF, NOTHING }, 0, "01012" "3" "3",
	  "013" },
};

static void test_remove(gconstpointer p)
{
	const struct remove_case *c = p;

	setup();
	memcpy(st.action, c->action, sizeof(st.action));
	st.target = c->target;
	WATCHLIST_EMIT(st.wl, struct ev, ping, 42);
	g_assert_cmpstr(st.calls, ==, c->first);
	for (unsigned i = 0; i < N; i++)
		st.action[i] = NOTHING;
	st.calls[0] = '\0';
	WATCHLIST_EMIT(st.wl, struct ev, ping, 42);
	g_assert_cmpstr(st.calls, ==, c->second);
	/* removed ones were destroyed once at removal, the rest once by free */
	finish();
}

static void test_add_during(void)
{
	setup();
	st.action[1] = ADD_NEW;
	WATCHLIST_EMIT(st.wl, struct ev, ping, 42);
	g_assert_cmpstr(st.calls, ==, "0123"); /* not the new one: next time */
	st.action[1] = NOTHING;
	st.calls[0] = '\0';
	WATCHLIST_EMIT(st.wl, struct ev, ping, 42);
	g_assert_cmpstr(st.calls, ==, "01237");
	g_assert_true(watchlist_remove(st.wl, st.added));
	finish();
}

static void test_free_during(void)
{
	setup();
	st.action[1] = FREE_LIST;
	WATCHLIST_EMIT(st.wl, struct ev, ping, 42);
	g_assert_null(st.wl);
	g_assert_cmpstr(st.calls, ==, "01"); /* the notification stops */
	for (unsigned i = 0; i < N; i++)
		g_assert_cmpuint(st.destroyed[i], ==, 1);
}

static void test_destroy_once(void)
{
	setup();
	g_assert_true(watchlist_remove(st.wl, st.ids[2]));
	g_assert_cmpuint(st.destroyed[2], ==, 1);
	g_assert_false(watchlist_remove(st.wl, st.ids[2]));
	g_assert_false(watchlist_remove(st.wl, 0));
	g_assert_cmpuint(st.destroyed[2], ==, 1);
	g_assert_cmpuint(watchlist_count(st.wl), ==, N - 1);
	finish(); /* the others once, 2 not again */
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/watchlist/add", test_add);
	for (size_t i = 0; i < G_N_ELEMENTS(remove_cases); i++)
		g_test_add_data_func(remove_cases[i].name, &remove_cases[i], test_remove);
	g_test_add_func("/watchlist/add-during-notify", test_add_during);
	g_test_add_func("/watchlist/free-during-notify", test_free_during);
	g_test_add_func("/watchlist/destroy-once", test_destroy_once);
	return g_test_run();
}
