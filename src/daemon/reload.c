/* SPDX-License-Identifier: MIT */
/*
 * reload.c - read the configuration again while running (SIGHUP, D-Bus Reload).
 *
 * The new file is loaded and checked the way --check-config checks it: a scratch
 * gateway is made on it (every adapter parses its section; nothing is started)
 * and freed. A file that does not load changes nothing: the error is logged,
 * kept in the status and returned to the caller.
 *
 * A checked file is applied while the floor is idle, so that a burst in progress
 * is never cut: during a burst it waits (status "pending") and is applied
 * RELOAD_SETTLE_MS after the floor is idle again (the received burst's tail is
 * still playing out of the jitter buffer). Applying compares the two files group
 * by group (reload-diff.h) and makes anew only the adapters whose groups changed.
 * The link is kept when [upstream] is equal.
 */
#include "gateway-private.h"
#include "reload.h"
#include "reload-diff.h"

#include <errno.h>
#include <string.h>

#include "config.h"

#define RELOAD_SETTLE_MS 1000

struct gateway_reload {
	char *path;        /* the file to read again */
	bool explicit_path;
	struct conf conf;  /* in use since the last reload (gw->conf points here) */
	struct conf next;  /* checked, waiting for the floor to be idle */
	bool pending;
	guint listener;
	guint settle_id;
	uint64_t count;    /* applied reloads */
	uint64_t failed;   /* files that did not load */
	char *error;       /* why the last reload failed; NULL when it did not */
	char *changed;     /* the groups the last applied reload changed ("" none) */
};

static char *channel_of(const struct conf *c)
{
	char *ch = NULL;

	if (!conf_get_string(c, "upstream", "channel", "pttgw", &ch, NULL))
		return NULL;
	return ch;
}

static void emit_reload(struct gateway *gw, const char *result, const char *detail)
{
	JsonBuilder *b = gateway_event_begin("reload");

	gateway_json_string(b, "result", result);
	gateway_json_string(b, result[0] == 'f' ? "error" : "changed", detail);
	gateway_emit(gw, "reload", b);
}

static void restart_part(struct gateway *gw, const char *what, gboolean (*init)(struct gateway *, GError **),
			 gboolean (*start)(struct gateway *, GError **), GString *errors)
{
	g_autoptr(GError) error = NULL;

	if (!init(gw, &error) || !start(gw, &error)) {
		g_warning("reload: %s: %s", what, error ? error->message : "failed");
		g_string_append_printf(errors, "%s%s: %s", errors->len ? "; " : "", what,
				       error ? error->message : "failed");
	}
}

/* Apply r->next (checked) now: the floor is idle. */
static void reload_apply(struct gateway *gw)
{
	struct gateway_reload *r = gw->reload;
	g_autoptr(GString) errors = g_string_new(NULL);
	g_autofree char *groups = NULL;
	struct conf old = { 0 };
	unsigned parts;

	r->pending = false;
	parts = reload_diff(gw->conf, &r->next, &groups);
	if (gw->conf == &r->conf)
		old = r->conf; /* freed below; the first file is main()'s */
	r->conf = r->next;
	r->next = (struct conf){ 0 };
	gw->conf = &r->conf;
	r->count++;
	g_message("reload: %s%s", *groups ? "changed " : "no change", groups);

	if (parts & RELOAD_FLOOR) {
		g_autoptr(GError) error = NULL;

		if (!gateway_floor_renew(gw, &error))
			g_string_append_printf(errors, "floor: %s", error->message);
	}
	if (parts & RELOAD_LINK) {
		g_autoptr(GError) cerr = NULL;

		gateway_uplink_fini(gw);
		/* not GATEWAY_FLOOR_CALL: gateway_floor_done() (and the status it derives)
		 * waits until the new uplink is in place */
		gw->floor_depth++;
		floor_link(gw->floor, gateway_now(), false);
		gw->floor_depth--;
		/* the channels and their priority: a failure keeps the running ones */
		if (!gateway_channels_init(gw, &cerr))
			g_string_append_printf(errors, "%schannels: %s", errors->len ? "; " : "",
					       cerr->message);
		restart_part(gw, "upstream", gateway_uplink_init, gateway_uplink_start, errors);
		gateway_floor_done(gw);
	} else if (parts & RELOAD_CHANNEL) {
		g_autofree char *ch = channel_of(&r->conf);
		const char *reason = NULL;

		if (ch && gateway_select_channel(gw, ch, &reason) < 0)
			g_string_append_printf(errors, "%schannel %s: %s", errors->len ? "; " : "", ch,
					       reason);
	}
	if (parts & RELOAD_PUSH) {
		gateway_push_fini(gw);
		restart_part(gw, "push", gateway_push_init, gateway_push_start, errors);
		gw->svc.push_configured = gw->push != NULL;
	}
	if (parts & RELOAD_AUDIO) {
		gateway_audio_fini(gw);
		gw->audio_active = false;
		gateway_changed(gw, GATEWAY_PROP_AUDIO);
		restart_part(gw, "audio", gateway_audio_init, gateway_audio_start, errors);
	}
	if (parts & RELOAD_BT) {
		gateway_bt_fini(gw);
		restart_part(gw, "bluetooth", gateway_bt_init, gateway_bt_start, errors);
	}
	if (parts & RELOAD_LOCATION) {
		gateway_location_fini(gw);
		restart_part(gw, "location", gateway_location_init, gateway_location_start, errors);
	}
	config_clear(&old);
	g_clear_pointer(&r->changed, g_free);
	r->changed = g_steal_pointer(&groups);
	g_clear_pointer(&r->error, g_free);
	if (errors->len)
		r->error = g_strdup(errors->str);
	emit_reload(gw, r->error ? "failed" : "applied", r->error ? r->error : r->changed);
	gateway_update_status(gw);
}

