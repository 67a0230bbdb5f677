#!/bin/sh
# The hwdb file compiles (systemd-hwdb update into a temporary root) and its
# lookups give PTTGW_PTT=1 to talk buttons and nothing to other devices.
# The rules file is checked for what can be checked without a udevd: every
# GOTO has its LABEL and every line is KEY[{attr}]OP"value" pairs.
set -eu
udev=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0

mkdir -p "$tmp/etc/udev/hwdb.d"
cp "$udev/70-pttgw.hwdb" "$tmp/etc/udev/hwdb.d/"
# a local addition, as the file's comment tells users to do it
printf 'pttgw:input:b0006v1209p7077*\n PTTGW_PTT=1\n' > "$tmp/etc/udev/hwdb.d/71-local.hwdb"
systemd-hwdb --root="$tmp" --strict update
test -s "$tmp/etc/udev/hwdb.bin" || { echo "no hwdb.bin"; exit 1; }

expect() { # key, expected PTTGW_PTT value or "-" for none
	got=$(systemd-hwdb --root="$tmp" query "$1" | sed -n 's/^PTTGW_PTT=//p')
	[ -n "$got" ] || got=-
	if [ "$got" = "$2" ]; then echo "ok: '$1' -> $got"; else echo "FAIL: '$1' -> $got, want $2"; fail=1; fi
}
expect 'pttgw:name:PTT-Z:' 1
expect 'pttgw:name:Blu-PTT:' 1
expect 'pttgw:name:pttgw test ptt key:' 1
expect 'pttgw:name:HOG Ptt:' 1
expect 'pttgw:name:AT Translated Set 2 keyboard:' -
expect 'pttgw:name:Logitech USB Receiver:' -
# a headset's play/pause through BlueZ's AVRCP input device
expect 'pttgw:name:pttgw-headset (AVRCP):' 1
expect 'pttgw:name:pttgw-headset _AVRCP_:' 1   # as udev looks it up
expect 'pttgw:name:Jabra Evolve2 65 (AVRCP):' 1
expect 'pttgw:name:AVRCP:' -
avrcp=$(systemd-hwdb --root="$tmp" query 'pttgw:name:Headset _AVRCP_:' | sed -n 's/^PTTGW_AVRCP=//p')
[ "$avrcp" = 1 ] && echo "ok: AVRCP device -> PTTGW_AVRCP=1" || { echo "FAIL: no PTTGW_AVRCP=1 for an AVRCP device"; fail=1; }
expect 'pttgw:input:b0006v1209p7077e0001-e0,1,k2C0,ramlsfw' 1
expect 'pttgw:input:b0003v046DpC52Be0111-e0,1,2,4,k110,ramlsfw' -

rules="$udev/70-pttgw.rules"
for l in $(sed -n 's/.*GOTO="\([^"]*\)".*/\1/p' "$rules" | sort -u); do
	grep -q "LABEL=\"$l\"" "$rules" || { echo "FAIL: GOTO $l without LABEL"; fail=1; }
done
pair='[A-Z]+(\{[^}]*\})?(==|!=|=|\+=|-=|:=)"[^"]*"'
bad=$(grep -v -e '^#' -e '^$' "$rules" | grep -Ev "^$pair(, *$pair)*$" || true)
[ -z "$bad" ] || { echo "FAIL: rules lines not KEY OP \"value\": $bad"; fail=1; }
exit $fail
