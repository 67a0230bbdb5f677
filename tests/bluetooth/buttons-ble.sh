#!/bin/bash
# BLE talk buttons on the real BlueZ: a test peripheral on hci1 offers the Zello-style and the
# Aina profiles (and a battery); pttgw-buttons on hci0 connects, follows press/release,
# ignores malformed values, drives the Aina LED from the state, sees a held button again after
# the peripheral drops and returns, takes a new button in a pairing window and keeps it
# across a restart.
. "$PTTGW_SRC/tests/vm/scenario-lib.sh"
. "$PTTGW_SRC/tests/bluetooth/buttons-lib.sh"

ZELLO_SVC=0000ffe0-0000-1000-8000-00805f9b34fb
AINA_SVC=127face1-cb21-11e5-93d0-0002a5d5c51b
AINA_BTN=127fbeef-cb21-11e5-93d0-0002a5d5c51b
AINA_LED=127fdead-cb21-11e5-93d0-0002a5d5c51b

bt_adapters
vm_adapter_power hci0 on
PADDR=$(vm_adapter_address hci1)
SRC="ble:$PADDR"

# peripheral NAME ZELLO_HEX AINA_HEX: the button, on hci1
peripheral() {
	rm -f "$CTL/$1.ctl"
	vm_bg "$1" "$VM_PY" "$VM_LIB_DIR/peripheral.py" --adapter hci1 --control "$CTL/$1.ctl" \
		--adv-uuid ffe0 --adv-uuid $AINA_SVC \
		--service ffe0 --char "ffe1:read,notify:$2" \
		--service $AINA_SVC --char "$AINA_BTN:read,notify:$3" \
		--char "$AINA_LED:read,write,write-without-response:00" \
		--service 180f --char 2a19:read,notify:57
	vm_wait_log "$R/$1.log" ' ready ' 30
}

# ---- Zello-style: press, release, malformed values, battery
peripheral p1 00 00
cat >"$R/zello.conf" <<CONF
[buttons]
adapter = hci0
devices = $PADDR=zello
reconnect-interval = 1
CONF
bt_drive d1 "$R/zello.conf"
bt_expect "$R/p1.log" 'subscribed ffe1' 1 60
bt_expect "$R/p1.log" 'read ffe1' 1 20
bt_ctl p1 "set ffe1 01"
bt_expect "$R/d1.log" "press $SRC emergency=0" 1
bt_ctl p1 "set ffe1 00"
bt_expect "$R/d1.log" "release $SRC" 1
bt_ctl p1 "set ffe1 02"
bt_expect "$R/d1.log" "zello value of 1 bytes \(02\) ignored: unknown value" 1
bt_ctl p1 "set ffe1 0100"
bt_expect "$R/d1.log" "zello value of 2 bytes \(0100\) ignored: wrong length" 1
bt_ctl p1 "set ffe1 01"
bt_expect "$R/d1.log" "press $SRC" 2
bt_still "$R/d1.log" "release $SRC" 1
# BlueZ's battery plugin reads 0x2A19 on its own time: ask until Battery1 has come
for _ in $(seq 15); do
	bt_ctl d1 status
	sleep 1
	[ "$(bt_count "$R/d1.log" '"profile":"zello".*"battery":87')" -ge 1 ] && break
done
bt_expect "$R/d1.log" '"profile":"zello".*"connected":true,"held":true,"battery":87' 1

# ---- drops and returns while held: the button ends the link (as when it switches off or goes
# out of range) with the key still down: the release when it goes, the press again when the
# gateway has it back (the value is read on every connection)
HCI0_DEV=/org/bluez/hci1/dev_$(vm_adapter_address hci0 | tr : _)
busctl --system call org.bluez "$HCI0_DEV" org.bluez.Device1 Disconnect ||
	vm_fail "cannot disconnect from the peripheral side"
bt_expect "$R/d1.log" "release $SRC" 2 30
bt_expect "$R/d1.log" "connected -> disconnected" 1
bt_expect "$R/p1.log" 'read ffe1' 2 60
bt_expect "$R/d1.log" "press $SRC emergency=0" 3 20
bt_ctl p1 "set ffe1 00"
bt_expect "$R/d1.log" "release $SRC" 3

# ---- benchmark: notification -> press, 100 presses
for i in $(seq 100); do
	bt_ctl p1 "set ffe1 01"
	sleep 0.15
	bt_ctl p1 "set ffe1 00"
	sleep 0.15
done
bt_expect "$R/d1.log" "press $SRC" 103 30
bt_expect "$R/d1.log" "release $SRC" 103 30
grep -E 'notified ffe1 01$' "$R/p1.log" | tail -n 100 >"$R/bench-notify.txt"
grep -E "press $SRC" "$R/d1.log" | tail -n 100 >"$R/bench-press.txt"
bt_latency "$R/bench-notify.txt" . "$R/bench-press.txt" . "ble-notify-to-press" |
	tee "$R/bench.txt"
