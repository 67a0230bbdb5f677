/* SPDX-License-Identifier: MIT */
#include "audio-stream.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <spa/param/audio/format-utils.h>
#include <spa/pod/builder.h>

struct audio_stream {
	struct audio_pw *pw;
	struct audio_stream_events ev;
	void *data;
	bool capture;
	char *target;
	uint64_t activation_timeout;

	struct pw_stream *stream;
	struct spa_hook listener;
	enum pw_stream_state pw_state;
	enum audio_activation act;
	char reason[256];
	uint32_t peer_id;
	char peer_name[AUDIO_NAME_MAX];
	guint timeout_id;
	guint recheck_id;
	bool first_sample_told;
	bool drained_told;
	bool parked;              /* set inactive between bursts (corked), still linked */

	/* shared with process() on the data thread */
	atomic_bool cycled;       /* process() moved a buffer */
	atomic_bool sample_out;   /* a buffer with real samples went out */
	atomic_bool eos;
	atomic_bool started;
	atomic_bool drained;
	atomic_uint underruns;
	atomic_uint overruns;
	atomic_uint quantum;      /* samples the last process() asked for */
	_Atomic uint64_t last_io;
	_Atomic uint64_t first_cycle;
	_Atomic uint64_t last_cycle;
	_Atomic uint64_t period;  /* usec between the last two process() calls */
	_Atomic uint64_t hold_until; /* usec: the sample at hold_index plays no earlier */
	atomic_uint hold_index;
	uint32_t quiet_cycles;    /* data thread only: cycles of silence since eos + empty */
	uint64_t t_connect, t_streaming;
	struct audio_ring ring;
};

#define DRAIN_QUIET_CYCLES 2

static const char *dir_word(const struct audio_stream *s)
{
	return s->capture ? "input" : "output";
}

static void set_act(struct audio_stream *s, enum audio_activation st, const char *fmt, ...)
	G_GNUC_PRINTF(3, 4);

static void set_act(struct audio_stream *s, enum audio_activation st, const char *fmt, ...)
{
	va_list ap;

	if (s->act == AUDIO_FAILED || s->act == st)
		return;
	va_start(ap, fmt);
	vsnprintf(s->reason, sizeof(s->reason), fmt, ap);
	va_end(ap);
	s->act = st;
	if (st != AUDIO_STARTING && s->timeout_id) {
		g_source_remove(s->timeout_id);
		s->timeout_id = 0;
	}
	if (s->ev.state)
		s->ev.state(s->data, s, st, s->reason);
}

