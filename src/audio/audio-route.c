/* SPDX-License-Identifier: MIT */
#include "audio-route.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

bool audio_node_is_sink(const struct audio_node *n)
{
	return strcmp(n->media_class, "Audio/Sink") == 0 ||
	       strcmp(n->media_class, "Audio/Duplex") == 0;
}

bool audio_node_is_source(const struct audio_node *n)
{
	return strncmp(n->media_class, "Audio/Source", 12) == 0 ||
	       strcmp(n->media_class, "Audio/Duplex") == 0;
}

bool audio_node_is_a2dp(const struct audio_node *n)
{
	return strncmp(n->bt_profile, "a2dp", 4) == 0;
}

bool audio_node_is_hfp(const struct audio_node *n)
{
	return strstr(n->bt_profile, "head-unit") || strstr(n->bt_profile, "hfp") ||
	       strstr(n->bt_profile, "hsp") || strstr(n->bt_profile, "headset");
}

static bool is_bt(const struct audio_node *n)
{
	return strcmp(n->device_api, "bluez5") == 0;
}

/* AA:BB:CC:DD:EE:FF */
static bool looks_like_address(const char *s)
{
	unsigned v[6];
	char end;

	return s && strlen(s) == 17 &&
	       sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		      &end) == 6;
}

struct headset {
	const char *address; /* NULL: matched by name only */
	const char *name;    /* the configured node.name, or NULL */
	bool any;            /* nothing configured: any bluez5 node */
};

static bool in_headset(const struct headset *h, const struct audio_node *n)
{
	if (h->any)
		return is_bt(n);
	if (h->address && n->bt_address[0] && strcasecmp(h->address, n->bt_address) == 0)
		return true;
	return h->name && strcmp(h->name, n->name) == 0;
}

static const struct audio_node *find(const struct audio_node *const *nodes, size_t n_nodes,
				     const struct headset *h, bool sink, int bt_kind)
{
	/* bt_kind: 1 A2DP, 2 HFP, 0 any */
	for (size_t i = 0; i < n_nodes; i++) {
		const struct audio_node *n = nodes[i];

		if (sink ? !audio_node_is_sink(n) : !audio_node_is_source(n))
			continue;
		if (!in_headset(h, n))
			continue;
		if (bt_kind == 1 && !audio_node_is_a2dp(n))
			continue;
		if (bt_kind == 2 && !audio_node_is_hfp(n))
			continue;
		/* with "any", an A2DP source (phone streaming to us) is no microphone */
		if (!sink && bt_kind == 0 && audio_node_is_a2dp(n))
			continue;
		return n;
	}
	return NULL;
}

static const struct audio_node *find_named(const struct audio_node *const *nodes,
					   size_t n_nodes, const char *name, bool sink)
{
	if (!name || !*name)
		return NULL;
	for (size_t i = 0; i < n_nodes; i++) {
		const struct audio_node *n = nodes[i];

		if ((sink ? audio_node_is_sink(n) : audio_node_is_source(n)) &&
		    strcmp(n->name, name) == 0)
			return n;
	}
	return NULL;
}

static bool any_of(const struct audio_node *const *nodes, size_t n_nodes, bool sink)
{
	for (size_t i = 0; i < n_nodes; i++)
		if (sink ? audio_node_is_sink(nodes[i]) : audio_node_is_source(nodes[i]))
			return true;
	return false;
}

