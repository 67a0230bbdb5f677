/* SPDX-License-Identifier: MIT */
/*
 * relay-wsmask.c - following client frame headers on the relay's sockets (relay-wsmask.h).
 *
 * recv() and SSL_read() are defined here and call the C library's and OpenSSL's own
 * (dlsym RTLD_NEXT): libwebsockets binds to these, so every byte it reads passes here.
 * Sockets not watched (MQTT, lws' own) pass through untouched.
 *
 * The table is an array indexed by fd, sized once to RLIMIT_NOFILE (an fd is below it),
 * so a read costs an index and no lock: only the relay's thread watches and unwatches,
 * and the push publisher's MQTT thread, which reads through recv() too, finds its own
 * socket unwatched (an fd is unwatched before it is closed, so before its number can be
 * reused). Entries are read and written atomically.
 */
#include "relay-wsmask.h"

#include <dlfcn.h>
#include <glib.h>
#include <openssl/ssl.h>
#include <sys/resource.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>

enum phase {
	PHASE_HTTP,		/* the upgrade request, up to its empty line */
	PHASE_HEADER,		/* a frame header */
	PHASE_PAYLOAD,		/* skipping a payload */
};

struct watch {
	enum phase phase;
	unsigned crlf;		/* HTTP: how much of "\r\n\r\n" was seen */
	unsigned ws_match;	/* HTTP: how much of "websocket" was seen */
	bool upgrade;		/* HTTP: this request asks for a WebSocket */
	uint8_t hdr[14];
	unsigned hdr_len;
	uint64_t skip;		/* PAYLOAD: bytes left */
	bool unmasked;
};

/* the most sockets followed (8 bytes of address space each, touched when used) */
#define MAX_WATCHES (1 << 20)

static struct watch **watches;	/* [n_watches], by fd; set once, never moved */
static int n_watches;

static struct watch *watch_get(int fd)
{
	if (fd < 0 || fd >= n_watches)
		return NULL;
	return g_atomic_pointer_get(&watches[fd]);
}

bool relay_wsmask_watch(int fd)
{
	struct watch *old;

	if (!watches) {
		struct rlimit rl;
		rlim_t n = MAX_WATCHES;

		if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
		    rl.rlim_cur < n)
			n = rl.rlim_cur;
		watches = g_new0(struct watch *, n);
		n_watches = (int)n;
	}
	if (fd < 0 || fd >= n_watches)
		return false;
	old = g_atomic_pointer_exchange(&watches[fd], g_new0(struct watch, 1));
	g_free(old);
	return true;
}

void relay_wsmask_unwatch(int fd)
{
	if (fd >= 0 && fd < n_watches)
		g_free(g_atomic_pointer_exchange(&watches[fd], NULL));
}

bool relay_wsmask_unmasked(int fd)
{
	struct watch *w = watch_get(fd);

	return w && w->unmasked;
}

/* Length of the header whose first bytes are in w->hdr (0: not known yet). */
static unsigned header_len(const struct watch *w)
{
	unsigned n;

	if (w->hdr_len < 2)
		return 0;
	n = 2 + ((w->hdr[1] & 0x80) ? 4 : 0);
	switch (w->hdr[1] & 0x7f) {
	case 126:
		return n + 2;
	case 127:
		return n + 8;
	default:
		return n;
	}
}

static void feed(struct watch *w, const uint8_t *p, size_t n)
{
	static const char end[] = "\r\n\r\n";

	while (n && !w->unmasked) {
		switch (w->phase) {
		case PHASE_HTTP: {
			static const char ws[] = "websocket";
			char c = g_ascii_tolower(*p);

			w->ws_match = c == ws[w->ws_match] ? w->ws_match + 1 : (c == 'w');
			if (w->ws_match == sizeof(ws) - 1)
				w->upgrade = true;
			w->crlf = *p == (uint8_t)end[w->crlf] ? w->crlf + 1 : (*p == '\r');
			if (w->crlf == 4) {
				/* frames follow an upgrade; a plain request (answered 426)
				 * may be followed by another request */
				w->phase = w->upgrade ? PHASE_HEADER : PHASE_HTTP;
				w->crlf = 0;
				w->ws_match = 0;
				w->upgrade = false;
			}
			p++;
			n--;
			break;
		}
		case PHASE_HEADER: {
			unsigned want;

			w->hdr[w->hdr_len++] = *p++;
			n--;
			want = header_len(w);
			if (w->hdr_len == 2 && !(w->hdr[1] & 0x80)) {
				w->unmasked = true;
				break;
			}
			if (!want || w->hdr_len < want)
				break;
			if ((w->hdr[1] & 0x7f) == 126)
				w->skip = (uint64_t)w->hdr[2] << 8 | w->hdr[3];
			else if ((w->hdr[1] & 0x7f) == 127) {
				unsigned i;

				w->skip = 0;
				for (i = 2; i < 10; i++)
					w->skip = w->skip << 8 | w->hdr[i];
			} else {
				w->skip = w->hdr[1] & 0x7f;
			}
			w->hdr_len = 0;
			w->phase = w->skip ? PHASE_PAYLOAD : PHASE_HEADER;
			break;
		}
		case PHASE_PAYLOAD: {
			size_t k = MIN((uint64_t)n, w->skip);

			p += k;
			n -= k;
			w->skip -= k;
			if (!w->skip)
				w->phase = PHASE_HEADER;
			break;
		}
		}
	}
}

static void seen(int fd, const void *buf, ssize_t n)
{
	struct watch *w;

	if (n <= 0)
		return;
	w = watch_get(fd);
	if (w)
		feed(w, buf, (size_t)n);
}

ssize_t recv(int fd, void *buf, size_t len, int flags)
{
	static ssize_t (*real)(int, void *, size_t, int);
	ssize_t n;

	if (!real)
		real = (ssize_t (*)(int, void *, size_t, int))dlsym(RTLD_NEXT, "recv");
	n = real(fd, buf, len, flags);
	if (!(flags & MSG_PEEK))
		seen(fd, buf, n);
	return n;
}

int SSL_read(SSL *ssl, void *buf, int num)
{
	static int (*real)(SSL *, void *, int);
	int n;

	if (!real)
		real = (int (*)(SSL *, void *, int))dlsym(RTLD_NEXT, "SSL_read");
	n = real(ssl, buf, num);
	if (n > 0)
		seen(SSL_get_fd(ssl), buf, n);
	return n;
}
