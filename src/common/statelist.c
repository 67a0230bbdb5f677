/* SPDX-License-Identifier: MIT */
/* statelist.c - short lists kept in the state directory; see statelist.h. */
#include "statelist.h"

#include <errno.h>

char **state_list_load(const char *dir, const char *name, GError **error)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);
	g_autofree char *contents = NULL;
	g_autoptr(GError) local = NULL;
	g_autoptr(GStrvBuilder) items = g_strv_builder_new();
	g_auto(GStrv) lines = NULL;

	if (!g_file_get_contents(path, &contents, NULL, &local)) {
		if (g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
			return g_strv_builder_end(items);
		g_propagate_error(error, g_steal_pointer(&local));
		return NULL;
	}
	lines = g_strsplit(contents, "\n", -1);
	for (char **l = lines; *l; l++) {
		g_strstrip(*l);
		if (**l && **l != '#')
			g_strv_builder_add(items, *l);
	}
	return g_strv_builder_end(items);
}

gboolean state_list_save(const char *dir, const char *name, const char *header,
			 const char *const *items, GError **error)
{
	g_autofree char *path = g_build_filename(dir, name, NULL);
	g_autoptr(GString) s = g_string_new(NULL);

	if (header)
		g_string_append_printf(s, "# %s\n", header);
	for (const char *const *it = items; it && *it; it++)
		g_string_append_printf(s, "%s\n", *it);
	if (g_mkdir_with_parents(dir, 0750) < 0) {
		int e = errno;

		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "%s: cannot create: %s",
			    dir, g_strerror(e));
		return FALSE;
	}
	return g_file_set_contents_full(path, s->str, (gssize)s->len,
					G_FILE_SET_CONTENTS_CONSISTENT, 0640, error);
}
