/* SPDX-License-Identifier: MIT */
/*
 * audio-drive - drives the audio library against a real PipeWire for tests.
 *
 *   audio-drive [--headset X] [--output N] [--input N] [--hfp-policy P] [--no-cues]
 *               play    [--tone HZ] [--seconds S] [--loss PCT] [--reorder PCT]
 *                       [--dup PCT] [--seed N]
 *               capture [--seconds S] --out FILE.raw      (decoded S16LE 16 kHz mono)
 *               route [--talk-gate FILE]                 (listen, burst, talk, release, burst)
 *               conceal [play options] --out FILE.raw    (jitter + decoder, simulated clock)
 *               two-bursts [play options] --pause S      (burst, pause, burst)
 *               back-to-back [play options]              (burst 2 begins as burst 1 ends)
 *
 * Prints one line per event ("playback id=1 state=active reason=...") and the
 * burst accounting ("stats ..."), exits 0 when the scenario ran to its end.
 *
 * A Bluetooth headset is one PipeWire device with one profile at a time (A2DP:
 * a sink; HFP: a sink and a microphone). As the daemon does (gateway-headset.c,
 * without its hangover), the talk of capture and route first switches the
 * device to HFP through its Profile param and waits (bounded) until the HFP
 * nodes are there and the bridge routes to them; route's release switches it
 * back to A2DP before the next burst. --hfp-policy never switches nothing.
 * Each switch prints "headset switching MODE" and "headset MODE ready after_ms=N".
 * route --talk-gate FILE: once on HFP, print "step hfp-ready" and wait for FILE
 * to exist before the talk (the test records the HFP sink first).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audio-codec.h"
#include "audio-jitter.h"
#include "audio-profile.h"
#include "audio-pw.h"
#include "audio.h"

/* bound for a profile switch (the daemon's hfp-switch-timeout, generously) */
#define SWITCH_TIMEOUT_USEC (10 * G_USEC_PER_SEC)

struct pkt {
	uint32_t id;
	uint64_t due;
	uint8_t data[AUDIO_MAX_PACKET];
	size_t len;
};

struct drive {
	GMainLoop *loop;
	struct audio *a;
	const char *scenario;
	double tone, seconds;
	unsigned loss, reorder, dup;
	char *out_path;
	FILE *out;
	struct audio_dec *dec;
	/* play */
	struct pkt *pkts;
	unsigned n_pkts, next_pkt, sent, dropped, loss_run, max_loss_run;
	uint64_t start, end_sent, first_sample_at;
	uint32_t stream_id;
	bool play_done;
	enum audio_activation play_state;
	int step;
	int rc;
	double pause;
	bool chain;              /* back-to-back: burst 2 begins as burst 1's end is sent */
	char *codec_error;       /* the burst's codec header cannot be played: why */
	/* the headset device and its profile (the daemon's gateway-headset, in short) */
	enum audio_hfp_policy policy;
	struct audio_pw *pw;
	struct audio_profile *prof;
	bool switching;
	uint64_t switch_started;
	char *talk_gate;
};

static void ev_playback(void *data, uint32_t id, enum audio_activation st, const char *reason)
{
	struct drive *d = data;

	printf("playback id=%u state=%s reason=%s\n", id, audio_activation_to_string(st), reason);
	fflush(stdout);
	d->play_state = st;
	if (st == AUDIO_OFF || st == AUDIO_FAILED) {
		if (d->end_sent)
			printf("end_after_ms=%.1f\n",
			       (double)((uint64_t)g_get_monotonic_time() - d->end_sent) / 1000.0);
		/* a burst superseded by the next one ends inside audio_play_begin();
		 * a refused one fails at once and ends with its accounting */
		if (id == d->stream_id && !d->codec_error)
			d->play_done = true;
	}
}

static void ev_capture(void *data, enum audio_activation st, const char *reason)
{
	printf("capture state=%s reason=%s\n", audio_activation_to_string(st), reason);
	fflush(stdout);
}

