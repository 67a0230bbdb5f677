/* SPDX-License-Identifier: MIT */
/*
 * pw-bt-headset.c - a stand-in Bluetooth headset for the audio tests.
 *
 * Written from PipeWire's public headers only (spa/monitor/device.h,
 * spa/param/profile.h, pipewire/core.h); shares no code with src/.
 *
 * It exports one SPA device to a running PipeWire, shaped as PipeWire
 * 0.3.65's bluez5 plugin shows a headset card: bluez_card.<ADDR>, media.class
 * Audio/Device, device.api bluez5, with EnumProfile/Profile params for
 * off, a2dp-sink and headset-head-unit (mSBC; a CVSD variant too) and
 * EnumRoute (headset-output for all, headset-input for the HFP ones). One
 * profile is active at a time. Setting Profile (wpctl set-profile, pw-cli
 * set-param, or the gateway) changes the Profile param and destroys the old
 * profile's nodes at once and, after --delay milliseconds (the SCO/A2DP
 * set-up time), creates the new ones (sink: a null-audio-sink adapter;
 * microphone: an audiotestsrc adapter, a 440 Hz tone) with bluez5's node
 * properties:
 *   a2dp-sink:          bluez_output.<ADDR_>.1 (Audio/Sink)
 *   headset-head-unit:  bluez_output.<ADDR_>.1 (Audio/Sink),
 *                       bluez_input.<ADDR_>.0  (Audio/Source)
 * --refuse-hfp lists the HFP profiles but a switch to them fails (SCO
 * refused): after the delay the Profile goes back to the previous one, whose
 * nodes come back.
 * --no-hfp lists no HFP profile at all (an A2DP-only headset).
 * --no-sco: the HFP profile comes up and its nodes appear, but the microphone
 * never delivers a sample (the SCO audio link does not come up, as when the
 * controller refuses SCO): bluez_input is then a source node that is never
 * scheduled (an inactive stream), not a tone.
 * --cvsd-priority lists the CVSD profile with a higher priority than mSBC.
 * --mic-freq HZ[,HZ...]: the microphone's tone (default 440); each SIGUSR1
 * moves it to the next one of the list (the last one stays), as a talker
 * says the next syllable ("mic HZ" is printed).
 * Every applied profile is printed on stdout as "profile NAME" (flushed),
 * a refused one as "refused NAME"; a request as "switching NAME", after a line
 * "request NAME SECONDS" with the wall-clock time (CLOCK_REALTIME, as
 * date +%s.%N gives it) it arrived.
 *
 * usage: pw-bt-headset [--address AA:BB:CC:DD:EE:FF] [--delay MS]
 *                      [--profile NAME] [--refuse-hfp] [--no-hfp] [--cvsd-priority]
 *                      [--mic-freq HZ[,HZ...]] [--no-sco]
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pipewire/pipewire.h>
#include <spa/monitor/device.h>
#include <spa/monitor/utils.h>
#include <spa/param/audio/format-utils.h>
#include <spa/param/param.h>
#include <spa/param/profile.h>
#include <spa/param/props.h>
#include <spa/param/route.h>
#include <spa/pod/builder.h>
#include <spa/pod/filter.h>
#include <spa/pod/parser.h>
#include <spa/utils/hook.h>
#include <spa/utils/result.h>

struct hs_profile {
	const char *name;
	const char *description;
	const char *codec; /* api.bluez5.codec of its nodes */
	bool hfp;
	uint32_t priority;
};

/* indices are the Profile param's index */
static struct hs_profile profiles[] = {
	{ "off", "Off", NULL, false, 0 },
	{ "a2dp-sink", "High Fidelity Playback (A2DP Sink, codec SBC)", "sbc", false, 16 },
	{ "headset-head-unit-cvsd", "Headset Head Unit (HSP/HFP, codec CVSD)", "cvsd", true, 1 },
	{ "headset-head-unit", "Headset Head Unit (HSP/HFP, codec mSBC)", "msbc", true, 2 },
};
#define N_PROFILES (sizeof(profiles) / sizeof(profiles[0]))

