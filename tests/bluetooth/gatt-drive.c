/* SPDX-License-Identifier: MIT */
/*
 * gatt-drive - pttgw-gatt on the system bus with a fake floor that echoes:
 * press -> requesting -> (delay) transmitting; release -> releasing -> idle.
 * A test driver for the guest scenarios (tests/bluetooth/gatt-*.sh), not a product.
 *
 *   gatt-drive [-c CONF] [--pair-window SECONDS] [--grant-delay MS] [--channels N]
 *
 * Prints one line per event, prefixed with CLOCK_MONOTONIC seconds:
 *   <t> event press gatt:AA:.. emergency=0 | release | channel | volume
 *   <t> state <floor> talker=<name>
 * SIGUSR1 opens a 60 s pairing window, SIGUSR2 prints the status JSON,
 * SIGTERM/SIGINT end it.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <glib-unix.h>
#include <glib.h>

#include "gatt-server.h"

struct drive {
	GMainLoop *loop;
	struct gatt_server *g;
	struct gatt_state st;
	char *holder;
	char *channel_name;
	unsigned grant_delay_ms;
	guint timer;
};

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void publish(struct drive *d, enum floor_state s)
{
	d->st.floor = s;
	d->st.audio_active = s == FLOOR_TRANSMITTING;
	d->st.talker = s == FLOOR_TRANSMITTING ? d->holder : NULL;
	printf("%.6f state %d talker=%s\n", mono(), (int)s, d->st.talker ? d->st.talker : "");
	fflush(stdout);
	gatt_server_set_state(d->g, &d->st);
}

static gboolean on_timer(gpointer data)
{
	struct drive *d = data;

	d->timer = 0;
	if (d->st.floor == FLOOR_REQUESTING) {
		publish(d, FLOOR_TRANSMITTING);
	} else if (d->st.floor == FLOOR_RELEASING) {
		g_clear_pointer(&d->holder, g_free);
		publish(d, FLOOR_IDLE);
	}
	return G_SOURCE_REMOVE;
}

static void arm(struct drive *d)
{
	if (d->timer)
		g_source_remove(d->timer);
	d->timer = g_timeout_add(d->grant_delay_ms, on_timer, d);
}

static void on_press(void *data, const char *source, bool emergency)
{
	struct drive *d = data;

	printf("%.6f event press %s emergency=%d\n", mono(), source, emergency);
	fflush(stdout);
	if (d->st.floor != FLOOR_IDLE)
		return;
	d->holder = g_strdup(source);
	d->st.emergency = emergency;
	publish(d, FLOOR_REQUESTING);
	arm(d);
}

static void on_release(void *data, const char *source)
{
	struct drive *d = data;

	printf("%.6f event release %s\n", mono(), source);
	fflush(stdout);
	if (!d->holder || strcmp(d->holder, source) != 0)
		return;
	if (d->st.floor != FLOOR_REQUESTING && d->st.floor != FLOOR_TRANSMITTING)
		return;
	d->st.emergency = false;
	publish(d, FLOOR_RELEASING);
	arm(d);
}

static void on_channel(void *data, enum gatt_channel_op op, unsigned index)
{
	struct drive *d = data;
	unsigned n = d->st.channel_count;

	printf("%.6f event channel %s %u\n", mono(), gatt_channel_op_to_string(op), index);
	fflush(stdout);
	if (op == GATT_CHANNEL_NEXT)
		d->st.channel_index = (d->st.channel_index + 1) % n;
	else if (op == GATT_CHANNEL_PREVIOUS)
		d->st.channel_index = (d->st.channel_index + n - 1) % n;
	else
		d->st.channel_index = index;
	g_free(d->channel_name);
	d->channel_name = g_strdup_printf("channel-%u", d->st.channel_index);
	d->st.channel_name = d->channel_name;
	gatt_server_set_state(d->g, &d->st);
}

static void on_volume(void *data, int delta)
{
	printf("%.6f event volume %+d\n", mono(), delta);
	fflush(stdout);
}

static const struct gatt_events events = {
	.press = on_press,
	.release = on_release,
	.channel = on_channel,
	.volume = on_volume,
};

static gboolean on_quit(gpointer data)
{
	struct drive *d = data;

	g_main_loop_quit(d->loop);
	return G_SOURCE_CONTINUE;
}

static gboolean on_usr1(gpointer data)
{
	struct drive *d = data;

	gatt_server_open_pairing(d->g, 60);
	printf("%.6f pairing-window 60\n", mono());
	fflush(stdout);
	return G_SOURCE_CONTINUE;
}

static gboolean on_usr2(gpointer data)
{
	struct drive *d = data;
	g_autoptr(JsonNode) n = gatt_server_status(d->g);
	g_autofree char *s = json_to_string(n, FALSE);

	printf("%.6f status %s\n", mono(), s);
	fflush(stdout);
	return G_SOURCE_CONTINUE;
}

int main(int argc, char **argv)
{
	g_autofree char *conf_path = NULL;
	int pair_window = 0, grant_delay = 50, channels = 4;
	GOptionEntry entries[] = {
		{ "config", 'c', 0, G_OPTION_ARG_FILENAME, &conf_path, "configuration file", "FILE" },
		{ "pair-window", 0, 0, G_OPTION_ARG_INT, &pair_window, "open a pairing window", "S" },
		{ "grant-delay", 0, 0, G_OPTION_ARG_INT, &grant_delay, "requesting -> transmitting",
		  "MS" },
		{ "channels", 0, 0, G_OPTION_ARG_INT, &channels, "channel count", "N" },
		{ NULL },
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- pttgw-gatt test driver");
	g_autoptr(GError) error = NULL;
	g_autoptr(GDBusConnection) bus = NULL;
	struct conf c = { 0 };
	struct gatt_config cfg;
	struct drive d = { 0 };

	g_option_context_add_main_entries(ctx, entries, NULL);
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		fprintf(stderr, "gatt-drive: %s\n", error->message);
		return 64;
	}
	if (conf_path) {
		c.kf = g_key_file_new();
		c.path = conf_path;
		if (!g_key_file_load_from_file(c.kf, conf_path, G_KEY_FILE_NONE, &error)) {
			fprintf(stderr, "gatt-drive: %s: %s\n", conf_path, error->message);
			return PTTGW_EX_CONFIG;
		}
	}
	if (!gatt_config_load(&c, &cfg, &error)) {
		fprintf(stderr, "gatt-drive: %s\n", error->message);
		return PTTGW_EX_CONFIG;
	}
	bus = g_bus_get_sync(G_BUS_TYPE_SYSTEM, NULL, &error);
	if (!bus) {
		fprintf(stderr, "gatt-drive: system bus: %s\n", error->message);
		return 69;
	}
	d.loop = g_main_loop_new(NULL, FALSE);
	d.grant_delay_ms = (unsigned)grant_delay;
	d.st = (struct gatt_state){ .floor = FLOOR_IDLE, .status = SVC_READY,
				    .link = GATT_LINK_UP, .channel_count = (unsigned)channels,
				    .channel_name = "channel-0" };
	d.g = gatt_server_new(bus, &cfg, &events, &d, &error);
	if (!d.g) {
		fprintf(stderr, "gatt-drive: %s\n", error->message);
		return 1;
	}
	gatt_server_set_state(d.g, &d.st);
	if (pair_window > 0)
		gatt_server_open_pairing(d.g, (unsigned)pair_window);
	g_unix_signal_add(SIGTERM, on_quit, &d);
	g_unix_signal_add(SIGINT, on_quit, &d);
	g_unix_signal_add(SIGUSR1, on_usr1, &d);
	g_unix_signal_add(SIGUSR2, on_usr2, &d);
	printf("%.6f ready\n", mono());
	fflush(stdout);
	g_main_loop_run(d.loop);
	if (d.timer)
		g_source_remove(d.timer);
	d.g = gatt_server_free(d.g);
	g_free(d.holder);
	g_free(d.channel_name);
	gatt_config_clear(&cfg);
	if (c.kf)
		g_key_file_free(c.kf);
	g_main_loop_unref(d.loop);
	return 0;
}
