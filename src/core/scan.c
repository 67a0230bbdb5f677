/* SPDX-License-Identifier: MIT */
/*
 * scan.c - channel priority for remote bursts (see scan.h for the rules).
 */
#include "scan.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct scan_burst {
	uint32_t stream;      /* 0: free slot */
	unsigned ch;
	bool through;         /* let through to the floor */
	bool preempted;
};

struct scan {
	unsigned n;
	unsigned rank[SCAN_MAX_CHANNELS];
	uint64_t preempted[SCAN_MAX_CHANNELS];
	bool priority_selected;
	unsigned selected;
	struct scan_burst bursts[SCAN_MAX_BURSTS];
};

struct scan *scan_new(unsigned n_channels, const unsigned *rank, bool priority_selected)
{
	struct scan *s;
	unsigned i, j;

	if (n_channels == 0 || n_channels > SCAN_MAX_CHANNELS) {
		errno = EINVAL;
		return NULL;
	}
	for (i = 0; rank && i < n_channels; i++)
		for (j = i + 1; j < n_channels; j++)
			if (rank[i] == rank[j]) {
				errno = EINVAL;
				return NULL;
			}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->n = n_channels;
	for (i = 0; i < n_channels; i++)
		s->rank[i] = rank ? rank[i] : i;
	s->priority_selected = priority_selected;
	return s;
}

struct scan *scan_free(struct scan *s)
{
	free(s);
	return NULL;
}

int scan_select(struct scan *s, unsigned ch)
{
	if (ch >= s->n)
		return -EINVAL;
	s->selected = ch;
	return 0;
}

unsigned scan_get_selected(const struct scan *s)
{
	return s->selected;
}

unsigned scan_get_n_channels(const struct scan *s)
{
	return s->n;
}

unsigned scan_rank(const struct scan *s, unsigned ch)
{
	if (ch >= s->n)
		return (unsigned)-1;
	if (s->priority_selected)
		return ch == s->selected ? 0 : s->rank[ch] + 1;
	return s->rank[ch];
}

static struct scan_burst *find(const struct scan *s, uint32_t stream)
{
	unsigned i;

	for (i = 0; stream && i < SCAN_MAX_BURSTS; i++)
		if (s->bursts[i].stream == stream)
			return (struct scan_burst *)&s->bursts[i];
	return NULL;
}

static struct scan_burst *free_slot(struct scan *s)
{
	unsigned i;

	for (i = 0; i < SCAN_MAX_BURSTS; i++)
		if (!s->bursts[i].stream)
			return &s->bursts[i];
	return NULL;
}

static void preempt(struct scan *s, struct scan_burst *b)
{
	if (b->preempted)
		return;
	b->preempted = true;
	s->preempted[b->ch]++;
}

enum scan_verdict scan_start(struct scan *s, unsigned ch, uint32_t stream, uint32_t playing,
			     bool busy, uint32_t *ret_lost)
{
	struct scan_burst *b, *cur;

	if (ret_lost)
		*ret_lost = 0;
	if (ch >= s->n || !stream || find(s, stream))
		return SCAN_IGNORED;
	b = free_slot(s);
	if (!b) {
		/* no slot: keep it off the speaker, counted */
		s->preempted[ch]++;
		return SCAN_PREEMPTED;
	}
	b->stream = stream;
	b->ch = ch;
	b->through = false;
	b->preempted = false;

	if (busy && ch != s->selected) {
		preempt(s, b);
		return SCAN_PREEMPTED;
	}
	/* the floor's word on what plays, not ours: it may have let a burst go
	 * (receive timeout) or start one it held back (our emergency request) */
	cur = find(s, playing);
	if (cur && cur->ch != ch) {
		if (scan_rank(s, ch) > scan_rank(s, cur->ch)) {
			preempt(s, b);
			return SCAN_PREEMPTED;
		}
		preempt(s, cur);
		if (ret_lost)
			*ret_lost = cur->stream;
	}
	b->through = true;
	return SCAN_PLAY;
}

bool scan_stop(struct scan *s, uint32_t stream)
{
	struct scan_burst *b = find(s, stream);
	bool through;

	if (!b)
		return false;
	through = b->through;
	memset(b, 0, sizeof(*b));
	return through;
}

void scan_reset(struct scan *s)
{
	memset(s->bursts, 0, sizeof(s->bursts));
}

int scan_channel_of(const struct scan *s, uint32_t stream)
{
	const struct scan_burst *b = find(s, stream);

	return b ? (int)b->ch : -1;
}

bool scan_is_preempted(const struct scan *s, uint32_t stream)
{
	const struct scan_burst *b = find(s, stream);

	return b && b->preempted;
}

uint64_t scan_get_preempted(const struct scan *s, unsigned ch)
{
	return ch < s->n ? s->preempted[ch] : 0;
}

const char *scan_verdict_to_string(enum scan_verdict v)
{
	switch (v) {
	case SCAN_PLAY:
		return "play";
	case SCAN_PREEMPTED:
		return "pre-empted";
	case SCAN_IGNORED:
		return "ignored";
	case _SCAN_VERDICT_MAX:
		break;
	}
	return "invalid";
}