static uint64_t now_usec(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/* data thread: samples of this cycle (of n) to read from the ring before the held
 * sample, and how many zeros then keep it back until its time (*ret_pad) */
static uint32_t hold_split(struct audio_stream *s, uint64_t now, uint32_t n, uint32_t *ret_pad)
{
	uint64_t until = atomic_load(&s->hold_until);
	uint32_t before, avail, pad = 0;
	uint64_t wait;

	*ret_pad = 0;
	if (!until)
		return n;
	before = atomic_load(&s->hold_index) - audio_ring_read_index(&s->ring);
	if ((int32_t)before < 0) {
		/* it went out (a newer hold may have come meanwhile: keep that one) */
		atomic_compare_exchange_strong(&s->hold_until, &until, 0);
		return n;
	}
	if (before >= n)
		return n;
	/* sample `before` of this buffer plays before / 16 ms after now */
	wait = until > now ? (until - now) * AUDIO_RATE / 1000000u : 0;
	if (wait > before)
		pad = (uint32_t)MIN(wait - before, (uint64_t)(n - before));
	/* the ring holds too little to fill the cycle after the pad (the cycle asks more
	 * than the quantum that was planned for, or a packet came a little late): the
	 * burst starts that much later instead, rather than with a hole after its start */
	avail = audio_ring_fill(&s->ring);
	if (avail > before && avail + pad < n)
		pad = n - avail;
	if (before + pad < n)
		atomic_compare_exchange_strong(&s->hold_until, &until, 0);
	*ret_pad = pad;
	return before;
}

/* data thread */
static void on_process_playback(void *data)
{
	struct audio_stream *s = data;
	struct pw_buffer *b = pw_stream_dequeue_buffer(s->stream);
	struct spa_data *d;
	uint32_t n, got, first, pad;
	int16_t *dst;
	uint64_t now = now_usec(), prev;

	prev = atomic_exchange(&s->last_cycle, now);
	atomic_store(&s->period, prev ? now - prev : 0);
	if (!atomic_load(&s->first_cycle))
		atomic_store(&s->first_cycle, now);
	if (!b)
		return;
	d = &b->buffer->datas[0];
	dst = d->data;
	if (!dst) {
		pw_stream_queue_buffer(s->stream, b);
		return;
	}
	n = d->maxsize / sizeof(int16_t);
	if (b->requested && b->requested < n)
		n = (uint32_t)b->requested;
	atomic_store(&s->quantum, n);
	/* a held sample: what comes before it, silence until its time, then the rest */
	first = hold_split(s, now, n, &pad);
	got = audio_ring_read(&s->ring, dst, first);
	if (got < first) {
		pad = 0; /* the ring ran short before the held sample */
	} else {
		memset(dst + got, 0, pad * sizeof(int16_t));
		got += audio_ring_read(&s->ring, dst + first + pad, n - first - pad);
	}
	if (got + pad < n) {
		memset(dst + got + pad, 0, (n - got - pad) * sizeof(int16_t));
		if (atomic_load(&s->started) && !atomic_load(&s->eos))
			atomic_fetch_add(&s->underruns, 1);
	}
	d->chunk->offset = 0;
	d->chunk->stride = sizeof(int16_t);
	d->chunk->size = n * sizeof(int16_t);
	pw_stream_queue_buffer(s->stream, b);

	atomic_store(&s->cycled, true);
	if (got > 0)
		atomic_store(&s->sample_out, true);
	/* drained once the last samples are through the graph: what a converter (the
	 * resampler) still held goes out with a cycle or two of silence, rather than at
	 * the start of the next burst after a park */
	if (atomic_load(&s->eos) && audio_ring_fill(&s->ring) == 0) {
		if (s->quiet_cycles < DRAIN_QUIET_CYCLES)
			s->quiet_cycles++;
		else
			atomic_store(&s->drained, true);
	} else {
		s->quiet_cycles = 0;
	}
	audio_pw_notify_rt(s->pw);
}

/* data thread */
static void on_process_capture(void *data)
{
	struct audio_stream *s = data;
	struct pw_buffer *b = pw_stream_dequeue_buffer(s->stream);
	struct spa_data *d;
	uint32_t off, size, n = 0;

	if (!b)
		return;
	d = &b->buffer->datas[0];
	if (d->data && d->chunk) {
		off = SPA_MIN(d->chunk->offset, d->maxsize);
		size = SPA_MIN(d->chunk->size, d->maxsize - off);
		n = size / sizeof(int16_t);
		if (audio_ring_write(&s->ring, SPA_PTROFF(d->data, off, const int16_t), n) < n)
			atomic_fetch_add(&s->overruns, 1);
		atomic_store(&s->last_io, now_usec());
	}
	pw_stream_queue_buffer(s->stream, b);
	/* capture is ACTIVE on real samples only: an empty buffer is no microphone */
	if (n == 0)
		return;
	atomic_store(&s->cycled, true);
	audio_pw_notify_rt(s->pw);
}

static void evaluate(struct audio_stream *s)
{
	uint32_t peer;

	if (s->act != AUDIO_STARTING || !s->stream)
		return;
	peer = audio_pw_link_peer(s->pw, pw_stream_get_node_id(s->stream), !s->capture);
	if (peer != SPA_ID_INVALID && peer != s->peer_id) {
		const struct audio_node *n = audio_pw_find_node(s->pw, peer);

		s->peer_id = peer;
		if (n)
			snprintf(s->peer_name, sizeof(s->peer_name), "%s", n->name);
		else
			snprintf(s->peer_name, sizeof(s->peer_name), "node %u", peer);
	}
	if (s->pw_state == PW_STREAM_STATE_STREAMING && atomic_load(&s->cycled) &&
	    s->peer_id != SPA_ID_INVALID)
		set_act(s, AUDIO_ACTIVE, "%s %s", s->capture ? "capturing from" : "playing to",
			s->peer_name);
}

static void on_state_changed(void *data, enum pw_stream_state old, enum pw_stream_state state,
			     const char *error)
{
	struct audio_stream *s = data;

	g_debug("%s stream: %s -> %s%s%s", dir_word(s), pw_stream_state_as_string(old),
		pw_stream_state_as_string(state), error ? ": " : "", error ? error : "");
	s->pw_state = state;
	switch (state) {
	case PW_STREAM_STATE_ERROR:
		if (error && strstr(error, "no node available"))
			set_act(s, AUDIO_FAILED, "the session manager found no %s node for %s",
				dir_word(s), s->target ? s->target : "the stream");
		else if (error && (strstr(error, "format") || strstr(error, "no more")))
			set_act(s, AUDIO_FAILED, "format refused: %s", error);
		else
			set_act(s, AUDIO_FAILED, "stream error: %s", error ? error : "unknown");
		break;
	case PW_STREAM_STATE_UNCONNECTED:
		set_act(s, AUDIO_FAILED, "stream disconnected%s%s", error ? ": " : "",
			error ? error : "");
		break;
	case PW_STREAM_STATE_CONNECTING:
	case PW_STREAM_STATE_PAUSED:
		break;
	case PW_STREAM_STATE_STREAMING:
		s->t_streaming = (uint64_t)g_get_monotonic_time();
		evaluate(s);
		break;
	}
}

static const struct pw_stream_events playback_events = {
	PW_VERSION_STREAM_EVENTS,
	.state_changed = on_state_changed,
	.process = on_process_playback,
};

static const struct pw_stream_events capture_events = {
	PW_VERSION_STREAM_EVENTS,
	.state_changed = on_state_changed,
	.process = on_process_capture,
};

static gboolean on_timeout(gpointer data)
{
	struct audio_stream *s = data;
	const struct audio_node *peer;
	double secs = (double)s->activation_timeout / 1e6;

	s->timeout_id = 0;
	evaluate(s);
	if (s->act != AUDIO_STARTING)
		return G_SOURCE_REMOVE;
	if (s->target && !audio_pw_find_node_by_name(s->pw, s->target)) {
		set_act(s, AUDIO_FAILED, "%s node %s not present", dir_word(s), s->target);
	} else if (s->peer_id == SPA_ID_INVALID) {
		set_act(s, AUDIO_FAILED, "no session manager linked the stream to %s within %.1f s",
			s->target ? s->target : "any node", secs);
	} else if ((peer = audio_pw_find_node(s->pw, s->peer_id)) &&
		   (peer->state == PW_NODE_STATE_SUSPENDED || peer->state == PW_NODE_STATE_ERROR)) {
		set_act(s, AUDIO_FAILED, "%s node %s is %s%s%s", dir_word(s), peer->name,
			pw_node_state_as_string(peer->state), peer->error[0] ? ": " : "",
			peer->error);
	} else {
		set_act(s, AUDIO_FAILED, "linked to %s but no buffer moved within %.1f s (%s)",
			s->peer_name, secs, pw_stream_state_as_string(s->pw_state));
	}
	return G_SOURCE_REMOVE;
}

static gboolean on_recheck(gpointer data)
{
	struct audio_stream *s = data;
	uint32_t peer;

	s->recheck_id = 0;
	if (s->act != AUDIO_ACTIVE)
		return G_SOURCE_REMOVE;
	peer = audio_pw_link_peer(s->pw, pw_stream_get_node_id(s->stream), !s->capture);
	if (peer == SPA_ID_INVALID) {
		if (!audio_pw_find_node(s->pw, s->peer_id))
			set_act(s, AUDIO_FAILED, "%s node %s gone", dir_word(s), s->peer_name);
		else
			set_act(s, AUDIO_FAILED, "unlinked from %s", s->peer_name);
	}
	return G_SOURCE_REMOVE;
}

void audio_stream_check(struct audio_stream *s, const struct audio_node *gone)
{
	if (!s || s->act == AUDIO_FAILED)
		return;
	if (gone && ((s->peer_id != SPA_ID_INVALID && gone->id == s->peer_id) ||
		     (s->target && strcmp(gone->name, s->target) == 0))) {
		set_act(s, AUDIO_FAILED, "%s node %s gone", dir_word(s), gone->name);
		return;
	}
	if (s->act == AUDIO_STARTING) {
		evaluate(s);
		return;
	}
	/* links go before their nodes: decide once the registry batch is in */
	if (!s->recheck_id)
		s->recheck_id = g_timeout_add(50, on_recheck, s);
}

void audio_stream_poll(struct audio_stream *s)
{
	if (!s)
		return;
	if (s->act == AUDIO_STARTING && atomic_load(&s->cycled))
		evaluate(s);
	if (s->act == AUDIO_FAILED)
		return;
	if (s->ev.io)
		s->ev.io(s->data, s);
	if (!s->first_sample_told && atomic_load(&s->sample_out)) {
		s->first_sample_told = true;
		if (s->ev.first_sample)
			s->ev.first_sample(s->data, s);
	}
	if (!s->drained_told && atomic_load(&s->drained)) {
		s->drained_told = true;
		if (s->ev.drained)
			s->ev.drained(s->data, s);
	}
}

struct audio_stream *audio_stream_new(struct audio_pw *pw, const struct audio_stream_params *p,
				      const struct audio_stream_events *ev, void *data)
{
	struct audio_stream *s;
	struct pw_properties *props;
	uint8_t buffer[1024];
	struct spa_pod_builder b = SPA_POD_BUILDER_INIT(buffer, sizeof(buffer));
	const struct spa_pod *params[1];
	struct spa_audio_info_raw info = {
		.format = SPA_AUDIO_FORMAT_S16,
		.rate = AUDIO_RATE,
		.channels = 1,
		.position = { SPA_AUDIO_CHANNEL_MONO },
	};
	int r;

	s = g_new0(struct audio_stream, 1);
	s->pw = pw;
	s->ev = *ev;
	s->data = data;
	s->capture = p->capture;
	s->target = p->target && *p->target ? g_strdup(p->target) : NULL;
	s->activation_timeout = p->activation_timeout;
	s->act = AUDIO_STARTING;
	s->peer_id = SPA_ID_INVALID;
	s->t_connect = (uint64_t)g_get_monotonic_time();
	audio_ring_init(&s->ring);

	props = pw_properties_new(PW_KEY_MEDIA_TYPE, "Audio",
				  PW_KEY_MEDIA_CATEGORY, p->capture ? "Capture" : "Playback",
				  PW_KEY_NODE_NAME, p->name,
				  PW_KEY_NODE_DESCRIPTION, p->name,
				  PW_KEY_NODE_DONT_RECONNECT, "true",
				  NULL);
	/* one frame per graph cycle: the graph need not run faster than we fill it */
	pw_properties_setf(props, PW_KEY_NODE_LATENCY, "%u/%u", AUDIO_FRAME_SAMPLES, AUDIO_RATE);
	if (p->role)
		pw_properties_set(props, PW_KEY_MEDIA_ROLE, p->role);
	if (s->target)
		pw_properties_set(props, PW_KEY_TARGET_OBJECT, s->target);
	s->stream = pw_stream_new(audio_pw_get_core(pw), p->name, props);
	if (!s->stream) {
		snprintf(s->reason, sizeof(s->reason), "cannot create a stream: %s",
			 g_strerror(errno));
		s->act = AUDIO_FAILED;
		return s;
	}
	pw_stream_add_listener(s->stream, &s->listener,
			       p->capture ? &capture_events : &playback_events, s);
	params[0] = spa_format_audio_raw_build(&b, SPA_PARAM_EnumFormat, &info);
	r = pw_stream_connect(s->stream, p->capture ? PW_DIRECTION_INPUT : PW_DIRECTION_OUTPUT,
			      PW_ID_ANY,
			      PW_STREAM_FLAG_AUTOCONNECT | PW_STREAM_FLAG_MAP_BUFFERS |
				      PW_STREAM_FLAG_RT_PROCESS,
			      params, 1);
	if (r < 0) {
		snprintf(s->reason, sizeof(s->reason), "cannot connect the stream: %s",
			 g_strerror(-r));
		s->act = AUDIO_FAILED;
		return s;
	}
	snprintf(s->reason, sizeof(s->reason), "connecting to %s",
		 s->target ? s->target : "the default node");
	s->timeout_id = g_timeout_add((guint)(s->activation_timeout / 1000), on_timeout, s);
	return s;
}

static int on_data_loop_sync(struct spa_loop *loop, bool async, uint32_t seq, const void *d,
			     size_t size, void *user_data)
{
	return 0;
}

/* Returns once the data thread has finished the cycle it may be in. */
static void sync_data_loop(struct audio_stream *s)
{
	struct pw_context *ctx = pw_core_get_context(pw_stream_get_core(s->stream));
	struct pw_data_loop *dl = ctx ? pw_context_get_data_loop(ctx) : NULL;

	if (dl)
		pw_data_loop_invoke(dl, on_data_loop_sync, 0, NULL, 0, true, NULL);
}

struct audio_stream *audio_stream_free(struct audio_stream *s)
{
	if (!s)
		return NULL;
	if (s->recheck_id)
		g_source_remove(s->recheck_id);
	if (s->timeout_id)
		g_source_remove(s->timeout_id);
	/* the owner is freeing us: no events from here on (disconnect reports one) */
	memset(&s->ev, 0, sizeof(s->ev));
	if (s->stream) {
		/* PipeWire 0.3.65 clears the process callback's data when the hook goes,
		 * on this thread, while the data thread may be about to call it. So the
		 * node leaves the graph first and the data thread is waited for; only
		 * then do the listener and the stream go (module-loopback's order). */
		pw_stream_set_active(s->stream, false);
		pw_stream_disconnect(s->stream);
		sync_data_loop(s);
		spa_hook_remove(&s->listener);
		pw_stream_destroy(s->stream);
	}
	g_free(s->target);
	g_free(s);
	return NULL;
}

struct audio_ring *audio_stream_ring(struct audio_stream *s)
{
	return &s->ring;
}

enum audio_activation audio_stream_state(const struct audio_stream *s, const char **ret_reason)
{
	if (ret_reason)
		*ret_reason = s->reason;
	return s->act;
}

const char *audio_stream_peer_name(const struct audio_stream *s)
{
	return s->peer_name;
}

const char *audio_stream_target(const struct audio_stream *s)
{
	return s->target ? s->target : "";
}

void audio_stream_set_eos(struct audio_stream *s, bool eos)
{
	atomic_store(&s->eos, eos);
	if (!eos) {
		atomic_store(&s->drained, false);
		s->drained_told = false;
	}
}

bool audio_stream_drained(const struct audio_stream *s)
{
	return atomic_load(&((struct audio_stream *)s)->drained);
}

void audio_stream_park(struct audio_stream *s, bool park)
{
	if (!s->stream || s->parked == park)
		return;
	s->parked = park;
	if (!park) {
		/* the timeline counts from here (the data thread is out of the graph) */
		s->t_connect = (uint64_t)g_get_monotonic_time();
		atomic_store(&s->first_cycle, 0);
	}
	/* an inactive node is left out of the graph's cycles: no process(), no wake-ups;
	 * its links stay, so that it plays again within a cycle or two */
	pw_stream_set_active(s->stream, !park);
}

bool audio_stream_parked(const struct audio_stream *s)
{
	return s->parked;
}

void audio_stream_hold(struct audio_stream *s, uint32_t index, uint64_t until)
{
	atomic_store(&s->hold_index, index);
	atomic_store(&s->hold_until, until);
}

uint64_t audio_stream_period(const struct audio_stream *s)
{
	return atomic_load(&((struct audio_stream *)s)->period);
}

uint64_t audio_stream_next_cycle(const struct audio_stream *s, uint64_t now, uint64_t period)
{
	struct audio_stream *m = (struct audio_stream *)s;
	uint64_t last = atomic_load(&m->last_cycle), own = atomic_load(&m->period);

	if (own && own <= 200000u)
		period = own; /* not the gap of a park */
	/* cycling now and then: not (yet, any more) a schedule to rely on */
	if (!last || !period || period > 200000u || now > last + 2 * period)
		return 0;
	return last + period;
}

uint32_t audio_stream_hold_pending(const struct audio_stream *s, uint64_t now)
{
	struct audio_stream *m = (struct audio_stream *)s;
	uint64_t until = atomic_load(&m->hold_until), wait;
	uint32_t before;

	if (until <= now)
		return 0;
	before = atomic_load(&m->hold_index) - audio_ring_read_index(&m->ring);
	wait = MIN((until - now) * AUDIO_RATE / 1000000u, (uint64_t)AUDIO_RING_SAMPLES);
	/* the samples ahead of the held one play meanwhile */
	return (int32_t)before >= 0 && wait > before ? (uint32_t)(wait - before) : 0;
}

void audio_stream_set_started(struct audio_stream *s, bool started)
{
	atomic_store(&s->started, started);
}

uint32_t audio_stream_underruns(const struct audio_stream *s)
{
	return atomic_load(&((struct audio_stream *)s)->underruns);
}

uint32_t audio_stream_overruns(const struct audio_stream *s)
{
	return atomic_load(&((struct audio_stream *)s)->overruns);
}

uint32_t audio_stream_quantum(const struct audio_stream *s)
{
	return atomic_load(&((struct audio_stream *)s)->quantum);
}

uint64_t audio_stream_last_io(const struct audio_stream *s)
{
	return atomic_load(&((struct audio_stream *)s)->last_io);
}

void audio_stream_get_times(const struct audio_stream *s, struct audio_stream_times *ret)
{
	struct audio_stream *m = (struct audio_stream *)s;

	ret->connect = s->t_connect;
	ret->streaming = s->t_streaming;
	ret->first_cycle = atomic_load(&m->first_cycle);
	ret->last_cycle = atomic_load(&m->last_cycle);
}
