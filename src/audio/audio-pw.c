/* SPDX-License-Identifier: MIT */
#include "audio-pw.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#include <spa/utils/result.h>

struct pw_gsource {
	GSource base;
	struct audio_pw *pw;
	gpointer tag;
};

struct node_entry {
	struct audio_node n;
	struct audio_pw *pw;
	struct pw_proxy *proxy;
	struct spa_hook proxy_listener;
	struct spa_hook node_listener;
};

struct link_entry {
	uint32_t id, out_node, in_node;
};

struct audio_pw {
	struct audio_pw_events ev;
	void *data;
	GMainContext *ctx;
	struct pw_loop *loop;
	struct pw_gsource *source;
	struct pw_context *context;
	struct pw_core *core;
	struct spa_hook core_listener;
	struct pw_registry *registry;
	struct spa_hook registry_listener;
	GPtrArray *nodes;      /* struct node_entry* */
	GArray *links;         /* struct link_entry */
	bool connected;
	int sync_seq;
	bool synced;
	atomic_bool notify_pending;
};

static gboolean pw_source_dispatch(GSource *base, GSourceFunc cb, gpointer user_data)
{
	struct pw_gsource *s = (struct pw_gsource *)base;
	int r = pw_loop_iterate(s->pw->loop, 0);

	if (r < 0 && r != -EINTR)
		g_warning("pipewire loop iterate: %s", spa_strerror(r));
	return G_SOURCE_CONTINUE;
}

static GSourceFuncs pw_source_funcs = {
	.dispatch = pw_source_dispatch,
};

static void copy_prop(char *dst, size_t size, const struct spa_dict *props, const char *key)
{
	const char *v = props ? spa_dict_lookup(props, key) : NULL;

	snprintf(dst, size, "%s", v ? v : "");
}

static struct node_entry *find_entry(const struct audio_pw *pw, uint32_t id, guint *ret_idx)
{
	for (guint i = 0; i < pw->nodes->len; i++) {
		struct node_entry *e = g_ptr_array_index(pw->nodes, i);

		if (e->n.id == id) {
			if (ret_idx)
				*ret_idx = i;
			return e;
		}
	}
	return NULL;
}

static void node_props(struct audio_node *n, const struct spa_dict *props)
{
	copy_prop(n->name, sizeof(n->name), props, PW_KEY_NODE_NAME);
	copy_prop(n->media_class, sizeof(n->media_class), props, PW_KEY_MEDIA_CLASS);
	copy_prop(n->device_api, sizeof(n->device_api), props, PW_KEY_DEVICE_API);
	copy_prop(n->bt_address, sizeof(n->bt_address), props, "api.bluez5.address");
	copy_prop(n->bt_profile, sizeof(n->bt_profile), props, "api.bluez5.profile");
}

static void node_info(void *data, const struct pw_node_info *info)
{
	struct node_entry *e = data;
	int old = e->n.state;

	if ((info->change_mask & PW_NODE_CHANGE_MASK_PROPS) && info->props) {
		/* the registry shows a few keys only; the bluez5 ones come here */
		node_props(&e->n, info->props);
		g_info("node %u: %s (%s%s%s%s%s)", e->n.id, e->n.name, e->n.media_class,
		       e->n.bt_profile[0] ? ", " : "", e->n.bt_profile,
		       e->n.bt_address[0] ? ", " : "", e->n.bt_address);
		if (e->pw->ev.nodes)
			e->pw->ev.nodes(e->pw->data, NULL);
	}
	if (!(info->change_mask & PW_NODE_CHANGE_MASK_STATE))
		return;
	e->n.state = info->state;
	snprintf(e->n.error, sizeof(e->n.error), "%s", info->error ? info->error : "");
	if (old != e->n.state) {
		g_debug("node %u %s: %s -> %s", e->n.id, e->n.name,
			pw_node_state_as_string(old), pw_node_state_as_string(info->state));
		if (e->pw->ev.nodes)
			e->pw->ev.nodes(e->pw->data, NULL);
	}
}

static const struct pw_node_events node_events = {
	PW_VERSION_NODE_EVENTS,
	.info = node_info,
};

static void entry_free(gpointer p)
{
	struct node_entry *e = p;

	if (e->proxy) {
		spa_hook_remove(&e->node_listener);
		pw_proxy_destroy(e->proxy);
	}
	g_free(e);
}

