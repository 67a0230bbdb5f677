# Helpers for pttgw guest scenarios (bash). Source it first thing:
#
#	. "$PTTGW_SRC/tests/vm/scenario-lib.sh"
#
# Environment given by the guest (tests/vm/guest-init):
#   PTTGW_SRC        the source tree (read-only)
#   PTTGW_BUILD      the host's build directory (read-only): $PTTGW_BUILD/src/daemon/pttgwd ...
#   PTTGW_RESULTS    this scenario's writable directory (cwd), kept on the host
#   PTTGW_VM_RESULTS the boot-wide results directory (bluetoothd.log, btmon.log, ...)
#   PTTGW_TMP        a scratch directory on tmpfs: FIFOs and sockets go here (9p has none)
# Every function prints what it does to the scenario's output; vm_fail ends the scenario.
# shellcheck shell=bash

set -u

VM_PY=/usr/bin/python3
VM_LIB_DIR=$PTTGW_SRC/tests/vm
VM_PTTGWD_PID=""
: "${PTTGW_VM_RESULTS:=/run/pttgw/results}"

vm_now() {
	cut -d' ' -f1 /proc/uptime
}

# vm_log MESSAGE...: a time-stamped line in the scenario output.
vm_log() {
	printf '[%s] %s\n' "$(vm_now)" "$*"
}

# vm_fail MESSAGE...: log and end the scenario with exit status 1.
vm_fail() {
	printf '[%s] FAIL: %s\n' "$(vm_now)" "$*"
	exit 1
}

# vm_wait SECONDS COMMAND...: run COMMAND every 0.2 s until it succeeds; 1 on timeout.
vm_wait() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@" >/dev/null 2>&1; do
		[ $SECONDS -ge $deadline ] && return 1
		sleep 0.2
	done
}

# vm_dbus_has_name NAME: the name has an owner on the system bus.
vm_dbus_has_name() {
	[ "$(busctl --system call org.freedesktop.DBus /org/freedesktop/DBus \
		org.freedesktop.DBus NameHasOwner s "$1" 2>/dev/null)" = "b true" ]
}

# vm_wait_dbus_name NAME [SECONDS=20]: wait until NAME is owned on the system bus.
vm_wait_dbus_name() {
	vm_wait "${2:-20}" vm_dbus_has_name "$1" || vm_fail "D-Bus name $1 did not appear in ${2:-20}s"
	vm_log "D-Bus name $1 is up"
}

# vm_has_adapter HCI: bluetoothd exports /org/bluez/HCI.
vm_has_adapter() {
	busctl --system get-property org.bluez "/org/bluez/$1" org.bluez.Adapter1 Address \
		>/dev/null 2>&1
}

# vm_wait_adapters [SECONDS=30]: wait until hci0 and hci1 are on D-Bus.
vm_wait_adapters() {
	local a
	for a in hci0 hci1; do
		vm_wait "${1:-30}" vm_has_adapter $a && continue
		busctl --system --list tree org.bluez
		vm_fail "adapter $a not on D-Bus after ${1:-30}s"
	done
	vm_log "adapters hci0 ($(vm_adapter_address hci0)) and hci1 ($(vm_adapter_address hci1)) on D-Bus"
}

# vm_adapter_prop HCI PROPERTY: print an org.bluez.Adapter1 property's value.
vm_adapter_prop() {
	busctl --system get-property org.bluez "/org/bluez/$1" org.bluez.Adapter1 "$2" |
		sed 's/^[a-z] //; s/^"//; s/"$//'
}

# vm_adapter_address HCI: print the adapter's address (e.g. 00:AA:01:00:00:23).
vm_adapter_address() {
	vm_adapter_prop "$1" Address
}

# vm_adapter_power HCI on|off: set Powered and wait until it reads back.
vm_adapter_power() {
	local v=false
	[ "$2" = on ] && v=true
	busctl --system set-property org.bluez "/org/bluez/$1" org.bluez.Adapter1 Powered b "$v" ||
		vm_fail "cannot power $2 $1"
	vm_wait 10 sh -c "[ \"\$(busctl --system get-property org.bluez /org/bluez/$1 \
		org.bluez.Adapter1 Powered)\" = 'b $v' ]" || vm_fail "$1 did not power $2"
}

# vm_bluetoothd_stop: stop the guest's bluetoothd (SIGTERM, then SIGKILL after 5 s).
vm_bluetoothd_stop() {
	local pid
	pid=$(pgrep -x bluetoothd) || return 0
	kill $pid
	vm_wait 5 sh -c '! pgrep -x bluetoothd' || { kill -9 $pid; sleep 0.2; }
	vm_log "bluetoothd stopped"
}

# vm_bluetoothd_kill: SIGKILL bluetoothd (a crash, as seen by its clients).
vm_bluetoothd_kill() {
	pkill -9 -x bluetoothd
	vm_wait 5 sh -c '! pgrep -x bluetoothd'
	vm_log "bluetoothd killed"
}

# vm_bluetoothd_start [ARGS...]: start bluetoothd (log: bluetoothd.log) and wait for hci0/hci1.
vm_bluetoothd_start() {
	/usr/libexec/bluetooth/bluetoothd -n "$@" >>"$PTTGW_VM_RESULTS/bluetoothd.log" 2>&1 &
	echo $! >/run/pttgw/bluetoothd.pid
	vm_wait_dbus_name org.bluez 20
	vm_wait_adapters 30
}