static void ev_frame(void *data, const uint8_t *opus, size_t len, uint64_t captured)
{
	struct drive *d = data;
	int16_t pcm[AUDIO_PACKET_MAX_SAMPLES];
	int n;

	if (!d->out)
		return;
	n = audio_dec_decode(d->dec, opus, len, pcm, AUDIO_PACKET_MAX_SAMPLES);
	if (n > 0)
		fwrite(pcm, sizeof(int16_t), (size_t)n, d->out);
}

static void ev_route(void *data, const struct audio_route *r)
{
	printf("route talking=%d sink=%s sink-kind=%s sink-reason=%s source=%s source-kind=%s "
	       "source-reason=%s\n",
	       r->talking, r->sink.node_name[0] ? r->sink.node_name : "-",
	       audio_endpoint_kind_to_string(r->sink.kind), r->sink.reason,
	       r->source.node_name[0] ? r->source.node_name : "-",
	       audio_endpoint_kind_to_string(r->source.kind), r->source.reason);
	fflush(stdout);
}

static void ev_first_sample(void *data, uint32_t id)
{
	struct drive *d = data;

	d->first_sample_at = (uint64_t)g_get_monotonic_time();
	printf("first_sample id=%u after_ms=%.1f\n", id,
	       (double)(d->first_sample_at - d->start) / 1000.0);
}

static void ev_stats(void *data, const struct audio_play_stats *s)
{
	struct drive *d = data;

	printf("stats id=%u sent=%u net_dropped=%u received=%u played=%u recovered=%u "
	       "concealed=%u skipped=%u late=%u duplicate=%u invalid=%u flushed=%u stretched=%u "
	       "underruns=%u first=%u last=%u prebuffer_ms=%.0f\n",
	       s->stream_id, d->sent, d->dropped, s->received, s->played, s->recovered,
	       s->concealed, s->skipped, s->late, s->duplicate, s->invalid, s->flushed,
	       s->stretched,
	       s->underruns, s->first_id, s->last_id, (double)s->prebuffer / 1000.0);
	printf("burst id=%u packet_us=%" G_GUINT64_FORMAT " reason=%s\n", s->stream_id,
	       s->packet_usec, s->reason);
	fflush(stdout);
	if (d->codec_error && s->stream_id == d->stream_id)
		d->play_done = true;
}

static const struct audio_events events = {
	.playback = ev_playback,
	.capture = ev_capture,
	.frame = ev_frame,
	.route = ev_route,
	.first_sample = ev_first_sample,
	.play_stats = ev_stats,
};

static bool routed(struct drive *d, enum audio_profile_mode mode)
{
	struct audio_route r;

	audio_preview_route(d->a, mode == AUDIO_PROFILE_HFP, &r);
	if (mode == AUDIO_PROFILE_HFP)
		return r.source.kind == AUDIO_EP_HEADSET_HFP && r.sink.kind == AUDIO_EP_HEADSET_HFP;
	return r.sink.kind == AUDIO_EP_HEADSET_A2DP;
}

/* Polled: ask the headset for mode (the first time) and tell whether it is
 * there: its nodes exist and the bridge's own registry routes to them. Nothing
 * to wait for without a headset device or with hfp-policy never. A switch that
 * fails or times out is printed and ends the wait (the scenario goes on and
 * the test sees where it went). */