static bool floor_idle(struct gateway *gw)
{
	return gw->floor_depth == 0 && floor_get_state(gw->floor) == FLOOR_IDLE;
}

static gboolean on_settled(gpointer data)
{
	struct gateway *gw = data;
	struct gateway_reload *r = gw->reload;

	r->settle_id = 0;
	if (r->pending && floor_idle(gw))
		reload_apply(gw);
	return G_SOURCE_REMOVE;
}

static void on_changed(void *data, unsigned props)
{
	struct gateway *gw = data;
	struct gateway_reload *r = gw->reload;

	if (!(props & GATEWAY_PROP_FLOOR) || !r->pending)
		return;
	/* (re)start the wait on every floor change: applied once idle for the whole wait */
	g_clear_handle_id(&r->settle_id, g_source_remove);
	r->settle_id = g_timeout_add(RELOAD_SETTLE_MS, on_settled, gw);
}

static const struct gateway_events reload_events = {
	.changed = on_changed,
};

void gateway_reload_init(struct gateway *gw, const char *path, bool explicit_path)
{
	struct gateway_reload *r = g_new0(struct gateway_reload, 1);

	r->path = g_strdup(path);
	r->explicit_path = explicit_path;
	gw->reload = r;
	r->listener = gateway_add_listener(gw, &reload_events, gw, NULL);
}

void gateway_reload_fini(struct gateway *gw)
{
	struct gateway_reload *r = gw->reload;

	if (!r)
		return;
	gw->reload = NULL;
	g_clear_handle_id(&r->settle_id, g_source_remove);
	if (gw->conf == &r->conf)
		gw->conf = NULL;
	config_clear(&r->conf);
	config_clear(&r->next);
	g_free(r->path);
	g_free(r->error);
	g_free(r->changed);
	g_free(r);
}

static int reload_fail(struct gateway *gw, GError *error, GError **ret_error)
{
	struct gateway_reload *r = gw->reload;

	r->failed++;
	g_clear_pointer(&r->error, g_free);
	r->error = g_strdup(error->message);
	g_warning("reload: %s; the running configuration is kept", error->message);
	emit_reload(gw, "failed", error->message);
	g_propagate_error(ret_error, error);
	return -EINVAL;
}

int gateway_reload(struct gateway *gw, GError **error)
{
	struct gateway_reload *r = gw->reload;
	struct conf next = { 0 };
	struct gateway *scratch;
	GError *local = NULL;

	if (!r) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED, "reload is not set up");
		return -EOPNOTSUPP;
	}
	g_message("reload: reading %s", r->path);
	if (!config_load(&next, r->path, r->explicit_path, &local))
		return reload_fail(gw, local, error);
	/* check every section as --check-config does: a gateway that is made, not started */
	scratch = gateway_new(&next, &(struct gateway_options){ .loop = gw->loop }, &local);
	if (!scratch) {
		config_clear(&next);
		return reload_fail(gw, local, error);
	}
	gateway_free(scratch);
	config_warn_unknown(&next);

	g_clear_pointer(&r->error, g_free);
	config_clear(&r->next);
	r->next = next;
	r->pending = true;
	if (floor_idle(gw)) {
		g_clear_handle_id(&r->settle_id, g_source_remove);
		reload_apply(gw);
		if (r->error) {
			g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "applied, but %s", r->error);
			return -EIO;
		}
		return 0;
	}
	g_message("reload: checked; applied when the floor is idle (now %s)",
		  floor_state_to_string(floor_get_state(gw->floor)));
	emit_reload(gw, "pending", NULL);
	return 1;
}

void gateway_reload_status_json(struct gateway *gw, JsonBuilder *b)
{
	struct gateway_reload *r = gw->reload;

	json_builder_set_member_name(b, "reload");
	json_builder_begin_object(b);
	if (r) {
		gateway_json_uint(b, "count", r->count);
		gateway_json_uint(b, "failed", r->failed);
		json_builder_set_member_name(b, "pending");
		json_builder_add_boolean_value(b, r->pending);
		gateway_json_string(b, "changed", r->changed);
		gateway_json_string(b, "error", r->error);
	}
	json_builder_end_object(b);
}
