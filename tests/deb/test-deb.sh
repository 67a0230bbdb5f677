#!/bin/bash
# The Debian packages on this machine (as root; tests/run-all runs it after .ci/deb):
#   1. installs pttgw and pttgw-relay (apt-get install ./*.deb) and checks what the
#      maintainer scripts did: files, conffiles, system users, the relay config's owner;
#   2. systemd-analyze verify of both units; pttgwd --check-config of the shipped config;
#   3. starts the installed programs as their units would (their users, the unit's
#      command line; no systemd here as PID 1): pttgw-relay with the shipped config (plus
#      test users and a free port), pttgwd on a private session bus; one talk each way
#      (pttgwctl press --wait granted; a pttgw-dispatch burst received packet for packet);
#      pttgwctl reload answers;
#   4. purges both and checks that nothing is left but the system users (Debian keeps them).
# Usage: tests/deb/test-deb.sh DIR (the directory with the .deb files)
set -u
dir=$(realpath "${1:?directory with the .deb files}")
arch=$(dpkg --print-architecture)
T=$(mktemp -d /tmp/pttgw-deb-test.XXXXXX)
chmod 0755 "$T"
PIDS=""
passed=0
failed=0
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null; done
	sleep 0.2
	for p in $PIDS; do kill -9 "$p" 2>/dev/null; done
	rm -rf "$T"
}
trap cleanup EXIT
ok() { passed=$((passed + 1)); echo "ok: $*"; }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
die() {
	echo "FAIL: $*"
	for f in "$T"/*.out "$T"/*.err; do
		[ -s "$f" ] && { echo "---- $f"; tail -n 30 "$f"; }
	done
	exit 1
}
[ "$(id -u)" = 0 ] || die "run as root (it installs packages)"
debs=("$dir/pttgw_"*"_$arch.deb" "$dir/pttgw-relay_"*"_$arch.deb")
for d in "${debs[@]}"; do [ -f "$d" ] || die "no $d (run .ci/deb first)"; done

# --- 1. install --------------------------------------------------------------------------------
export DEBIAN_FRONTEND=noninteractive
apt-get -q -o DPkg::Lock::Timeout=600 install -y --no-install-recommends "${debs[@]}" \
	>"$T/install.out" 2>&1 || die "apt-get install of the packages"
for p in pttgw pttgw-relay; do
	check "$p installed" bash -c "dpkg-query -W -f='\${Status}' $p | grep -q 'install ok installed'"
done
for f in /usr/sbin/pttgwd /usr/bin/pttgwctl /usr/bin/pttgw-relay /usr/bin/pttgw-dispatch; do
	check "program $f" test -x "$f"
done
for f in /lib/systemd/system/pttgwd.service /lib/systemd/system/pttgw-relay.service \
	/usr/lib/sysusers.d/pttgw.conf /usr/lib/sysusers.d/pttgw-relay.conf \
	/usr/share/dbus-1/system.d/org.pttgw.Gateway1.conf \
	/lib/udev/rules.d/70-pttgw.rules /lib/udev/hwdb.d/70-pttgw.hwdb \
	/usr/share/man/man8/pttgwd.8.gz /usr/share/man/man1/pttgwctl.1.gz \
	/usr/share/man/man1/pttgw-relay.1.gz /usr/share/man/man1/pttgw-dispatch.1.gz \
	/usr/share/doc/pttgw/pttgw.conf.example /usr/share/doc/pttgw/copyright \
	/usr/share/doc/pttgw-relay/pttgw-relay.conf.example \
	/etc/pttgw/pttgw.conf /etc/pttgw-relay/pttgw-relay.conf; do
	check "file $f" test -s "$f"
done
check "conffiles: /etc/pttgw/pttgw.conf" \
	bash -c "dpkg-query -W -f='\${Conffiles}' pttgw | grep -q ' /etc/pttgw/pttgw.conf '"
check "conffiles: /etc/pttgw-relay/pttgw-relay.conf" bash -c \
	"dpkg-query -W -f='\${Conffiles}' pttgw-relay | grep -q ' /etc/pttgw-relay/pttgw-relay.conf '"
check "shipped pttgw.conf is the documented example" \
	cmp -s /etc/pttgw/pttgw.conf /usr/share/doc/pttgw/pttgw.conf.example
for u in pttgw pttgw-relay; do
	check "system user $u (sysusers)" bash -c "getent passwd $u >/dev/null && getent group $u >/dev/null"
done
check "user pttgw in groups audio input bluetooth" bash -c \
	'g=" $(id -nG pttgw) "; [[ $g == *" audio "* && $g == *" input "* && $g == *" bluetooth "* ]]'
check "relay config: root:pttgw-relay 0640" \
	test "$(stat -c '%U:%G %a' /etc/pttgw-relay/pttgw-relay.conf)" = "root:pttgw-relay 640"

# --- 2. units and the shipped configuration ----------------------------------------------------
for u in pttgwd pttgw-relay; do
	check "systemd-analyze verify $u.service" bash -c \
		"systemd-analyze verify /lib/systemd/system/$u.service >'$T/verify-$u.out' 2>&1 ||
		 { cat '$T/verify-$u.out'; false; }"
done
check "unit pttgwd: ExecReload sends SIGHUP" \
	grep -qx 'ExecReload=/bin/kill -HUP $MAINPID' /lib/systemd/system/pttgwd.service
check "pttgwd --check-config of /etc/pttgw/pttgw.conf (as user pttgw)" \
	runuser -u pttgw -- /usr/sbin/pttgwd --check-config
check "pttgw-relay reads its config as user pttgw-relay" \
	runuser -u pttgw-relay -- test -r /etc/pttgw-relay/pttgw-relay.conf
check "other users cannot read the relay's config" runuser -u nobody -- test ! -r /etc/pttgw-relay/pttgw-relay.conf

# --- 3. run the installed programs as their units would ----------------------------------------
# setpriv executes the program (runuser would stay in between and answer for it)
as_user() { setpriv --reuid="$1" --regid="$1" --init-groups --reset-env -- "${@:2}"; }
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cmd=$(sed -n 's/^ExecStart=//p' /lib/systemd/system/pttgw-relay.service)
# shellcheck disable=SC2086 # the unit's command line, split as systemd does (no quotes in it)
setpriv --reuid=pttgw-relay --regid=pttgw-relay --init-groups --reset-env -- \
	$cmd --listen "127.0.0.1:$port" --channel ops \
	--user gw1:pw-gw1 --user disp:pw-disp >"$T/relay.out" 2>"$T/relay.err" &
RELAY=$!
PIDS="$PIDS $RELAY"
for _ in $(seq 100); do grep -q listening "$T/relay.out" && break; sleep 0.05; done
grep -q listening "$T/relay.out" || die "the installed relay does not listen"
ok "installed pttgw-relay listens (user pttgw-relay, $cmd)"

install -d -o pttgw -g pttgw -m 0750 /var/lib/pttgw # StateDirectory=pttgw
install -d -o pttgw -g pttgw -m 0700 "$T/pttgw"
printf 'pw-gw1\n' >"$T/pttgw/cred"
cat >"$T/pttgw/gw.conf" <<CONF
[general]
name = deb-test
audio = false
[upstream]
url = ws://127.0.0.1:$port/
channel = ops
username = gw1
credentials-file = $T/pttgw/cred
CONF
chown pttgw:pttgw "$T/pttgw/cred" "$T/pttgw/gw.conf"
chmod 0600 "$T/pttgw/cred"
as_pttgw() { as_user pttgw env DBUS_SESSION_BUS_ADDRESS="$bus" "$@"; }
setpriv --reuid=pttgw --regid=pttgw --init-groups --reset-env -- \
	dbus-daemon --session --nofork --print-address=1 >"$T/bus.addr" 2>"$T/dbus.err" &
PIDS="$PIDS $!"
for _ in $(seq 100); do [ -s "$T/bus.addr" ] && break; sleep 0.05; done
bus=$(head -n1 "$T/bus.addr")
[ -n "$bus" ] || die "no session bus"
# (setpriv itself, not a function: $! must be pttgwd's process, as $MAINPID is for systemd)
setpriv --reuid=pttgw --regid=pttgw --init-groups --reset-env -- \
	env DBUS_SESSION_BUS_ADDRESS="$bus" /usr/sbin/pttgwd --session-bus --config "$T/pttgw/gw.conf" >"$T/pttgwd.out" 2>"$T/pttgwd.err" &
GWD=$!
PIDS="$PIDS $GWD"
for _ in $(seq 100); do
	as_pttgw /usr/bin/pttgwctl --session-bus status 2>/dev/null | grep -Eq '^Link: +connected' && break
	sleep 0.1
done
check "installed pttgwd (user pttgw) connects to the installed relay" \
	bash -c "grep -q 'gw1 logged on' '$T/relay.err'"
check "pttgwctl press --wait: granted" as_pttgw /usr/bin/pttgwctl --session-bus press --wait
check "pttgwctl release" as_pttgw /usr/bin/pttgwctl --session-bus release
/usr/bin/pttgw-dispatch -U "ws://127.0.0.1:$port" -u disp:pw-disp -C ops --tone 440 -s 1 -n 1 \
	--timeout 30 >"$T/disp.out" 2>"$T/disp.err" || bad "pttgw-dispatch's burst"
sent=$(sed -n 's/^sent burst 1: stream [0-9]*, \([0-9]*\) packets.*/\1/p' "$T/disp.out")
received=""
for _ in $(seq 50); do
	received=$(as_pttgw /usr/bin/pttgwctl --session-bus status --json |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["counters"]["packets_received"])')
	[ "$received" = "$sent" ] && break
	sleep 0.1
done
check "a dispatcher's burst: $sent packets sent, ${received:-?} received by pttgwd" \
	test -n "$sent" -a "$received" = "$sent"
as_pttgw /usr/bin/pttgwctl --session-bus reload >"$T/reload.out" 2>&1
check "pttgwctl reload: $(cat "$T/reload.out")" grep -q 'configuration applied' "$T/reload.out"
kill -HUP "$RELAY" # as ExecReload= does
for _ in $(seq 50); do grep -q 'reloaded:' "$T/relay.err" && break; sleep 0.1; done
check "pttgw-relay reloads on SIGHUP: $(grep -o 'reloaded:.*' "$T/relay.err")" \
	grep -q 'reloaded: 2 users, 1 channels' "$T/relay.err"
check "unit pttgw-relay: ExecReload sends SIGHUP" \
	grep -qx 'ExecReload=/bin/kill -HUP $MAINPID' /lib/systemd/system/pttgw-relay.service
kill "$GWD"
rc=0
wait "$GWD" || rc=$?
check "pttgwd stops cleanly (exit $rc)" test "$rc" = 0
cleanup_pids=$PIDS
for p in $cleanup_pids; do kill "$p" 2>/dev/null; done
wait 2>/dev/null
PIDS=""

# --- 4. purge ----------------------------------------------------------------------------------
dpkg-query -L pttgw pttgw-relay | sort -u >"$T/files"
apt-get -q -o DPkg::Lock::Timeout=600 purge -y pttgw pttgw-relay >"$T/purge.out" 2>&1 ||
	die "apt-get purge"
left=$(while read -r f; do [ -d "$f" ] || { [ ! -e "$f" ] && [ ! -L "$f" ]; } || echo "$f"; done <"$T/files")
check "purge: no file of the packages is left${left:+ ($left)}" test -z "$left"
for d in /etc/pttgw /etc/pttgw-relay /var/lib/pttgw /usr/share/doc/pttgw /usr/share/doc/pttgw-relay \
	/etc/systemd/system/multi-user.target.wants/pttgwd.service \
	/etc/systemd/system/multi-user.target.wants/pttgw-relay.service; do
	check "purge: $d removed" test ! -e "$d"
done
check "purge: the system users stay (Debian does not remove them)" \
	bash -c 'getent passwd pttgw >/dev/null && getent passwd pttgw-relay >/dev/null'
for p in pttgw pttgw-relay; do
	check "$p purged" bash -c "! dpkg-query -W -f='\${Status}' $p 2>/dev/null | grep -q installed"
done
echo "Debian packages: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
