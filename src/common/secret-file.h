/* SPDX-License-Identifier: MIT */
/*
 * secret-file.h - reading a file that holds secrets (keys, credentials, users).
 *
 * The file is opened once, without blocking (a FIFO or device cannot hang us) and
 * checked on the opened descriptor: a regular file, not accessible by others, of at
 * most max_size bytes. Only then is it read.
 */
#pragma once

#include <glib.h>
#include <stddef.h>

/* Largest secret file by default (keys and tokens are far smaller). */
#define SECRET_FILE_MAX 65536

/* The whole file, NUL-terminated (*ret_len bytes without the NUL, if not NULL), or NULL
 * with error (G_FILE_ERROR; the message names the file and why). */
char *secret_file_read(const char *path, size_t max_size, size_t *ret_len, GError **error);
