/* SPDX-License-Identifier: MIT */
/*
 * gateway-channels.c - several channels at once (scanning): the logon names
 * all of them, the gateway listens to all and talks on the selected one.
 * Remote bursts pass the channel priority (src/core/scan.h) before they reach
 * the floor: a higher-ranked channel takes the speaker from a lower one, whose
 * burst is counted pre-empted (per channel, in the status) and announced in a
 * "preempted" event, never mixed and never lost silently.
 *
 * Config: [general] channels (all of them; [upstream] channel is the selected
 * one at start and is added when not listed), [general] priority (channels in
 * order, highest first; unlisted ones rank after, in list order),
 * [general] priority-selected (the selected channel ranks first).
 */
#include "gateway-private.h"

#include <errno.h>
#include <string.h>

#include "log-escape.h"
#include "scan.h"

struct gateway_chan {
	char *name;
	bool known;            /* a status came on this connection */
	bool online;
	int64_t users_online;  /* -1: unknown */
	char *talker;          /* who talks there now (heard or not), or NULL */
	uint32_t stream;       /* that burst */
	uint64_t preempted_before; /* counted by an earlier scan (the list grew) */
};

struct gateway_channels {
	GPtrArray *chans;      /* struct gateway_chan * */
	struct scan *scan;
	GArray *rank;          /* unsigned, per channel: the configured order */
	bool priority_selected;
};

static void chan_free(gpointer p)
{
	struct gateway_chan *c = p;

	g_free(c->name);
	g_free(c->talker);
	g_free(c);
}

static int find(struct gateway_channels *gc, const char *name)
{
	for (unsigned i = 0; name && i < gc->chans->len; i++)
		if (strcmp(((struct gateway_chan *)g_ptr_array_index(gc->chans, i))->name,
			   name) == 0)
			return (int)i;
	return -1;
}

static struct gateway_chan *chan(struct gateway_channels *gc, unsigned i)
{
	return g_ptr_array_index(gc->chans, i);
}

static void add(struct gateway_channels *gc, const char *name)
{
	struct gateway_chan *c;

	if (find(gc, name) >= 0)
		return;
	c = g_new0(struct gateway_chan, 1);
	c->name = g_strdup(name);
	c->users_online = -1;
	g_ptr_array_add(gc->chans, c);
}

static gboolean load(struct gateway *gw, struct gateway_channels *gc, GError **error)
{
	g_autofree char *list = NULL, *prio = NULL, *selected = NULL;
	g_auto(GStrv) parts = NULL;
	unsigned *rank;
	gboolean prio_sel = FALSE;
	unsigned next = 0;

	if (!conf_get_string(gw->conf, "general", "channels", NULL, &list, error) ||
	    !conf_get_string(gw->conf, "general", "priority", NULL, &prio, error) ||
	    !conf_get_bool(gw->conf, "general", "priority-selected", FALSE, &prio_sel, error) ||
	    !conf_get_string(gw->conf, "upstream", "channel", "pttgw", &selected, error))
		return FALSE;
	parts = g_strsplit(list ? list : "", ",", -1);
	for (char **p = parts; *p; p++)
		if (*g_strstrip(*p))
			add(gc, *p);
	add(gc, selected);
	if (gc->chans->len > SCAN_MAX_CHANNELS) {
		conf_set_error(gw->conf, error, "general", "channels", "%u channels, at most %u",
			       gc->chans->len, SCAN_MAX_CHANNELS);
		return FALSE;
	}
	g_array_set_size(gc->rank, gc->chans->len);
	rank = (unsigned *)gc->rank->data;
	for (unsigned i = 0; i < gc->chans->len; i++)
		rank[i] = G_MAXUINT;
	g_strfreev(parts);
	parts = g_strsplit(prio ? prio : "", ",", -1);
	for (char **p = parts; *p; p++) {
		int i;

		if (!*g_strstrip(*p))
			continue;
		i = find(gc, *p);
		if (i < 0) {
			conf_set_error(gw->conf, error, "general", "priority",
				       "channel '%s' is not among the channels", *p);
			return FALSE;
		}
		if (rank[i] != G_MAXUINT) {
			conf_set_error(gw->conf, error, "general", "priority",
				       "channel '%s' is listed twice", *p);
			return FALSE;
		}
		rank[i] = next++;
	}
	for (unsigned i = 0; i < gc->chans->len; i++)
		if (rank[i] == G_MAXUINT)
			rank[i] = next++;
	gc->priority_selected = prio_sel;
	gc->scan = scan_new(gc->chans->len, rank, prio_sel);
	if (!gc->scan) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT, "channels: %s",
			    g_strerror(errno));
		return FALSE;
	}
	scan_select(gc->scan, (unsigned)find(gc, selected));
	return TRUE;
}

