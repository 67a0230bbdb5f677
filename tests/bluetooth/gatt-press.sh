#!/bin/bash
# A central bonds in the pairing window, finds the service by UUID, reads State and the
# Device Information, subscribes, presses and releases (with and without response):
# State notifications arrive in order; the talk ends when it disconnects while holding.
. "$PTTGW_SRC/tests/vm/scenario-lib.sh"
. "$PTTGW_SRC/tests/bluetooth/gatt-lib.sh"

gatt_wait_adapters
export GATT_EXPECT_TALKER=1
gatt_conf
gatt_start --pair-window 120
central=$(vm_adapter_address hci1)

gatt_central bond info subscribe state-idle press release press-command release-command \
	channel
gatt_alive
grep -qx "$central" "$GATT_STATE_DIR/gatt-allowlist" ||
	vm_fail "$central was not saved to the allowlist file"
vm_log "allowlist file holds $central"
[ "$(gatt_count "event press gatt:$central emergency=0")" = 2 ] ||
	vm_fail "two presses from gatt:$central expected in the gateway log"

# hold the talk and go away: the gateway releases for us
gatt_central connect subscribe press-hold disconnect
vm_wait_log "$GATT_LOG" "gatt:$central: disconnected while holding the talk: releasing" 20
vm_wait_log "$GATT_LOG" "event release gatt:$central" 5
vm_wait_log "$GATT_LOG" "state 0 talker=" 5
gatt_central connect state-idle
gatt_alive
gatt_stop
vm_log "PASS"
