/* SPDX-License-Identifier: MIT */
/*
 * status.c - the service status the user sees; the rules are in status.h.
 */
#include "status.h"

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

enum svc_status svc_status_derive(const struct svc_inputs *in, uint64_t now)
{
	uint64_t last_ok;

	if (in->auth_refused)
		return SVC_UNAVAILABLE;
	if (in->link_up)
		return in->channel_offline ? SVC_UNAVAILABLE : SVC_READY;
	if (in->waiting)
		return SVC_CONNECTING;
	if (in->push_configured && in->push_up)
		return SVC_READY;
	last_ok = max_u64(in->started, in->link_last_ok);
	if (in->push_configured)
		last_ok = max_u64(last_ok, in->push_last_ok);
	/* a clock before the last good moment counts as within the grace */
	if (now < last_ok || now - last_ok < in->unavailable_after)
		return SVC_READY;
	return SVC_UNAVAILABLE;
}

const char *svc_status_to_string(enum svc_status s)
{
	switch (s) {
	case SVC_READY:
		return "ready";
	case SVC_CONNECTING:
		return "connecting";
	case SVC_UNAVAILABLE:
		return "unavailable";
	case _SVC_STATUS_MAX:
		break;
	}
	return "invalid";
}
