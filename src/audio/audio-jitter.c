/* SPDX-License-Identifier: MIT */
#include "audio-jitter.h"

#include <stdlib.h>
#include <string.h>

enum slot_state {
	SLOT_EMPTY,
	SLOT_BUFFERED,
	SLOT_PLAYED,    /* its id was played from its own data */
	SLOT_CONCEALED, /* its id passed without its data */
};

struct slot {
	uint32_t id;
	uint32_t usec;  /* the packet's own duration */
	uint16_t len;
	uint8_t state;  /* enum slot_state */
};

enum jstate {
	J_IDLE,
	J_PREBUFFER,
	J_PLAYING,
	J_DRAINING,
};

struct audio_jitter {
	enum jstate state;
	bool have_first;
	bool ending;        /* end() came while prebuffering */
	uint32_t next;      /* next id to play */
	uint32_t max_id;    /* highest id buffered so far */
	unsigned count;     /* buffered slots */
	uint64_t buffered_usec;
	uint64_t target, min, max, reserve; /* usec */
	uint64_t packet_usec; /* the stream's packet length: header, then the packets */
	uint64_t grow;      /* usec to add while playing (late packets seen) */
	uint64_t grown;     /* usec added in this burst */
	uint64_t first_arrival;
	bool consumer_holds; /* the consumer waits the reserve itself, until `due` */
	uint64_t due;       /* when the first sample is to play (0: not released yet) */
	uint32_t held_id;   /* the packet returned by the last get() (PLAY) */
	bool held;
	bool stretch_owed;  /* the last get() stretched, waiting for the head, next */
	bool last_plc;      /* the last get() handed out a PLC or a stretch */
	unsigned nslots;    /* this burst's window */
	size_t cap;         /* bytes per slot this burst */
	struct audio_play_stats st;
	struct slot slots[AUDIO_JITTER_MAX_SLOTS];
	uint8_t arena[AUDIO_JITTER_ARENA];
};

static int32_t id_diff(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b);
}

static struct slot *slot_of(struct audio_jitter *j, uint32_t id)
{
	return &j->slots[id % j->nslots];
}

static uint8_t *slot_data(struct audio_jitter *j, const struct slot *s)
{
	return j->arena + (size_t)(s - j->slots) * j->cap;
}

static uint64_t clamp_target(const struct audio_jitter *j, uint64_t t)
{
	return t < j->min ? j->min : t > j->max ? j->max : t;
}

struct audio_jitter *audio_jitter_new(uint64_t prebuffer, uint64_t min, uint64_t max,
				      uint64_t reserve)
{
	struct audio_jitter *j = calloc(1, sizeof(*j));
	/* the smallest window: 256 slots of 2.5 ms */
	uint64_t limit = (uint64_t)AUDIO_JITTER_MAX_SLOTS * 2500u / 2u;

	if (!j)
		return NULL;
	if (max > limit)
		max = limit;
	if (max < min)
		max = min;
	j->min = min;
	j->max = max;
	j->reserve = reserve;
	j->target = clamp_target(j, prebuffer);
	j->nslots = AUDIO_JITTER_MIN_SLOTS;
	j->cap = AUDIO_MAX_PACKET;
	j->packet_usec = AUDIO_FRAME_USEC;
	return j;
}

struct audio_jitter *audio_jitter_free(struct audio_jitter *j)
{
	free(j);
	return NULL;
}

void audio_jitter_set_reserve(struct audio_jitter *j, uint64_t reserve)
{
	j->reserve = reserve;
}

void audio_jitter_set_consumer_holds(struct audio_jitter *j, bool holds)
{
	j->consumer_holds = holds;
}

void audio_jitter_begin(struct audio_jitter *j, uint32_t stream_id, uint64_t packet_usec,
			uint64_t now)
{
	unsigned n;

	(void)now;
	if (packet_usec < 2500 || packet_usec > 120000)
		packet_usec = AUDIO_FRAME_USEC;
	j->packet_usec = packet_usec;
	/* the window covers >= 1.28 s of this stream's packets; the arena is shared */
	n = (unsigned)((AUDIO_JITTER_WINDOW_USEC + packet_usec - 1) / packet_usec);
	n = n < AUDIO_JITTER_MIN_SLOTS ? AUDIO_JITTER_MIN_SLOTS
	    : n > AUDIO_JITTER_MAX_SLOTS ? AUDIO_JITTER_MAX_SLOTS : n;
	j->nslots = n;
	j->cap = AUDIO_JITTER_ARENA / n;
	if (j->cap > AUDIO_MAX_PACKET)
		j->cap = AUDIO_MAX_PACKET;
	for (unsigned i = 0; i < AUDIO_JITTER_MAX_SLOTS; i++)
		j->slots[i].state = SLOT_EMPTY;
	memset(&j->st, 0, sizeof(j->st));
	j->st.stream_id = stream_id;
	j->st.prebuffer = j->target + j->reserve;
	j->state = J_PREBUFFER;
	j->have_first = false;
	j->ending = false;
	j->count = 0;
	j->buffered_usec = 0;
	j->held = false;
	j->stretch_owed = false;
	j->last_plc = false;
	j->grow = 0;
	j->grown = 0;
	j->due = 0;
}