static bool headset_at(struct drive *d, enum audio_profile_mode mode)
{
	uint64_t now = (uint64_t)g_get_monotonic_time();
	int r;

	if (!d->prof || d->policy == AUDIO_HFP_NEVER ||
	    audio_profile_get_mode(d->prof) == AUDIO_PROFILE_ABSENT)
		return true;
	if (audio_profile_ready(d->prof, mode) && routed(d, mode)) {
		if (d->switching)
			printf("headset %s ready after_ms=%.0f\n", audio_profile_mode_to_string(mode),
			       (double)(now - d->switch_started) / 1000.0);
		d->switching = false;
		return true;
	}
	if (!d->switching) {
		r = audio_profile_set(d->prof, mode);
		if (r < 0) {
			printf("headset switch to %s failed: %s\n",
			       audio_profile_mode_to_string(mode), g_strerror(-r));
			return true;
		}
		printf("headset switching %s\n", audio_profile_mode_to_string(mode));
		d->switching = true;
		d->switch_started = now;
		return false;
	}
	if (now - d->switch_started > SWITCH_TIMEOUT_USEC) {
		printf("headset switch to %s timed out (profile %s)\n",
		       audio_profile_mode_to_string(mode), audio_profile_name(d->prof));
		d->switching = false;
		return true;
	}
	return false;
}

/* headset_at() polls: no events needed */
static const struct audio_pw_events no_pw_events = { 0 };
static const struct audio_profile_events no_profile_events = { 0 };

static enum audio_profile_mode listen_mode(const struct drive *d)
{
	return d->policy == AUDIO_HFP_ALWAYS ? AUDIO_PROFILE_HFP : AUDIO_PROFILE_A2DP;
}

/* Encode the burst and decide, per packet, its fate on the simulated network. */
static void make_burst(struct drive *d)
{
	/* the remote talker: 24 kbit/s with FEC for 10 % loss (at lower rates a steady
	 * tone often carries no in-band FEC: Opus adds it for what its VAD calls speech) */
	struct audio_enc_params p = { .bitrate = 24000, .packet_loss = 10, .fec = true };
	struct audio_enc *enc = audio_enc_new(&p);
	unsigned n = (unsigned)(d->seconds * 1000 / 20);
	int16_t pcm[AUDIO_FRAME_SAMPLES];
	double phase = 0;

	d->pkts = g_new0(struct pkt, n * 2);
	for (unsigned i = 0; i < n; i++) {
		struct pkt *k = &d->pkts[d->n_pkts];
		int len;

		for (unsigned s = 0; s < AUDIO_FRAME_SAMPLES; s++) {
			pcm[s] = (int16_t)lrint(sin(phase) * 12000.0);
			phase += 2 * M_PI * d->tone / AUDIO_RATE;
		}
		len = audio_enc_encode(enc, pcm, k->data, sizeof(k->data));
		if (len <= 0)
			continue;
		k->len = (size_t)len;
		k->id = 1000 + i;
		k->due = (uint64_t)i * AUDIO_FRAME_USEC;
		if ((unsigned)g_random_int_range(0, 100) < d->loss) {
			d->dropped++;
			if (++d->loss_run > d->max_loss_run)
				d->max_loss_run = d->loss_run;
			continue;
		}
		d->loss_run = 0;
		if ((unsigned)g_random_int_range(0, 100) < d->reorder)
			k->due += (uint64_t)g_random_int_range(1, 3) * AUDIO_FRAME_USEC + 5000;
		d->n_pkts++;
		if ((unsigned)g_random_int_range(0, 100) < d->dup) {
			d->pkts[d->n_pkts] = *k;
			d->pkts[d->n_pkts].due += 7000;
			d->n_pkts++;
		}
	}
	audio_enc_free(enc);
	/* three or more lost in a row cannot be concealed without a fade: tell the test */
	printf("max_loss_run=%u\n", d->max_loss_run);
}

static gint by_due(gconstpointer a, gconstpointer b)
{
	const struct pkt *x = a, *y = b;

	return x->due < y->due ? -1 : x->due > y->due;
}

static void start_burst(struct drive *d, uint32_t stream_id);

