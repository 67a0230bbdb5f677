/* SPDX-License-Identifier: MIT */
/*
 * relay-config.c - pttgw-relay's command line and config file.
 */
#include "relay.h"

#include <errno.h>
#include <string.h>

#include "conf.h"
#include "log-escape.h"
#include "secret-file.h"

#define GROUP "relay"

static const char config_help[] =
	"Config file (GKeyFile, --config FILE); the command line wins over the file:\n"
	"  [relay]\n"
	"  listen = HOST:PORT         address to listen on (PORT 0: the kernel picks one)\n"
	"  cert = FILE, key = FILE    TLS certificate and key (PEM); without them plain ws://\n"
	"  mqtt = HOST:PORT           MQTT broker for pushes (none: no pushes)\n"
	"  push-prefix = pttgw        pushes go to <push-prefix>/<username>\n"
	"  mqtt-username = NAME       the relay's broker account, with\n"
	"  mqtt-password-file = FILE  its password (a file not readable by others)\n"
	"  mqtt-ca-file = FILE        TLS to the broker, verified with this CA\n"
	"  mqtt-cert = FILE, mqtt-key = FILE  a client certificate for the broker\n"
	"  max-connections = 256      more TCP connections (logged on or not) are refused\n"
	"  max-per-address = 16       TCP connections from one address\n"
	"  max-pending-per-address = 4  of those, not logged on yet\n"
	"  free-logon-failures = 3    failed logons per user and address before delays\n"
	"                             (1 s, doubling up to 60 s; a refresh token is only\n"
	"                             delayed per address)\n"
	"  duplicate-logon = replace  a user logged on twice: replace (the older session is\n"
	"                             closed), refuse (the new logon) or allow\n"
	"  users-file = FILE          NAME:PASSWORD-HASH lines (not readable by others)\n"
	"  refresh-token-lifetime = 86400  seconds a refresh token is good for (single use)\n"
	"  max-queue = 4194304        bytes queued per connection; a slower consumer is dropped\n"
	"  max-burst = 60             seconds; a longer burst is ended (on_stream_stop)\n"
	"  keep-ended = 30            seconds an ended burst can still be joined (join_stream)\n"
	"  stream-timeout = 10        seconds without audio before a burst is ended\n"
	"  logon-timeout = 10         seconds a new connection has to log on\n"
	"  ping-interval = 30         seconds of silence before a WebSocket ping\n"
	"  [users]\n"
	"  NAME = PASSWORD            one line per user; a crypt(3) hash from\n"
	"                             pttgw-relay --hash-password (\"$y$...\") or plain text\n"
	"  [tokens]\n"
	"  NAME = TOKEN               auth_token accepted for NAME instead of the password\n"
	"  [channels]\n"
	"  NAME = USER;USER           channel members; empty value: every user\n"
	"  [push-keys]\n"
	"  NAME = KEYFILE             push key of NAME (file not readable by others)\n"
	"  [federation]               several relays through an MQTT broker (cluster)\n"
	"  broker = HOST:PORT         the broker (none: this relay is alone)\n"
	"  relay-id = NAME            this relay's name, one of\n"
	"  relays = A,B,C             the configured set (the same on every relay)\n"
	"  topic-prefix = pttgw-fed   topics <prefix>/presence|to|ch/...\n"
	"  username, password-file, ca-file, cert, key  as mqtt-username ... above\n"
	"\n"
	"Without any channel the relay has one channel \"default\" for every user.\n"
	"Protocol: the Zello Channel API (API.md) plus join_stream and \"emergency\"\n"
	"(see src/proto/proto.h). Logs (stderr): \"delivered stream=S user=U peer=P\n"
	"packets=N\" once per burst and receiver (when its on_stream_stop was written, or\n"
	"\"(disconnected)\" when it left first), \"stream S on C from U started\" and\n"
	"\"... ended (why): packets=N receivers=R\" per burst; SIGUSR1 dumps counters.";

