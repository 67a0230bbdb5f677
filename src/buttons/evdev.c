/* SPDX-License-Identifier: MIT */
/*
 * evdev.c - talk keys from input devices that udev tagged PTTGW_PTT=1.
 *
 * A GUdevClient on subsystem "input" reports devices as they come and go; each
 * tagged event device is opened non-blocking and read with libevdev from a
 * GIOChannel watch (libevdev keeps the key state and resynchronises after
 * SYN_DROPPED). After each batch the levels of the talk and emergency keys go
 * to gesture.c; channel keys act on key down.
 */
#include "evdev.h"

#include <errno.h>
#include <fcntl.h>
#include <gudev/gudev.h>
#include <libevdev/libevdev.h>
#include <linux/input.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gesture-glib.h"

#define TAG_PROPERTY "PTTGW_PTT"
#define AVRCP_PROPERTY "PTTGW_AVRCP" /* BlueZ's input device for a headset's AVRCP */

struct evdev_device {
	struct evdev *e;
	char *syspath;
	char *devnode;
	char *name;
	char source[96]; /* "evdev:/dev/input/event3" */
	int fd;
	struct libevdev *dev;
	GIOChannel *channel;
	guint watch;
	bool grabbed;
	bool mono_ts; /* event time stamps are CLOCK_MONOTONIC */
	bool avrcp;   /* its play/pause keys talk as [evdev] avrcp says */
	struct evdev_avrcp av;
	struct gesture_driver gd;
};

struct evdev {
	struct evdev_config cfg;
	struct watchlist *listeners; /* struct button_events */
	GUdevClient *udev;
	GPtrArray *devices; /* struct evdev_device*, at most EVDEV_MAX_DEVICES */
};

static bool in_keys(const struct evdev_keys *k, unsigned code)
{
	for (unsigned i = 0; i < k->n; i++)
		if (k->codes[i] == code)
			return true;
	return false;
}

static bool any_held(struct evdev_device *d, const struct evdev_keys *k)
{
	for (unsigned i = 0; i < k->n; i++)
		if (libevdev_get_event_value(d->dev, EV_KEY, k->codes[i]))
			return true;
	return false;
}

static void on_gesture(void *data, unsigned out)
{
	struct evdev_device *d = data;

	gesture_glib_emit(d->e->listeners, d->source, out);
}

static void device_close(struct evdev_device *d, const char *why)
{
	unsigned out = gesture_driver_lost(&d->gd);

	g_info("%s: closed (%s)", d->source, why);
	if (d->watch)
		g_source_remove(d->watch);
	if (d->channel)
		g_io_channel_unref(d->channel);
	if (d->dev) {
		if (d->grabbed)
			libevdev_grab(d->dev, LIBEVDEV_UNGRAB);
		libevdev_free(d->dev);
	}
	if (d->fd >= 0)
		close(d->fd);
	/* the release goes out after the device is gone: a held key talks no more */
	on_gesture(d, out);
	g_free(d->syspath);
	g_free(d->devnode);
	g_free(d->name);
	g_free(d);
}

static void device_remove(struct evdev *e, struct evdev_device *d, const char *why)
{
	g_ptr_array_remove_fast(e->devices, d);
	device_close(d, why);
}

/* Keys changed (a frame of events ended at time now): what does it mean now? */
static void keys_changed(struct evdev_device *d, uint64_t now, unsigned channel_delta_next,
			 unsigned channel_delta_prev)
{
	struct evdev *e = d->e;
	bool talk = any_held(d, &e->cfg.ptt);
	bool emergency = any_held(d, &e->cfg.emergency);

	if (d->avrcp) {
		bool was = d->av.on;
		bool held = libevdev_get_event_value(d->dev, EV_KEY, KEY_PLAYCD) ||
			    libevdev_get_event_value(d->dev, EV_KEY, KEY_PAUSECD) ||
			    libevdev_get_event_value(d->dev, EV_KEY, KEY_PLAYPAUSE);

		if (evdev_avrcp_talk(&d->av, e->cfg.avrcp, held))
			talk = true;
		if (d->av.on != was)
			g_info("%s: headset play/pause (%s): talk %s", d->source,
			       evdev_avrcp_mode_to_string(e->cfg.avrcp), d->av.on ? "on" : "off");
	}

	for (unsigned i = 0; i < channel_delta_next; i++) {
		g_info("%s: next channel", d->source);
		WATCHLIST_EMIT(e->listeners, struct button_events, channel, +1);
	}
	for (unsigned i = 0; i < channel_delta_prev; i++) {
		g_info("%s: previous channel", d->source);
		WATCHLIST_EMIT(e->listeners, struct button_events, channel, -1);
	}
	gesture_driver_update(&d->gd, now, talk, emergency);
}

