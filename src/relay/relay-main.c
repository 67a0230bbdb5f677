/* SPDX-License-Identifier: MIT */
/*
 * relay-main.c - pttgw-relay: the reference relay (see relay.h and --help).
 */
#include "relay.h"

#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

/* Signal handlers need these; nothing else is global. */
static volatile int stop_flag;
static volatile int dump_flag;
static volatile int reload_flag;
static volatile int term_flag;
static struct relay_server *signal_server;

static void on_signal(int sig)
{
	if (sig == SIGUSR1) {
		dump_flag = 1;
	} else if (sig == SIGHUP) {
		reload_flag = 1;
		stop_flag = 1; /* relay_server_run() returns; main() reloads and runs it again */
	} else {
		term_flag = 1;
		stop_flag = 1;
	}
	if (signal_server)
		relay_server_wake(signal_server);
}

/* The command line and the file again; a bad file keeps the running users and channels. */
static void reload(struct relay_logic *logic, char **args)
{
	g_autoptr(GError) error = NULL;
	g_auto(GStrv) copy = g_strdupv(args);
	int argc = (int)g_strv_length(copy);
	/* GOption drops what it parsed from the array: a shallow copy, so copy frees all */
	g_autofree char **argv = g_memdup2(copy, sizeof(char *) * ((gsize)argc + 1));
	char **parse = argv;
	struct relay_config *next;

	g_message("reloading on SIGHUP (users and channels)");
	next = relay_config_load(&argc, &parse, &error);
	if (!next) {
		g_warning("reload: %s; the running users and channels are kept", error->message);
		return;
	}
	relay_logic_reload(logic, next);
}

/* --hash-password: a password from stdin (one line) -> its yescrypt hash on stdout. */
static int hash_password(void)
{
	char buf[1024];
	struct termios t, quiet;
	bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &t) == 0;
	g_autofree char *hash = NULL;
	size_t n;

	if (tty) {
		fprintf(stderr, "Password: ");
		quiet = t;
		quiet.c_lflag &= ~ECHO;
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	}
	if (!fgets(buf, sizeof(buf), stdin))
		buf[0] = '\0';
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &t);
		fprintf(stderr, "\n");
	}
	n = strcspn(buf, "\r\n");
	buf[n] = '\0';
	if (!n) {
		fprintf(stderr, "pttgw-relay: --hash-password: no password on stdin\n");
		return 1;
	}
	hash = relay_auth_hash_password(buf);
	explicit_bzero(buf, sizeof(buf));
	if (!hash) {
		fprintf(stderr, "pttgw-relay: --hash-password: crypt failed\n");
		return 1;
	}
	printf("%s\n", hash);
	return 0;
}

int main(int argc, char **argv)
{
	g_autoptr(GError) error = NULL;
	struct relay_config *cfg;
	struct relay_logic *logic;
	struct relay_server *srv;
	struct sigaction sa = { .sa_handler = on_signal };
	int r;

	g_auto(GStrv) args = g_strdupv(argv); /* for a reload */

	setlocale(LC_ALL, "");
	if (argc == 2 && strcmp(argv[1], "--hash-password") == 0)
		return hash_password();
	cfg = relay_config_load(&argc, &argv, &error);
	if (!cfg) {
		fprintf(stderr, "pttgw-relay: %s\n", error->message);
		return 78; /* EX_CONFIG */
	}
	if (cfg->verbose)
		g_setenv("G_MESSAGES_DEBUG", "all", TRUE);
	else if (!g_getenv("G_MESSAGES_DEBUG"))
		g_setenv("G_MESSAGES_DEBUG", "pttgw-relay", TRUE); /* info too */
	logic = relay_logic_new(cfg, &error);
	if (!logic) {
		fprintf(stderr, "pttgw-relay: %s\n", error->message);
		relay_config_free(cfg);
		return 78;
	}
	/* before "listening" is printed: a SIGUSR1 right after it must not kill us */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	srv = relay_server_new(cfg, logic, &error);
	if (!srv) {
		fprintf(stderr, "pttgw-relay: %s\n", error->message);
		relay_logic_free(logic);
		relay_config_free(cfg);
		return 1;
	}
	signal_server = srv;

	for (;;) {
		r = relay_server_run(srv, &stop_flag, &dump_flag);
		if (r < 0 || term_flag || !reload_flag)
			break;
		reload_flag = 0;
		stop_flag = 0;
		reload(logic, args);
	}
	relay_logic_dump_stats(logic);
	signal_server = NULL;
	relay_server_free(srv);
	relay_logic_free(logic);
	relay_config_free(cfg);
	return r < 0 ? 1 : 0;
}