static void user_free(gpointer p)
{
	struct relay_user *u = p;

	g_free(u->name);
	if (u->password)
		explicit_bzero(u->password, strlen(u->password));
	g_free(u->password);
	if (u->token)
		explicit_bzero(u->token, strlen(u->token));
	g_free(u->token);
	g_free(u);
}

static void channel_free(gpointer p)
{
	struct relay_channel_conf *ch = p;

	g_free(ch->name);
	g_strfreev(ch->members);
	g_free(ch);
}

struct relay_config *relay_config_free(struct relay_config *c)
{
	if (!c)
		return NULL;
	g_free(c->listen_host);
	g_free(c->cert);
	g_free(c->key);
	if (c->users)
		g_hash_table_unref(c->users);
	if (c->channels)
		g_ptr_array_unref(c->channels);
	g_free(c->mqtt_host);
	g_free(c->push_prefix);
	g_free(c->mqtt_username);
	g_free(c->mqtt_password_file);
	g_free(c->mqtt_ca_file);
	g_free(c->mqtt_cert);
	g_free(c->mqtt_key);
	if (c->push_keys)
		g_ptr_array_unref(c->push_keys);
	g_free(c->fed.broker_host);
	g_free(c->fed.relay_id);
	g_strfreev(c->fed.relays);
	g_free(c->fed.prefix);
	g_free(c->fed.username);
	g_free(c->fed.password_file);
	g_free(c->fed.ca_file);
	g_free(c->fed.cert);
	g_free(c->fed.key);
	g_free(c);
	return NULL;
}

static struct relay_user *user_get(struct relay_config *c, const char *name)
{
	struct relay_user *u = g_hash_table_lookup(c->users, name);

	if (!u) {
		u = g_new0(struct relay_user, 1);
		u->name = g_strdup(name);
		g_hash_table_insert(c->users, u->name, u);
	}
	return u;
}

static struct relay_channel_conf *channel_get(struct relay_config *c, const char *name)
{
	struct relay_channel_conf *ch;
	unsigned i;

	for (i = 0; i < c->channels->len; i++) {
		ch = g_ptr_array_index(c->channels, i);
		if (strcmp(ch->name, name) == 0)
			return ch;
	}
	ch = g_new0(struct relay_channel_conf, 1);
	ch->name = g_strdup(name);
	g_ptr_array_add(c->channels, ch);
	return ch;
}

/* "NAME:VALUE" -> name, value; both non-empty. */
static gboolean split_pair(const char *opt, const char *arg, char sep, char **ret_name,
			   char **ret_value, GError **error)
{
	const char *s = strchr(arg, sep);

	if (!s || s == arg || !s[1]) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
			    "%s %s: expected NAME%cVALUE", opt, arg, sep);
		return FALSE;
	}
	*ret_name = g_strndup(arg, s - arg);
	*ret_value = g_strdup(s + 1);
	return TRUE;
}

static char **split_members(const char *v)
{
	g_auto(GStrv) parts = g_strsplit_set(v, ";,", -1);
	GPtrArray *out = g_ptr_array_new();
	unsigned i;

	for (i = 0; parts[i]; i++) {
		g_strstrip(parts[i]);
		if (parts[i][0])
			g_ptr_array_add(out, g_strdup(parts[i]));
	}
	if (out->len == 0) {
		g_ptr_array_free(out, TRUE);
		return NULL;
	}
	g_ptr_array_add(out, NULL);
	return (char **)g_ptr_array_free(out, FALSE);
}

static gboolean load_group_pairs(const struct conf *cf, const char *group, GStrv *ret_keys,
				 GError **error)
{
	g_autoptr(GError) local = NULL;

	*ret_keys = NULL;
	if (!g_key_file_has_group(cf->kf, group))
		return TRUE;
	*ret_keys = g_key_file_get_keys(cf->kf, group, NULL, &local);
	if (!*ret_keys) {
		g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_INVALID_VALUE, "%s: [%s]: %s",
			    cf->path, group, local->message);
		return FALSE;
	}
	return TRUE;
}

