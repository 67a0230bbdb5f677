/* SPDX-License-Identifier: MIT */
/*
 * audio-profile.c - follow the headset device and switch its profile.
 */
#include "audio-profile.h"

#include <errno.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <spa/param/profile.h>
#include <spa/pod/builder.h>
#include <spa/pod/parser.h>

#define MAX_PROFILES 32
#define MAX_NODES 16

struct profile_entry {
	uint32_t index;
	uint32_t priority;
	bool available;
	enum audio_profile_mode mode;
	char name[64];
	char description[128];
};

struct node_ref {
	uint32_t id;
	uint32_t device_id;
	bool source; /* Audio/Source*, else Audio/Sink */
};

struct audio_profile {
	struct pw_core *core;
	struct pw_registry *registry;
	struct spa_hook registry_listener;
	struct audio_profile_events ev;
	void *data;
	char want_name[64]; /* bluez_card.AA_BB_..., "" for any bluez5 device */

	uint32_t dev_id; /* SPA_ID_INVALID: no device */
	char dev_name[96];
	struct pw_proxy *dev;
	struct spa_hook dev_listener;
	uint32_t flags_seen[2]; /* EnumProfile, Profile: the flags last seen, +1 (0: never) */

	struct profile_entry profiles[MAX_PROFILES];
	unsigned n_profiles;
	struct profile_entry active;
	bool active_known;

	struct node_ref nodes[MAX_NODES];
	unsigned n_nodes;
};

static enum audio_profile_mode mode_of(const char *name)
{
	if (strcmp(name, "off") == 0)
		return AUDIO_PROFILE_OFF;
	if (strncmp(name, "a2dp-sink", 9) == 0)
		return AUDIO_PROFILE_A2DP;
	if (strncmp(name, "headset-head-unit", 17) == 0 || strncmp(name, "hfp-hf", 6) == 0 ||
	    strncmp(name, "hsp-hs", 6) == 0)
		return AUDIO_PROFILE_HFP;
	return AUDIO_PROFILE_OTHER;
}

static void changed(struct audio_profile *p)
{
	if (p->ev.changed)
		p->ev.changed(p->data);
}

static bool parse_profile(const struct spa_pod *param, struct profile_entry *ret)
{
	int32_t index = -1, priority = 0;
	uint32_t available = SPA_PARAM_AVAILABILITY_unknown;
	const char *name = NULL, *desc = NULL;

	if (!param || spa_pod_parse_object(param, SPA_TYPE_OBJECT_ParamProfile, NULL,
					   SPA_PARAM_PROFILE_index, SPA_POD_Int(&index),
					   SPA_PARAM_PROFILE_name, SPA_POD_String(&name),
					   SPA_PARAM_PROFILE_description, SPA_POD_OPT_String(&desc),
					   SPA_PARAM_PROFILE_priority, SPA_POD_OPT_Int(&priority),
					   SPA_PARAM_PROFILE_available,
					   SPA_POD_OPT_Id(&available)) < 0)
		return false;
	if (index < 0 || !name)
		return false;
	memset(ret, 0, sizeof(*ret));
	ret->index = (uint32_t)index;
	ret->priority = (uint32_t)MAX(priority, 0);
	ret->available = available != SPA_PARAM_AVAILABILITY_no;
	ret->mode = mode_of(name);
	g_strlcpy(ret->name, name, sizeof(ret->name));
	g_strlcpy(ret->description, desc ? desc : "", sizeof(ret->description));
	return true;
}

static void dev_param(void *data, int seq, uint32_t id, uint32_t index, uint32_t next,
		      const struct spa_pod *param)
{
	struct audio_profile *p = data;
	struct profile_entry e;

	if (!parse_profile(param, &e))
		return;
	if (id == SPA_PARAM_EnumProfile) {
		/* the list is sent again from the start whenever it changes */
		if (index == 0 || e.index == 0)
			p->n_profiles = 0;
		for (unsigned i = 0; i < p->n_profiles; i++)
			if (p->profiles[i].index == e.index) {
				p->profiles[i] = e;
				return;
			}
		if (p->n_profiles < MAX_PROFILES)
			p->profiles[p->n_profiles++] = e;
	} else if (id == SPA_PARAM_Profile) {
		if (p->active_known && strcmp(p->active.name, e.name) == 0)
			return;
		g_info("headset %s: profile %s -> %s", p->dev_name,
		       p->active_known ? p->active.name : "?", e.name);
		p->active = e;
		p->active_known = true;
		changed(p);
	}
}