static uint64_t event_usec(const struct input_event *ev)
{
	return (uint64_t)ev->input_event_sec * G_USEC_PER_SEC + (uint64_t)ev->input_event_usec;
}

static gboolean on_readable(GIOChannel *ch, GIOCondition cond, gpointer user_data)
{
	struct evdev_device *d = user_data;
	struct evdev *e = d->e;
	unsigned next = 0, prev = 0, n = 0;
	unsigned flags = LIBEVDEV_READ_FLAG_NORMAL;
	bool pending = false;
	int rc;

	/* Drain; a bounded batch so one device cannot starve the loop. */
	for (;;) {
		struct input_event ev;

		rc = libevdev_next_event(d->dev, flags, &ev);
		if (rc == LIBEVDEV_READ_STATUS_SYNC) {
			if (flags == LIBEVDEV_READ_FLAG_NORMAL)
				g_message("%s: events dropped by the kernel, resynchronised",
					  d->source);
			flags = LIBEVDEV_READ_FLAG_SYNC;
			pending = true;
			continue;
		}
		if (rc == -EAGAIN && flags == LIBEVDEV_READ_FLAG_SYNC) {
			flags = LIBEVDEV_READ_FLAG_NORMAL;
			continue;
		}
		if (rc != LIBEVDEV_READ_STATUS_SUCCESS)
			break;
		if (ev.type == EV_KEY && ev.value == 1) {
			if (in_keys(&e->cfg.channel_next, ev.code))
				next++;
			else if (in_keys(&e->cfg.channel_prev, ev.code))
				prev++;
		}
		if (ev.type == EV_KEY)
			pending = true;
		/* Frame by frame, on the kernel's time stamps: a tap that is read in
		 * one batch with its release still gives its press, and the gestures
		 * do not depend on how late we read. */
		if (ev.type == EV_SYN && ev.code == SYN_REPORT && pending &&
		    flags == LIBEVDEV_READ_FLAG_NORMAL) {
			keys_changed(d, d->mono_ts ? event_usec(&ev) :
					    (uint64_t)g_get_monotonic_time(), next, prev);
			next = prev = 0;
			pending = false;
		}
		if (++n >= 256)
			break;
	}
	if (rc < 0 && rc != -EAGAIN) {
		g_autofree char *why = g_strdup_printf("read: %s", g_strerror(-rc));

		device_remove(e, d, why); /* -ENODEV: unplugged */
		return G_SOURCE_REMOVE;
	}
	if (pending)
		keys_changed(d, (uint64_t)g_get_monotonic_time(), next, prev);
	if (cond & (G_IO_HUP | G_IO_ERR)) {
		d->watch = 0;
		device_remove(e, d, "hang-up");
		return G_SOURCE_REMOVE;
	}
	return G_SOURCE_CONTINUE;
}

static struct evdev_device *find_device(struct evdev *e, const char *syspath)
{
	for (guint i = 0; i < e->devices->len; i++) {
		struct evdev_device *d = e->devices->pdata[i];

		if (strcmp(d->syspath, syspath) == 0)
			return d;
	}
	return NULL;
}

static bool tagged(GUdevDevice *u)
{
	const char *node = g_udev_device_get_device_file(u);
	const char *name = g_udev_device_get_name(u);

	return node && name && g_str_has_prefix(name, "event") &&
	       g_strcmp0(g_udev_device_get_property(u, TAG_PROPERTY), "1") == 0;
}

static void device_open(struct evdev *e, GUdevDevice *u)
{
	const char *syspath = g_udev_device_get_sysfs_path(u);
	const char *node = g_udev_device_get_device_file(u);
	struct evdev_device *d;
	struct gesture_config gc = { .long_press = e->cfg.long_press,
				     .double_press = e->cfg.double_press };
	int fd, rc;

	if (find_device(e, syspath))
		return;
	if (e->devices->len >= EVDEV_MAX_DEVICES) {
		g_warning("evdev:%s: already %d devices, ignoring", node, EVDEV_MAX_DEVICES);
		return;
	}
	fd = open(node, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		g_warning("evdev:%s: cannot open: %s%s, ignoring", node, g_strerror(errno),
			  errno == EACCES ? " (is pttgwd in group pttgw? udev/70-pttgw.rules)" : "");
		return;
	}
	d = g_new0(struct evdev_device, 1);
	d->e = e;
	d->fd = fd;
	d->syspath = g_strdup(syspath);
	d->devnode = g_strdup(node);
	g_snprintf(d->source, sizeof(d->source), "evdev:%s", node);
	gesture_driver_init(&d->gd, &gc, &gesture_glib_timeout, on_gesture, d);
	rc = libevdev_new_from_fd(fd, &d->dev);
	if (rc < 0) {
		g_warning("%s: not an input device: %s, ignoring", d->source, g_strerror(-rc));
		d->dev = NULL;
		device_close(d, "unusable");
		return;
	}
	/* event time stamps on the clock of g_get_monotonic_time() and the gestures */
	d->mono_ts = libevdev_set_clock_id(d->dev, CLOCK_MONOTONIC) == 0;
	if (!d->mono_ts)
		g_message("%s: no monotonic event time stamps: timing on arrival", d->source);
	d->name = g_strdup(libevdev_get_name(d->dev));
	d->avrcp = g_strcmp0(g_udev_device_get_property(u, AVRCP_PROPERTY), "1") == 0;
	if (e->cfg.grab) {
		rc = libevdev_grab(d->dev, LIBEVDEV_GRAB);
		if (rc < 0)
			g_message("%s: cannot grab: %s, sharing it", d->source, g_strerror(-rc));
		d->grabbed = rc == 0;
	}
	d->channel = g_io_channel_unix_new(fd);
	d->watch = g_io_add_watch(d->channel, G_IO_IN | G_IO_HUP | G_IO_ERR, on_readable, d);
	g_ptr_array_add(e->devices, d);
	g_info("%s: \"%s\" followed%s%s", d->source, d->name ? d->name : "",
	       d->grabbed ? ", grabbed" : "", d->avrcp ? ", a headset's AVRCP keys" : "");
	/* a talk key already held when we come */
	keys_changed(d, (uint64_t)g_get_monotonic_time(), 0, 0);
}