/* Routes, as bluez5 lists them: which profiles carry an output / an input
 * (WirePlumber's bluetooth policy finds the headset profile through them). */
struct hs_route {
	const char *name;
	const char *description;
	uint32_t direction;
	bool hfp_only;
};

static const struct hs_route routes[] = {
	{ "headset-output", "Headset", SPA_DIRECTION_OUTPUT, false },
	{ "headset-input", "Headset", SPA_DIRECTION_INPUT, true },
};
#define N_ROUTES (sizeof(routes) / sizeof(routes[0]))

enum { IDX_ENUM_PROFILE, IDX_PROFILE, IDX_ENUM_ROUTE, N_PARAMS };

struct hs {
	struct pw_main_loop *loop;
	struct pw_context *context;
	struct pw_core *core;
	struct spa_hook core_listener;

	struct spa_device device;
	struct spa_hook_list hooks;
	struct spa_param_info params[N_PARAMS];
	struct pw_proxy *dev_proxy;
	struct spa_hook dev_proxy_listener;
	uint32_t dev_id;

	char address[18];
	char under[18]; /* address with '_' */
	unsigned delay_ms;
	bool refuse_hfp;
	bool no_hfp;
	bool no_sco;
	struct pw_stream *dead_mic; /* --no-sco: the HFP microphone that never delivers */

	uint32_t current; /* profile index */
	uint32_t previous;
	uint32_t pending; /* profile being switched to, SPA_ID_INVALID: none */
	struct spa_source *timer;

	struct pw_proxy *nodes[2];

	float mic_freq[8]; /* the microphone's tones, SIGUSR1: the next one */
	unsigned n_mic_freq, mic_at;
};

static bool listed(const struct hs *hs, uint32_t i)
{
	return i < N_PROFILES && !(hs->no_hfp && profiles[i].hfp);
}

static struct spa_pod *build_profile(struct spa_pod_builder *b, uint32_t id, uint32_t i)
{
	const struct hs_profile *p = &profiles[i];

	return spa_pod_builder_add_object(
		b, SPA_TYPE_OBJECT_ParamProfile, id, SPA_PARAM_PROFILE_index, SPA_POD_Int(i),
		SPA_PARAM_PROFILE_name, SPA_POD_String(p->name), SPA_PARAM_PROFILE_description,
		SPA_POD_String(p->description), SPA_PARAM_PROFILE_priority,
		SPA_POD_Int(p->priority), SPA_PARAM_PROFILE_available,
		SPA_POD_Id(SPA_PARAM_AVAILABILITY_yes));
}

static struct spa_pod *build_route(struct spa_pod_builder *b, uint32_t id, const struct hs *hs,
				   uint32_t i)
{
	const struct hs_route *r = &routes[i];
	int32_t profs[N_PROFILES];
	uint32_t n = 0;

	for (uint32_t k = 0; k < N_PROFILES; k++) {
		if (!listed(hs, k) || k == 0)
			continue;
		if (r->hfp_only && !profiles[k].hfp)
			continue;
		profs[n++] = (int32_t)k;
	}
	if (n == 0)
		return NULL;
	return spa_pod_builder_add_object(
		b, SPA_TYPE_OBJECT_ParamRoute, id, SPA_PARAM_ROUTE_index, SPA_POD_Int(i),
		SPA_PARAM_ROUTE_direction, SPA_POD_Id(r->direction), SPA_PARAM_ROUTE_name,
		SPA_POD_String(r->name), SPA_PARAM_ROUTE_description,
		SPA_POD_String(r->description), SPA_PARAM_ROUTE_priority, SPA_POD_Int(0),
		SPA_PARAM_ROUTE_available, SPA_POD_Id(SPA_PARAM_AVAILABILITY_yes),
		SPA_PARAM_ROUTE_profiles, SPA_POD_Array(sizeof(int32_t), SPA_TYPE_Int, n, profs),
		SPA_PARAM_ROUTE_devices, SPA_POD_Array(sizeof(int32_t), SPA_TYPE_Int, 1, &i));
}