static gboolean send_tick(gpointer data)
{
	struct drive *d = data;
	uint64_t now = (uint64_t)g_get_monotonic_time() - d->start;

	while (d->next_pkt < d->n_pkts && d->pkts[d->next_pkt].due <= now) {
		struct pkt *k = &d->pkts[d->next_pkt++];

		audio_play_packet(d->a, d->stream_id, k->id, k->data, k->len);
		d->sent++;
	}
	if (d->next_pkt < d->n_pkts)
		return G_SOURCE_CONTINUE;
	printf("sent all packets=%u\n", d->sent);
	d->end_sent = (uint64_t)g_get_monotonic_time();
	audio_play_end(d->a, d->stream_id);
	if (d->chain) {
		/* a queued talker granted the moment this one stops: its stream
		 * begins while this burst's tail is still in the jitter buffer */
		d->chain = false;
		printf("step burst-2\n");
		start_burst(d, d->stream_id + 1);
	}
	return G_SOURCE_REMOVE;
}

static void start_burst(struct drive *d, uint32_t stream_id)
{
	d->stream_id = stream_id;
	d->next_pkt = 0;
	d->sent = 0;
	d->end_sent = 0;
	d->play_done = false;
	d->start = (uint64_t)g_get_monotonic_time();
	{
		struct audio_burst_format f = { .error = d->codec_error };

		audio_play_begin(d->a, stream_id, &f);
	}
	g_timeout_add(5, send_tick, d);
}

static gboolean watch_play(gpointer data)
{
	struct drive *d = data;

	if (!d->play_done)
		return G_SOURCE_CONTINUE;
	g_main_loop_quit(d->loop);
	return G_SOURCE_REMOVE;
}

static gboolean stop_capture(gpointer data);

/* capture: a press; the microphone opens once the headset is on HFP */
static gboolean capture_start(gpointer data)
{
	struct drive *d = data;

	if (!headset_at(d, AUDIO_PROFILE_HFP))
		return G_SOURCE_CONTINUE;
	printf("step talk\n");
	audio_capture_begin(d->a);
	g_timeout_add((guint)(d->seconds * 1000), stop_capture, d);
	return G_SOURCE_REMOVE;
}

static gboolean stop_capture(gpointer data)
{
	struct drive *d = data;
	struct audio_capture_stats cs;

	audio_get_capture_stats(d->a, &cs);
	audio_capture_end(d->a);
	printf("capture_stats frames=%u dtx=%u overruns=%u\n", cs.frames, cs.dtx, cs.overruns);
	g_main_loop_quit(d->loop);
	return G_SOURCE_REMOVE;
}

/* route scenario: burst, talk 1 s (cue) on HFP, release, back to A2DP, burst */
static gboolean route_step(gpointer data)
{
	struct drive *d = data;

	switch (d->step++) {
	case 0:
		printf("step listen\n");
		start_burst(d, 1);
		return G_SOURCE_CONTINUE;
	case 1:
		if (!d->play_done) {
			d->step--;
			return G_SOURCE_CONTINUE;
		}
		printf("step talk\n");
		d->switch_started = (uint64_t)g_get_monotonic_time();
		return G_SOURCE_CONTINUE;
	case 2:
		if (!headset_at(d, AUDIO_PROFILE_HFP)) {
			d->step--;
			return G_SOURCE_CONTINUE;
		}
		if (d->talk_gate)
			printf("step hfp-ready\n");
		return G_SOURCE_CONTINUE;
	case 3:
		if (d->talk_gate && !g_file_test(d->talk_gate, G_FILE_TEST_EXISTS)) {
			if ((uint64_t)g_get_monotonic_time() - d->switch_started >
			    2 * SWITCH_TIMEOUT_USEC) {
				printf("timeout: no %s\n", d->talk_gate);
				d->rc = 2;
				g_main_loop_quit(d->loop);
				return G_SOURCE_REMOVE;
			}
			d->step--;
			return G_SOURCE_CONTINUE;
		}
		audio_capture_begin(d->a);
		audio_cue(d->a, AUDIO_CUE_PERMIT);
		return G_SOURCE_CONTINUE;
	case 4:
	case 5:
	case 6:
	case 7:
		return G_SOURCE_CONTINUE; /* talk for ~1 s */
	case 8:
		printf("step release\n");
		audio_capture_end(d->a);
		return G_SOURCE_CONTINUE;
	case 9:
		if (!headset_at(d, listen_mode(d))) {
			d->step--;
			return G_SOURCE_CONTINUE;
		}
		printf("step listen-again\n");
		start_burst(d, 2);
		return G_SOURCE_CONTINUE;
	default:
		if (!d->play_done)
			return G_SOURCE_CONTINUE;
		g_main_loop_quit(d->loop);
		return G_SOURCE_REMOVE;
	}
}

