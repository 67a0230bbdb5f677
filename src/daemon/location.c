/* SPDX-License-Identifier: MIT */
/*
 * location.c - [location] config, the report rule, and the gpsd client.
 *
 * gpsd speaks JSON on a TCP socket; libgps reads it. The socket is a GLib fd
 * source, so the client never blocks the loop except for the connect to a
 * local gpsd. When gpsd goes away (EOF, error) the fix is lost and the client
 * reconnects after 1, 2, 4 ... 30 s.
 */
#include "location.h"

#include <errno.h>
#include <gps.h>
#include <glib-unix.h>
#include <math.h>
#include <string.h>

#define GROUP "location"
#define EARTH_RADIUS 6371008.8 /* metres, mean */
#define BACKOFF_MIN_S 1
#define BACKOFF_MAX_S 30
#define READS_PER_WAKEUP 64

const char *location_source_to_string(enum location_source s)
{
	switch (s) {
	case LOCATION_OFF:
		return "off";
	case LOCATION_GPSD:
		return "gpsd";
	case LOCATION_FIXED:
		return "fixed";
	case _LOCATION_SOURCE_MAX:
	case _LOCATION_SOURCE_INVALID:
		break;
	}
	return "?";
}

static gboolean get_degrees(const struct conf *c, const char *key, double max, double *ret,
			    GError **error)
{
	g_autofree char *s = NULL;
	char *end = NULL;
	double v;

	if (!conf_get_string(c, GROUP, key, NULL, &s, error))
		return FALSE;
	if (!s) {
		conf_set_error(c, error, GROUP, key, "required with source = fixed");
		return FALSE;
	}
	v = g_ascii_strtod(s, &end);
	if (end == s || *end || !(v >= -max && v <= max)) {
		conf_set_error(c, error, GROUP, key, "\"%s\" is not a number of degrees in "
			       "-%g..%g", s, max, max);
		return FALSE;
	}
	*ret = v;
	return TRUE;
}

gboolean location_config_load(const struct conf *c, struct location_config *out,
			      GError **error)
{
	static const char *const sources[] = { "off", "gpsd", "fixed", NULL };
	struct location_config cfg = { .accuracy = -1 };
	guint64 dist = 0, acc = 0;
	int src = 0;

	if (!conf_get_enum(c, GROUP, "source", sources, LOCATION_OFF, &src, error) ||
	    !conf_get_seconds(c, GROUP, "interval", 60, 1, 86400, &cfg.interval, error) ||
	    !conf_get_uint(c, GROUP, "min-distance", 50, 1, 100000, &dist, error) ||
	    !conf_get_hostport(c, GROUP, "gpsd", "127.0.0.1:2947", &cfg.gpsd_host,
			       &cfg.gpsd_port, error))
		goto fail;
	cfg.source = (enum location_source)src;
	cfg.min_distance = (double)dist;
	if (cfg.source == LOCATION_FIXED) {
		if (!get_degrees(c, "latitude", 90, &cfg.latitude, error) ||
		    !get_degrees(c, "longitude", 180, &cfg.longitude, error) ||
		    !conf_get_uint(c, GROUP, "accuracy", 10, 0, 100000, &acc, error))
			goto fail;
		cfg.accuracy = (double)acc;
	}
	*out = cfg;
	return TRUE;
fail:
	location_config_clear(&cfg);
	return FALSE;
}

void location_config_clear(struct location_config *cfg)
{
	g_clear_pointer(&cfg->gpsd_host, g_free);
}

double location_distance(double lat1, double lon1, double lat2, double lon2)
{
	double p1 = lat1 * M_PI / 180, p2 = lat2 * M_PI / 180;
	double dp = p2 - p1, dl = (lon2 - lon1) * M_PI / 180;
	double a = sin(dp / 2) * sin(dp / 2) + cos(p1) * cos(p2) * sin(dl / 2) * sin(dl / 2);

	return 2 * EARTH_RADIUS * atan2(sqrt(a), sqrt(1 - a));
}

bool location_due(const struct location_config *cfg, const struct location_fix *fix,
		  const struct location_fix *last, uint64_t last_at, uint64_t now)
{
	if (!fix || !fix->valid)
		return false;
	if (!last || !last->valid)
		return true;
	if (now >= last_at + cfg->interval)
		return true;
	return location_distance(last->latitude, last->longitude, fix->latitude,
				 fix->longitude) > cfg->min_distance;
}

/* ---- gpsd client ---- */

struct location_gpsd {
	char *host;
	char port[8];
	struct location_gpsd_events ev;
	void *data;
	struct gps_data_t gd;
	bool open;
	guint io;
	guint retry;
	unsigned backoff_s;
};