static void emit_info(struct hs *hs, bool full)
{
	struct spa_device_info info = SPA_DEVICE_INFO_INIT();
	char name[64], desc[64];
	struct spa_dict_item items[8];
	struct spa_dict dict;
	uint32_t n = 0;

	snprintf(name, sizeof(name), "bluez_card.%s", hs->under);
	snprintf(desc, sizeof(desc), "Test Headset %s", hs->address);
	items[n++] = SPA_DICT_ITEM_INIT(SPA_KEY_DEVICE_API, "bluez5");
	items[n++] = SPA_DICT_ITEM_INIT(SPA_KEY_DEVICE_NAME, name);
	items[n++] = SPA_DICT_ITEM_INIT(SPA_KEY_DEVICE_DESCRIPTION, desc);
	items[n++] = SPA_DICT_ITEM_INIT("media.class", "Audio/Device");
	items[n++] = SPA_DICT_ITEM_INIT("device.bus", "bluetooth");
	items[n++] = SPA_DICT_ITEM_INIT("device.form-factor", "headset");
	items[n++] = SPA_DICT_ITEM_INIT("api.bluez5.address", hs->address);
	dict = SPA_DICT_INIT(items, n);
	info.change_mask = SPA_DEVICE_CHANGE_MASK_PARAMS;
	if (full) {
		info.change_mask |= SPA_DEVICE_CHANGE_MASK_PROPS;
		info.props = &dict;
	}
	info.params = hs->params;
	info.n_params = N_PARAMS;
	spa_device_emit_info(&hs->hooks, &info);
	for (uint32_t i = 0; i < N_PARAMS; i++)
		hs->params[i].user = 0;
}

static int dev_add_listener(void *object, struct spa_hook *listener,
			    const struct spa_device_events *events, void *data)
{
	struct hs *hs = object;
	struct spa_hook_list save;

	spa_hook_list_isolate(&hs->hooks, &save, listener, events, data);
	emit_info(hs, true);
	spa_hook_list_join(&hs->hooks, &save);
	return 0;
}

static int dev_sync(void *object, int seq)
{
	struct hs *hs = object;

	spa_device_emit_result(&hs->hooks, seq, 0, 0, NULL);
	return 0;
}

static int dev_enum_params(void *object, int seq, uint32_t id, uint32_t start, uint32_t num,
			   const struct spa_pod *filter)
{
	struct hs *hs = object;
	uint8_t buf[1024];
	struct spa_pod_builder b;
	struct spa_pod *param, *out;
	struct spa_result_device_params result;
	uint32_t count = 0, index;

	if (num == 0)
		return -EINVAL;
	result.id = id;
	for (index = start;; index++) {
		spa_pod_builder_init(&b, buf, sizeof(buf));
		if (id == SPA_PARAM_EnumProfile) {
			uint32_t i = index;

			if (i >= N_PROFILES)
				break;
			if (!listed(hs, i))
				continue;
			param = build_profile(&b, id, i);
		} else if (id == SPA_PARAM_Profile) {
			if (index > 0)
				break;
			param = build_profile(&b, id, hs->current);
		} else if (id == SPA_PARAM_EnumRoute) {
			if (index >= N_ROUTES)
				break;
			param = build_route(&b, id, hs, index);
			if (!param)
				continue;
		} else {
			return -ENOENT;
		}
		{
			uint8_t fbuf[1024];
			struct spa_pod_builder fb = SPA_POD_BUILDER_INIT(fbuf, sizeof(fbuf));

			if (spa_pod_filter(&fb, &out, param, filter) < 0)
				continue;
			result.index = index;
			result.next = index + 1;
			result.param = out;
			spa_device_emit_result(&hs->hooks, seq, 0, SPA_RESULT_TYPE_DEVICE_PARAMS,
					       &result);
		}
		if (++count == num)
			break;
	}
	return 0;
}

/* ---- nodes ---- */

