/* SPDX-License-Identifier: MIT */
/* Unit test of the one errno -> D-Bus error table (dbus-api.c). */
#include <errno.h>
#include <glib.h>

#include "dbus-api.h"

static const struct {
	int r;
	const char *name;
	const char *reason;
} cases[] = {
	{ -EBUSY, "org.pttgw.Error.Busy", "busy: a remote talker holds the floor" },
	{ -EALREADY, "org.pttgw.Error.AlreadyTalking", "already talking" },
	{ -EPERM, "org.pttgw.Error.NotHolder", "this source does not hold the talk" },
	{ -EINVAL, "org.pttgw.Error.InvalidArguments", "invalid argument" },
	{ -EOPNOTSUPP, "org.pttgw.Error.NotSupported",
	  "not supported by this gateway's configuration" },
	{ -ENOTCONN, "org.pttgw.Error.NotConnected", "not connected" },
	{ -ENOMEM, "org.pttgw.Error.Failed", NULL }, /* reason: strerror */
	{ -EIO, "org.pttgw.Error.Failed", NULL },
};

static void test_table(void)
{
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_assert_cmpstr(dbus_api_error_name(cases[i].r), ==, cases[i].name);
		g_assert_true(g_dbus_is_error_name(dbus_api_error_name(cases[i].r)));
		g_assert_cmpstr(dbus_api_error_reason(cases[i].r), ==,
				cases[i].reason ? cases[i].reason : g_strerror(-cases[i].r));
	}
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	g_test_add_func("/dbus/error/table", test_table);
	return g_test_run();
}