static void adapt(struct audio_jitter *j)
{
	if (j->st.late > 0 || j->st.stretched > 2)
		j->target = clamp_target(j, j->target + AUDIO_JITTER_STEP_UP);
	else if (j->st.received > 0)
		j->target = clamp_target(j, j->target > AUDIO_JITTER_STEP_DOWN
						    ? j->target - AUDIO_JITTER_STEP_DOWN
						    : 0);
}

static void finish(struct audio_jitter *j)
{
	if (j->state == J_IDLE)
		return;
	adapt(j);
	j->state = J_IDLE;
}

static void take(struct audio_jitter *j, struct slot *s)
{
	j->count--;
	j->buffered_usec -= s->usec;
}

static void resync(struct audio_jitter *j, uint32_t new_next)
{
	while (id_diff(new_next, j->next) > 0) {
		struct slot *s = slot_of(j, j->next);

		if (s->state == SLOT_BUFFERED && s->id == j->next) {
			j->st.flushed++;
			take(j, s);
		}
		s->id = j->next;
		s->state = SLOT_CONCEALED;
		if (j->state != J_PREBUFFER) /* before the first slot played: not a slot */
			j->st.skipped++;
		j->next++;
	}
	if (j->state == J_PREBUFFER)
		return;
	j->st.last_id = j->next - 1;
}

enum audio_jitter_put audio_jitter_put(struct audio_jitter *j, uint32_t id, const uint8_t *data,
				       size_t len, uint64_t usec, uint64_t now)
{
	struct slot *s;
	int32_t d, win = (int32_t)j->nslots;

	if (j->state == J_IDLE) {
		/* after the burst: accounted to it, which is over */
		j->st.late++;
		return AUDIO_JITTER_PUT_NO_BURST;
	}
	j->st.received++;
	if (!data || len == 0 || len > j->cap || usec == 0 || usec > 120000) {
		j->st.invalid++;
		return AUDIO_JITTER_PUT_INVALID;
	}
	if (!j->have_first) {
		j->have_first = true;
		j->next = id;
		j->max_id = id;
		j->first_arrival = now;
	}
	d = id_diff(id, j->next);
	if (d < 0 && j->state == J_PREBUFFER && id_diff(j->max_id, id) < win) {
		/* an earlier packet while nothing played yet: start from it */
		j->next = id;
		d = 0;
	}
	s = slot_of(j, id);
	if (d < 0) {
		if (d > -win && s->id == id && s->state == SLOT_PLAYED) {
			j->st.duplicate++;
			return AUDIO_JITTER_PUT_DUPLICATE;
		}
		j->st.late++;
		/* jitter beyond what we waited: wait longer from now on (up to max) */
		if (j->state == J_PLAYING && j->target + j->grown + j->grow < j->max)
			j->grow += AUDIO_JITTER_STEP_UP;
		return AUDIO_JITTER_PUT_LATE;
	}
	if (d >= 2 * win) {
		/* not a lag we could have built up: a bad id */
		j->st.invalid++;
		return AUDIO_JITTER_PUT_INVALID;
	}
	if (d >= win) {
		/* we lag a whole window behind (a consumer that stalled, such as a
		 * Bluetooth sink that takes a second to start): drop only the oldest
		 * packets that no longer fit, not the window. The words are late, but
		 * none is lost beyond what overflowed, and the flushes are counted. */
		resync(j, id - (uint32_t)(win - 1));
		d = id_diff(id, j->next);
	}
	if (s->state == SLOT_BUFFERED) {
		/* the slot of id is ours (d within the window): the same id again */
		j->st.duplicate++;
		return AUDIO_JITTER_PUT_DUPLICATE;
	}
	s->id = id;
	s->len = (uint16_t)len;
	s->usec = (uint32_t)usec;
	s->state = SLOT_BUFFERED;
	memcpy(slot_data(j, s), data, len);
	j->count++;
	j->buffered_usec += usec;
	/* trust the packets over the header for the length of a missing one */
	j->packet_usec = usec;
	if (id_diff(id, j->max_id) > 0)
		j->max_id = id;
	return AUDIO_JITTER_PUT_OK;
}

