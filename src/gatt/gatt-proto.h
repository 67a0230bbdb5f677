/* SPDX-License-Identifier: MIT */
/*
 * gatt-proto.h - the PTT GATT service's value formats (gatt/ptt-service.txt).
 *
 * Pure: no GLib, no D-Bus. Decodes Control Point writes and encodes the State,
 * Active Talker and Channel values byte by byte (multi-byte fields little-endian).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "floor.h"
#include "status.h"

/* the uplink's state, as the State characteristic shows it */
enum gatt_link {
	GATT_LINK_DOWN,
	GATT_LINK_CONNECTING,
	GATT_LINK_UP,
	_GATT_LINK_MAX,
};

enum gatt_channel_op {
	GATT_CHANNEL_NEXT,
	GATT_CHANNEL_PREVIOUS,
	GATT_CHANNEL_SELECT, /* with an index < the channel count of the last state */
	_GATT_CHANNEL_OP_MAX,
};

/* What the State, Active Talker and Channel characteristics show. */
struct gatt_state {
	enum floor_state floor;
	enum svc_status status;
	enum gatt_link link;
	bool audio_active;
	bool emergency;          /* the floor holds an emergency talk */
	unsigned queue_position; /* 0: not queued; shown saturated at 255 */
	const char *talker;      /* UTF-8; NULL or "": nobody (truncated to 64 bytes) */
	unsigned channel_index;
	unsigned channel_count;  /* CHANNEL_SELECT index must be below this */
	const char *channel_name; /* UTF-8; NULL: "" (truncated to 32 bytes) */
};

enum gatt_cp_op {
	GATT_CP_PRESS,
	GATT_CP_RELEASE,
	GATT_CP_EMERGENCY,
	GATT_CP_CHANNEL_NEXT,
	GATT_CP_CHANNEL_PREVIOUS,
	GATT_CP_CHANNEL_SELECT,
	GATT_CP_VOLUME_UP,
	GATT_CP_VOLUME_DOWN,
	_GATT_CP_OP_MAX,
};

struct gatt_cp_cmd {
	enum gatt_cp_op op;
	uint8_t opcode;  /* the byte on the wire */
	uint16_t index;  /* CHANNEL_SELECT only */
};

#define GATT_STATE_LEN 5
#define GATT_TALKER_MAX 64
#define GATT_CHANNEL_NAME_MAX 32
#define GATT_CHANNEL_LEN_MAX (4 + GATT_CHANNEL_NAME_MAX)

/*
 * Decodes one Control Point write into *ret (untouched on error).
 * Returns 0, -EMSGSIZE (empty, or the length does not match the opcode:
 * InvalidValueLength) or -EOPNOTSUPP (unknown opcode: NotSupported).
 */
int gatt_cp_parse(const uint8_t *buf, size_t len, struct gatt_cp_cmd *ret);
/* Operand ranges against the current state: 0 or -ERANGE (NotSupported). */
int gatt_cp_check_range(const struct gatt_cp_cmd *cmd, unsigned channel_count);
/* The D-Bus error name for a negative errno of the two above, of the
 * policy (-EACCES: NotAuthorized, -EBUSY: rate limited), NULL for 0. */
const char *gatt_cp_error_name(int err);
/* The D-Bus error message (for org.bluez.Error.Failed: the ATT code "0x80"). */
const char *gatt_cp_error_message(int err);

/* State: always GATT_STATE_LEN bytes. */
void gatt_state_encode(const struct gatt_state *st, uint8_t out[GATT_STATE_LEN]);
/* Active Talker: returns the length (<= GATT_TALKER_MAX), cut at a UTF-8 boundary. */
size_t gatt_talker_encode(const char *talker, uint8_t out[GATT_TALKER_MAX]);
/* Channel: index u16le, count u16le, name; returns the length (4..36). */
size_t gatt_channel_encode(unsigned index, unsigned count, const char *name,
			   uint8_t out[GATT_CHANNEL_LEN_MAX]);

/* The wire bytes of the enums (gatt/ptt-service.json). */
uint8_t gatt_wire_floor(enum floor_state s);
uint8_t gatt_wire_status(enum svc_status s);
uint8_t gatt_wire_link(enum gatt_link l);

const char *gatt_cp_op_to_string(enum gatt_cp_op op);
const char *gatt_link_to_string(enum gatt_link l);
const char *gatt_channel_op_to_string(enum gatt_channel_op op);
