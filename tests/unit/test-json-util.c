/* SPDX-License-Identifier: MIT */
/* Unit tests of src/common/json-util.c: members that may be null, typed members. */
#include <glib.h>

#include "json-util.h"

static char *build(void (*fill)(JsonBuilder *b))
{
	g_autoptr(JsonBuilder) b = json_builder_new();
	g_autoptr(JsonNode) root = NULL;

	json_builder_begin_object(b);
	fill(b);
	json_builder_end_object(b);
	root = json_builder_get_root(b);
	return json_to_string(root, FALSE);
}

static void fill_present(JsonBuilder *b)
{
	json_util_add_string_or_null(b, "s", "x");
	json_util_add_int_or_null(b, "i", -7, true);
}

static void fill_absent(JsonBuilder *b)
{
	json_util_add_string_or_null(b, "s", NULL);
	json_util_add_int_or_null(b, "i", 42, false);
}

static void test_or_null(void)
{
	g_autofree char *present = build(fill_present);
	g_autofree char *absent = build(fill_absent);

	g_assert_cmpstr(present, ==, "{\"s\":\"x\",\"i\":-7}");
	g_assert_cmpstr(absent, ==, "{\"s\":null,\"i\":null}");
}

static const struct typed_case {
	const char *json; /* the value of member "m" */
	GType type;
	bool found;
} typed_cases[] = {
	{ "\"a\"", G_TYPE_STRING, true },  { "1", G_TYPE_STRING, false },
	{ "null", G_TYPE_STRING, false },  { "[]", G_TYPE_STRING, false },
	{ "{}", G_TYPE_STRING, false },    { "7", G_TYPE_INT64, true },
	{ "7.5", G_TYPE_INT64, false },    { "\"7\"", G_TYPE_INT64, false },
	{ "true", G_TYPE_BOOLEAN, true },  { "1", G_TYPE_BOOLEAN, false },
	{ "7.5", G_TYPE_DOUBLE, true },
};

static void test_typed(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(typed_cases); i++) {
		const struct typed_case *c = &typed_cases[i];
		g_autofree char *text = g_strdup_printf("{\"m\":%s}", c->json);
		g_autoptr(JsonParser) p = json_parser_new();
		JsonObject *o;

		g_assert_true(json_parser_load_from_data(p, text, -1, NULL));
		o = json_node_get_object(json_parser_get_root(p));
		g_test_message("%s as %s", text, g_type_name(c->type));
		g_assert_cmpint(json_util_member_of_type(o, "m", c->type) != NULL, ==, c->found);
		g_assert_null(json_util_member_of_type(o, "absent", c->type));
		if (c->type == G_TYPE_STRING)
			g_assert_cmpstr(json_util_string_member(o, "m"), ==, c->found ? "a" : NULL);
	}
	g_assert_null(json_util_string_member(NULL, "m"));
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/json/member/or-null", test_or_null);
	g_test_add_func("/json/member/typed", test_typed);
	return g_test_run();
}
