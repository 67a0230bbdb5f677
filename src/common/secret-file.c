/* SPDX-License-Identifier: MIT */
/*
 * secret-file.c - reading secret files safely (secret-file.h).
 */
#include "secret-file.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

char *secret_file_read(const char *path, size_t max_size, size_t *ret_len, GError **error)
{
	g_autofree char *buf = NULL;
	struct stat st;
	size_t got = 0;
	int fd, e;

	/* O_NONBLOCK: opening a FIFO without a writer returns at once */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	if (fd < 0) {
		e = errno;
		g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "%s: %s", path,
			    g_strerror(e));
		return NULL;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL, "%s: not a regular file", path);
		return NULL;
	}
	if (st.st_mode & (S_IROTH | S_IWOTH)) {
		close(fd);
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_PERM,
			    "%s: holds a secret but is accessible by others (mode %04o); chmod o-rwx it",
			    path, (unsigned)(st.st_mode & 07777));
		return NULL;
	}
	if ((unsigned long long)st.st_size > max_size) {
		close(fd);
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
			    "%s: too large for a secret (%lld bytes, at most %zu)", path,
			    (long long)st.st_size, max_size);
		return NULL;
	}
	buf = g_malloc(max_size + 1);
	/* read up to one byte over the limit: the file may have grown since fstat */
	while (got <= max_size) {
		ssize_t n = read(fd, buf + got, max_size + 1 - got);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			e = errno;
			close(fd);
			explicit_bzero(buf, got);
			g_set_error(error, G_FILE_ERROR, g_file_error_from_errno(e), "%s: %s", path,
				    g_strerror(e));
			return NULL;
		}
		if (n == 0)
			break;
		got += n;
	}
	close(fd);
	if (got > max_size) {
		explicit_bzero(buf, got);
		g_set_error(error, G_FILE_ERROR, G_FILE_ERROR_INVAL,
			    "%s: too large for a secret (more than %zu bytes)", path, max_size);
		return NULL;
	}
	buf[got] = '\0';
	if (ret_len)
		*ret_len = got;
	return g_steal_pointer(&buf);
}