static void set_ep(struct audio_endpoint *ep, enum audio_endpoint_kind kind,
		   const struct audio_node *n, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void set_ep(struct audio_endpoint *ep, enum audio_endpoint_kind kind,
		   const struct audio_node *n, const char *fmt, ...)
{
	va_list ap;

	ep->kind = kind;
	snprintf(ep->node_name, sizeof(ep->node_name), "%s", n ? n->name : "");
	va_start(ap, fmt);
	vsnprintf(ep->reason, sizeof(ep->reason), fmt, ap);
	va_end(ap);
}

void audio_route_compute(const struct audio_config *cfg, const struct audio_node *const *nodes,
			 size_t n_nodes, bool talking, struct audio_route *ret)
{
	struct headset h = { 0 };
	const struct audio_node *a2dp_sink, *hfp_sink, *hfp_src, *any_sink, *n;
	const char *headset_label = cfg->headset ? cfg->headset : "bluetooth headset";
	bool want_hfp;

	memset(ret, 0, sizeof(*ret));
	ret->talking = talking;

	if (!cfg->headset || !*cfg->headset) {
		h.any = true;
	} else if (looks_like_address(cfg->headset)) {
		h.address = cfg->headset;
	} else {
		h.name = cfg->headset;
		/* the named node gives the address that ties the headset's other nodes */
		for (size_t i = 0; i < n_nodes; i++)
			if (strcmp(nodes[i]->name, cfg->headset) == 0 && nodes[i]->bt_address[0])
				h.address = nodes[i]->bt_address;
	}

	a2dp_sink = find(nodes, n_nodes, &h, true, 1);
	hfp_sink = find(nodes, n_nodes, &h, true, 2);
	any_sink = find(nodes, n_nodes, &h, true, 0);
	hfp_src = find(nodes, n_nodes, &h, false, 2);

	/* source first: it decides whether talking needs the HFP sink */
	want_hfp = cfg->hfp_policy == AUDIO_HFP_ALWAYS;
	if ((n = find_named(nodes, n_nodes, cfg->input, false))) {
		set_ep(&ret->source, AUDIO_EP_CONFIGURED, n, "configured input");
	} else if (cfg->hfp_policy != AUDIO_HFP_NEVER && hfp_src) {
		set_ep(&ret->source, AUDIO_EP_HEADSET_HFP, hfp_src, "%s HFP source",
		       headset_label);
		if (talking)
			want_hfp = true;
	} else if (any_of(nodes, n_nodes, false)) {
		if (cfg->input)
			set_ep(&ret->source, AUDIO_EP_DEFAULT, NULL,
			       "input %s not present: default source", cfg->input);
		else
			set_ep(&ret->source, AUDIO_EP_DEFAULT, NULL, "default source");
		if (!cfg->input && cfg->hfp_policy != AUDIO_HFP_NEVER && (a2dp_sink || any_sink))
			snprintf(ret->source.reason, sizeof(ret->source.reason),
				 "%s has no HFP source: default source", headset_label);
	} else {
		set_ep(&ret->source, AUDIO_EP_NONE, NULL, "no input node");
	}

	if (want_hfp && hfp_sink) {
		set_ep(&ret->sink, AUDIO_EP_HEADSET_HFP, hfp_sink, "%s HFP sink (%s)",
		       headset_label, talking ? "talking" : "hfp-policy always");
	} else if (a2dp_sink) {
		set_ep(&ret->sink, AUDIO_EP_HEADSET_A2DP, a2dp_sink, "%s A2DP sink",
		       headset_label);
	} else if (hfp_sink) {
		set_ep(&ret->sink, AUDIO_EP_HEADSET_HFP, hfp_sink, "%s has no A2DP sink: HFP sink",
		       headset_label);
	} else if (any_sink) {
		set_ep(&ret->sink, AUDIO_EP_HEADSET_A2DP, any_sink, "%s sink", headset_label);
	} else if ((n = find_named(nodes, n_nodes, cfg->output, true))) {
		set_ep(&ret->sink, AUDIO_EP_CONFIGURED, n,
		       "%s not present: configured output", headset_label);
	} else if (any_of(nodes, n_nodes, true)) {
		set_ep(&ret->sink, AUDIO_EP_DEFAULT, NULL, "%s%s not present: default sink",
		       headset_label, cfg->output ? " and the configured output" : "");
	} else {
		set_ep(&ret->sink, AUDIO_EP_NONE, NULL, "no output node");
	}
}

bool audio_route_equal(const struct audio_route *a, const struct audio_route *b)
{
	return a->talking == b->talking && a->sink.kind == b->sink.kind &&
	       a->source.kind == b->source.kind &&
	       strcmp(a->sink.node_name, b->sink.node_name) == 0 &&
	       strcmp(a->source.node_name, b->source.node_name) == 0 &&
	       strcmp(a->sink.reason, b->sink.reason) == 0 &&
	       strcmp(a->source.reason, b->source.reason) == 0;
}

void audio_route_avoid_bt_source(const struct audio_config *cfg,
				 const struct audio_node *const *nodes, size_t n_nodes,
				 struct audio_route *r)
{
	const struct audio_node *n = find_named(nodes, n_nodes, cfg->input, false);

	if (!r->talking)
		return;
	if (n && !is_bt(n)) {
		set_ep(&r->source, AUDIO_EP_CONFIGURED, n,
		       "headset microphone failed: configured input");
		return;
	}
	for (size_t i = 0; i < n_nodes; i++) {
		if (!audio_node_is_source(nodes[i]) || is_bt(nodes[i]))
			continue;
		set_ep(&r->source, AUDIO_EP_DEFAULT, nodes[i],
		       "headset microphone failed: first non-Bluetooth source");
		return;
	}
	set_ep(&r->source, AUDIO_EP_NONE, NULL, "headset microphone failed: no other input node");
}
