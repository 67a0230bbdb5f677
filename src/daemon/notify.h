/* SPDX-License-Identifier: MIT */
/*
 * notify.h - systemd readiness, status line and watchdog (sd_notify).
 * Harmless when not run by systemd (no NOTIFY_SOCKET).
 */
#pragma once

#include "gateway.h"

struct notify;

struct notify *notify_new(struct gateway *gw);
void notify_ready(struct notify *n);
void notify_stopping(struct notify *n);
struct notify *notify_free(struct notify *n);
