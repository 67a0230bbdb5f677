#!/bin/bash
# The installed D-Bus policy, on a real dbus-daemon configured like a system
# bus: root and group pttgw may call the methods; anyone else may only read
# (GetStatus, properties) and is refused the rest.
set -u
BUILD=${1:?build dir} SRC=${2:?source dir}
PTTGWD=$BUILD/src/daemon/pttgwd CTL=$BUILD/src/ctl/pttgwctl
tmp=$(mktemp -d /tmp/pttgw-policy.XXXXXX)
chmod 755 "$tmp"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fails=0 passes=0
ok() { echo "ok - $1"; passes=$((passes + 1)); }
fail() { echo "FAIL - $1"; fails=$((fails + 1)); }

getent group pttgw >/dev/null || groupadd -r pttgw || { echo "cannot create group pttgw"; exit 1; }
getent passwd nobody >/dev/null || { echo "no user nobody"; exit 1; }

cat > "$tmp/bus.conf" <<CONF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>system</type>
  <listen>unix:path=$tmp/system_bus_socket</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow user="*"/>
    <deny own="*"/>
    <deny send_type="method_call"/>
    <allow send_type="signal"/>
    <allow send_requested_reply="true" send_type="method_return"/>
    <allow send_requested_reply="true" send_type="error"/>
    <allow receive_type="method_call"/>
    <allow receive_type="method_return"/>
    <allow receive_type="error"/>
    <allow receive_type="signal"/>
    <allow send_destination="org.freedesktop.DBus" send_interface="org.freedesktop.DBus"/>
    <allow send_destination="org.freedesktop.DBus"
           send_interface="org.freedesktop.DBus.Introspectable"/>
  </policy>
  <include>$SRC/src/daemon/org.pttgw.Gateway1.conf</include>
</busconfig>
CONF
dbus-daemon --config-file="$tmp/bus.conf" --nofork --nopidfile > "$tmp/bus.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do [ -S "$tmp/system_bus_socket" ] && break; sleep 0.1; done
export DBUS_SYSTEM_BUS_ADDRESS=unix:path=$tmp/system_bus_socket
unset PTTGW_BUS DBUS_SESSION_BUS_ADDRESS

printf '[general]\naudio = false\n[upstream]\nurl =\n[gatt]\nenabled = false\n' > "$tmp/gw.conf"
chmod 644 "$tmp/gw.conf"
"$PTTGWD" --config "$tmp/gw.conf" > "$tmp/daemon.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do "$CTL" status >/dev/null 2>&1 && break; sleep 0.1; done

as_nobody() { setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"; }
as_pttgw() { setpriv --reuid=nobody --regid=nogroup --groups="$(getent group pttgw | cut -d: -f3)" -- "$@"; }

out=$("$CTL" press --source root-desk 2>&1) && ok "root may press: $out" || fail "root press: $out"
"$CTL" release --source root-desk >/dev/null 2>&1

out=$(as_nobody "$CTL" press 2>&1); rc=$?
[ $rc -eq 4 ] && [[ $out == *"access denied"* ]] && ok "another user may not press (exit 4)" ||
	fail "nobody press: rc=$rc $out"
out=$(as_nobody "$CTL" channel X 2>&1); rc=$?
[ $rc -eq 4 ] && ok "another user may not select a channel" || fail "nobody channel: rc=$rc $out"
out=$(as_nobody "$CTL" status --json 2>&1); rc=$?
[ $rc -eq 0 ] && [[ $out == *'"floor"'* ]] && ok "another user may read the status" || fail "nobody status: rc=$rc $out"
out=$(as_nobody gdbus call --system --dest org.pttgw.Gateway1 --object-path /org/pttgw/Gateway \
	--method org.freedesktop.DBus.Properties.Get org.pttgw.Gateway1 FloorState 2>&1); rc=$?
[ $rc -eq 0 ] && [[ $out == *idle* ]] && ok "another user may read properties" || fail "nobody Get: rc=$rc $out"
out=$(as_pttgw "$CTL" press --source group-desk 2>&1); rc=$?
[ $rc -eq 0 ] && ok "a member of group pttgw may press" || fail "pttgw press: rc=$rc $out"
as_pttgw "$CTL" release --source group-desk >/dev/null 2>&1
out=$(as_nobody "$PTTGWD" --config "$tmp/gw.conf" 2>&1); rc=$?
[ $rc -ne 0 ] && ok "another user may not own org.pttgw.Gateway1" || fail "nobody own: rc=$rc $out"

echo "$passes passed, $fails failed"
[ $fails -eq 0 ]
