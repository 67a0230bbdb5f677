/* SPDX-License-Identifier: MIT */
/*
 * dispatch.c - pttgw-dispatch: a simulated remote dispatcher for tests and the demo.
 *
 * Logs on to a relay (or any Zello Channel API server) as a user, talks bursts from a
 * WAV file or a tone (Opus, paced in real time; by default 16 kHz, one 20 ms frame per
 * packet; --rate, --frame-ms and --frames pick any format API.md's codec_header allows:
 * 8/12/16/24/48 kHz, frames of 2.5..60 ms, 1 or 2 frames per packet, the two joined
 * with libopus' repacketizer), and records what it hears into a WAV file (packet loss
 * concealed, counted). Exits when done.
 */
#include <errno.h>
#include <math.h>
#include <opus.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto.h"
#include "relay-client.h"

#define RATE 16000
#define FRAME_MS 20
#define FRAME_SAMPLES (RATE * FRAME_MS / 1000)
#define MAX_OPUS 1500

struct opts {
	char *url;
	char *user;
	char *password;
	char *token;
	char *channel;
	char *talk;
	double tone;
	double seconds;
	int bursts;
	double gap;
	gboolean emergency;
	char *record;
	int expect;
	double timeout;
	gboolean fast;
	gboolean insecure;
	gboolean quiet;
	gboolean onsets;
	int rate;		/* encoder sample rate, Hz */
	double frame_ms;	/* Opus frame: 2.5, 5, 10, 20, 40, 60 */
	int frames;		/* frames per packet: 1 or 2 */
	int bitrate;		/* bit/s, 0: by frame size */
	char *to;		/* --to: bursts and the text for this user only */
	char *text;		/* --text: send this message after logon */
	char *location;		/* --location LAT,LON[,ACC] */
	int expect_texts;
	int expect_locations;
	gboolean echo;		/* answer every text with the same text to its sender */
};

struct rx_stream {
	uint32_t id;
	char *from;
	OpusDecoder *dec;
	uint32_t next_packet;
	unsigned packets;
	unsigned lost;
	unsigned quiet_samples;		/* --onsets: samples since the last loud one */
};

struct dispatch {
	struct opts o;
	struct relay_client *c;
	uint32_t seq;
	FILE *wav;
	size_t wav_samples;
	GHashTable *rx;			/* id -> struct rx_stream */
	unsigned bursts_heard;
	unsigned texts_heard;
	unsigned locations_heard;
	unsigned errors;
	/* API.md: talk once the channel is online; extensions only when announced */
	bool online;
	bool ext_emergency;
	bool ext_packet_id;
	/* waiting for a reply */
	uint32_t want_seq;
	bool got_reply;
	struct proto_msg reply;
};

/* ---- WAV ---- */

static void put_le16(uint8_t *p, uint16_t v)
{
	p[0] = v;
	p[1] = v >> 8;
}

static void put_le32(uint8_t *p, uint32_t v)
{
	put_le16(p, v);
	put_le16(p + 2, v >> 16);
}

static uint32_t get_le32(const uint8_t *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t get_le16(const uint8_t *p)
{
	return p[0] | p[1] << 8;
}

static void wav_header(uint8_t h[44], uint32_t samples)
{
	memcpy(h, "RIFF", 4);
	put_le32(h + 4, 36 + samples * 2);
	memcpy(h + 8, "WAVEfmt ", 8);
	put_le32(h + 16, 16);
	put_le16(h + 20, 1);
	put_le16(h + 22, 1);
	put_le32(h + 24, RATE);
	put_le32(h + 28, RATE * 2);
	put_le16(h + 32, 2);
	put_le16(h + 34, 16);
	memcpy(h + 36, "data", 4);
	put_le32(h + 40, samples * 2);
}

/* 16 kHz mono 16-bit PCM only; returns samples (g_free) or NULL with error. */
static int16_t *wav_read(const char *path, size_t *ret_n, GError **error)
{
	g_autofree uint8_t *buf = NULL;
	gsize len = 0, pos = 12;
	bool fmt_ok = false;

	if (!g_file_get_contents(path, (char **)&buf, &len, error))
		return NULL;
	if (len < 12 || memcmp(buf, "RIFF", 4) || memcmp(buf + 8, "WAVE", 4))
		goto bad;
	while (pos + 8 <= len) {
		uint32_t size = get_le32(buf + pos + 4);

		if (size > len - pos - 8)
			size = len - pos - 8;
		if (!memcmp(buf + pos, "fmt ", 4) && size >= 16) {
			const uint8_t *f = buf + pos + 8;

			fmt_ok = get_le16(f) == 1 && get_le16(f + 2) == 1 &&
				 get_le32(f + 4) == RATE && get_le16(f + 14) == 16;
		} else if (!memcmp(buf + pos, "data", 4)) {
			int16_t *pcm;
			size_t i, n = size / 2;

			if (!fmt_ok)
				break;
			pcm = g_new(int16_t, n ? n : 1);
			for (i = 0; i < n; i++)
				pcm[i] = (int16_t)get_le16(buf + pos + 8 + 2 * i);
			*ret_n = n;
			return pcm;
		}
		pos += 8 + size + (size & 1);
	}
bad:
	g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
		    "%s: needs a 16 kHz mono 16-bit PCM WAV file "
		    "(sox IN -r 16000 -c 1 -b 16 OUT.wav)", path);
	return NULL;
}

