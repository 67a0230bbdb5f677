/* SPDX-License-Identifier: MIT */
/*
 * status.c - the service status the user sees; the rules are in status.h.
 */
#include "status.h"

static uint64_t max_u64(uint64_t a, uint64_t b)
{
	return a > b ? a : b;
}

/* Rules 1-4 decide without the clock. */
static bool decided(const struct svc_inputs *in, enum svc_status *ret)
{
	if (in->auth_refused)
		*ret = SVC_UNAVAILABLE;
	else if (in->link_up)
		*ret = in->channel_offline ? SVC_UNAVAILABLE : SVC_READY;
	else if (in->waiting)
		*ret = SVC_CONNECTING;
	else if (in->push_configured && in->push_up)
		*ret = SVC_READY;
	else
		return false;
	return true;
}

static uint64_t last_ok(const struct svc_inputs *in)
{
	uint64_t t = max_u64(in->started, in->link_last_ok);

	return in->push_configured ? max_u64(t, in->push_last_ok) : t;
}

enum svc_status svc_status_derive(const struct svc_inputs *in, uint64_t now)
{
	enum svc_status st;
	uint64_t ok;

	if (decided(in, &st))
		return st;
	ok = last_ok(in);
	/* a clock before the last good moment counts as within the grace */
	if (now < ok || now - ok < in->unavailable_after)
		return SVC_READY;
	return SVC_UNAVAILABLE;
}

uint64_t svc_status_next_change(const struct svc_inputs *in, uint64_t now)
{
	enum svc_status st;
	uint64_t ok;

	if (decided(in, &st))
		return 0;
	ok = last_ok(in);
	if (now < ok || now - ok < in->unavailable_after)
		return ok + in->unavailable_after;
	return 0;
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
