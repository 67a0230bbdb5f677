/* SPDX-License-Identifier: MIT */
#include "gatt-proto.h"

#include <errno.h>
#include <string.h>

#include "gatt-service-table.h"

struct op_def {
	uint8_t opcode;
	uint8_t length;
	enum gatt_cp_op op;
};

/* every opcode of gatt/ptt-service.json; the lengths come from there too */
static const struct op_def op_defs[] = {
	{ GATT_WIRE_OP_PRESS, GATT_WIRE_OP_PRESS_LENGTH, GATT_CP_PRESS },
	{ GATT_WIRE_OP_RELEASE, GATT_WIRE_OP_RELEASE_LENGTH, GATT_CP_RELEASE },
	{ GATT_WIRE_OP_EMERGENCY, GATT_WIRE_OP_EMERGENCY_LENGTH, GATT_CP_EMERGENCY },
	{ GATT_WIRE_OP_CHANNEL_NEXT, GATT_WIRE_OP_CHANNEL_NEXT_LENGTH, GATT_CP_CHANNEL_NEXT },
	{ GATT_WIRE_OP_CHANNEL_PREVIOUS, GATT_WIRE_OP_CHANNEL_PREVIOUS_LENGTH,
	  GATT_CP_CHANNEL_PREVIOUS },
	{ GATT_WIRE_OP_CHANNEL_SELECT, GATT_WIRE_OP_CHANNEL_SELECT_LENGTH, GATT_CP_CHANNEL_SELECT },
	{ GATT_WIRE_OP_VOLUME_UP, GATT_WIRE_OP_VOLUME_UP_LENGTH, GATT_CP_VOLUME_UP },
	{ GATT_WIRE_OP_VOLUME_DOWN, GATT_WIRE_OP_VOLUME_DOWN_LENGTH, GATT_CP_VOLUME_DOWN },
};

_Static_assert(sizeof(op_defs) / sizeof(op_defs[0]) == GATT_WIRE_OP_COUNT,
	       "every opcode of ptt-service.json has a decoder");
_Static_assert(_GATT_CP_OP_MAX == GATT_WIRE_OP_COUNT, "one gatt_cp_op per opcode");
_Static_assert(GATT_CHR_STATE_MAX_LENGTH == GATT_STATE_LEN, "State length");
_Static_assert(GATT_CHR_ACTIVE_TALKER_MAX_LENGTH == GATT_TALKER_MAX, "Active Talker length");
_Static_assert(GATT_CHR_CHANNEL_MAX_LENGTH == GATT_CHANNEL_LEN_MAX, "Channel length");

int gatt_cp_parse(const uint8_t *buf, size_t len, struct gatt_cp_cmd *ret)
{
	struct gatt_cp_cmd cmd = { 0 };

	if (!buf || len < GATT_CHR_CONTROL_POINT_MIN_LENGTH)
		return -EMSGSIZE;
	for (size_t i = 0; i < sizeof(op_defs) / sizeof(op_defs[0]); i++) {
		if (op_defs[i].opcode != buf[0])
			continue;
		if (len != op_defs[i].length)
			return -EMSGSIZE;
		cmd.op = op_defs[i].op;
		cmd.opcode = buf[0];
		if (cmd.op == GATT_CP_CHANNEL_SELECT)
			cmd.index = (uint16_t)(buf[1] | (buf[2] << 8));
		*ret = cmd;
		return 0;
	}
	return -EOPNOTSUPP;
}

int gatt_cp_check_range(const struct gatt_cp_cmd *cmd, unsigned channel_count)
{
	if (cmd->op == GATT_CP_CHANNEL_SELECT && cmd->index >= channel_count)
		return -ERANGE;
	return 0;
}

const char *gatt_cp_error_name(int err)
{
	switch (err) {
	case 0:
		return NULL;
	case -EMSGSIZE:
		return GATT_ERROR_INVALID_LENGTH_DBUS;
	case -EOPNOTSUPP:
		return GATT_ERROR_UNKNOWN_OPCODE_DBUS;
	case -ERANGE:
		return GATT_ERROR_OUT_OF_RANGE_DBUS;
	case -EACCES:
		return GATT_ERROR_NOT_AUTHORIZED_DBUS;
	case -EBUSY:
		return GATT_ERROR_RATE_LIMITED_DBUS;
	default:
		return "org.bluez.Error.Failed";
	}
}

const char *gatt_cp_error_message(int err)
{
	switch (err) {
	case -EMSGSIZE:
		return "Invalid value length for this opcode";
	case -EOPNOTSUPP:
		return "Unknown opcode";
	case -ERANGE:
		return "Operand out of range";
	case -EACCES:
		return "Device not bonded or not on the allowlist";
	case -EBUSY:
		/* org.bluez.Error.Failed carries the ATT application error code */
		return "0x80";
	default:
		return "Failed";
	}
}