static bool buffered(struct audio_jitter *j, uint32_t id)
{
	struct slot *s = slot_of(j, id);

	return s->state == SLOT_BUFFERED && s->id == id;
}

/* Audio buffered beyond the packet in hand (a backlog), usec. */
static uint64_t backlog(const struct audio_jitter *j)
{
	uint64_t span = (uint64_t)(id_diff(j->max_id, j->next) + 1) * j->packet_usec;

	return span > j->packet_usec ? span - j->packet_usec : 0;
}

/* Prebuffering: has the wait for jitter passed (or a backlog covered it)? The reserve
 * is waited here, or by the consumer (consumer_holds: it holds the first sample until
 * audio_jitter_due()). */
static bool prebuffered(struct audio_jitter *j, uint64_t now)
{
	uint64_t need = j->target + j->reserve;
	uint64_t wait = j->consumer_holds ? j->target : need;

	if (j->ending)
		return true;
	/* the packet in hand covers the time until the next one is due */
	if (backlog(j) >= wait)
		return true;
	return now - j->first_arrival >= wait;
}

/* Released at now: when the first sample is to play. Packets go on arriving in real
 * time from the first arrival (or from the backlog's end, if that is earlier): each
 * must be in before the consumer takes the cycle that reaches it, a reserve ahead. */
static uint64_t due_time(const struct audio_jitter *j, uint64_t now)
{
	uint64_t b = backlog(j), from = j->first_arrival, t;

	if (j->ending || !j->consumer_holds)
		return now;
	if (now - b < from)
		from = now - b;
	t = from + j->target + j->reserve;
	return t > now ? t : now;
}

static enum audio_jitter_action get(struct audio_jitter *j, uint64_t now, bool dry,
				    const uint8_t **ret_data, size_t *ret_len, uint64_t *ret_usec)
{
	struct slot *s;
	uint64_t missing;
	bool owed;

	j->held = false;
	*ret_usec = 0;
	switch (j->state) {
	case J_IDLE:
		return AUDIO_JITTER_NONE;
	case J_PREBUFFER:
		if (!j->have_first) {
			if (j->ending) {
				finish(j);
				return AUDIO_JITTER_END;
			}
			return AUDIO_JITTER_NONE;
		}
		if (!prebuffered(j, now))
			return AUDIO_JITTER_NONE;
		j->due = due_time(j, now);
		j->state = j->ending ? J_DRAINING : J_PLAYING;
		j->st.first_id = j->next;
		j->st.last_id = j->next;
		break;
	case J_PLAYING:
	case J_DRAINING:
		break;
	}

	s = slot_of(j, j->next);
	if (buffered(j, j->next)) {
		j->stretch_owed = false;
		s->state = SLOT_PLAYED;
		take(j, s);
		*ret_data = slot_data(j, s);
		*ret_len = s->len;
		*ret_usec = s->usec;
		j->held = true;
		j->held_id = j->next;
		j->st.played++;
		j->st.last_id = j->next++;
		return AUDIO_JITTER_PLAY;
	}
	if (j->count == 0) {
		if (j->state == J_DRAINING) {
			finish(j);
			return AUDIO_JITTER_END;
		}
		if (!dry)
			return AUDIO_JITTER_NONE;
		j->st.stretched++;
		j->stretch_owed = true;
		*ret_usec = AUDIO_JITTER_STRETCH_USEC;
		return AUDIO_JITTER_STRETCH;
	}
	/* the head is missing; something later is here: it may still come while the
	 * consumer has audio (reordering), after the end it will not */
	if (!dry && j->state != J_DRAINING)
		return AUDIO_JITTER_NONE;
	if (j->grow && j->state != J_DRAINING && !j->last_plc && buffered(j, j->next + 1)) {
		/* late packets were seen: give this one a stretch more to come, which
		 * keeps the burst that much later from now on. Not right after a PLC,
		 * and only when the packet after it is here: if the head does not come,
		 * its FEC follows the stretch, not a second PLC in a row (a dropout);
		 * the wait is kept for the next hole that allows it. */
		j->grow -= j->grow < AUDIO_JITTER_STRETCH_USEC ? j->grow : AUDIO_JITTER_STRETCH_USEC;
		j->grown += AUDIO_JITTER_STRETCH_USEC;
		j->st.stretched++;
		j->stretch_owed = false; /* this delay is meant to stay */
		*ret_usec = AUDIO_JITTER_STRETCH_USEC;
		return AUDIO_JITTER_STRETCH;
	}
	owed = j->stretch_owed;
	j->stretch_owed = false;
	if (owed && j->consumer_holds && buffered(j, j->next + 1) && j->state != J_DRAINING &&
	    j->target + j->grown + AUDIO_JITTER_STRETCH_USEC <= j->max) {
		/* the consumer started with no cushion beyond its margin, so the packet
		 * after a lost one is not in before its hole is due: the stretch bridged
		 * the wait, the head comes back from that packet's FEC (below) and the
		 * stretch's delay stays: from now on the packet after a loss is in time
		 * to recover it (the burst's cushion grows on the first loss) */
		j->grown += AUDIO_JITTER_STRETCH_USEC;
	} else if (owed && j->packet_usec <= AUDIO_JITTER_STRETCH_USEC &&
		   j->state != J_DRAINING) {
		/* we stretched waiting for this head, and what came is after it: it was
		 * lost, not late, and the stretch already stood in for it. Concealing it
		 * once more would put two concealments in a row (a dropout); the stall
		 * was the loss, not jitter, so the stretch's delay is not kept either. */
		s->id = j->next;
		s->state = SLOT_CONCEALED;
		j->st.last_id = j->next++;
		j->st.concealed++;
		return get(j, now, dry, ret_data, ret_len, ret_usec);
	}
	s->id = j->next;
	s->state = SLOT_CONCEALED;
	j->st.last_id = j->next++;
	/* a lost packet is as long as its neighbours */
	missing = j->packet_usec;
	*ret_usec = missing;
	if (buffered(j, j->next)) {
		s = slot_of(j, j->next);
		*ret_data = slot_data(j, s);
		*ret_len = s->len;
		j->st.recovered++;
		return AUDIO_JITTER_FEC;
	}
	j->st.concealed++;
	return AUDIO_JITTER_PLC;
}

