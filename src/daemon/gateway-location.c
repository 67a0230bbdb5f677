/* SPDX-License-Identifier: MIT */
/*
 * gateway-location.c - [location] joined to the link: the position from gpsd
 * (or the configured one) goes out as send_location every interval, when it
 * moved more than min-distance, and at once with an emergency; on_location
 * from others becomes a "location" event (monitor, D-Bus LocationReceived).
 */
#include "gateway-private.h"

#include <errno.h>

#include "location.h"
#include "uplink.h"

struct gateway_location {
	struct location_config cfg;
	struct location_gpsd *gpsd;
	guint timer;
	char *state;            /* "fix", "no fix", "gpsd unavailable: ..." */
	struct location_fix fix;  /* the newest */
	struct location_fix last; /* the last one sent */
	uint64_t last_at;
	uint64_t sent, reports;
	char *last_error;
};

static void set_state(struct gateway *gw, const char *state)
{
	struct gateway_location *gl = gw->location;
	JsonBuilder *b;

	if (g_strcmp0(gl->state, state) == 0)
		return;
	b = gateway_event_begin("location_state");
	gateway_json_string(b, "from", gl->state);
	gateway_json_string(b, "to", state);
	gateway_emit(gw, "location_state", b);
	g_free(gl->state);
	gl->state = g_strdup(state);
}

static gboolean on_due(gpointer data);

/* One wake-up when the interval is up (none in between), rearmed by every report. */
static void arm_due(struct gateway *gw)
{
	struct gateway_location *gl = gw->location;

	if (gl->timer)
		g_source_remove(gl->timer);
	gl->timer = g_timeout_add((guint)(gl->cfg.interval / 1000), on_due, gw);
}

/* Send the newest fix; force: whatever location_due() says (emergency). */
static void maybe_send(struct gateway *gw, bool force, const char *why)
{
	struct gateway_location *gl = gw->location;
	struct uplink *u = gateway_uplink_get(gw);
	uint64_t now = gateway_now();
	JsonBuilder *b;
	int r;

	if (!gl->fix.valid || !u)
		return;
	if (!force && !location_due(&gl->cfg, &gl->fix, &gl->last, gl->last_at, now))
		return;
	r = uplink_send_location(u, gl->fix.latitude, gl->fix.longitude, gl->fix.accuracy, NULL);
	if (r < 0) {
		g_free(gl->last_error);
		gl->last_error = g_strdup(g_strerror(-r));
		g_debug("location not sent: %s", g_strerror(-r));
		return;
	}
	gl->last = gl->fix;
	gl->last_at = now;
	gl->sent++;
	arm_due(gw);
	g_clear_pointer(&gl->last_error, g_free);
	b = gateway_event_begin("location_sent");
	json_builder_set_member_name(b, "latitude");
	json_builder_add_double_value(b, gl->fix.latitude);
	json_builder_set_member_name(b, "longitude");
	json_builder_add_double_value(b, gl->fix.longitude);
	gateway_json_string(b, "reason", why);
	gateway_emit(gw, "location_sent", b);
}

static const char *due_reason(struct gateway_location *gl)
{
	if (!gl->last.valid)
		return "first";
	if (gateway_now() >= gl->last_at + gl->cfg.interval)
		return "interval";
	return "moved";
}

static void on_fix(void *data, const struct location_fix *fix)
{
	struct gateway *gw = data;
	struct gateway_location *gl = gw->location;

	gl->reports++;
	gl->fix = *fix;
	if (!fix->valid) {
		if (!gl->gpsd || g_str_has_prefix(gl->state, "fix") ||
		    g_str_equal(gl->state, "connected"))
			set_state(gw, "no fix");
		return;
	}
	set_state(gw, "fix");
	maybe_send(gw, false, due_reason(gl));
}

static void on_gpsd_state(void *data, bool connected, const char *detail)
{
	struct gateway *gw = data;
	g_autofree char *s = g_strdup_printf("gpsd %s", detail);

	set_state(gw, connected ? "no fix" : s);
}

static const struct location_gpsd_events gpsd_events = {
	.fix = on_fix,
	.state = on_gpsd_state,
};

