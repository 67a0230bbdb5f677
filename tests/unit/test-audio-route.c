/* SPDX-License-Identifier: MIT */
/* Routing policy: table of node sets, configuration, talk/listen -> route. */
#include <glib.h>
#include <string.h>

#include "audio-route.h"

#define BT "00:11:22:33:44:55"
#define BT2 "66:77:88:99:AA:BB"

static const struct audio_node n_a2dp = { 40, "bluez_output.a2dp", "Audio/Sink", "bluez5", BT,
					  "a2dp-sink", 0, "" };
static const struct audio_node n_hfp = { 41, "bluez_output.hfp", "Audio/Sink", "bluez5", BT,
					 "headset-head-unit", 0, "" };
static const struct audio_node n_mic = { 42, "bluez_input.hfp", "Audio/Source", "bluez5", BT,
					 "headset-head-unit", 0, "" };
static const struct audio_node n_other = { 43, "bluez_output.other", "Audio/Sink", "bluez5", BT2,
					   "a2dp-sink", 0, "" };
static const struct audio_node n_spk = { 50, "speaker", "Audio/Sink", "alsa", "", "", 0, "" };
static const struct audio_node n_dmic = { 51, "dash-mic", "Audio/Source", "alsa", "", "", 0, "" };

struct rcase {
	const char *path;
	const char *headset, *output, *input;
	enum audio_hfp_policy policy;
	bool talking;
	const struct audio_node *nodes[8];
	const char *sink;
	enum audio_endpoint_kind sink_kind;
	const char *source;
	enum audio_endpoint_kind source_kind;
};

static const struct rcase cases[] = {
	{ "/audio/route/listen/a2dp", BT, NULL, NULL, AUDIO_HFP_ON_TALK, false,
	  { &n_a2dp, &n_hfp, &n_mic, &n_spk }, "bluez_output.a2dp", AUDIO_EP_HEADSET_A2DP,
	  "bluez_input.hfp", AUDIO_EP_HEADSET_HFP },
	{ "/audio/route/talk/hfp", BT, NULL, NULL, AUDIO_HFP_ON_TALK, true,
	  { &n_a2dp, &n_hfp, &n_mic, &n_spk }, "bluez_output.hfp", AUDIO_EP_HEADSET_HFP,
	  "bluez_input.hfp", AUDIO_EP_HEADSET_HFP },
	{ "/audio/route/listen/always-hfp", BT, NULL, NULL, AUDIO_HFP_ALWAYS, false,
	  { &n_a2dp, &n_hfp, &n_mic }, "bluez_output.hfp", AUDIO_EP_HEADSET_HFP,
	  "bluez_input.hfp", AUDIO_EP_HEADSET_HFP },
	{ "/audio/route/talk/never-hfp", BT, NULL, NULL, AUDIO_HFP_NEVER, true,
	  { &n_a2dp, &n_hfp, &n_mic, &n_dmic }, "bluez_output.a2dp", AUDIO_EP_HEADSET_A2DP, "",
	  AUDIO_EP_DEFAULT },
	{ "/audio/route/talk/configured-mic", BT, NULL, "dash-mic", AUDIO_HFP_ON_TALK, true,
	  { &n_a2dp, &n_hfp, &n_mic, &n_dmic }, "bluez_output.a2dp", AUDIO_EP_HEADSET_A2DP,
	  "dash-mic", AUDIO_EP_CONFIGURED },
	{ "/audio/route/listen/only-hfp", BT, NULL, NULL, AUDIO_HFP_ON_TALK, false,
	  { &n_hfp, &n_mic }, "bluez_output.hfp", AUDIO_EP_HEADSET_HFP, "bluez_input.hfp",
	  AUDIO_EP_HEADSET_HFP },
	{ "/audio/route/talk/no-hfp-yet", BT, NULL, NULL, AUDIO_HFP_ON_TALK, true,
	  { &n_a2dp, &n_dmic }, "bluez_output.a2dp", AUDIO_EP_HEADSET_A2DP, "", AUDIO_EP_DEFAULT },
	{ "/audio/route/headset-by-name", "bluez_output.a2dp", NULL, NULL, AUDIO_HFP_ON_TALK, true,
	  { &n_other, &n_a2dp, &n_hfp, &n_mic }, "bluez_output.hfp", AUDIO_EP_HEADSET_HFP,
	  "bluez_input.hfp", AUDIO_EP_HEADSET_HFP },
	{ "/audio/route/other-headset-ignored", BT, "speaker", NULL, AUDIO_HFP_ON_TALK, false,
	  { &n_other, &n_spk }, "speaker", AUDIO_EP_CONFIGURED, "", AUDIO_EP_NONE },
	{ "/audio/route/any-headset", NULL, NULL, NULL, AUDIO_HFP_ON_TALK, false,
	  { &n_spk, &n_other }, "bluez_output.other", AUDIO_EP_HEADSET_A2DP, "", AUDIO_EP_NONE },
	{ "/audio/route/fallback/configured", BT, "speaker", NULL, AUDIO_HFP_ON_TALK, false,
	  { &n_spk, &n_dmic }, "speaker", AUDIO_EP_CONFIGURED, "", AUDIO_EP_DEFAULT },
	{ "/audio/route/fallback/default", BT, "gone", NULL, AUDIO_HFP_ON_TALK, false,
	  { &n_spk }, "", AUDIO_EP_DEFAULT, "", AUDIO_EP_NONE },
	{ "/audio/route/none", BT, NULL, NULL, AUDIO_HFP_ON_TALK, true, { NULL }, "", AUDIO_EP_NONE,
	  "", AUDIO_EP_NONE },
	{ "/audio/route/address-case", "00:11:22:33:44:55", NULL, NULL, AUDIO_HFP_ON_TALK, false,
	  { &n_a2dp }, "bluez_output.a2dp", AUDIO_EP_HEADSET_A2DP, "", AUDIO_EP_NONE },
};

