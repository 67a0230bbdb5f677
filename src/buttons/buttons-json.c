/* SPDX-License-Identifier: MIT */
/* buttons-json.c - the buttons' status as JSON (buttons_to_json(), buttons.h). */
#include "buttons-private.h"

#include "button-profiles.h"
#include "json-util.h"

void buttons_to_json(struct buttons *b, JsonBuilder *builder)
{
	json_builder_begin_array(builder);
	for (guint i = 0; b && i < b->buttons->len; i++) {
		struct button *btn = b->buttons->pdata[i];

		json_builder_begin_object(builder);
		json_builder_set_member_name(builder, "source");
		json_builder_add_string_value(builder, btn->source);
		json_builder_set_member_name(builder, "address");
		json_builder_add_string_value(builder, btn->address);
		json_util_add_string_or_null(builder, "profile",
					     btn->profile ? btn->profile->name : NULL);
		json_util_add_string_or_null(builder, "name", btn->name);
		json_builder_set_member_name(builder, "configured");
		json_builder_add_boolean_value(builder, btn->configured);
		json_builder_set_member_name(builder, "kept");
		json_builder_add_boolean_value(builder, btn->kept);
		json_builder_set_member_name(builder, "connected");
		json_builder_add_boolean_value(builder, btn->connected);
		json_builder_set_member_name(builder, "held");
		json_builder_add_boolean_value(builder, gesture_driver_held(&btn->gd));
		json_util_add_int_or_null(builder, "battery", btn->battery, btn->battery >= 0);
		json_builder_end_object(builder);
	}
	json_builder_end_array(builder);
}