uint8_t gatt_wire_floor(enum floor_state s)
{
	switch (s) {
	case FLOOR_IDLE:
		return GATT_WIRE_FLOOR_IDLE;
	case FLOOR_REQUESTING:
		return GATT_WIRE_FLOOR_REQUESTING;
	case FLOOR_TRANSMITTING:
		return GATT_WIRE_FLOOR_TRANSMITTING;
	case FLOOR_RELEASING:
		return GATT_WIRE_FLOOR_RELEASING;
	case FLOOR_RECEIVING:
		return GATT_WIRE_FLOOR_RECEIVING;
	case FLOOR_QUEUED:
		return GATT_WIRE_FLOOR_QUEUED;
	case _FLOOR_STATE_MAX:
	case _FLOOR_STATE_INVALID:
		break;
	}
	return GATT_WIRE_FLOOR_IDLE;
}

uint8_t gatt_wire_status(enum svc_status s)
{
	switch (s) {
	case SVC_READY:
		return GATT_WIRE_STATUS_READY;
	case SVC_CONNECTING:
		return GATT_WIRE_STATUS_CONNECTING;
	case SVC_UNAVAILABLE:
	case _SVC_STATUS_MAX:
		break;
	}
	return GATT_WIRE_STATUS_UNAVAILABLE;
}

uint8_t gatt_wire_link(enum gatt_link l)
{
	switch (l) {
	case GATT_LINK_UP:
		return GATT_WIRE_LINK_UP;
	case GATT_LINK_CONNECTING:
		return GATT_WIRE_LINK_CONNECTING;
	case GATT_LINK_DOWN:
	case _GATT_LINK_MAX:
		break;
	}
	return GATT_WIRE_LINK_DOWN;
}

void gatt_state_encode(const struct gatt_state *st, uint8_t out[GATT_STATE_LEN])
{
	uint8_t flags = 0;

	if (st->audio_active)
		flags |= GATT_WIRE_FLAG_AUDIO_ACTIVE;
	if (st->emergency)
		flags |= GATT_WIRE_FLAG_EMERGENCY;
	out[0] = gatt_wire_floor(st->floor);
	out[1] = gatt_wire_status(st->status);
	out[2] = gatt_wire_link(st->link);
	out[3] = flags;
	out[4] = st->queue_position > 255 ? 255 : (uint8_t)st->queue_position;
}

/* The length of s cut to at most max bytes, never inside a UTF-8 sequence. */
static size_t utf8_cut(const char *s, size_t max)
{
	size_t len = s ? strlen(s) : 0;

	if (len <= max)
		return len;
	len = max;
	/* back off over continuation bytes, then over the lead byte they belong to */
	while (len > 0 && ((uint8_t)s[len] & 0xc0) == 0x80)
		len--;
	return len;
}

size_t gatt_talker_encode(const char *talker, uint8_t out[GATT_TALKER_MAX])
{
	size_t len = utf8_cut(talker, GATT_TALKER_MAX);

	if (len)
		memcpy(out, talker, len);
	return len;
}

size_t gatt_channel_encode(unsigned index, unsigned count, const char *name,
			   uint8_t out[GATT_CHANNEL_LEN_MAX])
{
	size_t len = utf8_cut(name, GATT_CHANNEL_NAME_MAX);

	if (index > 0xffff)
		index = 0xffff;
	if (count > 0xffff)
		count = 0xffff;
	out[0] = index & 0xff;
	out[1] = index >> 8;
	out[2] = count & 0xff;
	out[3] = count >> 8;
	if (len)
		memcpy(out + 4, name, len);
	return 4 + len;
}

const char *gatt_cp_op_to_string(enum gatt_cp_op op)
{
	switch (op) {
	case GATT_CP_PRESS:
		return "press";
	case GATT_CP_RELEASE:
		return "release";
	case GATT_CP_EMERGENCY:
		return "emergency";
	case GATT_CP_CHANNEL_NEXT:
		return "channel-next";
	case GATT_CP_CHANNEL_PREVIOUS:
		return "channel-previous";
	case GATT_CP_CHANNEL_SELECT:
		return "channel-select";
	case GATT_CP_VOLUME_UP:
		return "volume-up";
	case GATT_CP_VOLUME_DOWN:
		return "volume-down";
	case _GATT_CP_OP_MAX:
		break;
	}
	return "invalid";
}

const char *gatt_link_to_string(enum gatt_link l)
{
	switch (l) {
	case GATT_LINK_DOWN:
		return "down";
	case GATT_LINK_CONNECTING:
		return "connecting";
	case GATT_LINK_UP:
		return "up";
	case _GATT_LINK_MAX:
		break;
	}
	return "invalid";
}

const char *gatt_channel_op_to_string(enum gatt_channel_op op)
{
	switch (op) {
	case GATT_CHANNEL_NEXT:
		return "next";
	case GATT_CHANNEL_PREVIOUS:
		return "previous";
	case GATT_CHANNEL_SELECT:
		return "select";
	case _GATT_CHANNEL_OP_MAX:
		break;
	}
	return "invalid";
}
