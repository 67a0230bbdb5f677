/* SPDX-License-Identifier: MIT */
/*
 * pw-hook-delay.c - fault injection for audio-stress: widens PipeWire 0.3.65's
 * window between the data thread reading a stream's process callback and reading
 * its data.
 *
 * In libpipewire 0.3.65 the data thread reads the real-time callbacks (function
 * table, then data) without a lock, and removing the stream's listener clears
 * both on the removing thread. A teardown that removes the listener while the
 * stream is still in the graph can so call process() with NULL data: a window of
 * nanoseconds, hit in a long soak. Linked into the stress program (it overrides
 * pw_stream_add_listener for the code linked with it), this wrapper puts a
 * process() of its own in between that reads the function table, sleeps
 * PTTGW_HOOK_DELAY_US (default 300 us), then reads the data, and clears both
 * (plain stores, as 0.3.65 does) when the hook is removed. The teardown order
 * must make that harmless: the data thread out of the graph before the hook goes.
 * Knows only PipeWire's public API (hook.h, stream.h).
 */
#include <dlfcn.h>
#include <stdlib.h>
#include <unistd.h>

#include <pipewire/pipewire.h>

struct delay_ctx {
	struct pw_stream_events events;    /* the caller's, process replaced */
	const struct pw_stream_events *funcs; /* what process() calls; NULL once removed */
	void *data;
	void (*orig_removed)(struct spa_hook *hook);
	void *orig_priv;
	struct delay_ctx *next;
};

/* kept until exit: a late process() finds NULL data, as it would in 0.3.65 */
static struct delay_ctx *all;

typedef void (*add_listener_fn)(struct pw_stream *, struct spa_hook *,
				const struct pw_stream_events *, void *);

static unsigned delay_us(void)
{
	static int v = -1;

	if (v < 0) {
		const char *e = getenv("PTTGW_HOOK_DELAY_US");

		v = e ? atoi(e) : 300;
	}
	return (unsigned)v;
}

/* data thread */
static void delay_process(void *data)
{
	struct delay_ctx *c = data;
	const struct pw_stream_events *f = c->funcs;
	void *d;

	if (!f || !f->process)
		return;
	usleep(delay_us());
	d = c->data;
	f->process(d);
}

static void delay_state_changed(void *data, enum pw_stream_state old, enum pw_stream_state state,
				const char *error)
{
	struct delay_ctx *c = data;

	if (c->funcs && c->funcs->state_changed)
		c->funcs->state_changed(c->data, old, state, error);
}

static void delay_removed(struct spa_hook *hook)
{
	struct delay_ctx *c = hook->cb.data;

	c->funcs = NULL;
	c->data = NULL;
	hook->removed = c->orig_removed;
	hook->priv = c->orig_priv;
	if (hook->removed)
		hook->removed(hook);
}

__attribute__((destructor)) static void delay_free_all(void)
{
	while (all) {
		struct delay_ctx *c = all;

		all = c->next;
		free(c);
	}
}

void pw_stream_add_listener(struct pw_stream *stream, struct spa_hook *listener,
			    const struct pw_stream_events *events, void *data)
{
	static add_listener_fn real;
	struct delay_ctx *c;

	if (!real)
		real = (add_listener_fn)dlsym(RTLD_NEXT, "pw_stream_add_listener");
	if (!events->process || delay_us() == 0) {
		real(stream, listener, events, data);
		return;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		abort();
	c->next = all;
	all = c;
	/* the stress program's streams use state_changed and process only */
	c->events.version = PW_VERSION_STREAM_EVENTS;
	c->events.state_changed = delay_state_changed;
	c->events.process = delay_process;
	c->funcs = events;
	c->data = data;
	real(stream, listener, &c->events, c);
	c->orig_removed = listener->removed;
	c->orig_priv = listener->priv;
	listener->removed = delay_removed;
}