static void wav_write(struct dispatch *d, const int16_t *pcm, size_t n)
{
	uint8_t buf[FRAME_SAMPLES * 2 * 6];
	size_t i;

	if (!d->wav)
		return;
	while (n) {
		size_t k = MIN(n, sizeof(buf) / 2);

		for (i = 0; i < k; i++)
			put_le16(buf + 2 * i, (uint16_t)pcm[i]);
		fwrite(buf, 2, k, d->wav);
		d->wav_samples += k;
		pcm += k;
		n -= k;
	}
}

static void wav_close(struct dispatch *d)
{
	uint8_t h[44];

	if (!d->wav)
		return;
	wav_header(h, d->wav_samples);
	fseek(d->wav, 0, SEEK_SET);
	fwrite(h, 1, sizeof(h), d->wav);
	fclose(d->wav);
	d->wav = NULL;
}

/* ---- receiving ---- */

static void rx_stream_free(gpointer p)
{
	struct rx_stream *s = p;

	if (s->dec)
		opus_decoder_destroy(s->dec);
	g_free(s->from);
	g_free(s);
}

/* --onsets: a packet that turns loud after at least ONSET_QUIET_MS of quiet (or at
 * the start of a stream) is an onset; printed with the monotonic time it was read. */
#define ONSET_LEVEL 4000
#define ONSET_QUIET_MS 200

static void find_onset(struct rx_stream *s, uint32_t packet_id, const int16_t *pcm, int n)
{
	for (int i = 0; i < n; i++) {
		if (abs(pcm[i]) < ONSET_LEVEL) {
			s->quiet_samples++;
			continue;
		}
		if (s->quiet_samples >= ONSET_QUIET_MS * RATE / 1000) {
			printf("onset heard stream %u packet %u at %" G_GINT64_FORMAT " us\n", s->id,
			       packet_id, g_get_monotonic_time());
			fflush(stdout);
		}
		s->quiet_samples = 0;
	}
}

static void on_audio(struct dispatch *d, const struct proto_audio *a)
{
	struct rx_stream *s = g_hash_table_lookup(d->rx, GUINT_TO_POINTER(a->stream_id));
	int16_t pcm[FRAME_SAMPLES * 6];
	int n;

	if (!s) {
		g_printerr("audio for unknown stream %u, dropped\n", a->stream_id);
		d->errors++;
		return;
	}
	if (a->packet_id < s->next_packet) {
		g_printerr("stream %u: packet %u again or out of order, dropped\n", s->id,
			   a->packet_id);
		d->errors++;
		return;
	}
	/* conceal what is missing, so the recording keeps its timing */
	if (a->packet_id - s->next_packet > 500)	/* conceal 10 s at most */
		s->next_packet = a->packet_id - 500;
	while (s->next_packet < a->packet_id) {
		n = opus_decode(s->dec, NULL, 0, pcm, FRAME_SAMPLES, 0);
		if (n > 0)
			wav_write(d, pcm, n);
		s->lost++;
		s->next_packet++;
	}
	n = opus_decode(s->dec, a->data, a->len, pcm, G_N_ELEMENTS(pcm), 0);
	if (n < 0) {
		g_printerr("stream %u packet %u: opus: %s\n", s->id, a->packet_id,
			   opus_strerror(n));
		d->errors++;
	} else {
		wav_write(d, pcm, n);
		if (d->o.onsets)
			find_onset(s, a->packet_id, pcm, n);
	}
	s->packets++;
	s->next_packet = a->packet_id + 1;
}

