/* SPDX-License-Identifier: MIT */
/*
 * relay-client.c - blocking WebSocket client for pttgw-dispatch and the relay tests.
 */
#include "relay-client.h"

#include <errno.h>
#include <gio/gio.h>
#include <libwebsockets.h>
#include <string.h>

#define MAX_MESSAGE (2 * 1024 * 1024)

struct out_frame {
	bool binary;
	size_t len;
	uint8_t buf[];		/* LWS_PRE + len */
};

struct relay_client {
	struct lws_context *ctx;
	struct lws *wsi;
	lws_sorted_usec_list_t wake;
	bool established;
	bool closed;
	uint16_t close_code;	/* a Close frame to send */
	char *error;
	GQueue out;		/* struct out_frame * */
	GQueue in;		/* struct relay_client_msg * */
	GByteArray *rx;
	bool rx_in_msg;
	bool rx_binary;
};

struct relay_client_msg *relay_client_msg_free(struct relay_client_msg *m)
{
	if (!m)
		return NULL;
	g_free(m->data);
	g_free(m);
	return NULL;
}

static void msg_destroy(gpointer m)
{
	relay_client_msg_free(m);
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
		    size_t len)
{
	struct relay_client *c = lws_context_user(lws_get_context(wsi));
	struct out_frame *f;

	switch (reason) {
	case LWS_CALLBACK_CLIENT_ESTABLISHED:
		c->established = true;
		if (!g_queue_is_empty(&c->out))
			lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
		g_free(c->error);
		c->error = g_strdup(in ? (const char *)in : "connection failed");
		c->closed = true;
		c->wsi = NULL;
		break;
	case LWS_CALLBACK_CLIENT_RECEIVE:
		if (!c->rx_in_msg) {
			c->rx_in_msg = true;
			c->rx_binary = lws_frame_is_binary(wsi);
			g_byte_array_set_size(c->rx, 0);
		}
		if (c->rx->len + len <= MAX_MESSAGE)
			g_byte_array_append(c->rx, in, len);
		if (lws_is_final_fragment(wsi)) {
			struct relay_client_msg *m = g_new0(struct relay_client_msg, 1);

			m->binary = c->rx_binary;
			m->len = c->rx->len;
			m->data = g_malloc(m->len + 1);
			memcpy(m->data, c->rx->data, m->len);
			m->data[m->len] = 0;
			g_queue_push_tail(&c->in, m);
			c->rx_in_msg = false;
		}
		break;
	case LWS_CALLBACK_CLIENT_WRITEABLE:
		if (c->close_code && g_queue_is_empty(&c->out)) {
			/* RFC 6455 5.5.1: our Close; lws waits for the server's */
			lws_close_reason(wsi, (enum lws_close_status)c->close_code, NULL, 0);
			c->close_code = 0;
			return -1;
		}
		f = g_queue_pop_head(&c->out);
		if (!f)
			break;
		if (lws_write(wsi, f->buf + LWS_PRE, f->len,
			      f->binary ? LWS_WRITE_BINARY : LWS_WRITE_TEXT) < (int)f->len) {
			g_free(f);
			return -1;
		}
		g_free(f);
		if (!g_queue_is_empty(&c->out) || c->close_code)
			lws_callback_on_writable(wsi);
		break;
	case LWS_CALLBACK_CLIENT_CLOSED:
		c->closed = true;
		c->wsi = NULL;
		break;
	case LWS_CALLBACK_WSI_DESTROY:
		if (c && c->wsi == wsi) {
			c->closed = true;
			c->wsi = NULL;
		}
		break;
	default:
		break;
	}
	return 0;
}

static const struct lws_protocols protocols[] = {
	{ .name = "pttgw-client", .callback = callback },
	{ NULL, NULL, 0, 0, 0, NULL, 0 }
};

static void on_wake(lws_sorted_usec_list_t *sul)
{
	(void)sul;
}

/* Service once, waking up within at most ms. */
static void service(struct relay_client *c, int ms)
{
	lws_sul_schedule(c->ctx, 0, &c->wake, on_wake, (lws_usec_t)MAX(ms, 1) * 1000);
	lws_service(c->ctx, 0);
}

void relay_client_pump(struct relay_client *c, int timeout_ms)
{
	int64_t end = g_get_monotonic_time() + (int64_t)timeout_ms * 1000;
	int64_t now;

	while ((now = g_get_monotonic_time()) < end && !c->closed)
		service(c, (int)((end - now) / 1000));
}

