/* SPDX-License-Identifier: MIT */
/*
 * reload-diff.c - which parts of the gateway a new configuration file touches
 * (reload-diff.h). Pure: two key files in, a mask out.
 */
#include "reload-diff.h"

#include <stdbool.h>
#include <string.h>

static const char *const groups_known[] = {
	"general", "floor", "upstream", "push", "audio", "gatt", "buttons", "evdev", "location",
};

static gint cmp_key(gconstpointer a, gconstpointer b, gpointer unused)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The keys and values of one group, sorted, as one text ("" when absent). */
static char *group_text(const struct conf *c, const char *group, const char *skip_key)
{
	g_auto(GStrv) keys = NULL;
	GString *s = g_string_new(NULL);
	gsize n = 0;

	if (c->kf)
		keys = g_key_file_get_keys(c->kf, group, &n, NULL);
	if (keys)
		g_qsort_with_data(keys, (gint)n, sizeof(char *), cmp_key, NULL);
	for (gsize i = 0; keys && i < n; i++) {
		g_autofree char *v = NULL;

		if (skip_key && g_str_equal(keys[i], skip_key))
			continue;
		v = g_key_file_get_value(c->kf, group, keys[i], NULL);
		g_string_append_printf(s, "%s=%s\n", keys[i], v ? v : "");
	}
	return g_string_free(s, FALSE);
}

static bool group_differs(const struct conf *a, const struct conf *b, const char *group,
			  const char *skip_key)
{
	g_autofree char *ta = group_text(a, group, skip_key);
	g_autofree char *tb = group_text(b, group, skip_key);

	return strcmp(ta, tb) != 0;
}

/* One key's value differs (absent counts as a value). */
static bool key_differs(const struct conf *a, const struct conf *b, const char *group,
			const char *key)
{
	g_autofree char *va = a->kf ? g_key_file_get_value(a->kf, group, key, NULL) : NULL;
	g_autofree char *vb = b->kf ? g_key_file_get_value(b->kf, group, key, NULL) : NULL;

	return g_strcmp0(va, vb) != 0;
}

unsigned reload_diff(const struct conf *a, const struct conf *b, char **ret_groups)
{
	g_autoptr(GString) names = g_string_new(NULL);
	unsigned parts = 0;

	for (size_t i = 0; i < G_N_ELEMENTS(groups_known); i++) {
		const char *g = groups_known[i];

		if (!group_differs(a, b, g, NULL))
			continue;
		g_string_append_printf(names, "%s%s", names->len ? "," : "", g);
		if (g_str_equal(g, "upstream")) {
			if (group_differs(a, b, g, "channel"))
				parts |= RELOAD_LINK | RELOAD_PUSH | RELOAD_BT;
			else
				parts |= RELOAD_CHANNEL;
		} else if (g_str_equal(g, "push")) {
			parts |= RELOAD_PUSH;
		} else if (g_str_equal(g, "audio")) {
			parts |= RELOAD_AUDIO;
		} else if (g_str_equal(g, "floor")) {
			parts |= RELOAD_FLOOR;
		} else if (g_str_equal(g, "location")) {
			parts |= RELOAD_LOCATION;
		} else if (g_str_equal(g, "general")) {
			parts |= RELOAD_AUDIO | RELOAD_BT | RELOAD_FLOOR;
			/* the logon names the channels: a new list (or order) logs on again */
			if (key_differs(a, b, g, "channels") || key_differs(a, b, g, "priority") ||
			    key_differs(a, b, g, "priority-selected"))
				parts |= RELOAD_LINK | RELOAD_PUSH;
		} else {
			parts |= RELOAD_BT;
		}
	}
	*ret_groups = g_strdup(names->str);
	return parts;
}