static void on_text(struct dispatch *d, const char *buf, size_t len)
{
	struct proto_msg m = PROTO_MSG_INIT;
	g_autoptr(GError) error = NULL;
	struct rx_stream *s;
	int err;

	if (proto_parse_text(buf, len, &m, &error) < 0) {
		g_printerr("bad frame from the server: %s\n", error->message);
		d->errors++;
		proto_msg_clear(&m);
		return;
	}
	switch (m.cmd) {
	case PROTO_CMD_REPLY:
		if (m.seq == d->want_seq) {
			proto_msg_clear(&d->reply);
			d->reply = m;
			d->got_reply = true;
			return;	/* moved */
		}
		break;
	case PROTO_CMD_ON_STREAM_START:
		s = g_new0(struct rx_stream, 1);
		s->quiet_samples = ONSET_QUIET_MS * RATE / 1000; /* a stream starts quiet */
		s->id = m.stream_id;
		s->from = g_strdup(m.from);
		s->dec = opus_decoder_create(RATE, 1, &err);
		g_hash_table_replace(d->rx, GUINT_TO_POINTER(s->id), s);
		if (!d->o.quiet)
			printf("stream %u on %s from %s started%s\n", s->id,
			       m.channel ? m.channel : "?", s->from,
			       m.emergency ? " (emergency)" : "");
		break;
	case PROTO_CMD_ON_STREAM_STOP:
		s = g_hash_table_lookup(d->rx, GUINT_TO_POINTER(m.stream_id));
		if (s) {
			printf("received stream %u from %s: %u packets, %u lost\n", s->id, s->from,
			       s->packets, s->lost);
			g_hash_table_remove(d->rx, GUINT_TO_POINTER(m.stream_id));
			d->bursts_heard++;
		} else if (!d->o.quiet) {
			printf("stream %u ended\n", m.stream_id);
		}
		break;
	case PROTO_CMD_ON_ERROR:
		g_printerr("server error: %s\n", m.error);
		break;
	case PROTO_CMD_ON_CHANNEL_STATUS:
		d->online = g_strcmp0(m.status, "online") == 0;
		if (!d->o.quiet)
			printf("channel %s %s (%" G_GINT64_FORMAT " online)%s%s\n", m.channel,
			       m.status, m.users_online, m.error ? ": " : "",
			       m.error ? m.error : "");
		break;
	case PROTO_CMD_ON_TEXT_MESSAGE:
		d->texts_heard++;
		printf("text from %s to %s: %s", m.from, m.for_user ? m.for_user : "channel",
		       m.text);
		if (d->o.onsets)
			printf(" at %" G_GINT64_FORMAT " us", g_get_monotonic_time());
		printf("\n");
		fflush(stdout);
		if (d->o.echo && g_strcmp0(m.from, d->o.user) != 0)
			relay_client_send_text(d->c, proto_build_send_text_message(
						     ++d->seq, d->o.channel, m.text, m.from), 5000);
		break;
	case PROTO_CMD_ON_LOCATION:
		d->locations_heard++;
		printf("location from %s to %s: %.7f %.7f accuracy %.1f", m.from,
		       m.for_user ? m.for_user : "channel", m.latitude, m.longitude, m.accuracy);
		if (d->o.onsets)
			printf(" at %" G_GINT64_FORMAT " us", g_get_monotonic_time());
		printf("\n");
		fflush(stdout);
		break;
	default:
		break;
	}
	proto_msg_clear(&m);
}

/* Receive for up to ms (at least once). false when the connection is gone. */
static bool poll_once(struct dispatch *d, int ms)
{
	g_autoptr(relay_client_msg) r = relay_client_recv(d->c, ms);
	struct proto_audio a;
	g_autoptr(GError) error = NULL;

	if (r) {
		if (!r->binary)
			on_text(d, (const char *)r->data, r->len);
		else if (proto_parse_audio(r->data, r->len, &a, &error) == 0)
			on_audio(d, &a);
		else
			g_printerr("bad audio frame: %s\n", error->message);
	}
	return !relay_client_closed(d->c);
}

/* Service until the monotonic time end (µs). */
static bool poll_until(struct dispatch *d, int64_t end)
{
	int64_t now;

	while ((now = g_get_monotonic_time()) < end)
		if (!poll_once(d, (int)MAX(1, (end - now) / 1000)))
			return false;
	return true;
}

