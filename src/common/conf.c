/* SPDX-License-Identifier: MIT */
#include "conf.h"
#include "secret-file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void conf_set_error(const struct conf *c, GError **error, const char *group, const char *key,
		    const char *fmt, ...)
{
	va_list ap;
	g_autofree char *why = NULL;

	va_start(ap, fmt);
	why = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE, "%s: [%s] %s: %s",
		    c->path ? c->path : "(defaults)", group, key, why);
}

/* The raw value, or NULL when the key (or the whole file) is absent. */
static char *raw_value(const struct conf *c, const char *group, const char *key)
{
	if (!c->kf)
		return NULL;
	return g_key_file_get_value(c->kf, group, key, NULL);
}

gboolean conf_get_string(const struct conf *c, const char *group, const char *key,
			 const char *def, char **ret, GError **error)
{
	g_autoptr(GError) local = NULL;
	char *v;

	if (!c->kf || !g_key_file_has_key(c->kf, group, key, NULL)) {
		*ret = g_strdup(def);
		return TRUE;
	}
	v = g_key_file_get_string(c->kf, group, key, &local);
	if (!v) {
		conf_set_error(c, error, group, key, "%s", local->message);
		return FALSE;
	}
	g_strstrip(v);
	*ret = v;
	return TRUE;
}

gboolean conf_get_bool(const struct conf *c, const char *group, const char *key,
		       gboolean def, gboolean *ret, GError **error)
{
	g_autofree char *v = raw_value(c, group, key);

	if (!v) {
		*ret = def;
		return TRUE;
	}
	g_strstrip(v);
	if (g_ascii_strcasecmp(v, "true") == 0 || g_ascii_strcasecmp(v, "yes") == 0 ||
	    strcmp(v, "1") == 0)
		*ret = TRUE;
	else if (g_ascii_strcasecmp(v, "false") == 0 || g_ascii_strcasecmp(v, "no") == 0 ||
		 strcmp(v, "0") == 0)
		*ret = FALSE;
	else {
		conf_set_error(c, error, group, key, "'%s' is not a boolean (true or false)", v);
		return FALSE;
	}
	return TRUE;
}

gboolean conf_get_uint(const struct conf *c, const char *group, const char *key,
		       guint64 def, guint64 min, guint64 max, guint64 *ret, GError **error)
{
	g_autofree char *v = raw_value(c, group, key);
	guint64 n;
	char *end;

	if (!v) {
		*ret = def;
		return TRUE;
	}
	g_strstrip(v);
	errno = 0;
	n = g_ascii_strtoull(v, &end, 10);
	if (!*v || *end || errno || v[0] == '-') {
		conf_set_error(c, error, group, key, "'%s' is not a whole number", v);
		return FALSE;
	}
	if (n < min || n > max) {
		conf_set_error(c, error, group, key, "%" G_GUINT64_FORMAT " is out of range (%" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT ")",
			       n, min, max);
		return FALSE;
	}
	*ret = n;
	return TRUE;
}

gboolean conf_get_seconds(const struct conf *c, const char *group, const char *key,
			  double def, double min, double max, guint64 *ret_usec, GError **error)
{
	g_autofree char *v = raw_value(c, group, key);
	double d = def;
	char *end;

	if (v) {
		g_strstrip(v);
		errno = 0;
		d = g_ascii_strtod(v, &end);
		if (!*v || *end || errno || d != d) {
			conf_set_error(c, error, group, key, "'%s' is not a number of seconds", v);
			return FALSE;
		}
		if (d < min || d > max) {
			conf_set_error(c, error, group, key, "%g s is out of range (%g..%g s)", d, min, max);
			return FALSE;
		}
	}
	*ret_usec = (guint64)(d * G_USEC_PER_SEC + 0.5);
	return TRUE;
}

gboolean conf_get_enum(const struct conf *c, const char *group, const char *key,
		       const char *const *names, int def, int *ret, GError **error)
{
	g_autofree char *v = raw_value(c, group, key);
	g_autofree char *all = NULL;

	if (!v) {
		*ret = def;
		return TRUE;
	}
	g_strstrip(v);
	for (int i = 0; names[i]; i++)
		if (strcmp(v, names[i]) == 0) {
			*ret = i;
			return TRUE;
		}
	all = g_strjoinv(", ", (char **)names);
	conf_set_error(c, error, group, key, "'%s' is not one of: %s", v, all);
	return FALSE;
}

gboolean conf_get_hostport(const struct conf *c, const char *group, const char *key,
			   const char *def, char **ret_host, guint16 *ret_port, GError **error)
{
	g_autofree char *v = NULL;
	g_autofree char *host = NULL;
	const char *colon;
	guint64 port;
	char *end;

	if (!conf_get_string(c, group, key, def, &v, error))
		return FALSE;
	if (!v || !*v) {
		*ret_host = NULL;
		*ret_port = 0;
		return TRUE;
	}
	if (v[0] == '[') {
		const char *close = strchr(v, ']');
		if (!close || close[1] != ':')
			goto bad;
		host = g_strndup(v + 1, close - v - 1);
		colon = close + 1;
	} else {
		colon = strrchr(v, ':');
		if (!colon || colon == v)
			goto bad;
		host = g_strndup(v, colon - v);
	}
	errno = 0;
	port = g_ascii_strtoull(colon + 1, &end, 10);
	if (!colon[1] || *end || errno || port == 0 || port > 65535)
		goto bad;
	*ret_host = g_steal_pointer(&host);
	*ret_port = (guint16)port;
	return TRUE;
bad:
	conf_set_error(c, error, group, key, "'%s' is not HOST:PORT", v);
	return FALSE;
}

char *conf_read_secret_file(const char *path, GError **error)
{
	g_autofree char *contents = secret_file_read(path, SECRET_FILE_MAX, NULL, error);
	char *nl;

	if (!contents)
		return NULL;
	nl = strchr(contents, '\n');
	if (nl)
		*nl = '\0';
	g_strstrip(contents);
	if (!*contents) {
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: is empty", path);
		return NULL;
	}
	return g_steal_pointer(&contents);
}
