/* SPDX-License-Identifier: MIT */
/*
 * uplink-drive - runs the uplink in a GLib loop for the link tests.
 *
 *   uplink-drive --config FILE
 *
 * Reads [upstream] from FILE (exit 78 on a bad config, as pttgwd does).
 * Commands on stdin, one per line:
 *   press | press-emergency | release | audio N (N packets, one per 20 ms) |
 *   burst N (N packets at once, within one loop iteration) |
 *   repress (release, then press in the same loop iteration) |
 *   join ID | connect | stop | state | stats | quit
 * A press while the link is down asks for a connection and is sent once the
 * link is up (as the floor does). Events on stdout, one per line, prefixed
 * with the wall clock in milliseconds (for the shell's `date +%s%3N`):
 *   <ms> state <name> <detail>        <ms> granted <id>
 *   <ms> denied <reason>              <ms> revoked <id> <reason>
 *   <ms> remote_start <id> <from>     <ms> remote_stop <id> <packets received>
 *   <ms> audio <id> <packet_id> <len> (only with --print-audio)
 *   <ms> auth_refused <reason>        <ms> result <command> <errno name or ok>
 */
#include <errno.h>
#include <gio/gio.h>
#include <gio/gunixinputstream.h>
#include <glib-unix.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "conf.h"
#include "uplink.h"

struct drive {
	GMainLoop *loop;
	struct uplink *u;
	uint32_t tx_stream;
	unsigned audio_left;
	unsigned audio_sent;
	guint audio_timer;
	unsigned rx_packets;
	bool print_audio;
	int pending_press; /* 0 none, 1 normal, 2 emergency */
	int exit_code;
};