static void dev_info(void *data, const struct pw_device_info *info)
{
	struct audio_profile *p = data;

	if ((info->change_mask & PW_DEVICE_CHANGE_MASK_PROPS) && info->props) {
		const char *n = spa_dict_lookup(info->props, PW_KEY_DEVICE_NAME);

		if (n)
			g_strlcpy(p->dev_name, n, sizeof(p->dev_name));
	}
	if (!(info->change_mask & PW_DEVICE_CHANGE_MASK_PARAMS))
		return;
	/* a param changed when its flags did (SPA_PARAM_INFO_SERIAL toggles):
	 * read it again */
	for (uint32_t i = 0; i < info->n_params; i++) {
		uint32_t id = info->params[i].id, k;

		if (id == SPA_PARAM_EnumProfile)
			k = 0;
		else if (id == SPA_PARAM_Profile)
			k = 1;
		else
			continue;
		if (!(info->params[i].flags & SPA_PARAM_INFO_READ) ||
		    p->flags_seen[k] == info->params[i].flags + 1)
			continue;
		p->flags_seen[k] = info->params[i].flags + 1;
		pw_device_enum_params((struct pw_device *)p->dev, 0, id, 0, UINT32_MAX, NULL);
	}
}

static const struct pw_device_events dev_events = {
	PW_VERSION_DEVICE_EVENTS,
	.info = dev_info,
	.param = dev_param,
};

static void drop_device(struct audio_profile *p)
{
	if (p->dev) {
		spa_hook_remove(&p->dev_listener);
		pw_proxy_destroy(p->dev);
		p->dev = NULL;
	}
	p->dev_id = SPA_ID_INVALID;
	p->dev_name[0] = '\0';
	p->n_profiles = 0;
	p->active_known = false;
}

static void registry_global(void *data, uint32_t id, uint32_t permissions, const char *type,
			    uint32_t version, const struct spa_dict *props)
{
	struct audio_profile *p = data;
	const char *api, *name, *mc, *dev;

	if (!props)
		return;
	if (strcmp(type, PW_TYPE_INTERFACE_Node) == 0) {
		mc = spa_dict_lookup(props, PW_KEY_MEDIA_CLASS);
		dev = spa_dict_lookup(props, PW_KEY_DEVICE_ID);
		if (!mc || !dev || p->n_nodes >= MAX_NODES)
			return;
		if (strncmp(mc, "Audio/Sink", 10) != 0 && strncmp(mc, "Audio/Source", 12) != 0)
			return;
		p->nodes[p->n_nodes++] = (struct node_ref){
			.id = id,
			.device_id = (uint32_t)strtoul(dev, NULL, 10),
			.source = strncmp(mc, "Audio/Source", 12) == 0,
		};
		if (p->nodes[p->n_nodes - 1].device_id == p->dev_id)
			changed(p);
		return;
	}
	if (strcmp(type, PW_TYPE_INTERFACE_Device) != 0 || p->dev_id != SPA_ID_INVALID)
		return;
	api = spa_dict_lookup(props, PW_KEY_DEVICE_API);
	name = spa_dict_lookup(props, PW_KEY_DEVICE_NAME);
	if (!api || strcmp(api, "bluez5") != 0 || !name)
		return;
	if (p->want_name[0] && strcasecmp(p->want_name, name) != 0)
		return;
	p->dev = pw_registry_bind(p->registry, id, type, PW_VERSION_DEVICE, 0);
	if (!p->dev)
		return;
	p->dev_id = id;
	g_strlcpy(p->dev_name, name, sizeof(p->dev_name));
	p->flags_seen[0] = p->flags_seen[1] = 0;
	pw_proxy_add_object_listener(p->dev, &p->dev_listener, &dev_events, p);
	g_info("headset device %u: %s", id, name);
	changed(p);
}

static void registry_global_remove(void *data, uint32_t id)
{
	struct audio_profile *p = data;

	if (id == p->dev_id) {
		g_info("headset device %u gone: %s", id, p->dev_name);
		drop_device(p);
		changed(p);
		return;
	}
	for (unsigned i = 0; i < p->n_nodes; i++) {
		if (p->nodes[i].id != id)
			continue;
		bool ours = p->nodes[i].device_id == p->dev_id;

		p->nodes[i] = p->nodes[--p->n_nodes];
		if (ours)
			changed(p);
		return;
	}
}

static const struct pw_registry_events registry_events = {
	PW_VERSION_REGISTRY_EVENTS,
	.global = registry_global,
	.global_remove = registry_global_remove,
};

static bool address_to_card(const char *s, char *ret, size_t size)
{
	unsigned v[6];
	char end;

	if (!s || strlen(s) != 17 ||
	    sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		   &end) != 6)
		return false;
	snprintf(ret, size, "bluez_card.%02X_%02X_%02X_%02X_%02X_%02X", v[0], v[1], v[2], v[3],
		 v[4], v[5]);
	return true;
}