vm_bluetoothd_restart() {
	vm_bluetoothd_stop
	vm_bluetoothd_start "$@"
}

# vm_dbus_policy FILE: install a D-Bus policy file and make the bus reload its config.
vm_dbus_policy() {
	cp "$1" /etc/dbus-1/system.d/ || vm_fail "cannot install D-Bus policy $1"
	busctl --system call org.freedesktop.DBus /org/freedesktop/DBus org.freedesktop.DBus \
		ReloadConfig || vm_fail "dbus ReloadConfig failed"
	vm_log "D-Bus policy $(basename "$1") installed"
}

# vm_bg NAME COMMAND...: run COMMAND in the background, output to $PTTGW_RESULTS/NAME.log;
# its pid is left in VM_BG_PID (stop it with vm_stop). Everything still running when the
# scenario ends is killed anyway.
vm_bg() {
	local name=$1
	shift
	"$@" >>"$PTTGW_RESULTS/$name.log" 2>&1 &
	VM_BG_PID=$!
	vm_log "started $name (pid $VM_BG_PID): $*"
}

# vm_stop PID [SECONDS=10]: SIGTERM the process and its children, wait for it to exit
# (SIGKILL after SECONDS). A shell function run by vm_bg is a subshell with children.
vm_stop() {
	local pid=$1
	pkill -TERM -P "$pid" 2>/dev/null
	kill "$pid" 2>/dev/null
	if ! vm_wait "${2:-10}" sh -c "! kill -0 $pid"; then
		pkill -KILL -P "$pid" 2>/dev/null
		kill -9 "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	return 0
}

# vm_wait_log FILE REGEX [SECONDS=20]: wait until a line of FILE matches the extended REGEX.
vm_wait_log() {
	vm_wait "${3:-20}" grep -Eq -- "$2" "$1" || vm_fail "no line matching '$2' in $1 after ${3:-20}s"
}

# vm_pttgwd_start [ARGS...]: start $PTTGW_BUILD/src/daemon/pttgwd with ARGS (e.g. -c CONF),
# output to $PTTGW_RESULTS/pttgwd.log (printed by the host on failure), pid in VM_PTTGWD_PID.
# Installs the gateway's D-Bus policy first when the source tree has one.
vm_pttgwd_start() {
	local bin=$PTTGW_BUILD/src/daemon/pttgwd
	[ -x "$bin" ] || vm_fail "$bin not built"
	if [ -f "$PTTGW_SRC/src/daemon/org.pttgw.Gateway1.conf" ] &&
	   ! cmp -s "$PTTGW_SRC/src/daemon/org.pttgw.Gateway1.conf" \
		/etc/dbus-1/system.d/org.pttgw.Gateway1.conf; then
		vm_dbus_policy "$PTTGW_SRC/src/daemon/org.pttgw.Gateway1.conf"
	fi
	G_MESSAGES_DEBUG=${G_MESSAGES_DEBUG:-all} "$bin" "$@" >>"$PTTGW_RESULTS/pttgwd.log" 2>&1 &
	VM_PTTGWD_PID=$!
	vm_log "started pttgwd (pid $VM_PTTGWD_PID): $*"
}

# vm_pttgwd_stop: SIGTERM pttgwd and wait; fails the scenario if it does not exit in 10 s.
vm_pttgwd_stop() {
	[ -n "$VM_PTTGWD_PID" ] || return 0
	kill "$VM_PTTGWD_PID" 2>/dev/null
	vm_wait 10 sh -c "! kill -0 $VM_PTTGWD_PID" || vm_fail "pttgwd did not exit on SIGTERM"
	wait "$VM_PTTGWD_PID" 2>/dev/null
	vm_log "pttgwd stopped (exit $?)"
	VM_PTTGWD_PID=""
}

# vm_pttgwd_alive: pttgwd is still running.
vm_pttgwd_alive() {
	[ -n "$VM_PTTGWD_PID" ] && kill -0 "$VM_PTTGWD_PID" 2>/dev/null
}

# vm_central ARGS...: the test central (tests/vm/central.py; see central.py --help).
vm_central() {
	# In a subshell (vm_bg, &): exec, so the pid is python's own.
	[ "$BASHPID" != "$$" ] && exec "$VM_PY" "$VM_LIB_DIR/central.py" "$@"
	"$VM_PY" "$VM_LIB_DIR/central.py" "$@"
}

# vm_peripheral ARGS...: the test peripheral (tests/vm/peripheral.py; runs until killed).
vm_peripheral() {
	[ "$BASHPID" != "$$" ] && exec "$VM_PY" "$VM_LIB_DIR/peripheral.py" "$@"
	"$VM_PY" "$VM_LIB_DIR/peripheral.py" "$@"
}

# vm_udevd_start: systemd-udevd for scenarios that need udev rules (uinput, HID devices).
vm_udevd_start() {
	/lib/systemd/systemd-udevd --daemon || vm_fail "systemd-udevd did not start"
	udevadm trigger --action=add >/dev/null 2>&1
	udevadm settle --timeout=20
	vm_log "udevd started"
}
