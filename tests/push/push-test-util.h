/* SPDX-License-Identifier: MIT */
/*
 * push-test-util.h - a real mosquitto broker on 127.0.0.1 for the push tests,
 * and main-loop helpers. The broker dies with the test (PR_SET_PDEATHSIG).
 */
#pragma once

#include <gio/gio.h>
#include <stdbool.h>

struct test_broker {
	char *dir;   /* temp dir: config, persistence, log */
	guint16 port;
	bool persist;
	char *extra_conf; /* appended to the config (e.g. TLS for the listener) */
	GSubprocess *proc;
};

guint16 test_free_port(void);
/* port 0: pick a free one; again with the same port to restart */
void test_broker_start(struct test_broker *b, bool persist);
void test_broker_stop(struct test_broker *b);
void test_broker_cleanup(struct test_broker *b); /* stop + remove the temp dir */

/* Iterate the default main context until cond(data) or timeout_ms; returns cond. */
bool test_wait_for(bool (*cond)(void *data), void *data, int timeout_ms);
/* Iterate for ms milliseconds. */
void test_spin(int ms);
/* Run argv to its end while the main loop keeps running; returns the exit status. */
int test_run(const char *const *argv);

/* A key file (mode 0600) in dir with key text; returns its path. */
char *test_write_key(const char *dir, const char *name, const char *key);