static void registry_global(void *data, uint32_t id, uint32_t permissions, const char *type,
			    uint32_t version, const struct spa_dict *props)
{
	struct audio_pw *pw = data;

	if (strcmp(type, PW_TYPE_INTERFACE_Node) == 0) {
		const char *mc = props ? spa_dict_lookup(props, PW_KEY_MEDIA_CLASS) : NULL;
		struct node_entry *e;

		if (!mc || strncmp(mc, "Audio/", 6) != 0)
			return;
		e = g_new0(struct node_entry, 1);
		e->pw = pw;
		e->n.id = id;
		node_props(&e->n, props);
		e->proxy = pw_registry_bind(pw->registry, id, type, PW_VERSION_NODE, 0);
		if (e->proxy)
			pw_proxy_add_object_listener(e->proxy, &e->node_listener, &node_events, e);
		g_ptr_array_add(pw->nodes, e);
		g_debug("node %u appeared: %s (%s)", id, e->n.name, e->n.media_class);
		if (pw->ev.nodes)
			pw->ev.nodes(pw->data, NULL);
	} else if (strcmp(type, PW_TYPE_INTERFACE_Link) == 0) {
		const char *o = props ? spa_dict_lookup(props, PW_KEY_LINK_OUTPUT_NODE) : NULL;
		const char *i = props ? spa_dict_lookup(props, PW_KEY_LINK_INPUT_NODE) : NULL;
		struct link_entry l = { .id = id };

		if (!o || !i)
			return;
		l.out_node = (uint32_t)strtoul(o, NULL, 10);
		l.in_node = (uint32_t)strtoul(i, NULL, 10);
		g_array_append_val(pw->links, l);
		if (pw->ev.links)
			pw->ev.links(pw->data);
	}
}

static void registry_global_remove(void *data, uint32_t id)
{
	struct audio_pw *pw = data;
	struct node_entry *e;
	guint idx;

	for (guint i = 0; i < pw->links->len; i++) {
		if (g_array_index(pw->links, struct link_entry, i).id == id) {
			g_array_remove_index(pw->links, i);
			if (pw->ev.links)
				pw->ev.links(pw->data);
			return;
		}
	}
	e = find_entry(pw, id, &idx);
	if (!e)
		return;
	g_info("node %u gone: %s", id, e->n.name);
	g_ptr_array_steal_index(pw->nodes, idx);
	if (pw->ev.nodes)
		pw->ev.nodes(pw->data, &e->n);
	entry_free(e);
}

static const struct pw_registry_events registry_events = {
	PW_VERSION_REGISTRY_EVENTS,
	.global = registry_global,
	.global_remove = registry_global_remove,
};

static void core_done(void *data, uint32_t id, int seq)
{
	struct audio_pw *pw = data;

	if (id == PW_ID_CORE && seq == pw->sync_seq)
		pw->synced = true;
}

static void core_error(void *data, uint32_t id, int seq, int res, const char *message)
{
	struct audio_pw *pw = data;

	g_message("pipewire error: id %u: %s (%s)", id, message ? message : "",
		  spa_strerror(res));
	if (id == PW_ID_CORE && res == -EPIPE && pw->connected) {
		pw->connected = false;
		if (pw->ev.disconnected)
			pw->ev.disconnected(pw->data, "lost the connection to PipeWire");
	}
}

static const struct pw_core_events core_events = {
	PW_VERSION_CORE_EVENTS,
	.done = core_done,
	.error = core_error,
};

static int on_rt_notify(struct spa_loop *loop, bool async, uint32_t seq, const void *d,
			size_t size, void *user_data)
{
	struct audio_pw *pw = user_data;

	atomic_store(&pw->notify_pending, false);
	if (pw->ev.rt_notify)
		pw->ev.rt_notify(pw->data);
	return 0;
}

void audio_pw_notify_rt(struct audio_pw *pw)
{
	if (!atomic_exchange(&pw->notify_pending, true))
		pw_loop_invoke(pw->loop, on_rt_notify, 0, NULL, 0, false, pw);
}

struct audio_pw *audio_pw_new(const struct audio_pw_events *ev, void *data, GError **error)
{
	struct audio_pw *pw;