/* NAME:HASH lines ('#' comments); a secret file (secret_file_read()). */
static gboolean load_users_file(struct relay_config *c, const char *path, GError **error)
{
	g_autofree char *text = secret_file_read(path, 1 << 20, NULL, error);
	g_auto(GStrv) lines = NULL;
	unsigned i;

	if (!text)
		return FALSE;
	lines = g_strsplit(text, "\n", -1);
	explicit_bzero(text, strlen(text));
	for (i = 0; lines[i]; i++) {
		char *line = g_strstrip(lines[i]), *colon = strchr(line, ':');
		struct relay_user *u;

		if (!line[0] || line[0] == '#')
			continue;
		if (!colon || colon == line || !colon[1]) {
			g_autofree char *l = log_escape(line);

			g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
				    "%s:%u: expected NAME:PASSWORD-HASH, got \"%.16s...\"", path,
				    i + 1, l);
			return FALSE;
		}
		*colon = '\0';
		u = user_get(c, line);
		g_free(u->password);
		u->password = g_strdup(colon + 1);
		if (!relay_auth_is_hash(u->password))
			g_warning("%s:%u: the password of %s is not hashed (pttgw-relay "
				  "--hash-password makes a hash)", path, i + 1, line);
	}
	for (i = 0; lines[i]; i++)
		explicit_bzero(lines[i], strlen(lines[i]));
	return TRUE;
}

#define FED "federation"

static gboolean load_federation(const struct conf *cf, struct relay_fed_config *fc,
				GError **error)
{
	g_autofree char *relays = NULL;

	if (!g_key_file_has_group(cf->kf, FED))
		return TRUE;
	if (!conf_get_hostport(cf, FED, "broker", NULL, &fc->broker_host, &fc->broker_port,
			       error) ||
	    !conf_get_string(cf, FED, "relay-id", NULL, &fc->relay_id, error) ||
	    !conf_get_string(cf, FED, "relays", NULL, &relays, error) ||
	    !conf_get_string(cf, FED, "topic-prefix", NULL, &fc->prefix, error) ||
	    !conf_get_string(cf, FED, "username", NULL, &fc->username, error) ||
	    !conf_get_string(cf, FED, "password-file", NULL, &fc->password_file, error) ||
	    !conf_get_string(cf, FED, "ca-file", NULL, &fc->ca_file, error) ||
	    !conf_get_string(cf, FED, "cert", NULL, &fc->cert, error) ||
	    !conf_get_string(cf, FED, "key", NULL, &fc->key, error))
		return FALSE;
	if (relays) {
		g_strfreev(fc->relays);
		fc->relays = split_members(relays);
	}
	return TRUE;
}