/* two-bursts: a burst, a pause (PipeWire may restart meanwhile), a burst */
static gboolean two_step(gpointer data)
{
	struct drive *d = data;

	switch (d->step) {
	case 0:
		d->step = 1;
		printf("step burst-1\n");
		start_burst(d, 1);
		return G_SOURCE_CONTINUE;
	case 1:
		if (!d->play_done)
			return G_SOURCE_CONTINUE;
		d->step = 2;
		d->start = (uint64_t)g_get_monotonic_time();
		return G_SOURCE_CONTINUE;
	case 2:
		if ((double)((uint64_t)g_get_monotonic_time() - d->start) < d->pause * 1e6)
			return G_SOURCE_CONTINUE;
		d->step = 3;
		printf("step burst-2\n");
		start_burst(d, 2);
		return G_SOURCE_CONTINUE;
	default:
		if (!d->play_done)
			return G_SOURCE_CONTINUE;
		g_main_loop_quit(d->loop);
		return G_SOURCE_REMOVE;
	}
}

static gboolean begin(gpointer data)
{
	struct drive *d = data;

	if (strcmp(d->scenario, "play") == 0) {
		start_burst(d, 1);
		g_timeout_add(20, watch_play, d);
	} else if (strcmp(d->scenario, "capture") == 0) {
		g_timeout_add(20, capture_start, d);
	} else if (strcmp(d->scenario, "route") == 0) {
		g_timeout_add(200, route_step, d);
	} else if (strcmp(d->scenario, "two-bursts") == 0) {
		g_timeout_add(50, two_step, d);
	} else if (strcmp(d->scenario, "back-to-back") == 0) {
		d->chain = true;
		start_burst(d, 1);
		g_timeout_add(20, watch_play, d);
	}
	return G_SOURCE_REMOVE;
}

/* conceal: the same packets through the jitter buffer and the decoder on a
 * simulated clock (no PipeWire): the concealment alone, deterministic. */
