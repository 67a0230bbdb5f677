/* SPDX-License-Identifier: MIT */
/*
 * json-util.h - the small json-glib idioms repeated across modules.
 *
 * Writing (JsonBuilder, inside an object): a member whose value may be
 * absent, written as null rather than left out, so a reader sees every member.
 * Reading (JsonObject): a member of one exact type, or NULL when it is absent
 * or of another type (no coercion, no abort on a peer's bad input).
 */
#pragma once

#include <json-glib/json-glib.h>
#include <stdbool.h>
#include <stdint.h>

/* "name": value, or "name": null when value is NULL. */
void json_util_add_string_or_null(JsonBuilder *b, const char *name, const char *value);
/* "name": value, or "name": null when present is false. */
void json_util_add_int_or_null(JsonBuilder *b, const char *name, int64_t value, bool present);

/* The member name holding a value of GType type (G_TYPE_STRING, G_TYPE_INT64,
 * G_TYPE_BOOLEAN, G_TYPE_DOUBLE); NULL when absent, null or another type. */
JsonNode *json_util_member_of_type(JsonObject *o, const char *name, GType type);
/* The string member name; NULL when absent or not a string. Owned by o. */
const char *json_util_string_member(JsonObject *o, const char *name);
