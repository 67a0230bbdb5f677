# Shared by the buttons-*.sh guest scenarios (bash; sourced after scenario-lib.sh).
# shellcheck shell=bash

R=$PTTGW_RESULTS
# FIFOs cannot live on the 9p results share
CTL=/run/pttgw-buttons
mkdir -p "$CTL"
DRIVE=$PTTGW_BUILD/tests/bluetooth/buttons-drive
UINPUT=$PTTGW_BUILD/tests/bluetooth/buttons-uinput
[ -x "$DRIVE" ] || vm_fail "$DRIVE not built"

# bt_drive NAME CONF: start buttons-drive (output NAME.log, control $CTL/NAME.ctl)
bt_drive() {
	rm -f "$CTL/$1.ctl"
	mkfifo "$CTL/$1.ctl"
	G_MESSAGES_DEBUG=all vm_bg "$1" "$DRIVE" --config "$2" --control "$CTL/$1.ctl"
	vm_wait_log "$R/$1.log" ' ready$' 20
}

# bt_ctl NAME LINE: a control line to a driver, peripheral or uinput device
bt_ctl() {
	echo "$2" >"$CTL/$1.ctl"
}

# bt_count FILE REGEX: lines of FILE matching REGEX
bt_count() {
	grep -Ec -- "$2" "$1" 2>/dev/null || true
}

# bt_expect FILE REGEX N [SECONDS=15]: wait until FILE has at least N lines matching REGEX
bt_expect() {
	local t=${4:-15}
	vm_wait "$t" sh -c "[ \$(grep -Ec -- '$2' '$1') -ge $3 ]" ||
		vm_fail "$(basename "$1"): wanted $3 lines matching '$2' within ${t}s, have $(bt_count "$1" "$2")"
	vm_log "ok: $(basename "$1"): $3 x '$2'"
}

# bt_none FILE REGEX N: still exactly N lines match (nothing new happened)
bt_still() {
	local n
	n=$(bt_count "$1" "$2")
	[ "$n" -eq "$3" ] || vm_fail "$(basename "$1"): $n lines match '$2', wanted still $3"
	vm_log "ok: $(basename "$1"): still $3 x '$2'"
}

# bt_install_udev: our rules and hwdb into the guest's /etc, group pttgw, udevd running
bt_install_udev() {
	getent group pttgw >/dev/null || groupadd -r pttgw || vm_fail "groupadd pttgw"
	mkdir -p /etc/udev/rules.d /etc/udev/hwdb.d
	cp "$PTTGW_SRC/udev/70-pttgw.rules" /etc/udev/rules.d/
	cp "$PTTGW_SRC/udev/70-pttgw.hwdb" /etc/udev/hwdb.d/
	# a user's own device by vendor/product, as 70-pttgw.hwdb tells them to add it
	printf 'pttgw:input:b0006v1209p7077*\n PTTGW_PTT=1\n' >/etc/udev/hwdb.d/71-pttgw-local.hwdb
	systemd-hwdb update || vm_fail "systemd-hwdb update"
	if pgrep -x systemd-udevd >/dev/null; then
		udevadm control --reload
	else
		vm_udevd_start
	fi
	vm_log "udev rules and hwdb installed"
}

# bt_latency PRODUCER_LOG PRODUCER_REGEX DRIVE_LOG DRIVE_REGEX LABEL: pair the nth
# producer line with the nth driver line, print min / median / p90 / max in ms.
bt_latency() {
	"$VM_PY" - "$@" <<'PY'
import re, sys
plog, preg, dlog, dreg, label = sys.argv[1:6]
def times(path, rx):
    r = re.compile(rx)
    return [float(l.split()[0]) for l in open(path) if r.search(l)]
p, d = times(plog, preg), times(dlog, dreg)
n = min(len(p), len(d))
lat = sorted((d[i] - p[i]) * 1000 for i in range(n))
if not lat:
    print("BENCH %s: no samples" % label); sys.exit(1)
med = lat[n // 2] if n % 2 else (lat[n // 2 - 1] + lat[n // 2]) / 2
print("BENCH %s: n=%d (sent %d, seen %d) min=%.2f ms median=%.2f ms p90=%.2f ms max=%.2f ms"
      % (label, n, len(p), len(d), lat[0], med, lat[int(n * 0.9) - 1 if n >= 10 else -1], lat[-1]))
PY
}

bt_both_adapters() {
	vm_has_adapter hci0 && vm_has_adapter hci1
}

# bt_adapters: hci0 and hci1 on D-Bus; under a loaded TCG host bluetoothd sometimes
# comes up without one of them: one restart of bluetoothd, then give up.
bt_adapters() {
	if ! vm_wait 45 bt_both_adapters; then
		vm_log "an adapter is missing on D-Bus: restarting bluetoothd once"
		vm_bluetoothd_restart
	fi
	vm_wait_adapters 60
}
