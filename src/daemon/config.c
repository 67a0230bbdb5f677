/* SPDX-License-Identifier: MIT */
#include "config.h"

#include <errno.h>
#include <string.h>

extern const char pttgw_conf_example[];

gboolean config_load(struct conf *c, const char *path, gboolean explicit_path, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) local = NULL;

	c->kf = NULL;
	c->path = NULL;
	if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &local)) {
		if (!explicit_path && g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT)) {
			g_info("%s: not there, running on defaults", path);
			return TRUE;
		}
		g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE, "%s: %s", path,
			    local->message);
		return FALSE;
	}
	c->kf = g_steal_pointer(&kf);
	c->path = g_strdup(path);
	return TRUE;
}

void config_clear(struct conf *c)
{
	g_clear_pointer(&c->kf, g_key_file_unref);
	g_clear_pointer(&c->path, g_free);
}

/*
 * The example documents keys as "#key = value" (or "key = value") lines below
 * "[group]" headers. That text is the list of known keys.
 */
gboolean config_key_known(const char *group, const char *key)
{
	g_auto(GStrv) lines = g_strsplit(pttgw_conf_example, "\n", -1);
	const char *cur = NULL;
	size_t klen = strlen(key);

	for (char **l = lines; *l; l++) {
		char *s = g_strstrip(*l);

		if (s[0] == '[') {
			char *end = strchr(s, ']');
			if (end) {
				*end = '\0';
				cur = s + 1;
			}
			continue;
		}
		if (!cur || strcmp(cur, group) != 0)
			continue;
		if (s[0] == '#')
			s++;
		while (*s == ' ')
			s++;
		if (strncmp(s, key, klen) == 0 && (s[klen] == ' ' || s[klen] == '='))
			return TRUE;
	}
	return FALSE;
}

unsigned config_warn_unknown(const struct conf *c)
{
	g_auto(GStrv) groups = NULL;
	unsigned n = 0;

	if (!c->kf)
		return 0;
	groups = g_key_file_get_groups(c->kf, NULL);
	for (char **g = groups; *g; g++) {
		g_auto(GStrv) keys = g_key_file_get_keys(c->kf, *g, NULL, NULL);

		for (char **k = keys; k && *k; k++) {
			if (config_key_known(*g, *k))
				continue;
			g_warning("%s: [%s] %s: unknown key, ignoring", c->path, *g, *k);
			n++;
		}
	}
	return n;
}