enum audio_jitter_action audio_jitter_get(struct audio_jitter *j, uint64_t now, bool dry,
					  const uint8_t **ret_data, size_t *ret_len,
					  uint64_t *ret_usec)
{
	enum audio_jitter_action a = get(j, now, dry, ret_data, ret_len, ret_usec);

	if (a != AUDIO_JITTER_NONE)
		j->last_plc = a == AUDIO_JITTER_PLC || a == AUDIO_JITTER_STRETCH;
	return a;
}

void audio_jitter_undecodable(struct audio_jitter *j)
{
	if (!j->held)
		return;
	j->held = false;
	j->last_plc = true; /* the consumer conceals it */
	j->st.played--;
	j->st.invalid++;
	slot_of(j, j->held_id)->state = SLOT_CONCEALED;
}

void audio_jitter_end(struct audio_jitter *j)
{
	if (j->state == J_PLAYING)
		j->state = J_DRAINING;
	else if (j->state == J_PREBUFFER)
		j->ending = true;
}

void audio_jitter_cancel(struct audio_jitter *j)
{
	if (j->state == J_IDLE)
		return;
	j->st.flushed += j->count;
	j->count = 0;
	j->buffered_usec = 0;
	for (unsigned i = 0; i < AUDIO_JITTER_MAX_SLOTS; i++)
		if (j->slots[i].state == SLOT_BUFFERED)
			j->slots[i].state = SLOT_EMPTY;
	finish(j);
}

bool audio_jitter_active(const struct audio_jitter *j)
{
	return j->state != J_IDLE;
}

bool audio_jitter_ending(const struct audio_jitter *j)
{
	return j->state == J_DRAINING || (j->state == J_PREBUFFER && j->ending);
}

uint32_t audio_jitter_stream_id(const struct audio_jitter *j)
{
	return j->st.stream_id;
}

uint64_t audio_jitter_due(const struct audio_jitter *j)
{
	return j->due;
}

uint64_t audio_jitter_target(const struct audio_jitter *j)
{
	return j->target;
}

uint64_t audio_jitter_packet_usec(const struct audio_jitter *j)
{
	return j->packet_usec;
}

unsigned audio_jitter_window(const struct audio_jitter *j)
{
	return j->nslots;
}

unsigned audio_jitter_buffered(const struct audio_jitter *j)
{
	return j->count;
}

uint64_t audio_jitter_buffered_usec(const struct audio_jitter *j)
{
	return j->buffered_usec;
}

const struct audio_play_stats *audio_jitter_stats(const struct audio_jitter *j)
{
	return &j->st;
}

const char *audio_jitter_action_to_string(enum audio_jitter_action a)
{
	switch (a) {
	case AUDIO_JITTER_NONE:
		return "none";
	case AUDIO_JITTER_PLAY:
		return "play";
	case AUDIO_JITTER_FEC:
		return "fec";
	case AUDIO_JITTER_PLC:
		return "plc";
	case AUDIO_JITTER_STRETCH:
		return "stretch";
	case AUDIO_JITTER_END:
		return "end";
	}
	return "?";
}
