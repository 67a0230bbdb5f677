/* SPDX-License-Identifier: MIT */
/* Unit tests of the PTT GATT value formats (src/gatt/gatt-proto.c). */
#include <errno.h>
#include <string.h>

#include <glib.h>

#include "gatt-proto.h"

struct cp_case {
	const char *name;
	const uint8_t bytes[4];
	size_t len;
	int err;
	enum gatt_cp_op op;
	uint16_t index;
};

static const struct cp_case cp_cases[] = {
	{ "/gatt/cp/press", { 0x01 }, 1, 0, GATT_CP_PRESS, 0 },
	{ "/gatt/cp/release", { 0x02 }, 1, 0, GATT_CP_RELEASE, 0 },
	{ "/gatt/cp/emergency", { 0x03 }, 1, 0, GATT_CP_EMERGENCY, 0 },
	{ "/gatt/cp/channel-next", { 0x10 }, 1, 0, GATT_CP_CHANNEL_NEXT, 0 },
	{ "/gatt/cp/channel-previous", { 0x11 }, 1, 0, GATT_CP_CHANNEL_PREVIOUS, 0 },
	{ "/gatt/cp/channel-select", { 0x12, 0x05, 0x00 }, 3, 0, GATT_CP_CHANNEL_SELECT, 5 },
	{ "/gatt/cp/channel-select/little-endian", { 0x12, 0x2c, 0x01 }, 3, 0,
	  GATT_CP_CHANNEL_SELECT, 300 },
	{ "/gatt/cp/volume-up", { 0x20 }, 1, 0, GATT_CP_VOLUME_UP, 0 },
	{ "/gatt/cp/volume-down", { 0x21 }, 1, 0, GATT_CP_VOLUME_DOWN, 0 },
	{ "/gatt/cp/empty", { 0 }, 0, -EMSGSIZE, 0, 0 },
	{ "/gatt/cp/press/too-long", { 0x01, 0x00 }, 2, -EMSGSIZE, 0, 0 },
	{ "/gatt/cp/release/too-long", { 0x02, 0x01, 0x02 }, 3, -EMSGSIZE, 0, 0 },
	{ "/gatt/cp/channel-select/too-short", { 0x12, 0x05 }, 2, -EMSGSIZE, 0, 0 },
	{ "/gatt/cp/channel-select/no-operand", { 0x12 }, 1, -EMSGSIZE, 0, 0 },
	{ "/gatt/cp/channel-select/too-long", { 0x12, 1, 0, 0 }, 4, -EMSGSIZE, 0, 0 },
	{ "/gatt/cp/unknown/0x00", { 0x00 }, 1, -EOPNOTSUPP, 0, 0 },
	{ "/gatt/cp/unknown/0x7f", { 0x7f }, 1, -EOPNOTSUPP, 0, 0 },
	{ "/gatt/cp/unknown/0xff-with-operands", { 0xff, 1, 2 }, 3, -EOPNOTSUPP, 0, 0 },
	{ "/gatt/cp/unknown/0x04", { 0x04 }, 1, -EOPNOTSUPP, 0, 0 },
};

static void test_cp(gconstpointer p)
{
	const struct cp_case *c = p;
	struct gatt_cp_cmd cmd = { .op = _GATT_CP_OP_MAX, .index = 0xbeef };
	int r = gatt_cp_parse(c->bytes, c->len, &cmd);

	g_assert_cmpint(r, ==, c->err);
	if (c->err) {
		/* untouched on error */
		g_assert_cmpint(cmd.op, ==, _GATT_CP_OP_MAX);
		g_assert_cmpuint(cmd.index, ==, 0xbeef);
		return;
	}
	g_assert_cmpint(cmd.op, ==, c->op);
	g_assert_cmpuint(cmd.opcode, ==, c->bytes[0]);
	g_assert_cmpuint(cmd.index, ==, c->index);
	g_assert_cmpstr(gatt_cp_op_to_string(cmd.op), !=, "invalid");
}

static void test_cp_null(void)
{
	struct gatt_cp_cmd cmd;

	g_assert_cmpint(gatt_cp_parse(NULL, 1, &cmd), ==, -EMSGSIZE);
}

