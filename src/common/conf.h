/* SPDX-License-Identifier: MIT */
/*
 * conf.h - typed GKeyFile getters with errors that name file, group, key and why.
 *
 * Every getter leaves *ret untouched and returns FALSE with error set
 * (G_KEY_FILE_ERROR_INVALID_VALUE, "FILE: [group] key: reason") when the key is
 * present but bad; it stores the default when the key is absent.
 * Callers turn a FALSE from any of them into exit status 78 (EX_CONFIG).
 */
#pragma once

#include <glib.h>
#include <stdint.h>

#define PTTGW_EX_CONFIG 78

struct conf {
	GKeyFile *kf;
	char *path; /* for messages; "(defaults)" when there is no file */
};

gboolean conf_get_string(const struct conf *c, const char *group, const char *key,
			 const char *def, char **ret, GError **error);
gboolean conf_get_bool(const struct conf *c, const char *group, const char *key,
		       gboolean def, gboolean *ret, GError **error);
gboolean conf_get_uint(const struct conf *c, const char *group, const char *key,
		       guint64 def, guint64 min, guint64 max, guint64 *ret, GError **error);
/* Seconds as a decimal ("0.5"), returned in microseconds. */
gboolean conf_get_seconds(const struct conf *c, const char *group, const char *key,
			  double def, double min, double max, guint64 *ret_usec, GError **error);
/* One of a NULL-terminated list of names; *ret is the index. */
gboolean conf_get_enum(const struct conf *c, const char *group, const char *key,
		       const char *const *names, int def, int *ret, GError **error);
/* host:port ("[::1]:1883" too). */
gboolean conf_get_hostport(const struct conf *c, const char *group, const char *key,
			   const char *def, char **ret_host, guint16 *ret_port, GError **error);

/* Set the error for a key the caller validated itself. */
void conf_set_error(const struct conf *c, GError **error, const char *group, const char *key,
		    const char *fmt, ...) G_GNUC_PRINTF(5, 6);

/*
 * A file with secrets (credentials, keys): refuse it when it is readable or
 * writable by others. Returns its first line, stripped, or NULL with error.
 */
char *conf_read_secret_file(const char *path, GError **error);