static int run_conceal(struct drive *d)
{
	struct audio_jitter *j = audio_jitter_new(60000, 0, 200000, 40000);
	struct audio_dec *dec = audio_dec_new();
	int16_t pcm[AUDIO_PACKET_MAX_SAMPLES];
	unsigned next = 0, frames = 0;
	const struct audio_play_stats *st;

	audio_jitter_begin(j, 1, AUDIO_FRAME_USEC, 0);
	for (uint64_t now = 0;; now += AUDIO_FRAME_USEC / 4) {
		const uint8_t *data;
		size_t len;
		uint64_t usec;
		unsigned n;
		enum audio_jitter_action act;

		while (next < d->n_pkts && d->pkts[next].due <= now) {
			int64_t pu = audio_packet_usec(d->pkts[next].data, d->pkts[next].len);

			audio_jitter_put(j, d->pkts[next].id, d->pkts[next].data, d->pkts[next].len,
					 pu > 0 ? (uint64_t)pu : 0, now);
			if (++next == d->n_pkts)
				audio_jitter_end(j);
		}
		if (now % AUDIO_FRAME_USEC)
			continue;
		act = audio_jitter_get(j, now, true, &data, &len, &usec);
		if (act == AUDIO_JITTER_END)
			break;
		n = audio_usec_samples(usec);
		switch (act) {
		case AUDIO_JITTER_PLAY:
			if (audio_dec_decode(dec, data, len, pcm, AUDIO_PACKET_MAX_SAMPLES) < 0)
				audio_dec_conceal(dec, pcm, n);
			break;
		case AUDIO_JITTER_FEC:
			audio_dec_decode_fec(dec, data, len, pcm, n);
			break;
		case AUDIO_JITTER_PLC:
		case AUDIO_JITTER_STRETCH:
			audio_dec_conceal(dec, pcm, n);
			break;
		default:
			continue;
		}
		if (act != AUDIO_JITTER_PLAY)
			printf("frame %u: %s\n", frames, audio_jitter_action_to_string(act));
		frames++;
		if (d->out)
			fwrite(pcm, sizeof(int16_t), n, d->out);
	}
	st = audio_jitter_stats(j);
	printf("stats id=1 sent=%u net_dropped=%u received=%u played=%u recovered=%u "
	       "concealed=%u skipped=%u late=%u duplicate=%u invalid=%u flushed=%u stretched=%u "
	       "underruns=0 first=%u last=%u prebuffer_ms=60\n",
	       d->n_pkts, d->dropped, st->received, st->played, st->recovered, st->concealed,
	       st->skipped, st->late, st->duplicate, st->invalid, st->flushed, st->stretched,
	       st->first_id,
	       st->last_id);
	audio_jitter_free(j);
	audio_dec_free(dec);
	return 0;
}

static gboolean overall_timeout(gpointer data)
{
	struct drive *d = data;

	printf("timeout: scenario did not finish\n");
	d->rc = 2;
	g_main_loop_quit(d->loop);
	return G_SOURCE_REMOVE;
}

