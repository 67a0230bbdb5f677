/* SPDX-License-Identifier: MIT */
/*
 * test-status.c - the service status rules of status.h, one table row each.
 */
#include <glib.h>

#include "status.h"

#define S(sec) ((uint64_t)(sec) * 1000000)

struct status_case {
	const char *path;
	struct svc_inputs in;
	uint64_t now;
	enum svc_status want;
};

/* started at 100 s, unavailable after 30 s */
#define BASE .started = S(100), .unavailable_after = S(30)

static const struct status_case cases[] = {
	{ "/status/auth-refused-wins", { BASE, .link_up = true, .auth_refused = true },
	  S(101), SVC_UNAVAILABLE },
	{ "/status/link-up", { BASE, .link_up = true, .link_last_ok = S(500) }, S(500),
	  SVC_READY },
	{ "/status/channel-offline", { BASE, .link_up = true, .channel_offline = true },
	  S(101), SVC_UNAVAILABLE },
	{ "/status/link-up-beats-waiting", { BASE, .link_up = true, .waiting = true }, S(500),
	  SVC_READY },
	{ "/status/grace-after-start", { BASE }, S(129), SVC_READY },
	{ "/status/unavailable-after-start", { BASE }, S(130), SVC_UNAVAILABLE },
	{ "/status/waiting-connecting", { BASE, .waiting = true }, S(101), SVC_CONNECTING },
	{ "/status/waiting-long-down-connecting", { BASE, .waiting = true }, S(1000),
	  SVC_CONNECTING },
	{ "/status/grace-after-link-lost", { BASE, .link_last_ok = S(400) }, S(429), SVC_READY },
	{ "/status/link-lost-long", { BASE, .link_last_ok = S(400) }, S(430), SVC_UNAVAILABLE },
	{ "/status/push-up", { BASE, .push_configured = true, .push_up = true,
	  .push_last_ok = S(999) }, S(999), SVC_READY },
	{ "/status/push-up-waiting", { BASE, .push_configured = true, .push_up = true,
	  .waiting = true }, S(999), SVC_CONNECTING },
	{ "/status/push-grace", { BASE, .push_configured = true, .push_last_ok = S(900),
	  .link_last_ok = S(200) }, S(929), SVC_READY },
	{ "/status/push-and-link-down-long", { BASE, .push_configured = true,
	  .push_last_ok = S(900), .link_last_ok = S(200) }, S(930), SVC_UNAVAILABLE },
	{ "/status/push-not-configured-ignored", { BASE, .push_up = true,
	  .push_last_ok = S(900) }, S(900), SVC_UNAVAILABLE },
	{ "/status/auth-refused-push-up", { BASE, .push_configured = true, .push_up = true,
	  .auth_refused = true }, S(101), SVC_UNAVAILABLE },
	{ "/status/clock-before-start", { BASE }, S(50), SVC_READY },
	{ "/status/no-grace", { .started = S(100) }, S(100), SVC_UNAVAILABLE },
};

static void run_case(gconstpointer data)
{
	const struct status_case *c = data;

	g_assert_cmpstr(svc_status_to_string(svc_status_derive(&c->in, c->now)), ==,
			svc_status_to_string(c->want));
}

/* Nothing changes before svc_status_next_change(), the status does at it; 0: never. */
static void run_next_change(gconstpointer data)
{
	const struct status_case *c = data;
	enum svc_status now = svc_status_derive(&c->in, c->now);
	uint64_t next = svc_status_next_change(&c->in, c->now);

	if (!next) {
		g_assert_cmpint(svc_status_derive(&c->in, c->now + S(1000000)), ==, now);
		return;
	}
	g_assert_cmpuint(next, >, c->now);
	g_assert_cmpint(svc_status_derive(&c->in, next - 1), ==, now);
	g_assert_cmpint(svc_status_derive(&c->in, next), !=, now);
}

static void test_strings(void)
{
	g_assert_cmpstr(svc_status_to_string(SVC_READY), ==, "ready");
	g_assert_cmpstr(svc_status_to_string(SVC_CONNECTING), ==, "connecting");
	g_assert_cmpstr(svc_status_to_string(SVC_UNAVAILABLE), ==, "unavailable");
	g_assert_cmpstr(svc_status_to_string(_SVC_STATUS_MAX), ==, "invalid");
}

int main(int argc, char **argv)
{
	g_test_init(&argc, &argv, NULL);
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++)
		g_test_add_data_func(cases[i].path, &cases[i], run_case);
	for (size_t i = 0; i < G_N_ELEMENTS(cases); i++) {
		g_autofree char *path = g_strconcat(cases[i].path, "/next-change", NULL);

		g_test_add_data_func(path, &cases[i], run_next_change);
	}
	g_test_add_func("/status/strings", test_strings);
	return g_test_run();
}
