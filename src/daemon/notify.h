/* SPDX-License-Identifier: MIT */
/*
 * notify.h - systemd readiness, status line and watchdog (sd_notify).
 * Harmless when not run by systemd (no NOTIFY_SOCKET).
 */
#pragma once

#include <stdbool.h>

#include "gateway.h"

struct notify;

struct notify *notify_new(struct gateway *gw);
void notify_ready(struct notify *n);
void notify_stopping(struct notify *n);
/* A reload begins (RELOADING=1) or ended (READY=1 and the status). */
void notify_reloading(struct notify *n, bool begins);
struct notify *notify_free(struct notify *n);