static void destroy_nodes(struct hs *hs)
{
	if (hs->dead_mic)
		pw_stream_destroy(hs->dead_mic);
	hs->dead_mic = NULL;
	for (size_t i = 0; i < 2; i++) {
		if (hs->nodes[i])
			pw_proxy_destroy(hs->nodes[i]);
		hs->nodes[i] = NULL;
	}
}

static struct pw_proxy *make_node(struct hs *hs, bool sink, const struct hs_profile *p)
{
	struct pw_properties *props;
	struct pw_proxy *proxy;

	/* the microphone is a real source (a 440 Hz tone), the sink a null sink */
	props = pw_properties_new("factory.name", sink ? "support.null-audio-sink" : "audiotestsrc",
				  "node.want-driver", "true", "device.api", "bluez5",
				  "api.bluez5.address", hs->address, "api.bluez5.profile",
				  p->hfp ? "headset-head-unit" : p->name, "api.bluez5.codec",
				  p->codec, "media.class", sink ? "Audio/Sink" : "Audio/Source",
				  "audio.position", "[ MONO ]", "monitor.channel-volumes", "false",
				  "session.suspend-timeout-seconds", "0", "device.routes", "1",
				  "node.pause-on-idle", "false", NULL);
	pw_properties_setf(props, "device.id", "%u", hs->dev_id);
	pw_properties_setf(props, "api.bluez5.transport", "%s", p->hfp ? "sco" : "a2dp");
	if (sink) {
		pw_properties_setf(props, "node.name", "bluez_output.%s.1", hs->under);
		pw_properties_setf(props, "node.description", "Test Headset %s (%s)",
				   hs->address, p->hfp ? "HFP" : "A2DP");
	} else {
		pw_properties_setf(props, "node.name", "bluez_input.%s.0", hs->under);
		pw_properties_setf(props, "node.description", "Test Headset %s (mic)",
				   hs->address);
	}
	proxy = pw_core_create_object(hs->core, "adapter", PW_TYPE_INTERFACE_Node,
				      PW_VERSION_NODE, &props->dict, 0);
	pw_properties_free(props);
	return proxy;
}

/* The microphone (an audiotestsrc) plays its current tone. */
static void set_mic_freq(struct hs *hs)
{
	uint8_t buf[256];
	struct spa_pod_builder b = SPA_POD_BUILDER_INIT(buf, sizeof(buf));
	const struct spa_pod *param;

	if (!hs->nodes[1])
		return;
	param = spa_pod_builder_add_object(&b, SPA_TYPE_OBJECT_Props, SPA_PARAM_Props,
					   SPA_PROP_frequency,
					   SPA_POD_Float(hs->mic_freq[hs->mic_at]));
	pw_node_set_param((struct pw_node *)hs->nodes[1], SPA_PARAM_Props, 0, param);
}

static void on_usr1(void *data, int sig)
{
	struct hs *hs = data;

	if (hs->mic_at + 1 < hs->n_mic_freq)
		hs->mic_at++;
	set_mic_freq(hs);
	printf("mic %.0f\n", hs->mic_freq[hs->mic_at]);
	fflush(stdout);
}

static int parse_freqs(struct hs *hs, const char *s)
{
	char *end;

	hs->n_mic_freq = 0;
	do {
		double f = strtod(s, &end);

		if (end == s || f < 20 || f > 7000 || hs->n_mic_freq == SPA_N_ELEMENTS(hs->mic_freq))
			return -EINVAL;
		hs->mic_freq[hs->n_mic_freq++] = (float)f;
		s = end + 1;
	} while (*end == ',');
	return *end ? -EINVAL : 0;
}

/* --no-sco: bluez_input as an inactive output stream of class Audio/Source: the
 * session manager links to it, the graph never runs it, no sample comes. */
static struct pw_stream *make_dead_mic(struct hs *hs, const struct hs_profile *p)
{
	uint8_t buf[512];
	struct spa_pod_builder b = SPA_POD_BUILDER_INIT(buf, sizeof(buf));
	struct spa_audio_info_raw info = { .format = SPA_AUDIO_FORMAT_S16, .rate = 16000,
					   .channels = 1, .position = { SPA_AUDIO_CHANNEL_MONO } };
	const struct spa_pod *params[1];
	struct pw_properties *props;
	struct pw_stream *st;

