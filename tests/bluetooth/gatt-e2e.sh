#!/bin/bash
# The real gateway: pttgwd against pttgw-relay on the guest's loopback, the test central on
# hci1. A bonded central that is not allowlisted is refused and nothing reaches the relay;
# `pttgwctl pair --window` lets it in; press -> requesting -> transmitting (start_stream at
# the relay), release -> idle; malformed writes refused; volume down/up reach the gateway; a central that disconnects while
# holding ends the talk at the relay; bluetoothd restarted -> a press works again.
. "$PTTGW_SRC/tests/vm/scenario-lib.sh"
. "$PTTGW_SRC/tests/bluetooth/gatt-lib.sh"

gatt_wait_adapters
central=$(vm_adapter_address hci1)
gatt_start_pttgwd
vm_wait_log "$PTTGW_RESULTS/relay.log" "gw.*(logon|logged on|joined)" 30

gatt_central bond subscribe refused
[ "$(gatt_relay_count 'start_stream|started')" = 0 ] || vm_fail "a refused press reached the relay"

ctl=$PTTGW_BUILD/src/ctl/pttgwctl
[ -x "$ctl" ] || vm_fail "$ctl not built"
"$ctl" pair --window 120 || vm_fail "pttgwctl pair --window 120 failed"
vm_wait_log "$GATT_LOG" "pairing window open for 120 s" 10
gatt_central connect subscribe state-idle press release malformed volume
[ "$(gatt_relay_count 'stream [0-9]+ on test from gw started')" = 1 ] ||
	vm_fail "one stream from gw expected at the relay"
vm_wait_log "$PTTGW_RESULTS/relay.log" "stream [0-9]+ on test from gw ended" 10
# volume down, down, up from the Control Point reach the gateway's volume (audio is off in
# the guest, so it has none to step: the events say volume null and pttgwctl says so too;
# the stepping itself: daemon-control-api and audio/volume on the host)
gatt_wait_count 2 '"type":"volume","delta":-1,"volume":null' 5
gatt_wait_count 1 '"type":"volume","delta":1,"volume":null' 5
out=$("$ctl" volume 2>&1) && vm_fail "pttgwctl volume with audio off: $out"
case $out in *NotSupported*"audio is off"*) ;; *) vm_fail "pttgwctl volume: $out" ;; esac
vm_log "Control Point volume down, down, up: 3 volume events; pttgwctl volume: $out"
vm_log "relay: $(grep -E 'stream [0-9]+ on test from gw (started|ended)' "$PTTGW_RESULTS/relay.log" | cut -c1-120 | tr '\n' ';')"

# hold the talk and go away: the gateway ends the stream at the relay
gatt_central connect subscribe press-hold disconnect
vm_wait_log "$GATT_LOG" "gatt:$central: disconnected while holding the talk: releasing" 20
vm_wait 20 sh -c "[ \$(grep -Ec 'stream [0-9]+ on test from gw ended' '$PTTGW_RESULTS/relay.log') -ge 2 ]" ||
	vm_fail "the held stream did not end at the relay after the disconnect"
vm_log "the held stream ended at the relay"

vm_bluetoothd_kill
gatt_wait_count 1 "bluetoothd up -> down"
gatt_bluetoothd_start
gatt_wait_registered 2
gatt_central connect subscribe press release
vm_pttgwd_alive || vm_fail "pttgwd died"
vm_pttgwd_stop
vm_log "PASS"
