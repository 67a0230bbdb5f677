/* SPDX-License-Identifier: MIT */
/*
 * The PTT GATT service's three descriptions must agree: gatt/ptt-service.json
 * (machine-readable; the C tables are generated from it), gatt/ptt-service.txt
 * (the document for firmware authors) and the code that encodes and decodes.
 */
#include <errno.h>
#include <string.h>

#include <glib.h>
#include <json-glib/json-glib.h>

#include "gatt-proto.h"

static JsonObject *root;
static char *doc;

static bool doc_has_line(const char *pattern)
{
	g_autoptr(GRegex) re = g_regex_new(pattern, G_REGEX_MULTILINE, 0, NULL);

	g_assert_nonnull(re);
	return g_regex_match(re, doc, 0, NULL);
}

static void assert_doc_line(const char *pattern)
{
	if (!doc_has_line(pattern))
		g_error("gatt/ptt-service.txt has no line matching /%s/", pattern);
}

static gint64 chr_max_length(JsonArray *chrs, const char *id)
{
	for (guint i = 0; i < json_array_get_length(chrs); i++) {
		JsonObject *c = json_array_get_object_element(chrs, i);

		if (strcmp(json_object_get_string_member(c, "id"), id) == 0)
			return json_object_get_int_member(c, "max_length");
	}
	g_error("no characteristic %s in the table", id);
	return -1;
}

static void test_uuids(void)
{
	JsonArray *chrs = json_object_get_array_member(root, "characteristics");
	JsonObject *dis = json_object_get_object_member(root, "device_information");
	JsonArray *dis_chrs = json_object_get_array_member(dis, "characteristics");
	JsonObject *svc = json_object_get_object_member(root, "service");
	g_autofree char *p = NULL;

	p = g_strdup_printf("^UUID\\t\\t%s$", json_object_get_string_member(svc, "uuid"));
	assert_doc_line(p);
	g_free(g_steal_pointer(&p));
	p = g_strdup_printf("^UUID\\t\\t%s$", json_object_get_string_member(dis, "uuid"));
	assert_doc_line(p);
	for (guint i = 0; i < json_array_get_length(chrs); i++) {
		JsonObject *c = json_array_get_object_element(chrs, i);
		const char *name = json_object_get_string_member(c, "name");
		const char *uuid = json_object_get_string_member(c, "uuid");
		JsonArray *flags = json_object_get_array_member(c, "flags");
		g_autoptr(GString) props = g_string_new(NULL);
		g_autofree char *pat = NULL;

		/* listed in the service, and its own section with its UUID and properties */
		pat = g_strdup_printf("^(Characteristics)?\\t+%s\\t+%s$", name, uuid);
		assert_doc_line(pat);
		g_free(g_steal_pointer(&pat));
		pat = g_strdup_printf("^%s\\n-+\\n\\nUUID\\t\\t%s\\n", name, uuid);
		assert_doc_line(pat);
		for (guint f = 0; f < json_array_get_length(flags); f++)
			g_string_append_printf(props, "%s%s", f ? ", " : "",
					       json_array_get_string_element(flags, f));
		g_free(g_steal_pointer(&pat));
		pat = g_strdup_printf("^UUID\\t\\t%s\\nProperties\\t%s$", uuid, props->str);
		assert_doc_line(pat);
		g_free(g_steal_pointer(&pat));
		if (json_object_get_int_member(c, "min_length") ==
		    json_object_get_int_member(c, "max_length"))
			pat = g_strdup_printf("^Length\\t\\t%" G_GINT64_FORMAT " bytes",
					      json_object_get_int_member(c, "max_length"));
		else
			pat = g_strdup_printf("^Length\\t\\t%" G_GINT64_FORMAT " to %" G_GINT64_FORMAT
					      " bytes",
					      json_object_get_int_member(c, "min_length"),
					      json_object_get_int_member(c, "max_length"));
		assert_doc_line(pat);
	}
	for (guint i = 0; i < json_array_get_length(dis_chrs); i++) {
		JsonObject *c = json_array_get_object_element(dis_chrs, i);
		g_autofree char *pat = g_strdup_printf(
			"^\\t%s\\t+%s$", json_object_get_string_member(c, "name"),
			json_object_get_string_member(c, "uuid"));

		assert_doc_line(pat);
	}
	/* the code's lengths are the table's */
	g_assert_cmpint(chr_max_length(chrs, "STATE"), ==, GATT_STATE_LEN);
	g_assert_cmpint(chr_max_length(chrs, "ACTIVE_TALKER"), ==, GATT_TALKER_MAX);
	g_assert_cmpint(chr_max_length(chrs, "CHANNEL"), ==, GATT_CHANNEL_LEN_MAX);
}

static void test_opcodes(void)
{
	JsonArray *ops = json_object_get_array_member(root, "opcodes");

	for (guint i = 0; i < json_array_get_length(ops); i++) {
		JsonObject *o = json_array_get_object_element(ops, i);
		const char *name = json_object_get_string_member(o, "name");
		unsigned value = (unsigned)json_object_get_int_member(o, "value");
		size_t len = (size_t)json_object_get_int_member(o, "length");
		g_autofree char *pat = g_strdup_printf("^\\t0x%02x\\t%s\\t+%zu\\t", value, name, len);
		g_autofree char *lower = g_ascii_strdown(name, -1);
		uint8_t buf[8] = { (uint8_t)value };
		struct gatt_cp_cmd cmd;

		assert_doc_line(pat);
		g_strdelimit(lower, "_", '-');
		g_assert_cmpint(gatt_cp_parse(buf, len, &cmd), ==, 0);
		g_assert_cmpstr(gatt_cp_op_to_string(cmd.op), ==, lower);
		g_assert_cmpint(gatt_cp_parse(buf, len + 1, &cmd), ==, -EMSGSIZE);
		g_assert_cmpint(gatt_cp_parse(buf, len - 1, &cmd), ==, -EMSGSIZE);
	}
	g_assert_cmpuint(json_array_get_length(ops), ==, _GATT_CP_OP_MAX);
}