struct relay_client *relay_client_new(const char *host, int port, bool tls, bool insecure,
				      int timeout_ms, GError **error)
{
	struct relay_client *c = g_new0(struct relay_client, 1);
	struct lws_context_creation_info info;
	struct lws_client_connect_info cc;
	int64_t end = g_get_monotonic_time() + (int64_t)timeout_ms * 1000;

	g_queue_init(&c->out);
	g_queue_init(&c->in);
	c->rx = g_byte_array_new();
	lws_set_log_level(LLL_ERR, NULL);
	memset(&info, 0, sizeof(info));
	info.port = CONTEXT_PORT_NO_LISTEN;
	info.protocols = protocols;
	info.user = c;
	if (tls)
		info.options |= LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
	c->ctx = lws_create_context(&info);
	if (!c->ctx) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "lws_create_context failed");
		relay_client_free(c);
		return NULL;
	}
	memset(&cc, 0, sizeof(cc));
	cc.context = c->ctx;
	cc.address = host;
	cc.port = port;
	cc.path = "/";
	cc.host = host;
	cc.origin = host;
	cc.pwsi = &c->wsi;
	if (tls)
		cc.ssl_connection = LCCSCF_USE_SSL |
				    (insecure ? LCCSCF_ALLOW_SELFSIGNED |
							LCCSCF_SKIP_SERVER_CERT_HOSTNAME_CHECK |
							LCCSCF_ALLOW_INSECURE : 0);
	if (!lws_client_connect_via_info(&cc))
		c->closed = true;
	while (!c->established && !c->closed && g_get_monotonic_time() < end)
		service(c, (int)((end - g_get_monotonic_time()) / 1000));
	if (!c->established) {
		g_set_error(error, G_IO_ERROR, G_IO_ERROR_FAILED, "cannot connect to %s:%d: %s",
			    host, port, c->error ? c->error : "timed out");
		relay_client_free(c);
		return NULL;
	}
	return c;
}

void relay_client_close(struct relay_client *c, uint16_t code, int timeout_ms)
{
	int64_t end = g_get_monotonic_time() + (int64_t)timeout_ms * 1000;

	if (c->closed || !c->wsi || !c->established)
		return;
	c->close_code = code;
	lws_callback_on_writable(c->wsi);
	while (!c->closed && g_get_monotonic_time() < end)
		service(c, (int)((end - g_get_monotonic_time()) / 1000));
}

struct relay_client *relay_client_free(struct relay_client *c)
{
	if (!c)
		return NULL;
	relay_client_close(c, 1000, 300);
	if (c->ctx) {
		lws_sul_cancel(&c->wake);
		lws_context_destroy(c->ctx);
	}
	g_queue_clear_full(&c->out, g_free);
	g_queue_clear_full(&c->in, msg_destroy);
	g_byte_array_unref(c->rx);
	g_free(c->error);
	g_free(c);
	return NULL;
}

int relay_client_send(struct relay_client *c, bool binary, const void *buf, size_t len,
		      int timeout_ms)
{
	struct out_frame *f;
	int64_t end = g_get_monotonic_time() + (int64_t)timeout_ms * 1000;

	if (c->closed || !c->wsi)
		return -ENOTCONN;
	f = g_malloc(sizeof(*f) + LWS_PRE + len);
	f->binary = binary;
	f->len = len;
	memcpy(f->buf + LWS_PRE, buf, len);
	g_queue_push_tail(&c->out, f);
	lws_callback_on_writable(c->wsi);
	/* written means: out of lws' own buffer too (a large frame may be partly sent) */
	while ((!g_queue_is_empty(&c->out) || (c->wsi && lws_partial_buffered(c->wsi))) &&
	       !c->closed && g_get_monotonic_time() < end)
		service(c, (int)((end - g_get_monotonic_time()) / 1000));
	if (c->closed)
		return -ECONNRESET;
	return g_queue_is_empty(&c->out) ? 0 : -ETIMEDOUT;
}

int relay_client_send_text(struct relay_client *c, char *json, int timeout_ms)
{
	int r = relay_client_send(c, false, json, strlen(json), timeout_ms);

	g_free(json);
	return r;
}

struct relay_client_msg *relay_client_recv(struct relay_client *c, int timeout_ms)
{
	int64_t end = g_get_monotonic_time() + (int64_t)timeout_ms * 1000;

	if (g_queue_is_empty(&c->in) && !c->closed)
		service(c, 1);
	while (g_queue_is_empty(&c->in) && !c->closed && g_get_monotonic_time() < end)
		service(c, (int)((end - g_get_monotonic_time()) / 1000));
	return g_queue_pop_head(&c->in);
}

bool relay_client_closed(const struct relay_client *c)
{
	return c->closed;
}

unsigned relay_client_pending(const struct relay_client *c)
{
	return c->in.length;
}