static void gpsd_connect(struct location_gpsd *g);

static gboolean on_retry(gpointer data)
{
	struct location_gpsd *g = data;

	g->retry = 0;
	gpsd_connect(g);
	return G_SOURCE_REMOVE;
}

static void gpsd_lost(struct location_gpsd *g, const char *why)
{
	g_autofree char *detail = g_strdup_printf("unavailable: %s, retry in %u s", why,
						  g->backoff_s);
	const struct location_fix none = { .valid = false, .accuracy = -1 };

	if (g->io)
		g_source_remove(g->io);
	g->io = 0;
	if (g->open)
		gps_close(&g->gd);
	g->open = false;
	g_message("gpsd %s:%s %s", g->host, g->port, detail);
	g->retry = g_timeout_add_seconds(g->backoff_s, on_retry, g);
	g->backoff_s = MIN(g->backoff_s * 2, BACKOFF_MAX_S);
	if (g->ev.fix)
		g->ev.fix(g->data, &none);
	if (g->ev.state)
		g->ev.state(g->data, false, detail);
}

static void report(struct location_gpsd *g)
{
	struct location_fix f = { .accuracy = -1 };
	const struct gps_fix_t *x = &g->gd.fix;

	if (!(g->gd.set & MODE_SET))
		return; /* not a TPV (VERSION, DEVICES, WATCH, SKY, ...) */
	if (x->mode >= MODE_2D && isfinite(x->latitude) && isfinite(x->longitude)) {
		f.valid = true;
		f.latitude = x->latitude;
		f.longitude = x->longitude;
		if (isfinite(x->eph))
			f.accuracy = x->eph;
		else if (isfinite(x->epx) && isfinite(x->epy))
			f.accuracy = MAX(x->epx, x->epy);
	}
	g->backoff_s = BACKOFF_MIN_S; /* gpsd works: a later loss retries soon */
	if (g->ev.fix)
		g->ev.fix(g->data, &f);
}

static gboolean on_io(gint fd, GIOCondition cond, gpointer data)
{
	struct location_gpsd *g = data;
	int n = 0;

	do {
		errno = 0;
		g->gd.set = 0; /* what this read brings (nothing: a partial line) */
		if (gps_read(&g->gd, NULL, 0) < 0) {
			g->io = 0; /* removed by returning G_SOURCE_REMOVE */
			gpsd_lost(g, errno ? g_strerror(errno) : "connection closed");
			return G_SOURCE_REMOVE;
		}
		report(g);
	} while (++n < READS_PER_WAKEUP && gps_waiting(&g->gd, 0));
	if (cond & (G_IO_HUP | G_IO_ERR) && !(cond & G_IO_IN)) {
		g->io = 0;
		gpsd_lost(g, "connection closed");
		return G_SOURCE_REMOVE;
	}
	return G_SOURCE_CONTINUE;
}

static void gpsd_connect(struct location_gpsd *g)
{
	memset(&g->gd, 0, sizeof(g->gd));
	errno = 0;
	if (gps_open(g->host, g->port, &g->gd) != 0) {
		gpsd_lost(g, gps_errstr(errno));
		return;
	}
	g->open = true;
	if (gps_stream(&g->gd, WATCH_ENABLE | WATCH_JSON, NULL) < 0) {
		gpsd_lost(g, "cannot ask for reports");
		return;
	}
	g_unix_set_fd_nonblocking(g->gd.gps_fd, TRUE, NULL);
	g->io = g_unix_fd_add(g->gd.gps_fd, G_IO_IN | G_IO_HUP | G_IO_ERR, on_io, g);
	g_message("gpsd %s:%s connected", g->host, g->port);
	if (g->ev.state)
		g->ev.state(g->data, true, "connected");
}

struct location_gpsd *location_gpsd_new(const char *host, guint16 port,
					 const struct location_gpsd_events *ev, void *data)
{
	struct location_gpsd *g = g_new0(struct location_gpsd, 1);

	g->host = g_strdup(host);
	g_snprintf(g->port, sizeof(g->port), "%u", port);
	g->ev = *ev;
	g->data = data;
	g->backoff_s = BACKOFF_MIN_S;
	gpsd_connect(g);
	return g;
}

struct location_gpsd *location_gpsd_free(struct location_gpsd *g)
{
	if (!g)
		return NULL;
	if (g->io)
		g_source_remove(g->io);
	if (g->retry)
		g_source_remove(g->retry);
	if (g->open)
		gps_close(&g->gd);
	g_free(g->host);
	g_free(g);
	return NULL;
}