/* Send a command with seq d->seq and wait for its reply (in d->reply). */
static bool request(struct dispatch *d, char *json, int timeout_ms)
{
	int64_t end = g_get_monotonic_time() + (int64_t)timeout_ms * 1000;

	d->want_seq = d->seq;
	d->got_reply = false;
	if (relay_client_send_text(d->c, json, timeout_ms) < 0)
		return false;
	while (!d->got_reply && g_get_monotonic_time() < end)
		if (!poll_once(d, (int)MAX(1, (end - g_get_monotonic_time()) / 1000)))
			return false;
	return d->got_reply;
}

/* ---- talking ---- */

/* One bandwidth for the whole burst: the frames joined into a packet must share a TOC. */
static int bandwidth_of(int rate)
{
	return rate <= 8000    ? OPUS_BANDWIDTH_NARROWBAND
	       : rate <= 16000 ? OPUS_BANDWIDTH_WIDEBAND
	       : rate <= 24000 ? OPUS_BANDWIDTH_SUPERWIDEBAND
			       : OPUS_BANDWIDTH_FULLBAND;
}

/* Encode the next packet (o->frames frames of o->frame_ms) from pcm at *off into out.
 * Returns its length, 0 at the end, -1 on error. Two frames that cannot share a packet
 * (the encoder changed mode between them) go out as two packets. */
static int encode_packet(struct dispatch *d, OpusEncoder *enc, OpusRepacketizer *rp,
			 const int16_t *pcm, size_t samples, size_t *off, uint8_t *out)
{
	static uint8_t frames[2][MAX_OPUS];
	size_t fs = (size_t)(d->o.rate * d->o.frame_ms / 1000.0 + 0.5);
	int k, len;

	if (*off >= samples)
		return 0;
	opus_repacketizer_init(rp);
	for (k = 0; k < d->o.frames && *off < samples; k++) {
		int16_t buf[2880] = { 0 };
		size_t n = MIN(fs, samples - *off);

		memcpy(buf, pcm + *off, n * sizeof(int16_t));
		len = opus_encode(enc, buf, (int)fs, frames[k], MAX_OPUS);
		if (len < 0) {
			g_printerr("opus_encode: %s\n", opus_strerror(len));
			return -1;
		}
		if (opus_repacketizer_cat(rp, frames[k], len) != OPUS_OK) {
			if (k == 0)
				return -1;
			break; /* not consumed: the next packet starts with it */
		}
		*off += fs;
	}
	len = opus_repacketizer_out(rp, out, MAX_OPUS);
	return len > 0 ? len : -1;
}