struct audio_profile *audio_profile_new(struct pw_core *core, const char *headset,
					const struct audio_profile_events *ev, void *data)
{
	struct audio_profile *p = g_new0(struct audio_profile, 1);

	p->core = core;
	p->ev = *ev;
	p->data = data;
	p->dev_id = SPA_ID_INVALID;
	if (!address_to_card(headset, p->want_name, sizeof(p->want_name)))
		p->want_name[0] = '\0';
	p->registry = pw_core_get_registry(core, PW_VERSION_REGISTRY, 0);
	if (!p->registry) {
		g_free(p);
		return NULL;
	}
	pw_registry_add_listener(p->registry, &p->registry_listener, &registry_events, p);
	return p;
}

struct audio_profile *audio_profile_free(struct audio_profile *p)
{
	if (!p)
		return NULL;
	drop_device(p);
	spa_hook_remove(&p->registry_listener);
	pw_proxy_destroy((struct pw_proxy *)p->registry);
	g_free(p);
	return NULL;
}

enum audio_profile_mode audio_profile_get_mode(const struct audio_profile *p)
{
	if (!p || p->dev_id == SPA_ID_INVALID)
		return AUDIO_PROFILE_ABSENT;
	if (!p->active_known)
		return AUDIO_PROFILE_OTHER;
	return p->active.mode;
}

static const struct profile_entry *best(const struct audio_profile *p,
					enum audio_profile_mode mode)
{
	const struct profile_entry *b = NULL;

	for (unsigned i = 0; i < p->n_profiles; i++) {
		const struct profile_entry *e = &p->profiles[i];
		bool e_msbc, b_msbc;

		if (e->mode != mode || !e->available)
			continue;
		if (!b) {
			b = e;
			continue;
		}
		e_msbc = strcasestr(e->name, "msbc") || strcasestr(e->description, "msbc");
		b_msbc = strcasestr(b->name, "msbc") || strcasestr(b->description, "msbc");
		if (mode == AUDIO_PROFILE_HFP && e_msbc != b_msbc) {
			if (e_msbc)
				b = e;
			continue;
		}
		if (e->priority > b->priority)
			b = e;
	}
	return b;
}

bool audio_profile_offers(const struct audio_profile *p, enum audio_profile_mode mode)
{
	return p && p->dev_id != SPA_ID_INVALID && best(p, mode) != NULL;
}

bool audio_profile_ready(const struct audio_profile *p, enum audio_profile_mode mode)
{
	bool sink = false, source = false;

	if (audio_profile_get_mode(p) != mode)
		return false;
	for (unsigned i = 0; i < p->n_nodes; i++) {
		if (p->nodes[i].device_id != p->dev_id)
			continue;
		if (p->nodes[i].source)
			source = true;
		else
			sink = true;
	}
	return mode == AUDIO_PROFILE_HFP ? sink && source : sink;
}

const char *audio_profile_device_name(const struct audio_profile *p)
{
	return p ? p->dev_name : "";
}

const char *audio_profile_name(const struct audio_profile *p)
{
	return p && p->active_known ? p->active.name : "";
}

int audio_profile_set(struct audio_profile *p, enum audio_profile_mode mode)
{
	const struct profile_entry *e;
	uint8_t buf[256];
	struct spa_pod_builder b = SPA_POD_BUILDER_INIT(buf, sizeof(buf));
	struct spa_pod *param;

	if (!p || p->dev_id == SPA_ID_INVALID)
		return -ENODEV;
	e = best(p, mode);
	if (!e)
		return -ENOENT;
	if (p->active_known && p->active.index == e->index)
		return 0;
	g_info("headset %s: asking for profile %s (index %u)", p->dev_name, e->name, e->index);
	param = spa_pod_builder_add_object(&b, SPA_TYPE_OBJECT_ParamProfile, SPA_PARAM_Profile,
					   SPA_PARAM_PROFILE_index, SPA_POD_Int(e->index));
	return MIN(pw_device_set_param((struct pw_device *)p->dev, SPA_PARAM_Profile, 0, param), 0);
}

const char *audio_profile_mode_to_string(enum audio_profile_mode m)
{
	switch (m) {
	case AUDIO_PROFILE_ABSENT:
		return "absent";
	case AUDIO_PROFILE_OFF:
		return "off";
	case AUDIO_PROFILE_A2DP:
		return "a2dp";
	case AUDIO_PROFILE_HFP:
		return "hfp";
	case AUDIO_PROFILE_OTHER:
		return "other";
	case _AUDIO_PROFILE_MODE_MAX:
		break;
	}
	return "?";
}
