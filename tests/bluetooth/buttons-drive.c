/* SPDX-License-Identifier: MIT */
/*
 * buttons-drive - runs pttgw-buttons (BLE and evdev) alone and prints its events,
 * for the guest scenarios and the benchmark; not product code.
 *
 *   buttons-drive [--config FILE] [--control FIFO]
 *
 * Output lines, CLOCK_MONOTONIC seconds first (as tests/vm prints them):
 *   T press SOURCE emergency=0|1     T release SOURCE     T channel DELTA
 *   T status JSON                    T ready
 * Control lines on FIFO: "state FLOOR SVC" (buttons_set_state), "pairing SECONDS",
 * "status", "quit".
 */
#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib-unix.h>
#include <json-glib/json-glib.h>
#include <stdio.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buttons.h"
#include "evdev.h"

struct drive {
	GMainLoop *loop;
	struct buttons *ble;
	struct evdev *ev;
	GString *pending;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void on_press(void *data, const char *source, bool emergency)
{
	printf("%.6f press %s emergency=%d\n", now_s(), source, emergency);
	fflush(stdout);
}

static void on_release(void *data, const char *source)
{
	printf("%.6f release %s\n", now_s(), source);
	fflush(stdout);
}

static void on_channel(void *data, int delta)
{
	printf("%.6f channel %+d\n", now_s(), delta);
	fflush(stdout);
}

static void print_status(struct drive *d)
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonGenerator) gen = json_generator_new();
	g_autoptr(JsonNode) root = NULL;
	g_autofree char *text = NULL;

	json_builder_begin_object(b);
	json_builder_set_member_name(b, "buttons");
	buttons_to_json(d->ble, b);
	json_builder_set_member_name(b, "evdev");
	evdev_to_json(d->ev, b);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	json_generator_set_root(gen, root);
	text = json_generator_to_data(gen, NULL);
	printf("%.6f status %s\n", now_s(), text);
	fflush(stdout);
}

/* The control line names the states as the daemon shows them; enums from here on. */
static enum svc_status svc_status_parse(const char *s)
{
	for (int i = 0; i < _SVC_STATUS_MAX; i++)
		if (strcmp(s, svc_status_to_string((enum svc_status)i)) == 0)
			return (enum svc_status)i;
	return _SVC_STATUS_MAX;
}

static void command(struct drive *d, const char *line)
{
	g_auto(GStrv) w = g_strsplit_set(line, " \t", -1);
	guint n = g_strv_length(w);

	if (n == 0 || !*w[0])
		return;
	if (strcmp(w[0], "state") == 0 && n == 3)
		buttons_set_state(d->ble, floor_state_from_string(w[1]), svc_status_parse(w[2]));
	else if (strcmp(w[0], "pairing") == 0 && n == 2)
		printf("%.6f pairing %d\n", now_s(),
		       buttons_open_pairing(d->ble, (unsigned)atoi(w[1])));
	else if (strcmp(w[0], "status") == 0)
		print_status(d);
	else if (strcmp(w[0], "quit") == 0)
		g_main_loop_quit(d->loop);
	else
		printf("%.6f control-error %s\n", now_s(), line);
	fflush(stdout);
}

static gboolean on_control(gint fd, GIOCondition cond, gpointer user_data)
{
	struct drive *d = user_data;
	char buf[512];
	ssize_t n = read(fd, buf, sizeof(buf));
	char *nl;

	if (n > 0)
		g_string_append_len(d->pending, buf, n);
	while ((nl = strchr(d->pending->str, '\n'))) {
		g_autofree char *line = g_strndup(d->pending->str, nl - d->pending->str);

		g_string_erase(d->pending, 0, nl - d->pending->str + 1);
		command(d, g_strstrip(line));
	}
	return G_SOURCE_CONTINUE;
}

static gboolean on_signal(gpointer user_data)
{
	g_main_loop_quit(((struct drive *)user_data)->loop);
	return G_SOURCE_CONTINUE;
}

int main(int argc, char **argv)
{
	g_autofree char *config = NULL, *control = NULL;
	GOptionEntry entries[] = {
		{ "config", 'c', 0, G_OPTION_ARG_FILENAME, &config, "config file", "FILE" },
		{ "control", 0, 0, G_OPTION_ARG_FILENAME, &control, "control FIFO", "FIFO" },
		{ NULL },
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- drive pttgw-buttons");
	g_autoptr(GError) err = NULL;
	g_autoptr(GDBusConnection) bus = NULL;
	struct conf c = { .kf = NULL, .path = NULL };
	struct buttons_config bcfg = { 0 };
	struct evdev_config ecfg = { 0 };
	const struct button_events events = {
		.press = on_press, .release = on_release, .channel = on_channel,
	};
	struct drive d = { .pending = g_string_new(NULL) };
	int fd = -1;

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &err)) {
		fprintf(stderr, "%s\n", err->message);
		return 64;
	}
	if (config) {
		c.kf = g_key_file_new();
		c.path = config;
		if (!g_key_file_load_from_file(c.kf, config, G_KEY_FILE_NONE, &err)) {
			fprintf(stderr, "%s: %s\n", config, err->message);
			return 78;
		}
	}
	if (!buttons_config_load(&c, &bcfg, &err) || !evdev_config_load(&c, &ecfg, &err)) {
		fprintf(stderr, "%s\n", err->message);
		return 78;
	}
	bus = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, &err);
	if (!bus) {
		fprintf(stderr, "system bus: %s\n", err->message);
		return 1;
	}
	d.loop = g_main_loop_new(NULL, FALSE);
	d.ble = buttons_new(bus, &bcfg, &events, &d, &err);
	if (!d.ble) {
		fprintf(stderr, "buttons: %s\n", err->message);
		return 1;
	}
	d.ev = evdev_new(&ecfg, &events, &d, &err);
	if (!d.ev) {
		fprintf(stderr, "evdev: %s\n", err->message);
		return 1;
	}
	if (control) {
		if (mkfifo(control, 0600) < 0 && errno != EEXIST) {
			perror(control);
			return 1;
		}
		fd = open(control, O_RDWR | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0) {
			perror(control);
			return 1;
		}
		g_unix_fd_add(fd, G_IO_IN, on_control, &d);
	}
	g_unix_signal_add(SIGTERM, on_signal, &d);
	g_unix_signal_add(SIGINT, on_signal, &d);
	printf("%.6f ready\n", now_s());
	fflush(stdout);
	g_main_loop_run(d.loop);

	print_status(&d);
	d.ev = evdev_free(d.ev);
	d.ble = buttons_free(d.ble);
	buttons_config_clear(&bcfg);
	if (c.kf)
		g_key_file_free(c.kf);
	if (fd >= 0)
		close(fd);
	g_string_free(d.pending, TRUE);
	g_main_loop_unref(d.loop);
	printf("%.6f exit\n", now_s());
	return 0;
}
