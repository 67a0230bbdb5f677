/* SPDX-License-Identifier: MIT */
/*
 * gateway-bt.c - the talk inputs: the BLE GATT PTT service (gateway as
 * peripheral), off-the-shelf BLE buttons (gateway as central) and tagged
 * evdev keys. Each press comes with its own transmit source name; the
 * gateway's state goes back out (GATT notifications, button LEDs).
 */
#include "gateway-private.h"

#include <errno.h>

#include "buttons.h"
#include "evdev.h"
#include "gateway-link.h"
#include "gatt-server.h"

struct gateway_bt {
	struct gatt_config gatt_cfg;
	struct gatt_server *gatt;
	struct buttons_config buttons_cfg;
	struct buttons *buttons;
	struct evdev_config evdev_cfg;
	struct evdev *evdev;
	char **channels;       /* [general] channels, for next/previous/select */
};

/* ---- inputs ---- */

static void on_press(void *data, const char *source, bool emergency)
{
	const char *reason = NULL;

	if (gateway_press(data, source, emergency, &reason) < 0)
		g_info("%s: press refused: %s", source, reason);
}

static void on_release(void *data, const char *source)
{
	const char *reason = NULL;

	if (gateway_release(data, source, &reason) < 0)
		g_debug("%s: release ignored: %s", source, reason);
}

static unsigned channel_count(struct gateway *gw)
{
	return gw->bt && gw->bt->channels ? g_strv_length(gw->bt->channels) : 0;
}

static unsigned channel_index(struct gateway *gw)
{
	unsigned n = channel_count(gw);

	for (unsigned i = 0; i < n; i++)
		if (g_strcmp0(gw->bt->channels[i], gw->channel) == 0)
			return i;
	return 0;
}

static void step_channel(struct gateway *gw, int delta)
{
	unsigned n = channel_count(gw);
	const char *reason = NULL;
	unsigned i;

	if (n < 2) {
		g_info("channel %s: only one channel configured", delta > 0 ? "next" : "previous");
		return;
	}
	i = (channel_index(gw) + n + (unsigned)(delta > 0 ? 1 : n - 1)) % n;
	if (gateway_select_channel(gw, gw->bt->channels[i], &reason) < 0)
		g_info("channel change refused: %s", reason);
}

static void on_button_channel(void *data, int delta)
{
	step_channel(data, delta);
}

static void on_gatt_channel(void *data, enum gatt_channel_op op, unsigned index)
{
	struct gateway *gw = data;
	const char *reason = NULL;

	switch (op) {
	case GATT_CHANNEL_NEXT:
		step_channel(gw, +1);
		break;
	case GATT_CHANNEL_PREVIOUS:
		step_channel(gw, -1);
		break;
	case GATT_CHANNEL_SELECT:
		if (index < channel_count(gw) &&
		    gateway_select_channel(gw, gw->bt->channels[index], &reason) < 0)
			g_info("channel change refused: %s", reason);
		break;
	case _GATT_CHANNEL_OP_MAX:
		break;
	}
}

static void on_volume(void *data, int delta)
{
	struct gateway *gw = data;
	const char *reason = NULL;
	int v = gateway_volume(gw, delta, &reason);
	JsonBuilder *b = gateway_event_begin("volume");

	json_builder_set_member_name(b, "delta");
	json_builder_add_int_value(b, delta);
	json_builder_set_member_name(b, "volume");
	if (v >= 0)
		json_builder_add_int_value(b, v);
	else
		json_builder_add_null_value(b); /* audio is off */
	gateway_emit(gw, "volume", b);
}

static const struct gatt_events gatt_events = {
	.press = on_press,
	.release = on_release,
	.channel = on_gatt_channel,
	.volume = on_volume,
};

static const struct button_events button_events = {
	.press = on_press,
	.release = on_release,
	.channel = on_button_channel,
};

/* ---- state out ---- */

static enum gatt_link gatt_link_of(enum uplink_state st)
{
	switch (st) {
	case UPLINK_CONNECTED:
		return GATT_LINK_UP;
	case UPLINK_CONNECTING:
		return GATT_LINK_CONNECTING;
	case UPLINK_DISCONNECTED:
	case UPLINK_BACKOFF:
	case _UPLINK_STATE_MAX:
	case _UPLINK_STATE_INVALID:
		break;
	}
	return GATT_LINK_DOWN;
}