static gboolean load_file(struct relay_config *c, const char *path, GError **error)
{
	g_autoptr(GKeyFile) kf = g_key_file_new();
	g_autoptr(GError) local = NULL;
	struct conf cf = { .path = (char *)path };
	g_auto(GStrv) keys = NULL;
	guint64 v;
	unsigned i;

	if (!g_key_file_load_from_file(kf, path, G_KEY_FILE_NONE, &local)) {
		g_set_error(error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_PARSE, "%s: %s", path,
			    local->message);
		return FALSE;
	}
	cf.kf = kf;

	if (!conf_get_hostport(&cf, GROUP, "listen", NULL, &c->listen_host, &c->listen_port,
			       error) ||
	    !conf_get_string(&cf, GROUP, "cert", NULL, &c->cert, error) ||
	    !conf_get_string(&cf, GROUP, "key", NULL, &c->key, error) ||
	    !conf_get_hostport(&cf, GROUP, "mqtt", NULL, &c->mqtt_host, &c->mqtt_port, error) ||
	    !conf_get_string(&cf, GROUP, "mqtt-username", NULL, &c->mqtt_username, error) ||
	    !conf_get_string(&cf, GROUP, "mqtt-password-file", NULL, &c->mqtt_password_file,
			     error) ||
	    !conf_get_string(&cf, GROUP, "mqtt-ca-file", NULL, &c->mqtt_ca_file, error) ||
	    !conf_get_string(&cf, GROUP, "mqtt-cert", NULL, &c->mqtt_cert, error) ||
	    !conf_get_string(&cf, GROUP, "mqtt-key", NULL, &c->mqtt_key, error))
		return FALSE;
	if (!c->mqtt_cert != !c->mqtt_key) {
		conf_set_error(&cf, error, GROUP, c->mqtt_cert ? "mqtt-key" : "mqtt-cert",
			       "a client certificate needs mqtt-cert and mqtt-key");
		return FALSE;
	}
	if (g_key_file_has_key(kf, GROUP, "push-prefix", NULL)) {
		g_free(c->push_prefix);
		if (!conf_get_string(&cf, GROUP, "push-prefix", "pttgw", &c->push_prefix, error))
			return FALSE;
	}
	if (!conf_get_uint(&cf, GROUP, "max-connections", c->max_connections, 1, 100000, &v,
			   error))
		return FALSE;
	c->max_connections = v;
	if (!conf_get_uint(&cf, GROUP, "max-per-address", c->max_per_address, 1, 100000, &v,
			   error))
		return FALSE;
	c->max_per_address = v;
	if (!conf_get_uint(&cf, GROUP, "max-pending-per-address", c->max_pending_per_address, 1,
			   100000, &v, error))
		return FALSE;
	c->max_pending_per_address = v;
	{
		static const char *const dup_names[] = { "replace", "refuse", "allow", NULL };
		int d;

		if (!conf_get_enum(&cf, GROUP, "duplicate-logon", dup_names, c->duplicate, &d,
				   error))
			return FALSE;
		c->duplicate = d;
	}
	if (!conf_get_uint(&cf, GROUP, "free-logon-failures", c->auth_limits.free_failures, 0,
			   1000, &v, error))
		return FALSE;
	c->auth_limits.free_failures = v;
	if (!conf_get_seconds(&cf, GROUP, "refresh-token-lifetime",
			      c->auth_limits.token_lifetime_usec / 1e6, 1, 365 * 86400.0,
			      &c->auth_limits.token_lifetime_usec, error))
		return FALSE;
	if (g_key_file_has_key(kf, GROUP, "users-file", NULL)) {
		g_autofree char *uf = NULL;

		if (!conf_get_string(&cf, GROUP, "users-file", NULL, &uf, error) ||
		    !load_users_file(c, uf, error))
			return FALSE;
	}
	if (!conf_get_uint(&cf, GROUP, "max-queue", c->max_queue_bytes, 65536, 1 << 30, &v,
			   error))
		return FALSE;
	c->max_queue_bytes = v;
	if (!conf_get_seconds(&cf, GROUP, "max-burst", c->max_burst_usec / 1e6, 1, 3600,
			      &c->max_burst_usec, error) ||
	    !conf_get_seconds(&cf, GROUP, "keep-ended", c->keep_usec / 1e6, 0, 3600,
			      &c->keep_usec, error) ||
	    !conf_get_seconds(&cf, GROUP, "stream-timeout", c->stream_timeout_usec / 1e6, 0.1,
			      3600, &c->stream_timeout_usec, error) ||
	    !conf_get_seconds(&cf, GROUP, "logon-timeout", c->logon_timeout_usec / 1e6, 0.1,
			      3600, &c->logon_timeout_usec, error) ||
	    !conf_get_seconds(&cf, GROUP, "ping-interval", c->ping_usec / 1e6, 1, 3600,
			      &c->ping_usec, error))
		return FALSE;

	if (!load_group_pairs(&cf, "users", &keys, error))
		return FALSE;
	for (i = 0; keys && keys[i]; i++) {
		struct relay_user *u = user_get(c, keys[i]);

		g_free(u->password);
		if (!conf_get_string(&cf, "users", keys[i], NULL, &u->password, error))
			return FALSE;
	}
	g_clear_pointer(&keys, g_strfreev);
	if (!load_group_pairs(&cf, "tokens", &keys, error))
		return FALSE;
	for (i = 0; keys && keys[i]; i++) {
		struct relay_user *u = user_get(c, keys[i]);

		g_free(u->token);
		if (!conf_get_string(&cf, "tokens", keys[i], NULL, &u->token, error))
			return FALSE;
	}
	g_clear_pointer(&keys, g_strfreev);
	if (!load_group_pairs(&cf, "channels", &keys, error))
		return FALSE;
	for (i = 0; keys && keys[i]; i++) {
		struct relay_channel_conf *ch = channel_get(c, keys[i]);
		g_autofree char *members = NULL;

		if (!conf_get_string(&cf, "channels", keys[i], "", &members, error))
			return FALSE;
		g_strfreev(ch->members);
		ch->members = split_members(members);
	}
	g_clear_pointer(&keys, g_strfreev);
	if (!load_federation(&cf, &c->fed, error))
		return FALSE;
	if (!load_group_pairs(&cf, "push-keys", &keys, error))
		return FALSE;
	for (i = 0; keys && keys[i]; i++) {
		g_autofree char *file = NULL;

		if (!conf_get_string(&cf, "push-keys", keys[i], NULL, &file, error))
			return FALSE;
		g_ptr_array_add(c->push_keys, g_strdup_printf("%s:%s", keys[i], file));
	}
	return TRUE;
}