static void test_cp_every_byte(void)
{
	/* every opcode byte, every length 0..3: no crash, only the documented errors */
	unsigned ok = 0;

	for (unsigned b = 0; b < 256; b++)
		for (size_t len = 1; len <= 3; len++) {
			uint8_t buf[3] = { (uint8_t)b, 0xaa, 0x55 };
			struct gatt_cp_cmd cmd;
			int r = gatt_cp_parse(buf, len, &cmd);

			g_assert_true(r == 0 || r == -EMSGSIZE || r == -EOPNOTSUPP);
			ok += r == 0;
		}
	g_assert_cmpuint(ok, ==, _GATT_CP_OP_MAX); /* each opcode at exactly one length */
}

static void test_cp_range(void)
{
	struct gatt_cp_cmd sel = { .op = GATT_CP_CHANNEL_SELECT, .index = 3 };
	struct gatt_cp_cmd press = { .op = GATT_CP_PRESS };

	g_assert_cmpint(gatt_cp_check_range(&sel, 4), ==, 0);
	g_assert_cmpint(gatt_cp_check_range(&sel, 3), ==, -ERANGE);
	g_assert_cmpint(gatt_cp_check_range(&sel, 0), ==, -ERANGE);
	sel.index = 0;
	g_assert_cmpint(gatt_cp_check_range(&sel, 1), ==, 0);
	g_assert_cmpint(gatt_cp_check_range(&press, 0), ==, 0);
}

static void test_cp_errors(void)
{
	g_assert_null(gatt_cp_error_name(0));
	g_assert_cmpstr(gatt_cp_error_name(-EMSGSIZE), ==, "org.bluez.Error.InvalidValueLength");
	g_assert_cmpstr(gatt_cp_error_name(-EOPNOTSUPP), ==, "org.bluez.Error.NotSupported");
	g_assert_cmpstr(gatt_cp_error_name(-ERANGE), ==, "org.bluez.Error.NotSupported");
	g_assert_cmpstr(gatt_cp_error_name(-EACCES), ==, "org.bluez.Error.NotAuthorized");
	g_assert_cmpstr(gatt_cp_error_name(-EBUSY), ==, "org.bluez.Error.Failed");
	/* BlueZ turns Failed("0x80") into the ATT application error 0x80 */
	g_assert_cmpstr(gatt_cp_error_message(-EBUSY), ==, "0x80");
}

struct state_case {
	const char *name;
	struct gatt_state st;
	uint8_t bytes[GATT_STATE_LEN];
};

static const struct state_case state_cases[] = {
	{ "/gatt/state/idle-ready-up",
	  { .floor = FLOOR_IDLE, .status = SVC_READY, .link = GATT_LINK_UP },
	  { 0x00, 0x00, 0x02, 0x00, 0x00 } },
	{ "/gatt/state/requesting",
	  { .floor = FLOOR_REQUESTING, .status = SVC_READY, .link = GATT_LINK_UP },
	  { 0x01, 0x00, 0x02, 0x00, 0x00 } },
	{ "/gatt/state/transmitting-audio",
	  { .floor = FLOOR_TRANSMITTING, .status = SVC_READY, .link = GATT_LINK_UP,
	    .audio_active = true },
	  { 0x02, 0x00, 0x02, 0x01, 0x00 } },
	{ "/gatt/state/releasing",
	  { .floor = FLOOR_RELEASING, .status = SVC_READY, .link = GATT_LINK_UP },
	  { 0x03, 0x00, 0x02, 0x00, 0x00 } },
	{ "/gatt/state/receiving",
	  { .floor = FLOOR_RECEIVING, .status = SVC_READY, .link = GATT_LINK_UP,
	    .audio_active = true },
	  { 0x04, 0x00, 0x02, 0x01, 0x00 } },
	{ "/gatt/state/queued",
	  { .floor = FLOOR_QUEUED, .status = SVC_READY, .link = GATT_LINK_UP,
	    .queue_position = 3 },
	  { 0x05, 0x00, 0x02, 0x00, 0x03 } },
	{ "/gatt/state/queue-saturates",
	  { .floor = FLOOR_QUEUED, .status = SVC_READY, .link = GATT_LINK_UP,
	    .queue_position = 1000 },
	  { 0x05, 0x00, 0x02, 0x00, 0xff } },
	{ "/gatt/state/unavailable-down",
	  { .floor = FLOOR_IDLE, .status = SVC_UNAVAILABLE, .link = GATT_LINK_DOWN },
	  { 0x00, 0x02, 0x00, 0x00, 0x00 } },
	{ "/gatt/state/connecting",
	  { .floor = FLOOR_REQUESTING, .status = SVC_CONNECTING, .link = GATT_LINK_CONNECTING },
	  { 0x01, 0x01, 0x01, 0x00, 0x00 } },
	{ "/gatt/state/emergency",
	  { .floor = FLOOR_TRANSMITTING, .status = SVC_READY, .link = GATT_LINK_UP,
	    .audio_active = true, .emergency = true },
	  { 0x02, 0x00, 0x02, 0x03, 0x00 } },
};