static void out(struct drive *d, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void out(struct drive *d, const char *fmt, ...)
{
	va_list ap;

	printf("%" G_GINT64_FORMAT " ", g_get_real_time() / 1000);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

static const char *result_name(int r)
{
	return r == 0 ? "ok" : r == -ENOTCONN ? "ENOTCONN" : r == -EBUSY ? "EBUSY" :
	       r == -ENOBUFS ? "ENOBUFS" : r == -ENOENT ? "ENOENT" : r == -EALREADY ?
	       "EALREADY" : g_strerror(-r);
}

static void ev_state(void *data, enum uplink_state st, const char *detail)
{
	struct drive *d = data;

	int r;

	out(d, "state %s %s", uplink_state_to_string(st), detail ? detail : "");
	if (st == UPLINK_CONNECTED && d->pending_press) {
		r = uplink_start_stream(d->u, d->pending_press == 2);
		d->pending_press = 0;
		out(d, "result press %s", result_name(r));
	}
}

static void ev_granted(void *data, uint32_t stream_id)
{
	struct drive *d = data;

	d->tx_stream = stream_id;
	out(d, "granted %u", stream_id);
}

static void ev_denied(void *data, const char *reason)
{
	out(data, "denied %s", reason);
}

static void ev_revoked(void *data, uint32_t stream_id, const char *reason)
{
	struct drive *d = data;

	d->tx_stream = 0;
	d->audio_left = 0;
	out(d, "revoked %u %s", stream_id, reason);
}

static void ev_remote_start(void *data, uint32_t stream_id, const char *from,
			    const char *channel, unsigned packet_duration_ms, unsigned packet_usec,
			    const char *codec_error)
{
	struct drive *d = data;

	d->rx_packets = 0;
	out(d, "remote_start %u %s %s %u %u %s", stream_id, from ? from : "-",
	    channel ? channel : "-", packet_duration_ms, packet_usec,
	    codec_error ? codec_error : "-");
}

static void ev_remote_stop(void *data, uint32_t stream_id)
{
	struct drive *d = data;

	out(d, "remote_stop %u %u", stream_id, d->rx_packets);
}

static void ev_audio(void *data, uint32_t stream_id, uint32_t packet_id, const uint8_t *opus,
		     size_t len)
{
	struct drive *d = data;

	d->rx_packets++;
	if (d->print_audio)
		out(d, "audio %u %u %zu", stream_id, packet_id, len);
}

static void ev_auth_refused(void *data, const char *reason)
{
	out(data, "auth_refused %s", reason);
}

static const struct uplink_events events = {
	.state = ev_state,
	.granted = ev_granted,
	.denied = ev_denied,
	.revoked = ev_revoked,
	.remote_start = ev_remote_start,
	.remote_stop = ev_remote_stop,
	.audio = ev_audio,
	.auth_refused = ev_auth_refused,
};


static gboolean audio_tick(gpointer data)
{
	struct drive *d = data;
	uint8_t pkt[60];
	int r;

	if (!d->audio_left || !d->tx_stream) {
		d->audio_timer = 0;
		out(d, "audio_done %u", d->audio_sent);
		return G_SOURCE_REMOVE;
	}
	/* a recognisable payload: the packet number, repeated */
	memset(pkt, (int)(d->audio_sent & 0xff), sizeof(pkt));
	r = uplink_send_audio(d->u, d->tx_stream, pkt, sizeof(pkt));
	if (r < 0)
		out(d, "result audio %s", result_name(r));
	else
		d->audio_sent++;
	d->audio_left--;
	return G_SOURCE_CONTINUE;
}

static void command(struct drive *d, char *line)
{
	struct uplink_stats s;
	unsigned long n;
	int r;

	g_strstrip(line);
	if (!strcmp(line, "press") || !strcmp(line, "press-emergency")) {
		r = uplink_start_stream(d->u, !strcmp(line, "press-emergency"));
		if (r == -ENOTCONN) {
			d->pending_press = strcmp(line, "press-emergency") ? 1 : 2;
			uplink_connect_now(d->u);
			out(d, "result press pending");
		} else {
			out(d, "result press %s", result_name(r));
		}
	} else if (!strcmp(line, "repress")) {
		/* release and press again at once (one loop iteration) */
		r = uplink_stop_stream(d->u, d->tx_stream);
		d->tx_stream = 0;
		d->audio_left = 0;
		out(d, "result release %s", result_name(r));
		r = uplink_start_stream(d->u, false);
		out(d, "result press %s", result_name(r));
	} else if (!strcmp(line, "release")) {
		d->pending_press = 0;
		r = uplink_stop_stream(d->u, d->tx_stream);
		d->tx_stream = 0;
		d->audio_left = 0;
		out(d, "result release %s", result_name(r));
	} else if (g_str_has_prefix(line, "audio ")) {
		n = strtoul(line + 6, NULL, 10);
		d->audio_left = (unsigned)n;
		d->audio_sent = 0;
		if (!d->audio_timer)
			d->audio_timer = g_timeout_add(20, audio_tick, d);
	} else if (g_str_has_prefix(line, "burst ")) {
		uint8_t pkt[60] = { 0 };
		unsigned ok = 0, full = 0, other = 0;

		n = strtoul(line + 6, NULL, 10);
		for (unsigned long i = 0; i < n; i++) {
			r = uplink_send_audio(d->u, d->tx_stream, pkt, sizeof(pkt));
			if (r == 0)
				ok++;
			else if (r == -ENOBUFS)
				full++;
			else
				other++;
		}
		out(d, "burst ok=%u enobufs=%u other=%u", ok, full, other);
	} else if (g_str_has_prefix(line, "join ")) {
		n = strtoul(line + 5, NULL, 10);
		r = uplink_join_stream(d->u, (uint32_t)n);
		out(d, "result join %s", result_name(r));
	} else if (!strcmp(line, "connect")) {
		uplink_connect_now(d->u);
	} else if (!strcmp(line, "stop")) {
		uplink_stop(d->u);
	} else if (!strcmp(line, "state")) {
		uint64_t next = uplink_get_next_attempt(d->u);

		out(d, "status %s next_attempt_in_ms=%" G_GINT64_FORMAT " last_error=%s",
		    uplink_state_to_string(uplink_get_state(d->u)),
		    next ? (gint64)(next - (uint64_t)g_get_monotonic_time()) / 1000 : -1,
		    uplink_get_last_error(d->u) ? uplink_get_last_error(d->u) : "-");
	} else if (!strcmp(line, "stats")) {
		uplink_get_stats(d->u, &s);
		out(d, "stats attempts=%" G_GUINT64_FORMAT " logons=%" G_GUINT64_FORMAT
		    " frames_in=%" G_GUINT64_FORMAT " frames_out=%" G_GUINT64_FORMAT
		    " bad_frames=%" G_GUINT64_FORMAT " audio_dropped=%" G_GUINT64_FORMAT,
		    s.attempts, s.logons, s.frames_in, s.frames_out, s.bad_frames, s.audio_dropped);
	} else if (!strcmp(line, "quit")) {
		g_main_loop_quit(d->loop);
	} else if (*line) {
		out(d, "result %s EINVAL", line);
	}
}

static gboolean on_stdin(gint fd, GIOCondition cond, gpointer data)
{
	struct drive *d = data;
	static char buf[4096];
	static size_t have;
	ssize_t n;
	char *nl;

	n = read(fd, buf + have, sizeof(buf) - 1 - have);
	if (n <= 0) {
		g_main_loop_quit(d->loop);
		return G_SOURCE_REMOVE;
	}
	have += (size_t)n;
	buf[have] = '\0';
	while ((nl = strchr(buf, '\n'))) {
		*nl = '\0';
		command(d, buf);
		have -= (size_t)(nl + 1 - buf);
		memmove(buf, nl + 1, have + 1);
	}
	if (have == sizeof(buf) - 1)
		have = 0;
	return G_SOURCE_CONTINUE;
}

static gboolean on_signal(gpointer data)
{
	struct drive *d = data;

	g_main_loop_quit(d->loop);
	return G_SOURCE_CONTINUE;
}

int main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	g_autofree char *config = NULL;
	struct uplink_config cfg = { 0 };
	struct conf c = { 0 };
	struct drive d = { 0 };
	gboolean print_audio = FALSE;
	GOptionEntry entries[] = {
		{ "config", 'c', 0, G_OPTION_ARG_FILENAME, &config, "Configuration file", "FILE" },
		{ "print-audio", 'a', 0, G_OPTION_ARG_NONE, &print_audio, "One line per packet",
		  NULL },
		{ NULL, 0, 0, 0, NULL, NULL, NULL },
	};
	g_autoptr(GOptionContext) oc = g_option_context_new("- drive the pttgw uplink");

	/* the tests read the uplink's info lines (logon method, drops) */
	g_setenv("G_MESSAGES_DEBUG", "pttgw-uplink", FALSE);
	g_log_writer_default_set_use_stderr(TRUE); /* stdout carries the events */
	g_option_context_add_main_entries(oc, entries, NULL);
	if (!g_option_context_parse(oc, &argc, &argv, &error) || !config) {
		fprintf(stderr, "uplink-drive: %s\n",
			error ? error->message : "--config is needed");
		return EX_USAGE;
	}
	c.kf = g_key_file_new();
	c.path = config;
	if (!g_key_file_load_from_file(c.kf, config, G_KEY_FILE_NONE, &error)) {
		fprintf(stderr, "uplink-drive: %s: %s\n", config, error->message);
		g_key_file_free(c.kf);
		return PTTGW_EX_CONFIG;
	}
	if (!uplink_config_load(&c, &cfg, &error)) {
		fprintf(stderr, "uplink-drive: %s\n", error->message);
		g_key_file_free(c.kf);
		return PTTGW_EX_CONFIG;
	}
	g_key_file_free(c.kf);

	d.print_audio = print_audio;
	d.loop = g_main_loop_new(NULL, FALSE);
	d.u = uplink_new(&cfg, d.loop, &events, &d, &error);
	uplink_config_clear(&cfg);
	if (!d.u) {
		fprintf(stderr, "uplink-drive: %s\n", error->message);
		g_main_loop_unref(d.loop);
		return 1;
	}
	g_unix_fd_add(0, G_IO_IN | G_IO_HUP, on_stdin, &d);
	g_unix_signal_add(SIGTERM, on_signal, &d);
	g_unix_signal_add(SIGINT, on_signal, &d);
	uplink_start(d.u);
	g_main_loop_run(d.loop);
	if (d.audio_timer)
		g_source_remove(d.audio_timer);
	uplink_free(d.u);
	/* the loop goes on after the uplink (as in pttgwd): nothing of lws may
	 * be left on it */
	for (int i = 0; i < 20; i++) {
		g_main_context_iteration(NULL, FALSE);
		g_usleep(5000);
	}
	g_main_loop_unref(d.loop);
	out(&d, "exit");
	return d.exit_code;
}