bt_ctl d1 quit
vm_wait 10 sh -c "grep -q ' exit$' '$R/d1.log'" || vm_fail "driver did not exit"

# ---- Aina: bits, emergency, LED colours from the state
cat >"$R/aina.conf" <<CONF
[buttons]
adapter = hci0
devices = $PADDR=aina
reconnect-interval = 1
CONF
bt_drive d2 "$R/aina.conf"
bt_expect "$R/p1.log" "subscribed $AINA_BTN" 1 60
bt_expect "$R/p1.log" "write $AINA_LED 00" 1 20
for s in "idle ready 02" "requesting ready 01" "transmitting ready 01" "idle ready 02" \
	"receiving ready 04" "idle unavailable 00"; do
	set -- $s
	n=$(bt_count "$R/p1.log" "write $AINA_LED $3")
	bt_ctl d2 "state $1 $2"
	if [ "$1" = transmitting ]; then
		sleep 1 # red already: nothing new may be written
		bt_still "$R/p1.log" "write $AINA_LED $3" "$n"
	else
		bt_expect "$R/p1.log" "write $AINA_LED $3" $((n + 1))
	fi
done
bt_ctl p1 "set $AINA_BTN 01"
bt_expect "$R/d2.log" "press $SRC emergency=0" 1
bt_ctl p1 "set $AINA_BTN 03"
bt_expect "$R/d2.log" "press $SRC emergency=1" 1
bt_ctl p1 "set $AINA_BTN 00"
bt_expect "$R/d2.log" "release $SRC" 1
bt_ctl p1 "set $AINA_BTN 02"
bt_expect "$R/d2.log" "press $SRC emergency=1" 2
bt_ctl p1 "set $AINA_BTN 00"
bt_expect "$R/d2.log" "release $SRC" 2
bt_ctl p1 "set $AINA_BTN 04"
bt_expect "$R/d2.log" "press $SRC emergency=0" 2
bt_ctl p1 "set $AINA_BTN 0c"
bt_expect "$R/d2.log" "aina value of 1 bytes \(0c\) ignored: unknown value or bits" 1
bt_ctl p1 "set $AINA_BTN 00"
bt_expect "$R/d2.log" "release $SRC" 3
bt_ctl p1 "set $AINA_BTN 0100"
bt_expect "$R/d2.log" "aina value of 2 bytes \(0100\) ignored: wrong length" 1
bt_still "$R/d2.log" "press $SRC" 4
bt_ctl d2 quit
vm_wait 10 sh -c "grep -q ' exit$' '$R/d2.log'" || vm_fail "driver did not exit"

# ---- pairing window: no address configured, any Aina button within 30 s
STATE=$CTL/state
rm -rf "$STATE"
cat >"$R/pair.conf" <<CONF
[buttons]
adapter = hci0
pairing-window = 30
pairing-profiles = aina
reconnect-interval = 1
state-dir = $STATE
CONF
bt_drive d3 "$R/pair.conf"
bt_expect "$R/d3.log" "new aina button taken in the pairing window, kept in $STATE/buttons-paired" 1 40
bt_expect "$R/p1.log" "subscribed $AINA_BTN" 2 60
bt_ctl p1 "set $AINA_BTN 01"
bt_expect "$R/d3.log" "press $SRC emergency=0" 1
bt_ctl d3 quit
vm_wait 10 sh -c "grep -q ' exit$' '$R/d3.log'" || vm_fail "driver did not exit"
grep -qx "$PADDR=aina" "$STATE/buttons-paired" ||
	vm_fail "buttons-paired does not keep $PADDR=aina: $(cat "$STATE/buttons-paired" 2>&1)"
vm_log "ok: $STATE/buttons-paired keeps $PADDR=aina"

# ---- kept: started again without a window (and nothing in devices), the button taken in
# the window is connected again; it is still held, so the read on connection gives the press
sed '/^pairing-window/d' "$R/pair.conf" >"$R/kept.conf"
bt_drive d4 "$R/kept.conf"
bt_expect "$R/d4.log" "$SRC: aina button kept from a pairing window" 1 20
bt_expect "$R/p1.log" "subscribed $AINA_BTN" 3 60
bt_expect "$R/d4.log" "press $SRC emergency=0" 1 20
bt_ctl p1 "set $AINA_BTN 00"
bt_expect "$R/d4.log" "release $SRC" 1
bt_ctl d4 status
bt_expect "$R/d4.log" '"configured":false,"kept":true,"connected":true' 1
bt_ctl d4 quit
vm_log "PASS"
