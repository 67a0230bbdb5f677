/* SPDX-License-Identifier: MIT */
/*
 * location.h - where the gateway is: [location] config, the rule that says
 * when a position is reported (pure), and a gpsd client on the GLib loop
 * (libgps; reconnects with backoff when gpsd goes away).
 */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>

#include "conf.h"

enum location_source {
	LOCATION_OFF,
	LOCATION_GPSD,
	LOCATION_FIXED,
	_LOCATION_SOURCE_MAX,
	_LOCATION_SOURCE_INVALID = -1,
};

struct location_config {
	enum location_source source;
	uint64_t interval;      /* usec between reports of an unchanged position */
	double min_distance;    /* metres moved that are reported at once */
	char *gpsd_host;
	guint16 gpsd_port;
	double latitude, longitude, accuracy; /* source = fixed */
};

gboolean location_config_load(const struct conf *c, struct location_config *out,
			      GError **error);
void location_config_clear(struct location_config *cfg);
const char *location_source_to_string(enum location_source s);

struct location_fix {
	bool valid;             /* false: no fix */
	double latitude;        /* degrees, WGS 84 */
	double longitude;
	double accuracy;        /* metres; < 0: unknown */
};

/* Great-circle distance in metres (haversine, mean earth radius). */
double location_distance(double lat1, double lon1, double lat2, double lon2);

/*
 * Pure: is fix to be reported at now (usec)? Never without a valid fix; at once
 * when nothing was sent yet, when interval has passed since last_at, or when it
 * is more than min_distance from last (the last position sent).
 */
bool location_due(const struct location_config *cfg, const struct location_fix *fix,
		  const struct location_fix *last, uint64_t last_at, uint64_t now);

struct location_gpsd_events {
	/* A TPV report: fix->valid false when gpsd says there is no fix. */
	void (*fix)(void *data, const struct location_fix *fix);
	/* "connected", "unavailable: ..." (gpsd away; a retry is scheduled) */
	void (*state)(void *data, bool connected, const char *detail);
};

struct location_gpsd;

/* Connects at once (and again after a failure, 1 s doubling to 30 s). */
struct location_gpsd *location_gpsd_new(const char *host, guint16 port,
					 const struct location_gpsd_events *ev, void *data);
struct location_gpsd *location_gpsd_free(struct location_gpsd *g);