static int talk_burst(struct dispatch *d, unsigned n, const int16_t *pcm, size_t samples)
{
	const struct proto_codec_header hdr = {
		(uint16_t)d->o.rate, (uint8_t)d->o.frames,
		(uint8_t)(d->o.frame_ms < 5 ? 2 : d->o.frame_ms), /* 2 stands for 2.5 */
	};
	double packet_ms = d->o.frame_ms * d->o.frames;
	int64_t deadline = g_get_monotonic_time() + (int64_t)(d->o.timeout * G_USEC_PER_SEC);
	OpusEncoder *enc;
	OpusRepacketizer *rp;
	uint8_t frame[PROTO_AUDIO_HEADER_LEN + MAX_OPUS];
	uint32_t id, packets = 0;
	int64_t start;
	size_t off;
	int err;

	for (;;) {
		d->seq++;
		/* packet_duration is an integer: 2 x 2.5 ms says 5, 1 x 2.5 ms says 2 */
		struct proto_msg sm = PROTO_MSG_INIT;

		sm.cmd = PROTO_CMD_START_STREAM;
		sm.has_seq = true;
		sm.seq = d->seq;
		sm.channel = d->o.channel;
		sm.codec_header = hdr;
		sm.packet_duration = (unsigned)packet_ms;
		sm.emergency = d->o.emergency && d->ext_emergency;
		sm.for_user = d->o.to; /* a private call */
		if (!request(d, proto_build(&sm, NULL), 5000)) {
			g_printerr("burst %u: no answer to start_stream\n", n);
			return -ETIMEDOUT;
		}
		if (d->reply.success && d->reply.has_stream_id)
			break;
		if (g_strcmp0(d->reply.error, PROTO_ERR_CHANNEL_BUSY) != 0 ||
		    g_get_monotonic_time() > deadline) {
			g_printerr("burst %u: denied: %s\n", n,
				   d->reply.error ? d->reply.error : "no stream_id");
			return -EBUSY;
		}
		poll_until(d, g_get_monotonic_time() + 200 * 1000);	/* busy: try again */
	}
	id = d->reply.stream_id;
	enc = opus_encoder_create(d->o.rate, 1, OPUS_APPLICATION_VOIP, &err);
	rp = opus_repacketizer_create();
	if (!enc || !rp) {
		g_printerr("opus encoder: %s\n", opus_strerror(err));
		if (enc)
			opus_encoder_destroy(enc);
		return -EIO;
	}
	/* frames under 10 ms are CELT only and need more bits to stay a tone */
	opus_encoder_ctl(enc, OPUS_SET_BITRATE(d->o.bitrate ? d->o.bitrate
					       : d->o.frame_ms < 10 ? 96000 : 24000));
	opus_encoder_ctl(enc, OPUS_SET_BANDWIDTH(bandwidth_of(d->o.rate)));
	start = g_get_monotonic_time();
	off = 0;
	for (;;) {
		size_t before = off;
		int len = encode_packet(d, enc, rp, pcm, samples,  &off,
					frame + PROTO_AUDIO_HEADER_LEN);

		if (len <= 0)
			break;
		/* API.md: zero, unless the server announced it takes them numbered */
		proto_audio_write_header(frame, id, d->ext_packet_id ? packets : 0);
		/* paced by the audio sent so far */
		if (!d->o.fast &&
		    !poll_until(d, start + (int64_t)((double)before * 1e6 / d->o.rate)))
			break;
		if (packets == 0 && d->o.onsets) {
			printf("onset sent burst %u stream %u at %" G_GINT64_FORMAT " us\n", n, id,
			       g_get_monotonic_time());
			fflush(stdout);
		}
		if (relay_client_send(d->c, true, frame, PROTO_AUDIO_HEADER_LEN + len, 5000) < 0)
			break;
		packets++;
	}
	opus_repacketizer_destroy(rp);
	opus_encoder_destroy(enc);
	if (!d->o.fast)
		poll_until(d, start + (int64_t)((double)off * 1e6 / d->o.rate));
	relay_client_send_text(d->c, proto_build_stop_stream(true, ++d->seq, id, d->o.channel),
			       5000);
	printf("sent burst %u: stream %u, %u packets\n", n, id, packets);
	fflush(stdout);
	return relay_client_closed(d->c) ? -ECONNRESET : 0;
}

static int16_t *make_tone(double hz, double seconds, int rate, size_t *ret_n)
{
	size_t i, n = (size_t)(seconds * rate);
	int16_t *pcm = g_new(int16_t, n ? n : 1);

	for (i = 0; i < n; i++)
		pcm[i] = (int16_t)(8000 * sin(2 * M_PI * hz * (double)i / rate));
	*ret_n = n;
	return pcm;
}

/* 16 kHz (the WAV files) -> rate, linear interpolation. */
static int16_t *resample(int16_t *in, size_t n, int rate, size_t *ret_n)
{
	size_t m = (size_t)((double)n * rate / RATE), i;
	int16_t *out;

	if (rate == RATE) {
		*ret_n = n;
		return in;
	}
	out = g_new(int16_t, m ? m : 1);
	for (i = 0; i < m; i++) {
		double x = (double)i * RATE / rate;
		size_t k = (size_t)x;
		double f = x - (double)k;
		int a = in[MIN(k, n - 1)], b = in[MIN(k + 1, n - 1)];

		out[i] = (int16_t)lrint(a + (b - a) * f);
	}
	g_free(in);
	*ret_n = m;
	return out;
}

/* --text and --location, answered by the server: 0, or -1 when refused. */
static int send_extras(struct dispatch *d)
{
	double v[3] = { 0, 0, -1 };

	if (d->o.text) {
		d->seq++;
		if (!request(d, proto_build_send_text_message(d->seq, d->o.channel, d->o.text,
							      d->o.to), 5000) ||
		    !d->reply.success) {
			g_printerr("pttgw-dispatch: text refused: %s\n",
				   d->reply.error ? d->reply.error : "no answer");
			return -1;
		}
		printf("text sent\n");
	}
	if (d->o.location) {
		g_auto(GStrv) parts = g_strsplit(d->o.location, ",", 4);
		unsigned n = g_strv_length(parts);

		for (unsigned i = 0; i < n && i < 3; i++)
			v[i] = g_ascii_strtod(parts[i], NULL);
		d->seq++;
		if (n < 2 || n > 3 ||
		    !request(d, proto_build_send_location(d->seq, d->o.channel, v[0], v[1], v[2],
							  NULL, d->o.to), 5000) ||
		    !d->reply.success) {
			g_printerr("pttgw-dispatch: location refused: %s\n",
				   d->reply.error ? d->reply.error : "LAT,LON[,ACC] or no answer");
			return -1;
		}
		printf("location sent\n");
	}
	fflush(stdout);
	return 0;
}