/* HOST:PORT, [V6]:PORT; port 0 allowed (any free port). */
static gboolean parse_hostport(const char *opt, const char *arg, char **ret_host,
			       uint16_t *ret_port, GError **error)
{
	const char *colon = strrchr(arg, ':');
	g_autofree char *host = NULL;
	guint64 port;
	char *end;

	if (!colon || colon == arg || !colon[1])
		goto bad;
	if (arg[0] == '[') {
		if (colon[-1] != ']' || colon - arg < 3)
			goto bad;
		host = g_strndup(arg + 1, colon - arg - 2);
	} else {
		host = g_strndup(arg, colon - arg);
	}
	port = g_ascii_strtoull(colon + 1, &end, 10);
	if (*end || port > 65535)
		goto bad;
	g_free(*ret_host);
	*ret_host = g_steal_pointer(&host);
	*ret_port = port;
	return TRUE;
bad:
	g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
		    "--%s %s: expected HOST:PORT", opt, arg);
	return FALSE;
}

/* What the command line says; it wins over the config file. */
struct relay_opts {
	char *config, *listen, *cert, *key, *mqtt, *prefix, *users_file, *dup;
	char *fed_broker, *fed_id, *fed_relays;
	char **users, **channels, **tokens, **push_keys;
	int max_conn, max_queue, max_addr, max_pending, free_failures;
	double max_burst, keep, stream_to, logon_to;
	gboolean verbose;
};

static void relay_opts_clear(struct relay_opts *o)
{
	g_free(o->config);
	g_free(o->listen);
	g_free(o->cert);
	g_free(o->key);
	g_free(o->mqtt);
	g_free(o->prefix);
	g_free(o->users_file);
	g_free(o->dup);
	g_free(o->fed_broker);
	g_free(o->fed_id);
	g_free(o->fed_relays);
	g_strfreev(o->users);
	g_strfreev(o->channels);
	g_strfreev(o->tokens);
	g_strfreev(o->push_keys);
}
typedef struct relay_opts relay_opts;
G_DEFINE_AUTO_CLEANUP_CLEAR_FUNC(relay_opts, relay_opts_clear)