static void test_state(gconstpointer p)
{
	const struct state_case *c = p;
	uint8_t out[GATT_STATE_LEN];

	memset(out, 0xee, sizeof(out));
	gatt_state_encode(&c->st, out);
	g_assert_cmpmem(out, sizeof(out), c->bytes, sizeof(c->bytes));
}

static void test_talker(void)
{
	uint8_t out[GATT_TALKER_MAX];
	char longname[100];
	/* 63 ASCII bytes then a 2-byte character: it would end at byte 65 */
	char cut[70];
	size_t n;

	g_assert_cmpuint(gatt_talker_encode(NULL, out), ==, 0);
	g_assert_cmpuint(gatt_talker_encode("", out), ==, 0);
	n = gatt_talker_encode("Dispatch", out);
	g_assert_cmpmem(out, n, "Dispatch", 8);

	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	g_assert_cmpuint(gatt_talker_encode(longname, out), ==, GATT_TALKER_MAX);

	memset(cut, 'b', 63);
	strcpy(cut + 63, "\xc3\xa9xyz"); /* é */
	n = gatt_talker_encode(cut, out);
	g_assert_cmpuint(n, ==, 63);
	g_assert_true(g_utf8_validate((const char *)out, (gssize)n, NULL));

	/* a 4-byte character straddling the limit */
	memset(cut, 'c', 62);
	strcpy(cut + 62, "\xf0\x9f\x93\xbb!"); /* 📻 */
	n = gatt_talker_encode(cut, out);
	g_assert_cmpuint(n, ==, 62);
	g_assert_true(g_utf8_validate((const char *)out, (gssize)n, NULL));

	/* exactly at the limit stays whole */
	memset(cut, 'd', 60);
	strcpy(cut + 60, "\xf0\x9f\x93\xbb");
	g_assert_cmpuint(gatt_talker_encode(cut, out), ==, 64);
}

static void test_channel(void)
{
	uint8_t out[GATT_CHANNEL_LEN_MAX];
	static const uint8_t fire[] = { 0x01, 0x00, 0x03, 0x00, 'F', 'i', 'r', 'e' };
	static const uint8_t big[] = { 0x2c, 0x01, 0xff, 0xff };
	size_t n;

	n = gatt_channel_encode(1, 3, "Fire", out);
	g_assert_cmpmem(out, n, fire, sizeof(fire));
	n = gatt_channel_encode(300, 70000, NULL, out);
	g_assert_cmpmem(out, n, big, sizeof(big));
	n = gatt_channel_encode(0, 1, "a-very-long-channel-name-beyond-32-bytes", out);
	g_assert_cmpuint(n, ==, GATT_CHANNEL_LEN_MAX);
}

static void test_to_string(void)
{
	for (int i = 0; i < _GATT_LINK_MAX; i++)
		g_assert_cmpstr(gatt_link_to_string(i), !=, "invalid");
	for (int i = 0; i < _GATT_CHANNEL_OP_MAX; i++)
		g_assert_cmpstr(gatt_channel_op_to_string(i), !=, "invalid");
	for (int i = 0; i < _GATT_CP_OP_MAX; i++)
		g_assert_cmpstr(gatt_cp_op_to_string(i), !=, "invalid");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(cp_cases); i++)
		g_test_add_data_func(cp_cases[i].name, &cp_cases[i], test_cp);
	g_test_add_func("/gatt/cp/null", test_cp_null);
	g_test_add_func("/gatt/cp/every-byte", test_cp_every_byte);
	g_test_add_func("/gatt/cp/range", test_cp_range);
	g_test_add_func("/gatt/cp/errors", test_cp_errors);
	for (size_t i = 0; i < G_N_ELEMENTS(state_cases); i++)
		g_test_add_data_func(state_cases[i].name, &state_cases[i], test_state);
	g_test_add_func("/gatt/talker/utf8-cut", test_talker);
	g_test_add_func("/gatt/channel/encode", test_channel);
	g_test_add_func("/gatt/to-string", test_to_string);
	return g_test_run();
}