/* ---- main ---- */

static bool parse_url(const char *url, char **ret_host, int *ret_port, bool *ret_tls)
{
	const char *p = url, *colon;

	*ret_tls = false;
	if (g_str_has_prefix(p, "ws://")) {
		p += 5;
	} else if (g_str_has_prefix(p, "wss://")) {
		p += 6;
		*ret_tls = true;
	}
	colon = strrchr(p, ':');
	if (!colon || colon == p)
		return false;
	*ret_host = g_strndup(p, colon - p);
	*ret_port = atoi(colon + 1);
	return *ret_port > 0 && *ret_port < 65536;
}

int main(int argc, char **argv)
{
	struct dispatch d = { .reply = PROTO_MSG_INIT };
	struct opts *o = &d.o;
	g_autofree char *userpw = NULL, *host = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree int16_t *pcm = NULL;
	size_t samples = 0;
	int port, i, rc = 0;
	bool tls;
	const GOptionEntry entries[] = {
		{ "url", 'U', 0, G_OPTION_ARG_STRING, &o->url,
		  "Server (default ws://127.0.0.1:8080)", "ws[s]://HOST:PORT" },
		{ "user", 'u', 0, G_OPTION_ARG_STRING, &userpw, "Log on as (required)",
		  "NAME:PASSWORD" },
		{ "token", 0, 0, G_OPTION_ARG_STRING, &o->token, "auth_token to send", "TOKEN" },
		{ "channel", 'C', 0, G_OPTION_ARG_STRING, &o->channel,
		  "Channel (default \"default\")", "NAME" },
		{ "talk", 't', 0, G_OPTION_ARG_FILENAME, &o->talk,
		  "Talk this WAV file (16 kHz mono 16-bit)", "FILE.wav" },
		{ "tone", 0, 0, G_OPTION_ARG_DOUBLE, &o->tone, "Talk a sine tone of HZ", "HZ" },
		{ "seconds", 's', 0, G_OPTION_ARG_DOUBLE, &o->seconds,
		  "Length of the tone (default 2)", "S" },
		{ "bursts", 'n', 0, G_OPTION_ARG_INT, &o->bursts,
		  "Talk this many bursts (default 1 when talking)", "N" },
		{ "gap", 0, 0, G_OPTION_ARG_DOUBLE, &o->gap,
		  "Seconds between bursts (default 1)", "S" },
		{ "emergency", 'e', 0, G_OPTION_ARG_NONE, &o->emergency,
		  "Talk as an emergency (pre-empts the talker)", NULL },
		{ "record", 'r', 0, G_OPTION_ARG_FILENAME, &o->record,
		  "Decode what is heard into this WAV file", "OUT.wav" },
		{ "expect", 'x', 0, G_OPTION_ARG_INT, &o->expect,
		  "Wait until this many bursts were heard (default: --bursts when only "
		  "recording, else 0)", "N" },
		{ "timeout", 0, 0, G_OPTION_ARG_DOUBLE, &o->timeout,
		  "Give up after S seconds (default 60); exit 1", "S" },
		{ "fast", 0, 0, G_OPTION_ARG_NONE, &o->fast,
		  "Send audio as fast as possible (not paced in real time)", NULL },
		{ "insecure", 'k', 0, G_OPTION_ARG_NONE, &o->insecure,
		  "wss: do not verify the certificate", NULL },
		{ "quiet", 'q', 0, G_OPTION_ARG_NONE, &o->quiet, "Only the per-burst lines", NULL },
		{ "onsets", 0, 0, G_OPTION_ARG_NONE, &o->onsets,
		  "Print the monotonic time of each burst's first packet sent and of each "
		  "onset heard (benchmarks)", NULL },
		{ "rate", 0, 0, G_OPTION_ARG_INT, &o->rate,
		  "Talk at this sample rate: 8000, 12000, 16000 (default), 24000, 48000", "HZ" },
		{ "frame-ms", 0, 0, G_OPTION_ARG_DOUBLE, &o->frame_ms,
		  "Opus frame length: 2.5, 5, 10, 20 (default), 40, 60", "MS" },
		{ "frames", 0, 0, G_OPTION_ARG_INT, &o->frames,
		  "Opus frames per packet: 1 (default) or 2", "N" },
		{ "to", 0, 0, G_OPTION_ARG_STRING, &o->to,
		  "Bursts and --text for this user only (\"for\")", "USER" },
		/* FILENAME: the bytes as given (no locale conversion); checked below */
		{ "text", 0, 0, G_OPTION_ARG_FILENAME, &o->text, "Send this text message (UTF-8)",
		  "TEXT" },
		{ "location", 0, 0, G_OPTION_ARG_STRING, &o->location,
		  "Send this location", "LAT,LON[,ACC]" },
		{ "expect-texts", 0, 0, G_OPTION_ARG_INT, &o->expect_texts,
		  "Wait until this many text messages were received", "N" },
		{ "expect-locations", 0, 0, G_OPTION_ARG_INT, &o->expect_locations,
		  "Wait until this many locations were received", "N" },
		{ "echo", 0, 0, G_OPTION_ARG_NONE, &o->echo,
		  "Answer every text message with the same text to its sender", NULL },
		{ "bitrate", 0, 0, G_OPTION_ARG_INT, &o->bitrate,
		  "Opus bit/s (default 24000; 96000 for frames under 10 ms)", "BPS" },
		{ NULL }
	};
	g_autoptr(GOptionContext) ctx = g_option_context_new("- simulated remote dispatcher");
	const char *chans[2];
	int64_t end;

	o->seconds = 2;
	o->gap = 1;
	o->timeout = 60;
	o->bursts = -1;
	o->rate = RATE;
	o->frame_ms = 20;
	o->frames = 1;
	g_option_context_add_main_entries(ctx, entries, NULL);
	g_option_context_set_summary(ctx,
		"Logs on to a pttgw-relay (Zello Channel API) as a user, talks bursts\n"
		"(Opus, real time; 16 kHz 20 ms packets unless --rate/--frame-ms/--frames say\n"
		"otherwise) and records what it hears.\n"
		"Prints \"sent burst N: stream S, P packets\" and\n"
		"\"received stream S from U: P packets, L lost\" per burst; exit 0 when done.");
	g_option_context_set_description(ctx,
		"Examples:\n"
		"  pttgw-dispatch -U ws://127.0.0.1:8080 -u disp:pw -C ops --tone 440 -s 3 -n 5\n"
		"  pttgw-dispatch -U ws://127.0.0.1:8080 -u disp:pw -C ops --record a.wav -x 1");
	if (!g_option_context_parse(ctx, &argc, &argv, &error)) {
		g_printerr("pttgw-dispatch: %s\n", error->message);
		return 2;
	}
	if (o->rate != 8000 && o->rate != 12000 && o->rate != 16000 && o->rate != 24000 &&
	    o->rate != 48000) {
		g_printerr("pttgw-dispatch: --rate %d: 8000, 12000, 16000, 24000 or 48000\n",
			   o->rate);
		return 2;
	}
	if (o->frame_ms != 2.5 && o->frame_ms != 5 && o->frame_ms != 10 && o->frame_ms != 20 &&
	    o->frame_ms != 40 && o->frame_ms != 60) {
		g_printerr("pttgw-dispatch: --frame-ms %g: 2.5, 5, 10, 20, 40 or 60\n",
			   o->frame_ms);
		return 2;
	}
	if (o->frames != 1 && o->frames != 2) {
		g_printerr("pttgw-dispatch: --frames %d: 1 or 2\n", o->frames);
		return 2;
	}
	if (o->text && !g_utf8_validate(o->text, -1, NULL)) {
		g_printerr("pttgw-dispatch: --text: not valid UTF-8\n");
		return 2;
	}
	if (!userpw || !strchr(userpw, ':')) {
		g_printerr("pttgw-dispatch: --user NAME:PASSWORD is required\n");
		return 2;
	}
	o->user = g_strndup(userpw, strchr(userpw, ':') - userpw);
	o->password = g_strdup(strchr(userpw, ':') + 1);
	if (!o->channel)
		o->channel = g_strdup("default");
	if (!parse_url(o->url ? o->url : "ws://127.0.0.1:8080", &host, &port, &tls)) {
		g_printerr("pttgw-dispatch: --url %s: expected ws://HOST:PORT\n", o->url);
		return 2;
	}
	if (o->talk) {
		pcm = wav_read(o->talk, &samples, &error);
		if (!pcm) {
			g_printerr("pttgw-dispatch: %s\n", error->message);
			return 2;
		}
		pcm = resample(g_steal_pointer(&pcm), samples, o->rate, &samples);
	} else if (o->tone > 0) {
		pcm = make_tone(o->tone, o->seconds, o->rate, &samples);
	}
	if (o->bursts < 0)
		o->bursts = pcm ? 1 : 0;
	if (o->expect == 0 && !pcm && o->record)
		o->expect = MAX(o->bursts, 1);
	if (o->record) {
		uint8_t h[44] = { 0 };

		d.wav = fopen(o->record, "wb");
		if (!d.wav) {
			g_printerr("pttgw-dispatch: %s: %s\n", o->record, g_strerror(errno));
			return 2;
		}
		fwrite(h, 1, sizeof(h), d.wav);
	}
	signal(SIGPIPE, SIG_IGN);
	d.rx = g_hash_table_new_full(NULL, NULL, NULL, rx_stream_free);
	end = g_get_monotonic_time() + (int64_t)(o->timeout * G_USEC_PER_SEC);

	d.c = relay_client_new(host, port, tls, o->insecure, 5000, &error);
	if (!d.c) {
		g_printerr("pttgw-dispatch: %s\n", error->message);
		rc = 1;
		goto out;
	}
	chans[0] = o->channel;
	chans[1] = NULL;
	d.seq = 1;
	/* API.md: a username always with its password (none: anonymous, token) */
	if (!request(&d, proto_build_logon(1, o->password ? o->user : NULL, o->password, o->token,
					   NULL, chans),
		     5000) || !d.reply.success) {
		g_printerr("pttgw-dispatch: logon failed: %s\n",
			   d.reply.error ? d.reply.error : "no answer");
		rc = 1;
		goto out;
	}
	printf("logged on as %s to %s:%d\n", o->user, host, port);
	fflush(stdout);
	d.ext_emergency = proto_msg_has_extension(&d.reply, PROTO_EXT_EMERGENCY);
	d.ext_packet_id = proto_msg_has_extension(&d.reply, PROTO_EXT_PACKET_ID);
	if (o->emergency && !d.ext_emergency)
		printf("the server does not support emergency pre-emption: a normal talk\n");
	/* API.md: talk after the channel status says online */
	while ((o->bursts > 0 || o->text || o->location) && !d.online &&
	       g_get_monotonic_time() < end &&
	       poll_until(&d, g_get_monotonic_time() + 50 * 1000))
		;
	if (o->bursts > 0 && !d.online) {
		g_printerr("pttgw-dispatch: channel %s is not online\n", o->channel);
		rc = 1;
		goto out;
	}

	if (send_extras(&d) < 0) {
		rc = 1;
		goto out;
	}
	for (i = 0; i < o->bursts; i++) {
		if (i > 0 && !poll_until(&d, g_get_monotonic_time() +
					     (int64_t)(o->gap * G_USEC_PER_SEC)))
			break;
		if (talk_burst(&d, i + 1, pcm, samples) < 0) {
			rc = 1;
			break;
		}
	}
	while (rc == 0 && (d.bursts_heard < (unsigned)o->expect ||
			   d.texts_heard < (unsigned)o->expect_texts ||
			   d.locations_heard < (unsigned)o->expect_locations)) {
		if (g_get_monotonic_time() > end) {
			g_printerr("pttgw-dispatch: timed out: heard %u of %d bursts, %u of %d "
				   "texts, %u of %d locations\n", d.bursts_heard, o->expect,
				   d.texts_heard, o->expect_texts, d.locations_heard,
				   o->expect_locations);
			rc = 1;
			break;
		}
		if (!poll_once(&d, 100)) {
			g_printerr("pttgw-dispatch: connection closed\n");
			rc = 1;
			break;
		}
	}
	/* let the last stop_stream reach the server */
	if (rc == 0 && o->bursts > 0)
		poll_until(&d, g_get_monotonic_time() + 100 * 1000);
out:
	wav_close(&d);
	relay_client_free(d.c);
	g_hash_table_unref(d.rx);
	proto_msg_clear(&d.reply);
	printf("done: %d bursts sent, %u heard, %u errors\n", rc ? -1 : o->bursts,
	       d.bursts_heard, d.errors);
	g_free(o->user);
	g_free(o->password);
	g_free(o->channel);
	g_free(o->url);
	g_free(o->talk);
	g_free(o->record);
	g_free(o->token);
	g_free(o->to);
	g_free(o->text);
	g_free(o->location);
	return rc;
}
