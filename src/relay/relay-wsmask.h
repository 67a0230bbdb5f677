/* SPDX-License-Identifier: MIT */
/*
 * relay-wsmask.h - RFC 6455 5.1: a server must close a connection whose client sends an
 * unmasked frame (status 1002). libwebsockets 4.1 (Debian 12) unmasks what is masked and
 * takes what is not, and tells nobody: it has no hook for the frame header.
 *
 * So the relay watches the bytes lws reads from its accepted sockets (relay-wsmask.c
 * wraps recv() and SSL_read(), the two calls lws 4.1 reads with) and follows the frame
 * headers after the HTTP upgrade. relay-server.c asks relay_wsmask_unmasked() before it
 * hands a message on and closes the connection with 1002 when it is true.
 */
#pragma once

#include <stdbool.h>

/* Watch socket fd from its first byte (an accepted connection; HTTP request first). Only
 * the relay's thread watches and unwatches. False: fd cannot be followed (the caller
 * closes it). */
bool relay_wsmask_watch(int fd);
/* Stop watching fd (before it is closed). */
void relay_wsmask_unwatch(int fd);
/* True when a client frame without a mask arrived on fd (or the stream made no sense). */
bool relay_wsmask_unmasked(int fd);