	props = pw_properties_new("media.class", "Audio/Source", "device.api", "bluez5",
				  "api.bluez5.address", hs->address, "api.bluez5.profile",
				  "headset-head-unit", "api.bluez5.codec", p->codec,
				  "api.bluez5.transport", "sco", "node.autoconnect", "false",
				  "session.suspend-timeout-seconds", "0", NULL);
	pw_properties_setf(props, "node.name", "bluez_input.%s.0", hs->under);
	pw_properties_setf(props, "node.description", "Test Headset %s (mic, no SCO)",
			   hs->address);
	pw_properties_setf(props, "device.id", "%u", hs->dev_id);
	st = pw_stream_new(hs->core, "bluez_input", props);
	if (!st)
		return NULL;
	params[0] = spa_format_audio_raw_build(&b, SPA_PARAM_EnumFormat, &info);
	if (pw_stream_connect(st, PW_DIRECTION_OUTPUT, PW_ID_ANY,
			      PW_STREAM_FLAG_INACTIVE | PW_STREAM_FLAG_MAP_BUFFERS, params, 1) < 0) {
		pw_stream_destroy(st);
		return NULL;
	}
	return st;
}

/* The profile's transport is up: its nodes appear. */
static void make_nodes(struct hs *hs)
{
	const struct hs_profile *p = &profiles[hs->current];

	destroy_nodes(hs);
	if (hs->current == 1) {
		hs->nodes[0] = make_node(hs, true, p);
	} else if (p->hfp) {
		hs->nodes[0] = make_node(hs, true, p);
		if (hs->no_sco) {
			hs->dead_mic = make_dead_mic(hs, p);
		} else {
			hs->nodes[1] = make_node(hs, false, p);
			set_mic_freq(hs);
		}
	}
	printf("profile %s\n", p->name);
	fflush(stdout);
}

/* The Profile param changes at once, as bluez5's does. */
static void set_current(struct hs *hs, uint32_t idx)
{
	hs->previous = hs->current;
	hs->current = idx;
	/* what tells PipeWire (and its subscribers) that the param changed */
	hs->params[IDX_PROFILE].flags ^= SPA_PARAM_INFO_SERIAL;
	hs->params[IDX_PROFILE].user++;
	emit_info(hs, false);
}

static void on_timer(void *data, uint64_t expirations)
{
	struct hs *hs = data;
	uint32_t idx = hs->pending;

	hs->pending = SPA_ID_INVALID;
	if (idx == SPA_ID_INVALID)
		return;
	if (hs->refuse_hfp && profiles[idx].hfp) {
		/* SCO refused: back to the previous profile and its nodes */
		printf("refused %s\n", profiles[idx].name);
		fflush(stdout);
		set_current(hs, hs->previous);
	}
	make_nodes(hs);
}

static int dev_set_param(void *object, uint32_t id, uint32_t flags, const struct spa_pod *param)
{
	struct hs *hs = object;
	uint32_t idx;
	struct timespec ts;

	if (id == SPA_PARAM_Route)
		return 0; /* volume and mute: not modelled */
	if (id != SPA_PARAM_Profile)
		return -ENOENT;
	if (param == NULL ||
	    spa_pod_parse_object(param, SPA_TYPE_OBJECT_ParamProfile, NULL,
				 SPA_PARAM_PROFILE_index, SPA_POD_Int(&idx)) < 0)
		return -EINVAL;
	if (!listed(hs, idx))
		return -EINVAL;
	if (idx == hs->current && hs->pending == SPA_ID_INVALID)
		return 0;
	clock_gettime(CLOCK_REALTIME, &ts);
	printf("request %s %lld.%03ld\n", profiles[idx].name, (long long)ts.tv_sec,
	       ts.tv_nsec / 1000000L);
	printf("switching %s\n", profiles[idx].name);
	fflush(stdout);
	/* the old transport goes at once; the new one takes its time */
	destroy_nodes(hs);
	if (idx != hs->current)
		set_current(hs, idx);
	hs->pending = idx;
	ts.tv_sec = hs->delay_ms / 1000;
	ts.tv_nsec = (long)(hs->delay_ms % 1000) * 1000000L + 1;
	pw_loop_update_timer(pw_main_loop_get_loop(hs->loop), hs->timer, &ts, NULL, false);
	return 0;
}

