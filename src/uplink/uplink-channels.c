/* SPDX-License-Identifier: MIT */
/*
 * uplink-channels.c - the channels of one logon (API.md: up to 100) and what
 * the server last said of each (on_channel_status). The link listens to all
 * of them and talks on the selected one (cfg.channel), which the fields
 * channel_known/channel_online/users_online/channel_reason mirror.
 */
#include "uplink-private.h"

#include <string.h>

static void chan_free(gpointer p)
{
	struct uplink_chan *c = p;

	g_free(c->name);
	g_free(c);
}

struct uplink_chan *uplink_channels_find(struct uplink *u, const char *name)
{
	if (!u->chans || !name)
		return NULL;
	for (unsigned i = 0; i < u->chans->len; i++) {
		struct uplink_chan *c = g_ptr_array_index(u->chans, i);

		if (strcmp(c->name, name) == 0)
			return c;
	}
	return NULL;
}

struct uplink_chan *uplink_channels_add(struct uplink *u, const char *name)
{
	struct uplink_chan *c = uplink_channels_find(u, name);

	if (c)
		return c;
	c = g_new0(struct uplink_chan, 1);
	c->name = g_strdup(name);
	c->users_online = -1;
	/* before the NULL that ends the logon's list */
	g_ptr_array_insert(u->chans, (int)u->chans->len, c);
	return c;
}

void uplink_channels_init(struct uplink *u)
{
	u->chans = g_ptr_array_new_with_free_func(chan_free);
	for (char **n = u->cfg.channels; n && *n; n++)
		uplink_channels_add(u, *n);
	uplink_channels_add(u, u->cfg.channel);
}

void uplink_channels_free(struct uplink *u)
{
	g_clear_pointer(&u->chans, g_ptr_array_unref);
	g_clear_pointer(&u->logon_names, g_free);
}

char **uplink_channels_logon(struct uplink *u)
{
	unsigned n = u->chans ? u->chans->len : 0;

	g_free(u->logon_names);
	u->logon_names = g_new0(char *, n + 1);
	for (unsigned i = 0; i < n; i++)
		u->logon_names[i] = ((struct uplink_chan *)g_ptr_array_index(u->chans, i))->name;
	return u->logon_names;
}

void uplink_channels_reset(struct uplink *u)
{
	for (unsigned i = 0; u->chans && i < u->chans->len; i++) {
		struct uplink_chan *c = g_ptr_array_index(u->chans, i);

		c->known = false;
		c->online = false;
		c->users_online = -1;
	}
}

void uplink_channels_apply(struct uplink *u, const struct uplink_chan *c)
{
	struct proto_msg m = PROTO_MSG_INIT;

	if (!c->known) {
		/* its status has not come yet: talking waits for it */
		u->channel_known = false;
		u->channel_online = false;
		u->users_online = -1;
		g_free(u->channel_reason);
		u->channel_reason = g_strdup_printf("channel %s: no status yet", c->name);
		return;
	}
	/* as if its last status came again, now for the selected channel */
	m.cmd = PROTO_CMD_ON_CHANNEL_STATUS;
	m.channel = c->name;
	m.status = (char *)(c->online ? "online" : "offline");
	m.users_online = c->users_online;
	uplink_channel_status(u, &m);
	m.channel = NULL;
	m.status = NULL;
	proto_msg_clear(&m);
}
