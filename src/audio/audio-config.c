/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "audio.h"

#define G "audio"

void audio_config_init(struct audio_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->hfp_policy = AUDIO_HFP_ON_TALK;
	cfg->bitrate = 20000;
	cfg->packet_loss = 10;
	cfg->fec = true;
	cfg->dtx = true;
	cfg->cues = true;
	cfg->cue_volume = 0.5;
	cfg->prebuffer = 0; /* small: it grows when a burst shows jitter */
	cfg->max_prebuffer = 200000;
	cfg->activation_timeout = 2000000;
	cfg->preroll = 3000000;
	cfg->volume = 100;
	cfg->volume_step = 10;
}

void audio_config_clear(struct audio_config *cfg)
{
	g_clear_pointer(&cfg->headset, g_free);
	g_clear_pointer(&cfg->output, g_free);
	g_clear_pointer(&cfg->input, g_free);
}

static char *empty_to_null(char *s)
{
	if (s && !*s) {
		g_free(s);
		return NULL;
	}
	return s;
}

gboolean audio_config_load(const struct conf *c, struct audio_config *out, GError **error)
{
	static const char *const policies[] = { "on-talk", "always", "never", NULL };
	struct audio_config cfg;
	guint64 bitrate, loss, vol, volume, step;
	gboolean fec, dtx, cues;
	int policy;

	audio_config_init(&cfg);
	if (!conf_get_string(c, G, "headset", NULL, &cfg.headset, error) ||
	    !conf_get_string(c, G, "output", NULL, &cfg.output, error) ||
	    !conf_get_string(c, G, "input", NULL, &cfg.input, error) ||
	    !conf_get_enum(c, G, "hfp-policy", policies, AUDIO_HFP_ON_TALK, &policy, error) ||
	    !conf_get_uint(c, G, "bitrate", 20000, 6000, 64000, &bitrate, error) ||
	    !conf_get_uint(c, G, "packet-loss", 10, 0, 50, &loss, error) ||
	    !conf_get_bool(c, G, "fec", TRUE, &fec, error) ||
	    !conf_get_bool(c, G, "dtx", TRUE, &dtx, error) ||
	    !conf_get_bool(c, G, "cues", TRUE, &cues, error) ||
	    !conf_get_uint(c, G, "cue-volume", 50, 0, 100, &vol, error) ||
	    !conf_get_uint(c, G, "volume", 100, 0, AUDIO_VOLUME_MAX, &volume, error) ||
	    !conf_get_uint(c, G, "volume-step", 10, 1, 50, &step, error) ||
	    !conf_get_seconds(c, G, "prebuffer", 0.0, 0.0, 0.5, &cfg.prebuffer, error) ||
	    !conf_get_seconds(c, G, "max-prebuffer", 0.2, 0.02, 0.6, &cfg.max_prebuffer, error) ||
	    !conf_get_seconds(c, G, "activation-timeout", 2.0, 0.1, 30.0,
			      &cfg.activation_timeout, error) ||
	    !conf_get_seconds(c, G, "preroll", 3.0, 0.0, 10.0, &cfg.preroll, error)) {
		audio_config_clear(&cfg);
		return FALSE;
	}
	if (cfg.max_prebuffer < cfg.prebuffer) {
		conf_set_error(c, error, G, "max-prebuffer", "less than prebuffer");
		audio_config_clear(&cfg);
		return FALSE;
	}
	cfg.headset = empty_to_null(cfg.headset);
	cfg.output = empty_to_null(cfg.output);
	cfg.input = empty_to_null(cfg.input);
	cfg.hfp_policy = (enum audio_hfp_policy)policy;
	cfg.bitrate = (unsigned)bitrate;
	cfg.packet_loss = (unsigned)loss;
	cfg.fec = fec;
	cfg.dtx = dtx;
	cfg.cues = cues;
	cfg.cue_volume = (double)vol / 100.0;
	cfg.volume = (unsigned)volume;
	cfg.volume_step = (unsigned)step;
	*out = cfg;
	return TRUE;
}

const char *audio_activation_to_string(enum audio_activation s)
{
	switch (s) {
	case AUDIO_OFF:
		return "off";
	case AUDIO_STARTING:
		return "starting";
	case AUDIO_ACTIVE:
		return "active";
	case AUDIO_FAILED:
		return "failed";
	case _AUDIO_ACTIVATION_MAX:
		break;
	}
	return "invalid";
}

const char *audio_hfp_policy_to_string(enum audio_hfp_policy p)
{
	switch (p) {
	case AUDIO_HFP_ON_TALK:
		return "on-talk";
	case AUDIO_HFP_ALWAYS:
		return "always";
	case AUDIO_HFP_NEVER:
		return "never";
	case _AUDIO_HFP_POLICY_MAX:
		break;
	}
	return "invalid";
}

const char *audio_cue_to_string(enum audio_cue c)
{
	switch (c) {
	case AUDIO_CUE_PERMIT:
		return "permit";
	case AUDIO_CUE_BUSY:
		return "busy";
	case AUDIO_CUE_END:
		return "end";
	case AUDIO_CUE_INCOMING:
		return "incoming";
	case AUDIO_CUE_TALK_WARNING:
		return "talk-warning";
	case AUDIO_CUE_LINK_LOST:
		return "link-lost";
	case AUDIO_CUE_LINK_RESTORED:
		return "link-restored";
	case _AUDIO_CUE_MAX:
		break;
	}
	return "invalid";
}

const char *audio_endpoint_kind_to_string(enum audio_endpoint_kind k)
{
	switch (k) {
	case AUDIO_EP_NONE:
		return "none";
	case AUDIO_EP_HEADSET_A2DP:
		return "headset-a2dp";
	case AUDIO_EP_HEADSET_HFP:
		return "headset-hfp";
	case AUDIO_EP_CONFIGURED:
		return "configured";
	case AUDIO_EP_DEFAULT:
		return "default";
	case _AUDIO_EP_KIND_MAX:
		break;
	}
	return "invalid";
}
