#!/bin/bash
# HID over GATT: a HOG talk button (service 0x1812, report map with one key, F13) on hci1.
# The gateway's side (hci0) pairs with it once, as a user would; BlueZ's HOG support makes an
# input device through uhid; udev tags it by name; pttgw-buttons' evdev side follows it and
# its key press reaches the events.
. "$PTTGW_SRC/tests/vm/scenario-lib.sh"
. "$PTTGW_SRC/tests/bluetooth/buttons-lib.sh"

[ -e /dev/uhid ] || vm_fail "/dev/uhid missing (module uhid)"
bt_install_udev
# BlueZ's HOG takes input reports on the ATT bearer it attached on: keep to one bearer
# (no EATT) between the two sides of this one bluetoothd.
printf '[GATT]\nChannels = 1\n' >/run/pttgw-buttons/main.conf
vm_bluetoothd_restart -f /run/pttgw-buttons/main.conf
bt_adapters
vm_adapter_power hci0 on

cat >"$R/hog.conf" <<CONF
[evdev]
ptt-keys = KEY_F13
CONF
bt_drive d "$R/hog.conf"

rm -f "$CTL/hog.ctl"
vm_bg hog "$VM_PY" "$PTTGW_SRC/tests/bluetooth/buttons-hog-peripheral.py" --adapter hci1 \
	--name "pttgw HOG PTT" --control "$CTL/hog.ctl"
vm_wait_log "$R/hog.log" ' ready ' 30
PADDR=$(vm_adapter_address hci1)

# Connect once, as a user would; BlueZ's HOG asks for encryption itself (LEAutoSecurity) and
# bonds Just Works with the test peripheral's agent; trusted, it is reconnected by BlueZ.
vm_central --adapter hci0 scan --address "$PADDR" --timeout 30 connect --timeout 30 \
	trust >"$R/central.log" 2>&1 || {
	cat "$R/central.log"
	vm_fail "connecting to the HOG button failed"
}
vm_log "connected to $PADDR"
vm_wait 40 sh -c "grep -l 'pttgw HOG PTT' /sys/class/input/input*/name" ||
	vm_fail "no input device from BlueZ's HOG (uhid)"
udevadm settle --timeout=10
busctl --system get-property org.bluez "/org/bluez/hci0/dev_$(echo "$PADDR" | tr : _)" \
	org.bluez.Device1 Paired
bt_expect "$R/d.log" '"pttgw HOG PTT" followed' 1 20
EV=$(sed -n 's/.*evdev:\(\/dev\/input\/event[0-9]*\): "pttgw HOG PTT" followed.*/\1/p' "$R/d.log" |
	tail -n 1)
vm_log "HOG input device $EV"
bt_expect "$R/hog.log" 'subscribed 2a4d' 1 20

bt_ctl hog down
if ! vm_wait 15 grep -Eq "press evdev:$EV emergency=0" "$R/d.log"; then
	# BlueZ 5.66 as the test peripheral sends the report as an ATT Multiple Handle Value
	# Notification (0x23) to a client that announced support for it; BlueZ 5.66's HOG
	# (GAttrib) registers for single notifications (0x1b) only and never sees it. A real
	# HOG button sends 0x1b. Anything else missing the press is a failure.
	if grep -q "Handle Multiple Value Notification" "$PTTGW_VM_RESULTS/btmon.log" &&
	   ! grep -q "ATT: Handle Value Notification" "$PTTGW_VM_RESULTS/btmon.log"; then
		vm_log "KNOWN LIMIT: the input report went out as a Multiple Handle Value" \
			"Notification, which BlueZ 5.66 HOG ignores: no key press to check (input" \
			"device made by HOG, tagged by udev and followed: checked above)"
		bt_ctl d quit
		exit 0
	fi
	vm_fail "HOG key press did not reach the events"
fi
vm_log "ok: HOG key press reached the events"
bt_ctl hog up
bt_expect "$R/d.log" "release evdev:$EV" 1

# ---- benchmark: HOG notification -> press (BLE, kernel HID, evdev), 50 presses
for i in $(seq 50); do
	bt_ctl hog down
	sleep 0.15
	bt_ctl hog up
	sleep 0.15
done
bt_expect "$R/d.log" "release evdev:$EV" 51 30
grep -E 'notified 2a4d 01$' "$R/hog.log" | tail -n 50 >"$R/bench-notify.txt"
grep -E "press evdev:$EV" "$R/d.log" | tail -n 50 >"$R/bench-press.txt"
bt_latency "$R/bench-notify.txt" . "$R/bench-press.txt" . "hog-notify-to-press" |
	tee "$R/bench.txt"
bt_ctl d quit
vm_log "PASS"
