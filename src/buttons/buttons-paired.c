/* SPDX-License-Identifier: MIT */
/*
 * buttons-paired.c - buttons taken in a pairing window, kept across restarts
 * in <state_dir>/buttons-paired ("ADDRESS=profile" lines, statelist.h).
 */
#include "buttons-private.h"

#include "button-profiles.h"
#include "statelist.h"

void buttons_paired_save(struct buttons *b)
{
	g_autoptr(GPtrArray) items = g_ptr_array_new_with_free_func(g_free);
	g_autoptr(GError) error = NULL;

	for (guint i = 0; i < b->buttons->len; i++) {
		struct button *btn = b->buttons->pdata[i];

		if (btn->kept)
			g_ptr_array_add(items, g_strdup_printf("%s=%s", btn->address,
							       btn->profile->name));
	}
	g_ptr_array_add(items, NULL);
	if (!state_list_save(b->cfg.state_dir, PAIRED_FILE,
			     "pttgw: BLE talk buttons taken in a pairing window (ADDRESS=profile)",
			     (const char *const *)items->pdata, &error))
		g_warning("ble: %s; the paired buttons are not saved", error->message);
}

void buttons_paired_load(struct buttons *b)
{
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) items = state_list_load(b->cfg.state_dir, PAIRED_FILE, &error);

	if (!items) {
		g_warning("ble: %s/%s: %s, ignoring", b->cfg.state_dir, PAIRED_FILE, error->message);
		return;
	}
	for (char **it = items; *it; it++) {
		g_auto(GStrv) parts = g_strsplit(*it, "=", 2);
		const struct button_profile *p = parts[1] ? button_profile_by_name(parts[1]) : NULL;
		struct button *btn;

		if (!p || !buttons_valid_address(parts[0])) {
			g_warning("ble: %s/%s: '%s' is not ADDRESS=profile, ignoring",
				  b->cfg.state_dir, PAIRED_FILE, *it);
			continue;
		}
		if (buttons_find_by_address(b, parts[0]))
			continue; /* configured since: the config has it */
		btn = buttons_button_add(b, parts[0], p, false);
		if (!btn)
			break;
		btn->kept = true;
		g_info("%s: %s button kept from a pairing window", btn->source, p->name);
	}
}