void gateway_bt_state_changed(struct gateway *gw)
{
	struct gateway_bt *bt = gw->bt;
	struct gatt_state st;

	if (!bt)
		return;
	st = (struct gatt_state){
		.floor = gateway_floor_state(gw),
		.status = gw->status,
		.link = gatt_link_of(gateway_link_state(gw)),
		.audio_active = gw->audio_active,
		.emergency = floor_get_emergency(gw->floor),
		.queue_position = floor_get_queue_position(gw->floor),
		.talker = gw->talker,
		.channel_index = channel_index(gw),
		.channel_count = channel_count(gw),
		.channel_name = gw->channel,
	};
	if (bt->gatt)
		gatt_server_set_state(bt->gatt, &st);
	if (bt->buttons)
		buttons_set_state(bt->buttons, gateway_floor_state(gw), gw->status);
}

int gateway_bt_open_pairing(struct gateway *gw, unsigned seconds)
{
	struct gateway_bt *bt = gw->bt;
	int r = -EOPNOTSUPP;

	if (!bt)
		return r;
	if (bt->gatt)
		r = gatt_server_open_pairing(bt->gatt, seconds);
	if (bt->buttons) {
		int r2 = buttons_open_pairing(bt->buttons, seconds);
		if (r == -EOPNOTSUPP || r2 < 0)
			r = r2;
	}
	if (r >= 0)
		g_message("pairing window open for %u s", seconds);
	return r;
}

void gateway_bt_status_json(struct gateway *gw, JsonBuilder *b)
{
	struct gateway_bt *bt = gw->bt;

	json_builder_set_member_name(b, "gatt");
	if (bt && bt->gatt)
		json_builder_add_value(b, gatt_server_status(bt->gatt));
	else
		json_builder_add_null_value(b);
	json_builder_set_member_name(b, "buttons");
	if (bt && bt->buttons)
		buttons_to_json(bt->buttons, b);
	else {
		json_builder_begin_array(b);
		json_builder_end_array(b);
	}
	json_builder_set_member_name(b, "input_devices");
	if (bt && bt->evdev)
		evdev_to_json(bt->evdev, b);
	else {
		json_builder_begin_array(b);
		json_builder_end_array(b);
	}
}

/* ---- life cycle ---- */

gboolean gateway_bt_init(struct gateway *gw, GError **error)
{
	struct gateway_bt *bt = g_new0(struct gateway_bt, 1);
	g_autofree char *list = NULL;

	gw->bt = bt;
	if (!gatt_config_load(gw->conf, &bt->gatt_cfg, error) ||
	    !buttons_config_load(gw->conf, &bt->buttons_cfg, error) ||
	    !evdev_config_load(gw->conf, &bt->evdev_cfg, error) ||
	    !conf_get_string(gw->conf, "general", "channels", NULL, &list, error))
		return FALSE;
	if (list && *list) {
		bt->channels = g_strsplit(list, ",", 64);
		for (char **c = bt->channels; *c; c++)
			g_strstrip(*c);
	} else if (gw->channel) {
		bt->channels = g_new0(char *, 2);
		bt->channels[0] = g_strdup(gw->channel);
	}
	return TRUE;
}

gboolean gateway_bt_start(struct gateway *gw, GError **error)
{
	struct gateway_bt *bt = gw->bt;
	g_autoptr(GError) local = NULL;

	if (bt->evdev_cfg.enable) {
		bt->evdev = evdev_new(&bt->evdev_cfg, &button_events, gw, &local);
		if (!bt->evdev) {
			g_warning("input keys off: %s", local->message);
			g_clear_error(&local);
		}
	}
	if (!gw->system_bus) {
		g_message("no system bus: the GATT service and BLE buttons are off");
		return TRUE;
	}
	if (bt->gatt_cfg.enabled) {
		bt->gatt = gatt_server_new(gw->system_bus, &bt->gatt_cfg, &gatt_events, gw, &local);
		if (!bt->gatt) {
			g_warning("GATT service off: %s", local->message);
			g_clear_error(&local);
		}
	}
	/* also without configured buttons: a pairing window can take new ones */
	bt->buttons = buttons_new(gw->system_bus, &bt->buttons_cfg, &button_events, gw, &local);
	if (!bt->buttons) {
		g_warning("BLE buttons off: %s", local->message);
		g_clear_error(&local);
	}
	gateway_bt_state_changed(gw);
	return TRUE;
}

void gateway_bt_fini(struct gateway *gw)
{
	struct gateway_bt *bt = gw->bt;

	if (!bt)
		return;
	gw->bt = NULL;
	bt->gatt = gatt_server_free(bt->gatt);
	bt->buttons = buttons_free(bt->buttons);
	bt->evdev = evdev_free(bt->evdev);
	gatt_config_clear(&bt->gatt_cfg);
	buttons_config_clear(&bt->buttons_cfg);
	g_strfreev(bt->channels);
	g_free(bt);
}