static const struct spa_device_methods device_methods = {
	SPA_VERSION_DEVICE_METHODS,
	.add_listener = dev_add_listener,
	.sync = dev_sync,
	.enum_params = dev_enum_params,
	.set_param = dev_set_param,
};

static void on_bound(void *data, uint32_t global_id)
{
	struct hs *hs = data;

	if (hs->dev_id != SPA_ID_INVALID)
		return;
	hs->dev_id = global_id;
	/* the initial profile's nodes, now that they can name their device */
	make_nodes(hs);
}

static const struct pw_proxy_events dev_proxy_events = {
	PW_VERSION_PROXY_EVENTS,
	.bound = on_bound,
};

static void on_core_error(void *data, uint32_t id, int seq, int res, const char *message)
{
	struct hs *hs = data;

	fprintf(stderr, "pw-bt-headset: error id:%u: %s (%s)\n", id, message, spa_strerror(res));
	if (id == PW_ID_CORE && res == -EPIPE)
		pw_main_loop_quit(hs->loop);
}

static const struct pw_core_events core_events = {
	PW_VERSION_CORE_EVENTS,
	.error = on_core_error,
};

static void on_signal(void *data, int sig)
{
	pw_main_loop_quit(data);
}

static int parse_address(struct hs *hs, const char *s)
{
	unsigned v[6];
	char end;

	if (strlen(s) != 17 || sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3],
				      &v[4], &v[5], &end) != 6)
		return -EINVAL;
	snprintf(hs->address, sizeof(hs->address), "%02X:%02X:%02X:%02X:%02X:%02X", v[0], v[1],
		 v[2], v[3], v[4], v[5]);
	snprintf(hs->under, sizeof(hs->under), "%02X_%02X_%02X_%02X_%02X_%02X", v[0], v[1], v[2],
		 v[3], v[4], v[5]);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "address", required_argument, NULL, 'a' },
		{ "delay", required_argument, NULL, 'd' },
		{ "profile", required_argument, NULL, 'p' },
		{ "refuse-hfp", no_argument, NULL, 'r' },
		{ "no-hfp", no_argument, NULL, 'n' },
		{ "cvsd-priority", no_argument, NULL, 'c' },
		{ "mic-freq", required_argument, NULL, 'f' },
		{ "no-sco", no_argument, NULL, 's' },
		{ 0 },
	};
	struct hs hs = { .delay_ms = 300, .current = 1, .pending = SPA_ID_INVALID,
			 .dev_id = SPA_ID_INVALID, .mic_freq = { 440 }, .n_mic_freq = 1 };
	const char *initial = "a2dp-sink";
	struct pw_properties *props;
	char name[64];
	int c;

	parse_address(&hs, "00:11:22:33:44:55");
	while ((c = getopt_long(argc, argv, "a:d:p:rncf:s", opts, NULL)) != -1) {
		switch (c) {
		case 'a':
			if (parse_address(&hs, optarg) < 0) {
				fprintf(stderr, "pw-bt-headset: bad address %s\n", optarg);
				return 2;
			}
			break;
		case 'd':
			hs.delay_ms = (unsigned)strtoul(optarg, NULL, 10);
			break;
		case 'p':
			initial = optarg;
			break;
		case 'r':
			hs.refuse_hfp = true;
			break;
		case 'n':
			hs.no_hfp = true;
			break;
		case 'c':
			profiles[2].priority = 3; /* above mSBC: a client must look at the codec */
			break;
		case 'f':
			if (parse_freqs(&hs, optarg) < 0) {
				fprintf(stderr, "pw-bt-headset: bad --mic-freq %s\n", optarg);
				return 2;
			}
			break;
		case 's':
			hs.no_sco = true;
			break;
		default:
			fprintf(stderr, "usage: pw-bt-headset [--address ADDR] [--delay MS] "
					"[--profile NAME] [--refuse-hfp] [--no-hfp] [--cvsd-priority] "
					"[--mic-freq HZ[,HZ...]] [--no-sco]\n");
			return 2;
		}
	}
	hs.current = SPA_ID_INVALID;
	for (uint32_t i = 0; i < N_PROFILES; i++)
		if (listed(&hs, i) && strcmp(profiles[i].name, initial) == 0)
			hs.current = i;
	if (hs.current == SPA_ID_INVALID) {
		fprintf(stderr, "pw-bt-headset: no profile %s\n", initial);
		return 2;
	}
	hs.previous = hs.current;

	pw_init(&argc, &argv);
	hs.loop = pw_main_loop_new(NULL);
	pw_loop_add_signal(pw_main_loop_get_loop(hs.loop), SIGINT, on_signal, hs.loop);
	pw_loop_add_signal(pw_main_loop_get_loop(hs.loop), SIGTERM, on_signal, hs.loop);
	pw_loop_add_signal(pw_main_loop_get_loop(hs.loop), SIGUSR1, on_usr1, &hs);
	hs.timer = pw_loop_add_timer(pw_main_loop_get_loop(hs.loop), on_timer, &hs);
	hs.context = pw_context_new(pw_main_loop_get_loop(hs.loop), NULL, 0);
	hs.core = pw_context_connect(hs.context, NULL, 0);
	if (!hs.core) {
		fprintf(stderr, "pw-bt-headset: cannot connect to PipeWire: %m\n");
		return 1;
	}
	pw_core_add_listener(hs.core, &hs.core_listener, &core_events, &hs);

	spa_hook_list_init(&hs.hooks);
	hs.device.iface = SPA_INTERFACE_INIT(SPA_TYPE_INTERFACE_Device, SPA_VERSION_DEVICE,
					     &device_methods, &hs);
	hs.params[IDX_ENUM_PROFILE] = SPA_PARAM_INFO(SPA_PARAM_EnumProfile, SPA_PARAM_INFO_READ);
	hs.params[IDX_PROFILE] = SPA_PARAM_INFO(SPA_PARAM_Profile, SPA_PARAM_INFO_READWRITE);
	hs.params[IDX_ENUM_ROUTE] = SPA_PARAM_INFO(SPA_PARAM_EnumRoute, SPA_PARAM_INFO_READ);

	snprintf(name, sizeof(name), "bluez_card.%s", hs.under);
	props = pw_properties_new(PW_KEY_DEVICE_API, "bluez5", PW_KEY_DEVICE_NAME, name,
				  PW_KEY_MEDIA_CLASS, "Audio/Device", "api.bluez5.address",
				  hs.address, "device.bus", "bluetooth", NULL);
	pw_properties_setf(props, PW_KEY_DEVICE_DESCRIPTION, "Test Headset %s", hs.address);
	hs.dev_proxy = pw_core_export(hs.core, SPA_TYPE_INTERFACE_Device, &props->dict,
				      &hs.device, 0);
	pw_properties_free(props);
	if (!hs.dev_proxy) {
		fprintf(stderr, "pw-bt-headset: cannot export the device: %m\n");
		return 1;
	}
	pw_proxy_add_listener(hs.dev_proxy, &hs.dev_proxy_listener, &dev_proxy_events, &hs);

	pw_main_loop_run(hs.loop);

	destroy_nodes(&hs);
	spa_hook_remove(&hs.dev_proxy_listener);
	pw_proxy_destroy(hs.dev_proxy);
	spa_hook_remove(&hs.core_listener);
	pw_core_disconnect(hs.core);
	pw_context_destroy(hs.context);
	pw_main_loop_destroy(hs.loop);
	pw_deinit();
	return 0;
}
