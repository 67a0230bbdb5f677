#!/bin/bash
# The real gateway with a BLE button: pttgwd (its [buttons] on hci0) against pttgw-relay on the
# guest's loopback, a Zello-style test button on hci1. Press -> floor requesting ->
# start_stream at the relay; release -> the stream ends; pttgwctl status lists the button.
# Benchmark: notification of press -> start_stream arriving at the relay, median of 50.
. "$PTTGW_SRC/tests/vm/scenario-lib.sh"
. "$PTTGW_SRC/tests/bluetooth/buttons-lib.sh"
. "$PTTGW_SRC/tests/bluetooth/gatt-lib.sh"

bt_adapters
vm_adapter_power hci0 on
PADDR=$(vm_adapter_address hci1)
SRC="ble:$PADDR"
rm -f "$CTL/p.ctl"
vm_bg p "$VM_PY" "$VM_LIB_DIR/peripheral.py" --adapter hci1 --control "$CTL/p.ctl" \
	--service ffe0 --char "ffe1:read,notify:00"
vm_wait_log "$R/p.log" ' ready ' 30

gatt_start_pttgwd "$(printf '[buttons]\nadapter = hci0\ndevices = %s=zello\nreconnect-interval = 1' \
	"$PADDR")"
vm_wait_log "$R/relay.log" "gw.*(logon|logged on|joined)" 30
bt_expect "$R/p.log" 'subscribed ffe1' 1 60
ctl=$PTTGW_BUILD/src/ctl/pttgwctl
"$ctl" status >"$R/status.txt" 2>&1 || vm_fail "pttgwctl status failed: $(cat "$R/status.txt")"
grep -Eq "Button: +$PADDR zello connected" "$R/status.txt" ||
	vm_fail "pttgwctl status does not list $PADDR as connected: $(cat "$R/status.txt")"
vm_log "ok: pttgwctl status: $(grep Button: "$R/status.txt")"

bt_ctl p "set ffe1 01"
bt_expect "$R/pttgwd.log" "floor idle -> requesting" 1
bt_expect "$R/relay.log" "on test from gw started" 1 20
bt_ctl p "set ffe1 00"
bt_expect "$R/relay.log" "on test from gw ended" 1 20

# ---- benchmark: notification -> start_stream at the relay
for i in $(seq 50); do
	bt_ctl p "set ffe1 01"
	vm_wait 10 sh -c "[ \$(grep -c 'on test from gw started' '$R/relay.log') -ge $((i + 1)) ]" ||
		vm_fail "press $i did not reach the relay"
	bt_ctl p "set ffe1 00"
	vm_wait 10 sh -c "[ \$(grep -c 'on test from gw ended' '$R/relay.log') -ge $((i + 1)) ]" ||
		vm_fail "release $i did not end the stream at the relay"
done
grep -E 'notified ffe1 01$' "$R/p.log" | tail -n 50 >"$R/bench-notify.txt"
grep -E 'on test from gw started' "$R/relay.log" | tail -n 50 >"$R/bench-start.txt"
bt_latency "$R/bench-notify.txt" . "$R/bench-start.txt" . "ble-notify-to-start_stream" |
	tee "$R/bench.txt"
vm_pttgwd_alive || vm_fail "pttgwd died"
vm_pttgwd_stop
vm_log "PASS"