static gboolean parse_options(struct relay_opts *o, int *argc, char ***argv, GError **error)
{
	const GOptionEntry entries[] = {
		{ "listen", 'l', 0, G_OPTION_ARG_STRING, &o->listen,
		  "Address to listen on (PORT 0: any free port; printed)", "HOST:PORT" },
		{ "config", 'c', 0, G_OPTION_ARG_FILENAME, &o->config,
		  "Config file (keys below)", "FILE" },
		{ "user", 'u', 0, G_OPTION_ARG_STRING_ARRAY, &o->users,
		  "A user and its password (repeatable)", "NAME:PASSWORD" },
		{ "token", 't', 0, G_OPTION_ARG_STRING_ARRAY, &o->tokens,
		  "An auth_token accepted for user NAME (repeatable)", "NAME:TOKEN" },
		{ "channel", 'C', 0, G_OPTION_ARG_STRING_ARRAY, &o->channels,
		  "A channel, optionally with its members (default: every user; repeatable)",
		  "NAME[=USER,USER]" },
		{ "cert", 0, 0, G_OPTION_ARG_FILENAME, &o->cert, "TLS certificate (PEM): wss://",
		  "FILE" },
		{ "key", 0, 0, G_OPTION_ARG_FILENAME, &o->key, "TLS private key (PEM)", "FILE" },
		{ "mqtt", 0, 0, G_OPTION_ARG_STRING, &o->mqtt,
		  "MQTT broker: push every burst to every member", "HOST:PORT" },
		{ "push-key", 0, 0, G_OPTION_ARG_STRING_ARRAY, &o->push_keys,
		  "Push key file of user NAME (repeatable)", "NAME:KEYFILE" },
		{ "push-prefix", 0, 0, G_OPTION_ARG_STRING, &o->prefix,
		  "Push topic prefix (default pttgw): <prefix>/<username>", "P" },
		{ "max-connections", 0, 0, G_OPTION_ARG_INT, &o->max_conn,
		  "Most connections (default 256)", "N" },
		{ "max-per-address", 0, 0, G_OPTION_ARG_INT, &o->max_addr,
		  "Most TCP connections from one address (default 16)", "N" },
		{ "max-pending-per-address", 0, 0, G_OPTION_ARG_INT, &o->max_pending,
		  "Most connections from one address not logged on yet (default 4)", "N" },
		{ "duplicate-logon", 0, 0, G_OPTION_ARG_STRING, &o->dup,
		  "A user logged on twice: replace (default), refuse or allow", "POLICY" },
		{ "free-logon-failures", 0, 0, G_OPTION_ARG_INT, &o->free_failures,
		  "Failed logons per user and address before delays (default 3)", "N" },
		{ "users-file", 0, 0, G_OPTION_ARG_FILENAME, &o->users_file,
		  "Users and password hashes, NAME:HASH lines (not readable by others)", "FILE" },
		{ "max-queue", 0, 0, G_OPTION_ARG_INT, &o->max_queue,
		  "Bytes queued per connection before it is dropped (default 4 MiB)", "BYTES" },
		{ "max-burst", 0, 0, G_OPTION_ARG_DOUBLE, &o->max_burst,
		  "Longest burst in seconds (default 60)", "S" },
		{ "keep-ended", 0, 0, G_OPTION_ARG_DOUBLE, &o->keep,
		  "Seconds an ended burst stays joinable (default 30)", "S" },
		{ "stream-timeout", 0, 0, G_OPTION_ARG_DOUBLE, &o->stream_to,
		  "Seconds without audio before a burst ends (default 10)", "S" },
		{ "logon-timeout", 0, 0, G_OPTION_ARG_DOUBLE, &o->logon_to,
		  "Seconds a connection has to log on (default 10)", "S" },
		{ "federation", 0, 0, G_OPTION_ARG_STRING, &o->fed_broker,
		  "Federate with other relays through this MQTT broker", "HOST:PORT" },
		{ "relay-id", 0, 0, G_OPTION_ARG_STRING, &o->fed_id,
		  "This relay's name in the federation", "NAME" },
		{ "relays", 0, 0, G_OPTION_ARG_STRING, &o->fed_relays,
		  "The federation's relays (the same list on each)", "A,B,C" },
		{ "verbose", 'v', 0, G_OPTION_ARG_NONE, &o->verbose, "Debug logs", NULL },
		{ NULL }
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- pttgw reference relay");

	o->free_failures = -1;
	o->keep = -1;
	g_option_context_add_main_entries(ctx, entries, NULL);
	g_option_context_set_summary(ctx,
		"Serves the Zello Channel API subset of pttgw over WebSocket: logon, channels,\n"
		"one talker per channel (emergency pre-empts), audio relayed with packet ids,\n"
		"late join of a burst (join_stream) and a push per burst over MQTT.");
	g_option_context_set_description(ctx, config_help);
	return g_option_context_parse(ctx, argc, argv, error);
}

static void set_defaults(struct relay_config *c)
{
	c->users = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, user_free);
	c->channels = g_ptr_array_new_with_free_func(channel_free);
	c->push_keys = g_ptr_array_new_with_free_func(g_free);
	c->push_prefix = g_strdup("pttgw");
	c->max_connections = 256;
	c->max_per_address = 16;
	c->max_pending_per_address = 4;
	c->auth_limits = (struct relay_auth_limits)RELAY_AUTH_LIMITS_DEFAULT;
	c->max_queue_bytes = 4 * 1024 * 1024;
	c->max_queue_frames = 16384;
	c->max_burst_usec = 60 * G_USEC_PER_SEC;
	c->max_burst_bytes = 2 * 1024 * 1024;
	c->keep_usec = 30 * G_USEC_PER_SEC;
	c->stream_timeout_usec = 10 * G_USEC_PER_SEC;
	c->logon_timeout_usec = 10 * G_USEC_PER_SEC;
	c->ping_usec = 30 * G_USEC_PER_SEC;
}