	pw_init(NULL, NULL);
	pw = g_new0(struct audio_pw, 1);
	pw->ev = *ev;
	pw->data = data;
	pw->nodes = g_ptr_array_new();
	pw->links = g_array_new(FALSE, FALSE, sizeof(struct link_entry));
	pw->ctx = g_main_context_ref_thread_default();
	pw->loop = pw_loop_new(NULL);
	if (!pw->loop) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
			    "cannot create a PipeWire loop: %s", g_strerror(errno));
		return audio_pw_free(pw);
	}
	pw->source = (struct pw_gsource *)g_source_new(&pw_source_funcs,
							 sizeof(struct pw_gsource));
	pw->source->pw = pw;
	pw->source->tag = g_source_add_unix_fd(&pw->source->base, pw_loop_get_fd(pw->loop),
					       G_IO_IN | G_IO_ERR | G_IO_HUP);
	g_source_set_name(&pw->source->base, "pipewire");
	g_source_attach(&pw->source->base, pw->ctx);
	pw_loop_enter(pw->loop);

	/* client-rt.conf: the data thread gets real-time priority (module-rt), as pw-cat's */
	pw->context = pw_context_new(pw->loop,
				     pw_properties_new(PW_KEY_CONFIG_NAME, "client-rt.conf", NULL),
				     0);
	if (!pw->context) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
			    "cannot create a PipeWire context: %s", g_strerror(errno));
		return audio_pw_free(pw);
	}
	pw->core = pw_context_connect(pw->context,
				      pw_properties_new(PW_KEY_APP_NAME, "pttgw", NULL), 0);
	if (!pw->core) {
		g_set_error(error, G_IO_ERROR, g_io_error_from_errno(errno),
			    "cannot connect to PipeWire: %s", g_strerror(errno));
		return audio_pw_free(pw);
	}
	pw->connected = true;
	pw_core_add_listener(pw->core, &pw->core_listener, &core_events, pw);
	pw->registry = pw_core_get_registry(pw->core, PW_VERSION_REGISTRY, 0);
	pw_registry_add_listener(pw->registry, &pw->registry_listener, &registry_events, pw);
	return pw;
}

struct audio_pw *audio_pw_free(struct audio_pw *pw)
{
	if (!pw)
		return NULL;
	if (pw->nodes)
		g_ptr_array_set_free_func(pw->nodes, entry_free);
	g_clear_pointer(&pw->nodes, g_ptr_array_unref);
	if (pw->registry) {
		spa_hook_remove(&pw->registry_listener);
		pw_proxy_destroy((struct pw_proxy *)pw->registry);
	}
	if (pw->core) {
		spa_hook_remove(&pw->core_listener);
		pw_core_disconnect(pw->core);
	}
	if (pw->context)
		pw_context_destroy(pw->context);
	if (pw->source) {
		pw_loop_leave(pw->loop);
		g_source_destroy(&pw->source->base);
		g_source_unref(&pw->source->base);
	}
	if (pw->loop)
		pw_loop_destroy(pw->loop);
	g_clear_pointer(&pw->links, g_array_unref);
	g_clear_pointer(&pw->ctx, g_main_context_unref);
	g_free(pw);
	return NULL;
}

struct pw_core *audio_pw_get_core(struct audio_pw *pw)
{
	return pw->core;
}

bool audio_pw_connected(const struct audio_pw *pw)
{
	return pw->connected;
}

const struct audio_node *const *audio_pw_get_nodes(const struct audio_pw *pw, size_t *ret_n)
{
	/* struct node_entry starts with struct audio_node */
	*ret_n = pw->nodes->len;
	return (const struct audio_node *const *)pw->nodes->pdata;
}

const struct audio_node *audio_pw_find_node(const struct audio_pw *pw, uint32_t id)
{
	struct node_entry *e = find_entry(pw, id, NULL);

	return e ? &e->n : NULL;
}

const struct audio_node *audio_pw_find_node_by_name(const struct audio_pw *pw, const char *name)
{
	for (guint i = 0; name && i < pw->nodes->len; i++) {
		struct node_entry *e = g_ptr_array_index(pw->nodes, i);

		if (strcmp(e->n.name, name) == 0)
			return &e->n;
	}
	return NULL;
}

uint32_t audio_pw_link_peer(const struct audio_pw *pw, uint32_t node_id, bool is_output)
{
	for (guint i = 0; i < pw->links->len; i++) {
		const struct link_entry *l = &g_array_index(pw->links, struct link_entry, i);

		if (is_output && l->out_node == node_id)
			return l->in_node;
		if (!is_output && l->in_node == node_id)
			return l->out_node;
	}
	return SPA_ID_INVALID;
}

static gboolean tick_cb(gpointer data)
{
	return G_SOURCE_CONTINUE;
}

int audio_pw_roundtrip(struct audio_pw *pw, unsigned timeout_ms)
{
	gint64 end = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
	GSource *tick = g_timeout_source_new(10); /* wakes the wait below for the bound */
	int r = 0;

	g_source_set_callback(tick, tick_cb, NULL, NULL);
	g_source_attach(tick, pw->ctx);
	pw->synced = false;
	pw->sync_seq = pw_core_sync(pw->core, PW_ID_CORE, pw->sync_seq);
	while (!pw->synced && pw->connected) {
		if (g_get_monotonic_time() > end) {
			r = -ETIMEDOUT;
			break;
		}
		g_main_context_iteration(pw->ctx, TRUE);
	}
	g_source_destroy(tick);
	g_source_unref(tick);
	if (r == 0 && !pw->connected)
		r = -EPIPE;
	return r;
}
