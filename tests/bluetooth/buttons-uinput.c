/* SPDX-License-Identifier: MIT */
/*
 * buttons-uinput - a virtual input device for the evdev scenarios; not product code.
 *
 *   buttons-uinput --name NAME [--vendor 0x1209 --product 0x7077] [--control FIFO]
 *
 * Creates a /dev/uinput device with the keys below, prints "T created DEVNODE",
 * then obeys control lines: "down KEY_X", "up KEY_X", "tap KEY_X MS",
 * "destroy" (unplug), "create" (plug again), "quit". T is CLOCK_MONOTONIC seconds,
 * printed at each key event ("T key KEY_X 1").
 */
#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib.h>
#include <libevdev/libevdev-uinput.h>
#include <libevdev/libevdev.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const unsigned keys[] = { KEY_F13, KEY_F14, KEY_F15, KEY_A, BTN_0 };

struct uin {
	struct libevdev *dev;
	struct libevdev_uinput *ui;
	GMainLoop *loop;
	GString *pending;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* /dev/input/eventN of the new device, from sysfs (libevdev's own lookup races udev). */
static const char *devnode(struct uin *u)
{
	static char node[64];
	const char *sys = libevdev_uinput_get_syspath(u->ui);

	for (int i = 0; sys && i < 100; i++, g_usleep(20000)) {
		g_autoptr(GDir) dir = g_dir_open(sys, 0, NULL);
		const char *n;

		while (dir && (n = g_dir_read_name(dir)))
			if (g_str_has_prefix(n, "event")) {
				g_snprintf(node, sizeof(node), "/dev/input/%s", n);
				return node;
			}
	}
	return "?";
}

static int create(struct uin *u)
{
	int r;

	if (u->ui)
		return 0;
	r = libevdev_uinput_create_from_device(u->dev, LIBEVDEV_UINPUT_OPEN_MANAGED, &u->ui);
	if (r < 0) {
		fprintf(stderr, "uinput: %s\n", strerror(-r));
		return r;
	}
	printf("%.6f created %s\n", now_s(), devnode(u));
	fflush(stdout);
	return 0;
}

static void key(struct uin *u, const char *name, int value)
{
	int code = libevdev_event_code_from_name(EV_KEY, name);

	if (code < 0 || !u->ui) {
		printf("%.6f control-error key %s\n", now_s(), name);
		return;
	}
	printf("%.6f key %s %d\n", now_s(), name, value);
	fflush(stdout);
	libevdev_uinput_write_event(u->ui, EV_KEY, code, value);
	libevdev_uinput_write_event(u->ui, EV_SYN, SYN_REPORT, 0);
}

static void command(struct uin *u, char *line)
{
	g_auto(GStrv) w = g_strsplit(g_strstrip(line), " ", -1);
	guint n = g_strv_length(w);

	if (n == 2 && strcmp(w[0], "down") == 0)
		key(u, w[1], 1);
	else if (n == 2 && strcmp(w[0], "up") == 0)
		key(u, w[1], 0);
	else if (n == 3 && strcmp(w[0], "tap") == 0) {
		key(u, w[1], 1);
		g_usleep((gulong)atoi(w[2]) * 1000);
		key(u, w[1], 0);
	} else if (n == 1 && strcmp(w[0], "destroy") == 0) {
		if (u->ui)
			libevdev_uinput_destroy(u->ui);
		u->ui = NULL;
		printf("%.6f destroyed\n", now_s());
	} else if (n == 1 && strcmp(w[0], "create") == 0) {
		create(u);
	} else if (n == 1 && strcmp(w[0], "quit") == 0) {
		g_main_loop_quit(u->loop);
	} else if (n && *w[0]) {
		printf("%.6f control-error %s\n", now_s(), line);
	}
	fflush(stdout);
}

static gboolean on_control(gint fd, GIOCondition cond, gpointer user_data)
{
	struct uin *u = user_data;
	char buf[256], *nl;
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n > 0)
		g_string_append_len(u->pending, buf, n);
	while ((nl = strchr(u->pending->str, '\n'))) {
		g_autofree char *line = g_strndup(u->pending->str, nl - u->pending->str);

		g_string_erase(u->pending, 0, nl - u->pending->str + 1);
		command(u, line);
	}
	return G_SOURCE_CONTINUE;
}

static gboolean on_signal(gpointer user_data)
{
	g_main_loop_quit(((struct uin *)user_data)->loop);
	return G_SOURCE_CONTINUE;
}

int main(int argc, char **argv)
{
	g_autofree char *name = NULL, *control = NULL;
	int vendor = 0x1209, product = 0x7077, fd;
	GOptionEntry entries[] = {
		{ "name", 0, 0, G_OPTION_ARG_STRING, &name, "device name", "NAME" },
		{ "vendor", 0, 0, G_OPTION_ARG_INT, &vendor, "vendor id", "N" },
		{ "product", 0, 0, G_OPTION_ARG_INT, &product, "product id", "N" },
		{ "control", 0, 0, G_OPTION_ARG_FILENAME, &control, "control FIFO", "FIFO" },
		{ NULL },
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- a virtual talk key");
	g_autoptr(GError) err = NULL;
	struct uin u = { .pending = g_string_new(NULL) };

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &err) || !name || !control) {
		fprintf(stderr, "%s\n", err ? err->message : "--name and --control are needed");
		return 64;
	}
	u.dev = libevdev_new();
	libevdev_set_name(u.dev, name);
	libevdev_set_id_bustype(u.dev, BUS_VIRTUAL);
	libevdev_set_id_vendor(u.dev, vendor);
	libevdev_set_id_product(u.dev, product);
	libevdev_set_id_version(u.dev, 1);
	libevdev_enable_event_type(u.dev, EV_KEY);
	for (size_t i = 0; i < G_N_ELEMENTS(keys); i++)
		libevdev_enable_event_code(u.dev, EV_KEY, keys[i], NULL);
	if (create(&u) < 0)
		return 1;
	if (mkfifo(control, 0600) < 0 && errno != EEXIST)
		return 1;
	fd = open(control, O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0)
		return 1;
	u.loop = g_main_loop_new(NULL, FALSE);
	g_unix_fd_add(fd, G_IO_IN, on_control, &u);
	g_unix_signal_add(SIGTERM, on_signal, &u);
	g_unix_signal_add(SIGINT, on_signal, &u);
	g_main_loop_run(u.loop);
	if (u.ui)
		libevdev_uinput_destroy(u.ui);
	libevdev_free(u.dev);
	close(fd);
	g_main_loop_unref(u.loop);
	g_string_free(u.pending, TRUE);
	return 0;
}