gboolean gateway_channels_init(struct gateway *gw, GError **error)
{
	struct gateway_channels *gc = g_new0(struct gateway_channels, 1);

	gc->chans = g_ptr_array_new_with_free_func(chan_free);
	gc->rank = g_array_new(FALSE, TRUE, sizeof(unsigned));
	if (!load(gw, gc, error)) {
		g_ptr_array_unref(gc->chans);
		g_array_unref(gc->rank);
		scan_free(gc->scan);
		g_free(gc);
		return FALSE;
	}
	gateway_channels_fini(gw); /* a reload: the new ones replace them */
	gw->channels = gc;
	if (gc->chans->len > 1) {
		g_autoptr(GString) order = g_string_new(NULL);

		for (unsigned r = 0; r < gc->chans->len + 1; r++)
			for (unsigned i = 0; i < gc->chans->len; i++)
				if (scan_rank(gc->scan, i) == r)
					g_string_append_printf(order, "%s%s", order->len ? " > " : "",
							       chan(gc, i)->name);
		g_message("channels: listening to %u, priority %s%s", gc->chans->len, order->str,
			  gc->priority_selected ? " (the selected one first)" : "");
	}
	return TRUE;
}

void gateway_channels_fini(struct gateway *gw)
{
	struct gateway_channels *gc = gw->channels;

	if (!gc)
		return;
	gw->channels = NULL;
	g_ptr_array_unref(gc->chans);
	g_array_unref(gc->rank);
	scan_free(gc->scan);
	g_free(gc);
}

/* The channel index of a burst's "channel"; none (a one-channel server): the selected. */
static int index_of(struct gateway_channels *gc, const char *channel)
{
	return channel ? find(gc, channel) : (int)scan_get_selected(gc->scan);
}

static bool own_talk(struct gateway *gw)
{
	switch (floor_get_state(gw->floor)) {
	case FLOOR_REQUESTING:
	case FLOOR_TRANSMITTING:
	case FLOOR_RELEASING:
	case FLOOR_QUEUED:
		return true;
	case FLOOR_IDLE:
	case FLOOR_RECEIVING:
	case _FLOOR_STATE_MAX:
	case _FLOOR_STATE_INVALID:
		break;
	}
	return false;
}

static void emit_preempted(struct gateway *gw, unsigned ch, uint32_t stream, const char *talker,
			   const char *by_channel)
{
	JsonBuilder *b = gateway_event_begin("preempted");

	gateway_json_string(b, "channel", chan(gw->channels, ch)->name);
	gateway_json_uint(b, "stream_id", stream);
	gateway_json_string(b, "talker", talker);
	gateway_json_string(b, "by", by_channel);
	gateway_emit(gw, "preempted", b);
}

bool gateway_channels_start(struct gateway *gw, uint32_t stream, const char *channel,
			    const char *talker)
{
	struct gateway_channels *gc = gw->channels;
	int ch = index_of(gc, channel);
	uint32_t lost = 0;
	enum scan_verdict v;
	struct gateway_chan *c;

	if (ch < 0) {
		g_autofree char *name = g_strescape(channel, NULL);

		g_info("stream %u on channel \"%s\", not one of ours: not played", stream, name);
		return false;
	}
	c = chan(gc, (unsigned)ch);
	v = scan_start(gc->scan, (unsigned)ch, stream, floor_get_playing(gw->floor), own_talk(gw),
		       &lost);
	if (v == SCAN_IGNORED)
		return true; /* announced again: the floor knows what to do */
	g_free(c->talker);
	c->talker = g_strdup(talker ? talker : "?");
	c->stream = stream;
	if (lost) {
		int lc = scan_channel_of(gc->scan, lost);

		if (lc >= 0) {
			g_autofree char *who = log_escape(chan(gc, (unsigned)lc)->talker ?
							  chan(gc, (unsigned)lc)->talker : "?");

			g_message("channel %s: stream %u of %s pre-empted by channel %s",
				  chan(gc, (unsigned)lc)->name, lost, who, c->name);
			emit_preempted(gw, (unsigned)lc, lost, chan(gc, (unsigned)lc)->talker,
				       c->name);
		}
	}
	if (v == SCAN_PREEMPTED) {
		int by = own_talk(gw) ? -1 : scan_channel_of(gc->scan, floor_get_playing(gw->floor));
		g_autofree char *who = log_escape(c->talker);

		g_message("channel %s: stream %u of %s pre-empted (%s)", c->name, stream, who,
			  own_talk(gw) ? "we talk" : by >= 0 ? "a higher channel plays"
							     : "too many bursts at once");
		emit_preempted(gw, (unsigned)ch, stream, c->talker,
			       by >= 0 ? chan(gc, (unsigned)by)->name : NULL);
	}
	return v == SCAN_PLAY;
}