typedef uint8_t (*wire_fn)(int v);

static uint8_t wire_floor(int v)
{
	return gatt_wire_floor(v);
}

static uint8_t wire_status(int v)
{
	return gatt_wire_status(v);
}

static uint8_t wire_link(int v)
{
	return gatt_wire_link(v);
}

static const char *floor_name(int v)
{
	return floor_state_to_string(v);
}

static const char *status_name(int v)
{
	return svc_status_to_string(v);
}

static const char *link_name(int v)
{
	return gatt_link_to_string(v);
}

static void check_values(const char *member, int max, const char *(*to_string)(int),
			 wire_fn wire)
{
	JsonArray *a = json_object_get_array_member(root, member);

	g_assert_cmpuint(json_array_get_length(a), ==, (guint)max);
	for (guint i = 0; i < json_array_get_length(a); i++) {
		JsonObject *o = json_array_get_object_element(a, i);
		const char *name = json_object_get_string_member(o, "name");
		int value = (int)json_object_get_int_member(o, "value");
		g_autofree char *pat = g_strdup_printf("^\\t0x%02x\\t%s\\t", value, name);
		int found = -1;

		assert_doc_line(pat);
		/* the code's enum of the same name is sent as this byte */
		for (int e = 0; e < max; e++)
			if (strcmp(to_string(e), name) == 0)
				found = e;
		if (found < 0)
			g_error("%s: no enum value named '%s' in the code", member, name);
		g_assert_cmpint(wire(found), ==, value);
	}
}

static void test_values(void)
{
	check_values("floor", _FLOOR_STATE_MAX, floor_name, wire_floor);
	check_values("status", _SVC_STATUS_MAX, status_name, wire_status);
	check_values("link", _GATT_LINK_MAX, link_name, wire_link);
}

static void test_flags(void)
{
	JsonArray *a = json_object_get_array_member(root, "state_flags");
	struct gatt_state st = { 0 };
	uint8_t out[GATT_STATE_LEN];

	for (guint i = 0; i < json_array_get_length(a); i++) {
		JsonObject *o = json_array_get_object_element(a, i);
		g_autofree char *pat = g_strdup_printf(
			"^\\t0x%02x\\t%s\\t", (unsigned)json_object_get_int_member(o, "value"),
			json_object_get_string_member(o, "name"));

		assert_doc_line(pat);
	}
	st.audio_active = true;
	gatt_state_encode(&st, out);
	g_assert_cmpint(out[3], ==, 0x01);
	st.audio_active = false;
	st.emergency = true;
	gatt_state_encode(&st, out);
	g_assert_cmpint(out[3], ==, 0x02);
}

static void test_errors(void)
{
	static const struct {
		const char *name;
		int err;
	} map[] = {
		{ "INVALID_LENGTH", -EMSGSIZE }, { "UNKNOWN_OPCODE", -EOPNOTSUPP },
		{ "OUT_OF_RANGE", -ERANGE },     { "NOT_AUTHORIZED", -EACCES },
		{ "RATE_LIMITED", -EBUSY },
	};
	JsonArray *a = json_object_get_array_member(root, "errors");

	g_assert_cmpuint(json_array_get_length(a), ==, G_N_ELEMENTS(map));
	for (guint i = 0; i < json_array_get_length(a); i++) {
		JsonObject *o = json_array_get_object_element(a, i);
		const char *name = json_object_get_string_member(o, "name");
		const char *dbus = json_object_get_string_member(o, "dbus");
		unsigned att = (unsigned)json_object_get_int_member(o, "att");
		g_autofree char *pat = NULL;
		g_autofree char *esc = g_regex_escape_string(dbus, -1);
		bool found = false;

		/* "NAME: ..." then, on the same or the next line, the D-Bus error and ATT code */
		pat = g_strdup_printf("^\\t%s: [^\\n]*(\\n[^\\n]*)?%s[^\\n]*\\(0x%02x\\)$", name, esc,
				      att);
		assert_doc_line(pat);
		for (size_t m = 0; m < G_N_ELEMENTS(map); m++)
			if (strcmp(map[m].name, name) == 0) {
				g_assert_cmpstr(gatt_cp_error_name(map[m].err), ==, dbus);
				found = true;
			}
		g_assert_true(found);
	}
}

static void test_version(void)
{
	g_autofree char *pat = g_strdup_printf("^Version: %" G_GINT64_FORMAT "$",
					       json_object_get_int_member(root, "version"));

	assert_doc_line(pat);
}

int main(int argc, char **argv)
{
	g_autoptr(JsonParser) parser = json_parser_new();
	g_autoptr(GError) error = NULL;

	g_test_init(&argc, &argv, NULL);
	if (!json_parser_load_from_file(parser, GATT_JSON, &error))
		g_error("%s: %s", GATT_JSON, error->message);
	root = json_node_get_object(json_parser_get_root(parser));
	if (!g_file_get_contents(GATT_DOC, &doc, NULL, &error))
		g_error("%s: %s", GATT_DOC, error->message);
	g_test_add_func("/gatt/table/uuids", test_uuids);
	g_test_add_func("/gatt/table/opcodes", test_opcodes);
	g_test_add_func("/gatt/table/values", test_values);
	g_test_add_func("/gatt/table/flags", test_flags);
	g_test_add_func("/gatt/table/errors", test_errors);
	g_test_add_func("/gatt/table/version", test_version);
	return g_test_run();
}