/* The interval is up: the newest fix goes (a fixed source, or a receiver that
 * reports seldom); without a fix the next report sends. */
static gboolean on_due(gpointer data)
{
	struct gateway *gw = data;

	gw->location->timer = 0;
	maybe_send(gw, false, "interval");
	return G_SOURCE_REMOVE;
}

gboolean gateway_location_init(struct gateway *gw, GError **error)
{
	struct location_config cfg;

	if (!location_config_load(gw->conf, &cfg, error))
		return FALSE;
	if (cfg.source == LOCATION_OFF) {
		location_config_clear(&cfg);
		return TRUE;
	}
	gw->location = g_new0(struct gateway_location, 1);
	gw->location->cfg = cfg;
	gw->location->state = g_strdup("no fix");
	gw->location->last.accuracy = -1;
	return TRUE;
}

gboolean gateway_location_start(struct gateway *gw, GError **error)
{
	struct gateway_location *gl = gw->location;

	if (!gl)
		return TRUE;
	if (gl->cfg.source == LOCATION_FIXED) {
		struct location_fix f = { true, gl->cfg.latitude, gl->cfg.longitude,
					  gl->cfg.accuracy };

		on_fix(gw, &f);
	} else {
		gl->gpsd = location_gpsd_new(gl->cfg.gpsd_host, gl->cfg.gpsd_port, &gpsd_events,
					     gw);
	}
	return TRUE;
}

void gateway_location_fini(struct gateway *gw)
{
	struct gateway_location *gl = gw->location;

	if (!gl)
		return;
	gl->gpsd = location_gpsd_free(gl->gpsd);
	if (gl->timer)
		g_source_remove(gl->timer);
	location_config_clear(&gl->cfg);
	g_free(gl->state);
	g_free(gl->last_error);
	g_clear_pointer(&gw->location, g_free);
}

void gateway_location_emergency(struct gateway *gw)
{
	if (gw->location)
		maybe_send(gw, true, "emergency");
}

/* The link came up: a position waiting for it goes now. */
void gateway_location_link_up(struct gateway *gw)
{
	if (gw->location)
		maybe_send(gw, false, "link up");
}

void gateway_location_on_location(void *data, const char *channel, const char *from,
				  const char *for_user, double latitude, double longitude,
				  double accuracy, const char *address)
{
	struct gateway *gw = data;
	JsonBuilder *b = gateway_event_begin("location");

	gateway_json_string(b, "channel", channel ? channel : gw->channel);
	gateway_json_string(b, "from", from);
	gateway_json_string(b, "to", for_user ? "you" : "channel");
	json_builder_set_member_name(b, "latitude");
	json_builder_add_double_value(b, latitude);
	json_builder_set_member_name(b, "longitude");
	json_builder_add_double_value(b, longitude);
	json_builder_set_member_name(b, "accuracy");
	if (accuracy >= 0)
		json_builder_add_double_value(b, accuracy);
	else
		json_builder_add_null_value(b);
	if (address)
		gateway_json_string(b, "address", address);
	gateway_emit(gw, "location", b);
}

void gateway_location_status_json(struct gateway *gw, JsonBuilder *b)
{
	struct gateway_location *gl = gw->location;

	json_builder_set_member_name(b, "location");
	json_builder_begin_object(b);
	gateway_json_string(b, "source", location_source_to_string(gl ? gl->cfg.source
								      : LOCATION_OFF));
	if (gl) {
		gateway_json_string(b, "state", gl->state);
		if (gl->fix.valid) {
			json_builder_set_member_name(b, "latitude");
			json_builder_add_double_value(b, gl->fix.latitude);
			json_builder_set_member_name(b, "longitude");
			json_builder_add_double_value(b, gl->fix.longitude);
			json_builder_set_member_name(b, "accuracy");
			json_builder_add_double_value(b, gl->fix.accuracy);
		}
		gateway_json_uint(b, "sent", gl->sent);
		gateway_json_uint(b, "reports", gl->reports);
		if (gl->last.valid)
			gateway_json_uint(b, "last_sent_age_ms", (gateway_now() - gl->last_at) / 1000);
		gateway_json_string(b, "last_error", gl->last_error);
	}
	json_builder_end_object(b);
}
