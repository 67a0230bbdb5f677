/* SPDX-License-Identifier: MIT */
/* json-util.c - members that may be null, members of one type; see json-util.h. */
#include "json-util.h"

void json_util_add_string_or_null(JsonBuilder *b, const char *name, const char *value)
{
	json_builder_set_member_name(b, name);
	if (value)
		json_builder_add_string_value(b, value);
	else
		json_builder_add_null_value(b);
}

void json_util_add_int_or_null(JsonBuilder *b, const char *name, int64_t value, bool present)
{
	json_builder_set_member_name(b, name);
	if (present)
		json_builder_add_int_value(b, value);
	else
		json_builder_add_null_value(b);
}

JsonNode *json_util_member_of_type(JsonObject *o, const char *name, GType type)
{
	JsonNode *n = o ? json_object_get_member(o, name) : NULL;

	if (!n || !JSON_NODE_HOLDS_VALUE(n) || json_node_get_value_type(n) != type)
		return NULL;
	return n;
}

const char *json_util_string_member(JsonObject *o, const char *name)
{
	JsonNode *n = json_util_member_of_type(o, name, G_TYPE_STRING);

	return n ? json_node_get_string(n) : NULL;
}
