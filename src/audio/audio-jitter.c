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
	uint16_t len;
	uint8_t state; /* enum slot_state */
	uint8_t data[AUDIO_MAX_PACKET];
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
	unsigned target, min, max, reserve;
	uint64_t first_arrival;
	uint32_t held_id;   /* the packet returned by the last get() (PLAY) */
	bool held;
	struct audio_play_stats st;
	struct slot slots[AUDIO_JITTER_SLOTS];
};

static int32_t id_diff(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b);
}

static struct slot *slot_of(struct audio_jitter *j, uint32_t id)
{
	return &j->slots[id % AUDIO_JITTER_SLOTS];
}

struct audio_jitter *audio_jitter_new(unsigned prebuffer, unsigned min, unsigned max,
				      unsigned reserve)
{
	struct audio_jitter *j = calloc(1, sizeof(*j));

	if (!j)
		return NULL;
	if (max > AUDIO_JITTER_SLOTS / 2)
		max = AUDIO_JITTER_SLOTS / 2;
	if (min < 1)
		min = 1;
	if (max < min)
		max = min;
	j->min = min;
	j->max = max;
	j->reserve = reserve;
	j->target = prebuffer < min ? min : prebuffer > max ? max : prebuffer;
	return j;
}

void audio_jitter_free(struct audio_jitter *j)
{
	free(j);
}

void audio_jitter_set_reserve(struct audio_jitter *j, unsigned reserve)
{
	j->reserve = reserve;
}

void audio_jitter_begin(struct audio_jitter *j, uint32_t stream_id, uint64_t now)
{
	(void)now;
	for (unsigned i = 0; i < AUDIO_JITTER_SLOTS; i++)
		j->slots[i].state = SLOT_EMPTY;
	memset(&j->st, 0, sizeof(j->st));
	j->st.stream_id = stream_id;
	j->st.prebuffer = (uint64_t)j->target * AUDIO_FRAME_USEC;
	j->state = J_PREBUFFER;
	j->have_first = false;
	j->ending = false;
	j->count = 0;
	j->held = false;
}

static void adapt(struct audio_jitter *j)
{
	if (j->st.late > 0 || j->st.stretched > 2) {
		if (j->target < j->max)
			j->target++;
	} else if (j->st.received > 0 && j->target > j->min) {
		j->target--;
	}
}

static void finish(struct audio_jitter *j)
{
	if (j->state == J_IDLE)
		return;
	adapt(j);
	j->state = J_IDLE;
}

static void resync(struct audio_jitter *j, uint32_t new_next)
{
	while (id_diff(new_next, j->next) > 0) {
		struct slot *s = slot_of(j, j->next);

		if (s->state == SLOT_BUFFERED && s->id == j->next) {
			j->st.flushed++;
			j->count--;
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
				       size_t len, uint64_t now)
{
	struct slot *s;
	int32_t d;

	if (j->state == J_IDLE) {
		/* after the burst: accounted to it, which is over */
		j->st.late++;
		return AUDIO_JITTER_PUT_NO_BURST;
	}
	j->st.received++;
	if (!data || len == 0 || len > AUDIO_MAX_PACKET) {
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
	if (d < 0 && j->state == J_PREBUFFER && id_diff(j->max_id, id) < AUDIO_JITTER_SLOTS) {
		/* an earlier packet while nothing played yet: start from it */
		j->next = id;
		d = 0;
	}
	s = slot_of(j, id);
	if (d < 0) {
		if (d > -AUDIO_JITTER_SLOTS && s->id == id && s->state == SLOT_PLAYED) {
			j->st.duplicate++;
			return AUDIO_JITTER_PUT_DUPLICATE;
		}
		j->st.late++;
		return AUDIO_JITTER_PUT_LATE;
	}
	if (d >= 2 * AUDIO_JITTER_SLOTS) {
		/* not a lag we could have built up: a bad id */
		j->st.invalid++;
		return AUDIO_JITTER_PUT_INVALID;
	}
	if (d >= AUDIO_JITTER_SLOTS) {
		/* we lag a whole window behind (a stalled consumer, a burst of backlog):
		 * jump ahead to keep `target` frames, dropping what we jump over */
		resync(j, id - (j->target - 1));
		d = id_diff(id, j->next);
	}
	if (s->state == SLOT_BUFFERED) {
		/* the slot of id is ours (d within the window): the same id again */
		j->st.duplicate++;
		return AUDIO_JITTER_PUT_DUPLICATE;
	}
	s->id = id;
	s->len = (uint16_t)len;
	s->state = SLOT_BUFFERED;
	memcpy(s->data, data, len);
	j->count++;
	if (id_diff(id, j->max_id) > 0)
		j->max_id = id;
	return AUDIO_JITTER_PUT_OK;
}

static bool buffered(struct audio_jitter *j, uint32_t id)
{
	struct slot *s = slot_of(j, id);

	return s->state == SLOT_BUFFERED && s->id == id;
}

enum audio_jitter_action audio_jitter_get(struct audio_jitter *j, uint64_t now,
					  const uint8_t **ret_data, size_t *ret_len)
{
	struct slot *s;

	j->held = false;
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
		if (!j->ending &&
		    (uint32_t)(id_diff(j->max_id, j->next) + 1) < j->target + j->reserve &&
		    now - j->first_arrival < (uint64_t)(j->target + j->reserve) * AUDIO_FRAME_USEC)
			return AUDIO_JITTER_NONE;
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
		s->state = SLOT_PLAYED;
		j->count--;
		*ret_data = s->data;
		*ret_len = s->len;
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
		j->st.stretched++;
		return AUDIO_JITTER_STRETCH;
	}
	/* the head is lost; something later is here */
	s->id = j->next;
	s->state = SLOT_CONCEALED;
	j->st.last_id = j->next++;
	if (buffered(j, j->next)) {
		s = slot_of(j, j->next);
		*ret_data = s->data;
		*ret_len = s->len;
		j->st.recovered++;
		return AUDIO_JITTER_FEC;
	}
	j->st.concealed++;
	return AUDIO_JITTER_PLC;
}

void audio_jitter_undecodable(struct audio_jitter *j)
{
	if (!j->held)
		return;
	j->held = false;
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
	for (unsigned i = 0; i < AUDIO_JITTER_SLOTS; i++)
		if (j->slots[i].state == SLOT_BUFFERED)
			j->slots[i].state = SLOT_EMPTY;
	finish(j);
}

bool audio_jitter_active(const struct audio_jitter *j)
{
	return j->state != J_IDLE;
}

uint32_t audio_jitter_stream_id(const struct audio_jitter *j)
{
	return j->st.stream_id;
}

unsigned audio_jitter_target(const struct audio_jitter *j)
{
	return j->target;
}

unsigned audio_jitter_buffered(const struct audio_jitter *j)
{
	return j->count;
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
