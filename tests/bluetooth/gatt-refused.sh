#!/bin/bash
# A bonded central that is not on the allowlist is refused (NotAuthorized) and changes
# nothing; after the pairing window opens it may press. Every malformed write gets its
# documented error and changes nothing; a write flood is rate-limited.
. "$PTTGW_SRC/tests/vm/scenario-lib.sh"
. "$PTTGW_SRC/tests/bluetooth/gatt-lib.sh"

gatt_wait_adapters
gatt_conf "allowlist = 00:11:22:33:44:55" "write-rate = 1" "write-burst = 25"
gatt_start
central=$(vm_adapter_address hci1)

gatt_central bond subscribe refused
[ "$(gatt_count 'event (press|release|channel|volume)')" = 0 ] ||
	vm_fail "a refused write reached the floor"
[ "$(gatt_count "gatt:$central: Control Point write refused: not on the allowlist")" -ge 1 ] ||
	vm_fail "the refusal was not logged"

kill -USR1 "$GATT_PID"   # pairing window, as pttgwctl pair --window 60 does
vm_wait_log "$GATT_LOG" "pairing-window 60" 5
gatt_central connect subscribe press release malformed flood state-idle
vm_wait_log "$GATT_LOG" "gatt:$central: joined the allowlist \\(pairing window\\)" 5
[ "$(gatt_count "gatt:$central: malformed Control Point write")" -ge 9 ] ||
	vm_fail "malformed writes were not logged"
[ "$(gatt_count "event press")" = 1 ] || vm_fail "exactly one press expected"
volume=$(gatt_count "event volume")
[ "$volume" -lt 100 ] || vm_fail "all 100 flooded writes reached the floor"
vm_wait_log "$GATT_LOG" "gatt:$central: writes faster than write-rate/write-burst allows" 5
vm_log "flood: $volume of 103 writes accepted (write-rate 1, write-burst 25)"
gatt_alive
gatt_stop
vm_log "PASS"
