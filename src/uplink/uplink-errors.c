/* SPDX-License-Identifier: MIT */
/*
 * uplink-errors.c - API.md's error codes, what it says to do about each, and
 * the reason a user reads in the status and in denials.
 */
#include "log-escape.h"
#include "uplink-private.h"

#include <string.h>

static const struct uplink_error_info errors[] = {
	/* "The connection to Zello network was closed. You can try re-connecting." */
	{ "server closed connection", UPLINK_ERR_RECONNECT,
	  "the server closed the connection; reconnecting" },
	/* "an immediate retry may or may not succeed" */
	{ "internal server error", UPLINK_ERR_BACKOFF,
	  "internal server error; retrying after the backoff" },
	{ "not logged in", UPLINK_ERR_RECONNECT,
	  "the server lost our logon; logging on again" },
	{ "not authorized", UPLINK_ERR_USER,
	  "not authorized: check [upstream] username, credentials-file and token-file" },
	{ "not enough params", UPLINK_ERR_USER,
	  "the server wants more parameters (not enough params): check [upstream] "
	  "credentials-file and token-file" },
	{ "channels limit exceeded", UPLINK_ERR_USER,
	  "the server refuses this many channels (channels limit exceeded)" },
	{ "channel is not ready", UPLINK_ERR_CHANNEL,
	  "the channel is not ready yet; waiting for it to come online" },
	{ "listen only connection", UPLINK_ERR_DENY,
	  "listen-only connection: talking is not allowed ([upstream] listen-only)" },
	{ "failed to start stream", UPLINK_ERR_DENY,
	  "the server could not start the stream; try again later" },
	{ "failed to stop stream", UPLINK_ERR_IGNORE,
	  "the server could not stop the stream (safe to ignore)" },
	{ "failed to send data", UPLINK_ERR_REPORT,
	  "the server could not pass on our audio (failed to send data)" },
	{ "invalid audio packet", UPLINK_ERR_REPORT,
	  "the server refused an audio packet as malformed (invalid audio packet)" },
	{ "unknown command", UPLINK_ERR_REPORT,
	  "the server does not know a command we sent (unknown command)" },
	{ "invalid json", UPLINK_ERR_REPORT,
	  "the server could not read a command we sent (invalid json)" },
	{ "invalid request", UPLINK_ERR_REPORT,
	  "the server refused a request of ours (invalid request)" },
};

const struct uplink_error_info *uplink_error_lookup(const char *code)
{
	static const struct uplink_error_info other = {
		NULL, UPLINK_ERR_REPORT, "the server reports an error",
	};

	for (size_t i = 0; code && i < G_N_ELEMENTS(errors); i++)
		if (strcmp(errors[i].code, code) == 0)
			return &errors[i];
	return &other;
}

char *uplink_error_reason(const char *code)
{
	const struct uplink_error_info *e = uplink_error_lookup(code);

	if (!e->code)	/* the server's own text: escaped, it reaches logs and the status */
		return code ? log_escape(code) : g_strdup("unknown error");
	return g_strdup_printf("%s: %s", e->code, e->text);
}