int main(int argc, char **argv)
{
	struct drive d = { .tone = 1000, .seconds = 2, .play_state = AUDIO_OFF };
	struct audio_config cfg;
	g_autoptr(GError) error = NULL;
	g_autofree char *headset = NULL, *output = NULL, *input = NULL, *policy = NULL;
	gboolean no_cues = FALSE, no_dtx = FALSE;
	gint seed = 1, volume = 100;
	double prebuffer = 0;
	GOptionEntry entries[] = {
		{ "headset", 0, 0, G_OPTION_ARG_STRING, &headset, "headset", "X" },
		{ "output", 0, 0, G_OPTION_ARG_STRING, &output, "fallback sink", "NAME" },
		{ "input", 0, 0, G_OPTION_ARG_STRING, &input, "microphone", "NAME" },
		{ "hfp-policy", 0, 0, G_OPTION_ARG_STRING, &policy, "on-talk|always|never", "P" },
		{ "no-cues", 0, 0, G_OPTION_ARG_NONE, &no_cues, "no cues", NULL },
		{ "no-dtx", 0, 0, G_OPTION_ARG_NONE, &no_dtx, "encoder without DTX", NULL },
		{ "tone", 0, 0, G_OPTION_ARG_DOUBLE, &d.tone, "burst tone Hz", "HZ" },
		{ "seconds", 0, 0, G_OPTION_ARG_DOUBLE, &d.seconds, "length", "S" },
		{ "loss", 0, 0, G_OPTION_ARG_INT, &d.loss, "loss %", "PCT" },
		{ "reorder", 0, 0, G_OPTION_ARG_INT, &d.reorder, "reorder %", "PCT" },
		{ "dup", 0, 0, G_OPTION_ARG_INT, &d.dup, "duplicate %", "PCT" },
		{ "seed", 0, 0, G_OPTION_ARG_INT, &seed, "random seed", "N" },
		{ "volume", 0, 0, G_OPTION_ARG_INT, &volume, "playback volume %", "PCT" },
		{ "pause", 0, 0, G_OPTION_ARG_DOUBLE, &d.pause, "two-bursts: pause", "S" },
		{ "prebuffer", 0, 0, G_OPTION_ARG_DOUBLE, &prebuffer,
		  "jitter allowance at start (s)", "S" },
		{ "codec-error", 0, 0, G_OPTION_ARG_STRING, &d.codec_error,
		  "the burst's codec header cannot be played (why)", "TEXT" },
		{ "out", 0, 0, G_OPTION_ARG_FILENAME, &d.out_path, "capture output", "FILE" },
		{ "talk-gate", 0, 0, G_OPTION_ARG_FILENAME, &d.talk_gate,
		  "route: talk once FILE exists", "FILE" },
		{ NULL },
	};
	g_autoptr(GOptionContext) oc = g_option_context_new("play|capture|route");

	g_option_context_add_main_entries(oc, entries, NULL);
	if (!g_option_context_parse(oc, &argc, &argv, &error) || argc != 2) {
		fprintf(stderr, "audio-drive: %s\n", error ? error->message : "one scenario");
		return 64;
	}
	d.scenario = argv[1];
	g_random_set_seed((guint32)seed);
	setvbuf(stdout, NULL, _IOLBF, 0);

	audio_config_init(&cfg);
	cfg.headset = headset;
	cfg.output = output;
	cfg.input = input;
	cfg.cues = !no_cues;
	cfg.dtx = !no_dtx;
	if (prebuffer > 0) {
		cfg.prebuffer = (uint64_t)(prebuffer * 1e6);
		cfg.max_prebuffer = MAX(cfg.max_prebuffer, cfg.prebuffer);
	}
	if (policy)
		cfg.hfp_policy = strcmp(policy, "always") == 0  ? AUDIO_HFP_ALWAYS
				 : strcmp(policy, "never") == 0 ? AUDIO_HFP_NEVER
								: AUDIO_HFP_ON_TALK;
	d.policy = cfg.hfp_policy;
	d.loop = g_main_loop_new(NULL, FALSE);
	d.dec = audio_dec_new();
	if (d.out_path && !(d.out = fopen(d.out_path, "wb"))) {
		perror(d.out_path);
		return 1;
	}
	if (strcmp(d.scenario, "capture") != 0)
		make_burst(&d);
	if (d.n_pkts)
		qsort(d.pkts, d.n_pkts, sizeof(*d.pkts),
		      (int (*)(const void *, const void *))by_due);
	if (strcmp(d.scenario, "conceal") == 0) {
		int rc = run_conceal(&d);

		if (d.out)
			fclose(d.out);
		audio_dec_free(d.dec);
		g_free(d.pkts);
		g_free(d.out_path);
		g_main_loop_unref(d.loop);
		return rc;
	}
	d.a = audio_new(&cfg, &events, &d, &error);
	if (!d.a) {
		fprintf(stderr, "audio-drive: %s\n", error->message);
		return 1;
	}
	/* the headset device, on a connection of its own (as the daemon's) */
	d.pw = audio_pw_new(&no_pw_events, NULL, &error);
	if (!d.pw) {
		fprintf(stderr, "audio-drive: %s\n", error->message);
		return 1;
	}
	d.prof = audio_profile_new(audio_pw_get_core(d.pw), headset, &no_profile_events, NULL);
	/* as the daemon does on volume up/down: on the running bridge */
	audio_set_volume(d.a, (unsigned)MAX(volume, 0));
	g_timeout_add(300, begin, &d); /* let the registry settle */
	g_timeout_add((guint)((d.seconds * 2 + d.pause) * 1000) + 15000, overall_timeout, &d);
	g_main_loop_run(d.loop);
	audio_profile_free(d.prof);
	audio_pw_free(d.pw);
	audio_free(d.a);
	if (d.out)
		fclose(d.out);
	audio_dec_free(d.dec);
	g_free(d.pkts);
	g_main_loop_unref(d.loop);
	g_free(d.out_path);
	g_free(d.codec_error);
	g_free(d.talk_gate);
	return d.rc;
}
