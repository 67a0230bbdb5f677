/* SPDX-License-Identifier: MIT */
#include "push-test-util.h"

#include <arpa/inet.h>
#include <glib/gstdio.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

guint16 test_free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	guint16 port;

	g_assert_cmpint(fd, >=, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	g_assert_cmpint(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), ==, 0);
	g_assert_cmpint(getsockname(fd, (struct sockaddr *)&sa, &len), ==, 0);
	port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

static bool port_open(guint16 port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool ok;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

static void child_setup(gpointer data)
{
	prctl(PR_SET_PDEATHSIG, SIGTERM);
}

void test_broker_start(struct test_broker *b, bool persist)
{
	g_autoptr(GSubprocessLauncher) l = NULL;
	g_autoptr(GError) error = NULL;
	g_autofree char *conf = NULL;
	g_autofree char *conf_path = NULL;

	if (!b->dir) {
		b->dir = g_dir_make_tmp("pttgw-push-broker-XXXXXX", &error);
		g_assert_no_error(error);
	}
	if (!b->port)
		b->port = test_free_port();
	b->persist = persist;
	/* as root, mosquitto would switch to the user "mosquitto", who cannot write
	 * to our temp dir: stay who we are */
	conf = g_strdup_printf("user %s\n"
			       "listener %u 127.0.0.1\n"
			       "allow_anonymous true\n"
			       "persistence %s\n"
			       "persistence_location %s/\n"
			       "log_dest file %s/mosquitto.log\n"
			       "log_type all\n"
			       "%s",
			       g_get_user_name(), b->port, persist ? "true" : "false", b->dir, b->dir,
			       b->extra_conf ? b->extra_conf : "");
	conf_path = g_build_filename(b->dir, "mosquitto.conf", NULL);
	g_assert_true(g_file_set_contents(conf_path, conf, -1, &error));
	l = g_subprocess_launcher_new(G_SUBPROCESS_FLAGS_STDOUT_SILENCE |
				      G_SUBPROCESS_FLAGS_STDERR_SILENCE);
	g_subprocess_launcher_set_child_setup(l, child_setup, NULL, NULL);
	b->proc = g_subprocess_launcher_spawn(l, &error, MOSQUITTO_BIN, "-c", conf_path, NULL);
	g_assert_no_error(error);
	for (int i = 0; i < 500 && !port_open(b->port); i++) {
		g_assert_nonnull(g_subprocess_get_identifier(b->proc));
		g_usleep(10000);
	}
	g_assert_true(port_open(b->port));
	g_test_message("mosquitto on 127.0.0.1:%u (%s)", b->port, b->dir);
}

static bool proc_done(void *data)
{
	GSubprocess *p = data;

	return g_subprocess_get_identifier(p) == NULL;
}

static void on_waited(GObject *src, GAsyncResult *res, gpointer data)
{
	g_subprocess_wait_finish(G_SUBPROCESS(src), res, NULL);
}

void test_broker_stop(struct test_broker *b)
{
	if (!b->proc)
		return;
	g_subprocess_send_signal(b->proc, SIGTERM);
	g_subprocess_wait_async(b->proc, NULL, on_waited, NULL);
	if (!test_wait_for(proc_done, b->proc, 5000)) {
		g_subprocess_force_exit(b->proc);
		g_subprocess_wait(b->proc, NULL, NULL);
	}
	g_clear_object(&b->proc);
}

void test_broker_cleanup(struct test_broker *b)
{
	g_autoptr(GDir) d = NULL;
	const char *name;

	test_broker_stop(b);
	if (!b->dir)
		return;
	d = g_dir_open(b->dir, 0, NULL);
	while (d && (name = g_dir_read_name(d))) {
		g_autofree char *p = g_build_filename(b->dir, name, NULL);

		g_unlink(p);
	}
	g_rmdir(b->dir);
	g_clear_pointer(&b->dir, g_free);
	g_clear_pointer(&b->extra_conf, g_free);
}

static gboolean on_timeout(gpointer data)
{
	*(bool *)data = true;
	return G_SOURCE_REMOVE;
}

bool test_wait_for(bool (*cond)(void *data), void *data, int timeout_ms)
{
	bool expired = false;
	guint id = g_timeout_add(timeout_ms, on_timeout, &expired);

	while (!cond(data) && !expired)
		g_main_context_iteration(NULL, TRUE);
	if (!expired)
		g_source_remove(id);
	return cond(data);
}

static bool never(void *data)
{
	return false;
}

void test_spin(int ms)
{
	test_wait_for(never, NULL, ms);
}

int test_run(const char *const *argv)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GSubprocess) p = g_subprocess_newv(argv, G_SUBPROCESS_FLAGS_NONE, &error);

	g_assert_no_error(error);
	g_subprocess_wait_async(p, NULL, on_waited, NULL);
	g_assert_true(test_wait_for(proc_done, p, 10000));
	return g_subprocess_get_if_exited(p) ? g_subprocess_get_exit_status(p) : -1;
}

char *test_write_key(const char *dir, const char *name, const char *key)
{
	g_autoptr(GError) error = NULL;
	char *path = g_build_filename(dir, name, NULL);
	g_autofree char *text = g_strdup_printf("%s\n", key);

	g_assert_true(g_file_set_contents(path, text, -1, &error));
	g_assert_cmpint(g_chmod(path, 0600), ==, 0);
	return path;
}