static void on_uevent(GUdevClient *client, const char *action, GUdevDevice *u,
		      gpointer user_data)
{
	struct evdev *e = user_data;
	const char *syspath = g_udev_device_get_sysfs_path(u);
	struct evdev_device *d = syspath ? find_device(e, syspath) : NULL;

	if (!syspath)
		return;
	if (strcmp(action, "remove") == 0) {
		if (d)
			device_remove(e, d, "removed");
	} else if (tagged(u)) {
		device_open(e, u);
	} else if (d) {
		device_remove(e, d, "no longer tagged");
	}
}

struct evdev *evdev_new(const struct evdev_config *cfg, const struct button_events *events,
			void *data, GError **error)
{
	static const char *const subsystems[] = { "input", NULL };
	struct evdev *e;
	GList *list;

	g_return_val_if_fail(cfg, NULL);
	e = g_new0(struct evdev, 1);
	e->cfg = *cfg;
	e->listeners = watchlist_new();
	if (events)
		watchlist_add(e->listeners, events, data, NULL);
	e->devices = g_ptr_array_new();
	if (!cfg->enable)
		return e;
	e->udev = g_udev_client_new(subsystems);
	if (!e->udev) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "evdev: cannot reach udev");
		return evdev_free(e);
	}
	g_signal_connect(e->udev, "uevent", G_CALLBACK(on_uevent), e);
	list = g_udev_client_query_by_subsystem(e->udev, "input");
	for (GList *l = list; l; l = l->next)
		if (tagged(l->data))
			device_open(e, l->data);
	g_list_free_full(list, g_object_unref);
	g_info("evdev: following %u tagged input devices", e->devices->len);
	return e;
}

unsigned evdev_add_watch(struct evdev *e, const struct button_events *events, void *data,
			 void (*destroy)(void *data))
{
	return e ? watchlist_add(e->listeners, events, data, destroy) : 0;
}

bool evdev_remove_watch(struct evdev *e, unsigned id)
{
	return e && watchlist_remove(e->listeners, id);
}

struct evdev *evdev_free(struct evdev *e)
{
	if (!e)
		return NULL;
	if (e->udev) {
		g_signal_handlers_disconnect_by_data(e->udev, e);
		g_object_unref(e->udev);
	}
	/* no releases out of a destructor: the listeners go first */
	e->listeners = watchlist_free(e->listeners);
	while (e->devices->len)
		device_remove(e, e->devices->pdata[e->devices->len - 1], "shutdown");
	g_ptr_array_unref(e->devices);
	g_free(e);
	return NULL;
}

void evdev_to_json(struct evdev *e, JsonBuilder *builder)
{
	json_builder_begin_array(builder);
	for (guint i = 0; e && i < e->devices->len; i++) {
		struct evdev_device *d = e->devices->pdata[i];

		json_builder_begin_object(builder);
		json_builder_set_member_name(builder, "source");
		json_builder_add_string_value(builder, d->source);
		json_builder_set_member_name(builder, "name");
		json_builder_add_string_value(builder, d->name ? d->name : "");
		json_builder_set_member_name(builder, "devnode");
		json_builder_add_string_value(builder, d->devnode);
		json_builder_set_member_name(builder, "held");
		json_builder_add_boolean_value(builder, gesture_driver_held(&d->gd));
		json_builder_set_member_name(builder, "grabbed");
		json_builder_add_boolean_value(builder, d->grabbed);
		json_builder_end_object(builder);
	}
	json_builder_end_array(builder);
}