static void run_case(gconstpointer data)
{
	const struct rcase *c = data;
	struct audio_config cfg;
	struct audio_route r, r2;
	size_t n = 0;

	audio_config_init(&cfg);
	cfg.headset = (char *)c->headset;
	cfg.output = (char *)c->output;
	cfg.input = (char *)c->input;
	cfg.hfp_policy = c->policy;
	while (n < G_N_ELEMENTS(c->nodes) && c->nodes[n])
		n++;
	audio_route_compute(&cfg, c->nodes, n, c->talking, &r);
	g_test_message("sink %s (%s) source %s (%s)", r.sink.node_name, r.sink.reason,
		       r.source.node_name, r.source.reason);
	g_assert_cmpstr(r.sink.node_name, ==, c->sink);
	g_assert_cmpstr(audio_endpoint_kind_to_string(r.sink.kind), ==,
			audio_endpoint_kind_to_string(c->sink_kind));
	g_assert_cmpstr(r.source.node_name, ==, c->source);
	g_assert_cmpstr(audio_endpoint_kind_to_string(r.source.kind), ==,
			audio_endpoint_kind_to_string(c->source_kind));
	g_assert_cmpuint(strlen(r.sink.reason), >, 0);
	g_assert_cmpuint(strlen(r.source.reason), >, 0);
	g_assert_true(r.talking == c->talking);
	audio_route_compute(&cfg, c->nodes, n, c->talking, &r2);
	g_assert_true(audio_route_equal(&r, &r2));
}

static void test_reasons(void)
{
	const struct audio_node *nodes[] = { &n_spk };
	struct audio_config cfg;
	struct audio_route r;

	audio_config_init(&cfg);
	cfg.headset = (char *)BT;
	cfg.output = (char *)"speaker";
	audio_route_compute(&cfg, nodes, 1, false, &r);
	g_assert_nonnull(strstr(r.sink.reason, BT " not present"));
	audio_route_compute(&cfg, NULL, 0, false, &r);
	g_assert_cmpstr(r.sink.reason, ==, "no output node");
	g_assert_cmpstr(r.source.reason, ==, "no input node");
}

/* The headset's microphone failed (no SCO link): the talk source avoids Bluetooth. */
static const struct audio_node n_bmic2 = { 44, "bluez_input.other", "Audio/Source", "bluez5",
					   BT2, "headset-head-unit", 0, "" };
static const struct audio_node n_vmic = { 52, "virtual-mic", "Audio/Source/Virtual", "", "", "",
					  0, "" };

struct acase {
	const char *path;
	const char *input;
	bool talking;
	const struct audio_node *nodes[8];
	const char *source;
	enum audio_endpoint_kind source_kind;
};

static const struct acase avoid_cases[] = {
	/* the HFP source is still there (headset in HFP): the other source by name */
	{ "/audio/route/avoid-bt/first-other", NULL, true, { &n_hfp, &n_mic, &n_bmic2, &n_dmic },
	  "dash-mic", AUDIO_EP_DEFAULT },
	{ "/audio/route/avoid-bt/configured", "virtual-mic", true,
	  { &n_hfp, &n_mic, &n_dmic, &n_vmic }, "virtual-mic", AUDIO_EP_CONFIGURED },
	/* a configured input that is the headset's own source is no fallback */
	{ "/audio/route/avoid-bt/configured-is-bt", "bluez_input.hfp", true,
	  { &n_mic, &n_vmic }, "virtual-mic", AUDIO_EP_DEFAULT },
	{ "/audio/route/avoid-bt/none", NULL, true, { &n_hfp, &n_mic, &n_bmic2 }, "",
	  AUDIO_EP_NONE },
	/* listening: untouched */
	{ "/audio/route/avoid-bt/listening", NULL, false, { &n_hfp, &n_mic, &n_dmic },
	  "bluez_input.hfp", AUDIO_EP_HEADSET_HFP },
};

static void run_avoid_case(gconstpointer data)
{
	const struct acase *c = data;
	struct audio_config cfg;
	struct audio_route r;
	char sink[AUDIO_NAME_MAX];
	size_t n = 0;

	audio_config_init(&cfg);
	cfg.headset = (char *)BT;
	cfg.input = (char *)c->input;
	while (n < G_N_ELEMENTS(c->nodes) && c->nodes[n])
		n++;
	audio_route_compute(&cfg, c->nodes, n, c->talking, &r);
	g_strlcpy(sink, r.sink.node_name, sizeof(sink));
	audio_route_avoid_bt_source(&cfg, c->nodes, n, &r);
	g_test_message("source %s (%s)", r.source.node_name, r.source.reason);
	g_assert_cmpstr(r.source.node_name, ==, c->source);
	g_assert_cmpstr(audio_endpoint_kind_to_string(r.source.kind), ==,
			audio_endpoint_kind_to_string(c->source_kind));
	g_assert_cmpstr(r.sink.node_name, ==, sink);
	g_assert_cmpuint(strlen(r.source.reason), >, 0);
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
		g_test_add_data_func(cases[i].path, &cases[i], run_case);
	for (size_t i = 0; i < G_N_ELEMENTS(avoid_cases); i++)
		g_test_add_data_func(avoid_cases[i].path, &avoid_cases[i], run_avoid_case);
	g_test_add_func("/audio/route/reasons", test_reasons);
	return g_test_run();
}
