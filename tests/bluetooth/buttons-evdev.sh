#!/bin/bash
# evdev talk keys through udev: virtual devices on /dev/uinput, tagged by 70-pttgw.rules and
# 70-pttgw.hwdb (by name, and by vendor/product from a local hwdb file), followed by
# pttgw-buttons as they come and go: press/release, emergency key, long press -> emergency,
# channel key, double press -> channel, unplug while held -> release, replug; an untagged
# device is left alone. Then the benchmark: key down -> press, 100 presses.
. "$PTTGW_SRC/tests/vm/scenario-lib.sh"
. "$PTTGW_SRC/tests/bluetooth/buttons-lib.sh"

[ -e /dev/uinput ] || vm_fail "/dev/uinput missing (module uinput)"
bt_install_udev

# uinput NAME DEVICE-NAME [vendor product]
uinput() {
	rm -f "$CTL/$1.ctl"
	vm_bg "$1" "$UINPUT" --name "$2" --control "$CTL/$1.ctl" ${3:+--vendor $3 --product $4} >&2
	vm_wait_log "$R/$1.log" ' created /dev/input/event' 10
	udevadm settle --timeout=10
	sed -n 's/.* created \(\/dev\/input\/event[0-9]*\)$/\1/p' "$R/$1.log" | tail -n 1
}

KA=$(uinput ka "pttgw test PTT key")               # tagged by name
KB=$(uinput kb "Foot pedal" 0x1209 0x7077)          # tagged by the local hwdb entry
KC=$(uinput kc "Some keyboard" 0x1234 0x0001)       # not ours
vm_log "devices: ka=$KA kb=$KB kc=$KC"
for d in "$KA" "$KB"; do
	udevadm info "$d" | grep -q 'E: PTTGW_PTT=1' || vm_fail "$d not tagged: $(udevadm info "$d")"
	[ "$(stat -c %G:%a "$d")" = pttgw:660 ] || vm_fail "$d is $(stat -c %G:%a "$d"), not pttgw:660"
done
udevadm info "$KC" | grep -q PTTGW_PTT && vm_fail "$KC tagged"
vm_log "ok: udev tagged $KA and $KB (group pttgw, 0660), not $KC"

cat >"$R/evdev.conf" <<CONF
[evdev]
ptt-keys = KEY_F13,BTN_0
emergency-keys = KEY_F14
channel-next-keys = KEY_F15
long-press-emergency = 1.5
double-press-channel = 0.3
CONF
bt_drive d "$R/evdev.conf"
bt_expect "$R/d.log" "evdev:$KA: \"pttgw test PTT key\" followed" 1
bt_expect "$R/d.log" "evdev:$KB: \"Foot pedal\" followed" 1
grep -q "evdev:$KC" "$R/d.log" && vm_fail "untagged $KC followed"

A="evdev:$KA"
bt_ctl ka "tap KEY_F13 200"
bt_expect "$R/d.log" "press $A emergency=0" 1
bt_expect "$R/d.log" "release $A" 1
# long press: the talk turns into an emergency after 1.5 s (measured on the log's clock).
# Not within double-press-channel (0.3 s) of the release: that would be a double press
# (a fast guest gets here 0.27 s after it)
sleep 0.4
bt_ctl ka "down KEY_F13"
bt_expect "$R/d.log" "press $A emergency=0" 2
bt_expect "$R/d.log" "press $A emergency=1" 1 10
bt_ctl ka "up KEY_F13"
bt_expect "$R/d.log" "release $A" 2
held=$(awk -v a="$A" '$2 == "press" && $3 == a && $4 == "emergency=0" { t = $1 }
	$2 == "press" && $3 == a && $4 == "emergency=1" { printf "%.3f", $1 - t; exit }' "$R/d.log")
awk -v h="$held" 'BEGIN { exit !(h >= 1.45 && h < 10) }' ||
	vm_fail "long press gave the emergency after ${held}s, not after 1.5 s"
vm_log "ok: long press -> emergency after ${held}s"
# emergency key, channel key
sleep 0.5
bt_ctl ka "down KEY_F14"
bt_expect "$R/d.log" "press $A emergency=1" 2
bt_ctl ka "up KEY_F14"
bt_expect "$R/d.log" "release $A" 3
bt_ctl ka "tap KEY_F15 50"
bt_expect "$R/d.log" "channel \+1" 1
# double press: press, release, then the channel step instead of a second press
bt_ctl ka "tap KEY_F13 50"
bt_ctl ka "tap KEY_F13 50"
bt_expect "$R/d.log" "channel \+1" 2
bt_expect "$R/d.log" "release $A" 4
bt_still "$R/d.log" "press $A emergency=0" 3
# a key nobody configured, and the untagged device
bt_ctl ka "tap KEY_A 50"
bt_ctl kc "tap KEY_F13 50"
sleep 1
bt_still "$R/d.log" "press " 5
# the second device, and BTN_0
bt_ctl kb "tap BTN_0 100"
bt_expect "$R/d.log" "release evdev:$KB" 1
# unplug while held: release; replug: followed again
sleep 0.5
bt_ctl ka "down KEY_F13"
bt_expect "$R/d.log" "press $A emergency=0" 4
bt_ctl ka destroy
bt_expect "$R/d.log" "release $A" 5
bt_expect "$R/d.log" "evdev:$KA: closed" 1
bt_ctl ka create
udevadm settle --timeout=10
KA2=$(sed -n 's/.* created \(\/dev\/input\/event[0-9]*\)$/\1/p' "$R/ka.log" | tail -n 1)
bt_expect "$R/d.log" "evdev:$KA2: \"pttgw test PTT key\" followed" 1
bt_expect "$R/d.log" '"pttgw test PTT key" followed' 2
n=$(bt_count "$R/d.log" "release evdev:$KA2")
bt_ctl ka "tap KEY_F13 100"
bt_expect "$R/d.log" "release evdev:$KA2" $((n + 1))
bt_ctl d status
bt_expect "$R/d.log" '"evdev":\[\{' 1

# ---- benchmark: key down -> press, 100 presses (spaced beyond the double press)
n0=$(bt_count "$R/d.log" "press evdev:$KA2")
for i in $(seq 100); do
	bt_ctl ka "tap KEY_F13 30"
	sleep 0.4
done
bt_expect "$R/d.log" "press evdev:$KA2" $((n0 + 100)) 30
grep -E 'key KEY_F13 1$' "$R/ka.log" | tail -n 100 >"$R/bench-key.txt"
grep -E "press evdev:$KA2" "$R/d.log" | tail -n 100 >"$R/bench-press.txt"
bt_latency "$R/bench-key.txt" . "$R/bench-press.txt" . "evdev-keydown-to-press" |
	tee "$R/bench.txt"
bt_ctl d quit
vm_wait 10 sh -c "grep -q ' exit$' '$R/d.log'" || vm_fail "driver did not exit"
vm_log "PASS"