bool gateway_channels_stop(struct gateway *gw, uint32_t stream)
{
	struct gateway_channels *gc = gw->channels;
	int ch = scan_channel_of(gc->scan, stream);
	bool through;

	if (ch < 0)
		return true; /* not ours to judge: the floor ignores what it does not know */
	through = scan_stop(gc->scan, stream);
	if (chan(gc, (unsigned)ch)->stream == stream) {
		g_clear_pointer(&chan(gc, (unsigned)ch)->talker, g_free);
		chan(gc, (unsigned)ch)->stream = 0;
	}
	return through;
}

void gateway_channels_link(struct gateway *gw, bool up)
{
	struct gateway_channels *gc = gw->channels;

	if (up)
		return;
	scan_reset(gc->scan);
	for (unsigned i = 0; i < gc->chans->len; i++) {
		struct gateway_chan *c = chan(gc, i);

		c->known = false;
		c->online = false;
		c->users_online = -1;
		g_clear_pointer(&c->talker, g_free);
		c->stream = 0;
	}
}

void gateway_channels_status(struct gateway *gw, const char *channel, bool online,
			     int64_t users_online)
{
	struct gateway_channels *gc = gw->channels;
	int i = find(gc, channel);

	if (i < 0)
		return;
	chan(gc, (unsigned)i)->known = true;
	chan(gc, (unsigned)i)->online = online;
	chan(gc, (unsigned)i)->users_online = users_online;
}

int gateway_channels_select(struct gateway *gw, const char *channel)
{
	struct gateway_channels *gc = gw->channels;
	int i = find(gc, channel);
	struct scan *s;
	unsigned n = gc->chans->len, sel = scan_get_selected(gc->scan);

	if (i >= 0)
		return scan_select(gc->scan, (unsigned)i);
	/* a channel outside the list joins it, ranked last (the link logs on
	 * again, so no burst is live across this) */
	if (n >= SCAN_MAX_CHANNELS)
		return -ENOSPC;
	g_array_append_val(gc->rank, n);
	for (unsigned k = 0; k < n; k++)
		g_array_index(gc->rank, unsigned, n) = MAX(g_array_index(gc->rank, unsigned, n),
							   g_array_index(gc->rank, unsigned, k) + 1);
	s = scan_new(n + 1, (const unsigned *)gc->rank->data, gc->priority_selected);
	if (!s) {
		g_array_set_size(gc->rank, n);
		return -EINVAL;
	}
	for (unsigned k = 0; k < n; k++)
		chan(gc, k)->preempted_before += scan_get_preempted(gc->scan, k);
	scan_free(gc->scan);
	gc->scan = s;
	scan_select(gc->scan, sel);
	add(gc, channel);
	return scan_select(gc->scan, n);
}

static uint64_t preempted(struct gateway_channels *gc, unsigned i)
{
	return chan(gc, i)->preempted_before + scan_get_preempted(gc->scan, i);
}

uint64_t gateway_channels_preempted(struct gateway *gw)
{
	struct gateway_channels *gc = gw->channels;
	uint64_t n = 0;

	for (unsigned i = 0; gc && i < gc->chans->len; i++)
		n += preempted(gc, i);
	return n;
}

const char *gateway_channels_of_stream(struct gateway *gw, uint32_t stream)
{
	struct gateway_channels *gc = gw->channels;
	int i = gc && stream ? scan_channel_of(gc->scan, stream) : -1;

	return i >= 0 ? chan(gc, (unsigned)i)->name : NULL;
}

void gateway_channels_status_json(struct gateway *gw, JsonBuilder *b)
{
	struct gateway_channels *gc = gw->channels;
	uint32_t playing = floor_get_playing(gw->floor);

	json_builder_begin_array(b);
	for (unsigned i = 0; gc && i < gc->chans->len; i++) {
		struct gateway_chan *c = chan(gc, i);

		json_builder_begin_object(b);
		gateway_json_string(b, "name", c->name);
		json_builder_set_member_name(b, "selected");
		json_builder_add_boolean_value(b, i == scan_get_selected(gc->scan));
		gateway_json_string(b, "status", !c->known ? "unknown"
						 : c->online ? "online" : "offline");
		json_builder_set_member_name(b, "users_online");
		if (c->known && c->users_online >= 0)
			json_builder_add_int_value(b, c->users_online);
		else
			json_builder_add_null_value(b);
		gateway_json_string(b, "talker", c->talker);
		json_builder_set_member_name(b, "playing");
		json_builder_add_boolean_value(b, c->stream && c->stream == playing);
		gateway_json_uint(b, "rank", scan_rank(gc->scan, i));
		gateway_json_uint(b, "preempted", preempted(gc, i));
		json_builder_end_object(b);
	}
	json_builder_end_array(b);
}