/* A string option replaces the file's value. */
static void take_string(char **dst, char **opt)
{
	if (*opt) {
		g_free(*dst);
		*dst = g_steal_pointer(opt);
	}
}

/* Where to listen, TLS, the push broker and the federation. */
static gboolean apply_addresses(struct relay_config *c, struct relay_opts *o, GError **error)
{
	if (o->listen &&
	    !parse_hostport("listen", o->listen, &c->listen_host, &c->listen_port, error))
		return FALSE;
	if (!c->listen_host) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
			    "no --listen HOST:PORT (or [relay] listen)");
		return FALSE;
	}
	if (o->mqtt && !parse_hostport("mqtt", o->mqtt, &c->mqtt_host, &c->mqtt_port, error))
		return FALSE;
	if (o->fed_broker && !parse_hostport("federation", o->fed_broker, &c->fed.broker_host,
					     &c->fed.broker_port, error))
		return FALSE;
	take_string(&c->fed.relay_id, &o->fed_id);
	if (o->fed_relays) {
		g_strfreev(c->fed.relays);
		c->fed.relays = split_members(o->fed_relays);
	}
	if ((c->fed.relay_id || c->fed.relays) && !c->fed.broker_host) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
			    "relay-id and relays need a federation broker");
		return FALSE;
	}
	take_string(&c->cert, &o->cert);
	take_string(&c->key, &o->key);
	if (!c->cert != !c->key) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
			    "TLS needs both --cert and --key");
		return FALSE;
	}
	take_string(&c->push_prefix, &o->prefix);
	return TRUE;
}

/* Connection, queue and burst limits, and the duplicate logon policy. */
static gboolean apply_limits(struct relay_config *c, const struct relay_opts *o, GError **error)
{
	if (o->max_addr < 0 || o->max_pending < 0 || o->max_conn < 0 || o->max_queue < 0 ||
	    o->max_burst < 0 || o->stream_to < 0 || o->logon_to < 0) {
		g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
			    "negative limits make no sense");
		return FALSE;
	}
	if (o->max_conn)
		c->max_connections = o->max_conn;
	if (o->max_addr)
		c->max_per_address = o->max_addr;
	if (o->dup) {
		if (strcmp(o->dup, "replace") == 0) {
			c->duplicate = RELAY_DUPLICATE_REPLACE;
		} else if (strcmp(o->dup, "refuse") == 0) {
			c->duplicate = RELAY_DUPLICATE_REFUSE;
		} else if (strcmp(o->dup, "allow") == 0) {
			c->duplicate = RELAY_DUPLICATE_ALLOW;
		} else {
			g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
				    "--duplicate-logon %s: replace, refuse or allow", o->dup);
			return FALSE;
		}
	}
	if (o->free_failures >= 0)
		c->auth_limits.free_failures = o->free_failures;
	if (o->max_pending)
		c->max_pending_per_address = o->max_pending;
	if (o->max_queue)
		c->max_queue_bytes = MAX(o->max_queue, 16 * 1024);
	if (o->max_burst > 0)
		c->max_burst_usec = o->max_burst * G_USEC_PER_SEC;
	if (o->keep >= 0)
		c->keep_usec = o->keep * G_USEC_PER_SEC;
	if (o->stream_to > 0)
		c->stream_timeout_usec = o->stream_to * G_USEC_PER_SEC;
	if (o->logon_to > 0)
		c->logon_timeout_usec = o->logon_to * G_USEC_PER_SEC;
	/* a late joiner's replay must fit in its queue */
	c->max_burst_bytes = MIN(c->max_burst_bytes, c->max_queue_bytes / 2);
	return TRUE;
}

/* Users, their tokens, channels and push keys from the command line. */
static gboolean apply_accounts(struct relay_config *c, const struct relay_opts *o,
			       GError **error)
{
	unsigned i;

	for (i = 0; o->users && o->users[i]; i++) {
		g_autofree char *name = NULL, *pw = NULL;
		struct relay_user *u;

		if (!split_pair("--user", o->users[i], ':', &name, &pw, error))
			return FALSE;
		u = user_get(c, name);
		g_free(u->password);
		u->password = g_steal_pointer(&pw);
	}
	for (i = 0; o->tokens && o->tokens[i]; i++) {
		g_autofree char *name = NULL, *tok = NULL;
		struct relay_user *u;

		if (!split_pair("--token", o->tokens[i], ':', &name, &tok, error))
			return FALSE;
		u = user_get(c, name);
		g_free(u->token);
		u->token = g_steal_pointer(&tok);
	}
	for (i = 0; o->channels && o->channels[i]; i++) {
		const char *eq = strchr(o->channels[i], '=');
		g_autofree char *name = eq ? g_strndup(o->channels[i], eq - o->channels[i])
					   : g_strdup(o->channels[i]);
		struct relay_channel_conf *ch;

		if (!name[0]) {
			g_set_error(error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
				    "--channel %s: empty name", o->channels[i]);
			return FALSE;
		}
		ch = channel_get(c, name);
		g_strfreev(ch->members);
		ch->members = eq ? split_members(eq + 1) : NULL;
	}
	for (i = 0; o->push_keys && o->push_keys[i]; i++)
		g_ptr_array_add(c->push_keys, g_strdup(o->push_keys[i]));
	if (c->channels->len == 0)
		channel_get(c, "default");
	return TRUE;
}

/* Defaults, then the config file, then the command line over it. */
static gboolean load(struct relay_config *c, int *argc, char ***argv, GError **error)
{
	g_auto(relay_opts) o = { 0 };

	if (!parse_options(&o, argc, argv, error))
		return FALSE;
	set_defaults(c);
	c->verbose = o.verbose;
	if (o.config && !load_file(c, o.config, error))
		return FALSE;
	if (!apply_addresses(c, &o, error))
		return FALSE;
	if (o.users_file && !load_users_file(c, o.users_file, error))
		return FALSE;
	return apply_limits(c, &o, error) && apply_accounts(c, &o, error);
}

struct relay_config *relay_config_load(int *argc, char ***argv, GError **error)
{
	struct relay_config *c = g_new0(struct relay_config, 1);

	if (!load(c, argc, argv, error)) {
		relay_config_free(c);
		return NULL;
	}
	return c;
}
