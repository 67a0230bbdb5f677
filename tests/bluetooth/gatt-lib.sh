# Shared by the PTT GATT guest scenarios (tests/bluetooth/gatt-*.sh). Source after
# tests/vm/scenario-lib.sh. The gateway under test is either
#   $PTTGW_BUILD/tests/bluetooth/gatt-drive (gatt_start): pttgw-gatt with a fake floor that
#       echoes press -> requesting -> transmitting, or
#   pttgwd against pttgw-relay on the guest's loopback (gatt_start_pttgwd): the real thing.
# shellcheck shell=bash

GATT_DIR=$PTTGW_SRC/tests/bluetooth
GATT_CONF=$PTTGW_TMP/pttgw.conf
GATT_STATE_DIR=$PTTGW_TMP/state
GATT_LOG=$PTTGW_RESULTS/gateway.log
GATT_PID=""

# gatt_conf [KEY=VALUE...]: the [gatt] group for the gateway (adapter hci0), plus extra keys.
gatt_conf() {
	{
		echo "[gatt]"
		echo "adapter = hci0"
		echo "local-name = pttgw-test"
		echo "state-dir = $GATT_STATE_DIR"
		for kv in "$@"; do echo "$kv"; done
	} >"$GATT_CONF"
}

# gatt_start [ARGS...]: start the gateway; waits until its application is registered.
gatt_start() {
	local bin=$PTTGW_BUILD/tests/bluetooth/gatt-drive
	[ -x "$bin" ] || vm_fail "$bin not built"
	G_MESSAGES_DEBUG=all "$bin" -c "$GATT_CONF" "$@" >>"$GATT_LOG" 2>&1 &
	GATT_PID=$!
	vm_log "started gatt-drive (pid $GATT_PID) $*"
	gatt_wait_registered 1
}

# gatt_wait_registered N: wait for the N-th "application registering -> registered" on hci0.
gatt_wait_registered() {
	vm_wait 30 sh -c "[ \$(grep -c 'hci0: application registering -> registered' '$GATT_LOG') -ge $1 ]" ||
		vm_fail "the GATT application was not registered (time $1) on hci0" \
			"(gateway $(kill -0 "$GATT_PID" 2>/dev/null && echo alive || echo dead))"
	vm_wait 30 sh -c "[ \$(grep -c 'hci0: advertisement registering -> registered' '$GATT_LOG') -ge $1 ]" ||
		vm_fail "the advertisement was not registered (time $1) on hci0"
	vm_log "GATT application and advertisement registered on hci0 (time $1)"
}

gatt_stop() {
	[ -n "$GATT_PID" ] || return 0
	kill "$GATT_PID" 2>/dev/null
	vm_wait 10 sh -c "! kill -0 $GATT_PID" || vm_fail "the gateway did not exit on SIGTERM"
	wait "$GATT_PID" 2>/dev/null
	vm_log "gateway stopped"
	GATT_PID=""
}

gatt_alive() {
	kill -0 "$GATT_PID" 2>/dev/null || vm_fail "the gateway died (see gateway.log)"
}

# gatt_central STEP...: tests/bluetooth/gatt-central.py on hci1.
gatt_central() {
	vm_log "central: $*"
	"$VM_PY" "$GATT_DIR/gatt-central.py" "$@" || vm_fail "central: $*"
}

# gatt_count REGEX: how many lines of the gateway log match.
gatt_count() {
	grep -Ec -- "$1" "$GATT_LOG"
}

# gatt_bluetoothd_start: start bluetoothd again and wait (generously: the guest is slow
# under TCG on a loaded host) for org.bluez and both adapters.
gatt_bluetoothd_start() {
	/usr/libexec/bluetooth/bluetoothd -n >>"$PTTGW_VM_RESULTS/bluetoothd.log" 2>&1 &
	echo $! >/run/pttgw/bluetoothd.pid
	vm_wait 90 vm_dbus_has_name org.bluez || vm_fail "bluetoothd did not come back in 90 s"
	vm_wait_adapters 60
	vm_log "bluetoothd started again"
}

# gatt_wait_adapters: hci0 and hci1 on D-Bus. Under a loaded host btvirt sometimes answers
# the kernel's first HCI Reset too late ("hci0: Opcode 0x0c03 failed: -110") and that
# controller never comes up: then start btvirt and bluetoothd again, once.
gatt_wait_adapters() {
	if vm_wait 30 vm_has_adapter hci0 && vm_wait 10 vm_has_adapter hci1; then
		vm_wait_adapters
		return
	fi
	vm_log "a virtual controller did not come up (dmesg: $(dmesg | grep -m1 -o 'hci[0-9]: Opcode.*')); restarting btvirt"
	pkill -x bluetoothd
	pkill -x btvirt
	vm_wait 10 sh -c '! pgrep -x btvirt && ! pgrep -x bluetoothd'
	btvirt -L -l2 >>"$PTTGW_VM_RESULTS/btvirt.log" 2>&1 &
	sleep 2
	gatt_bluetoothd_start
}

# gatt_wait_count N REGEX [SECONDS=20]: wait until N lines of the gateway log match.
gatt_wait_count() {
	vm_wait "${3:-20}" sh -c "[ \$(grep -Ec -- '$2' '$GATT_LOG') -ge $1 ]" ||
		vm_fail "fewer than $1 lines matching '$2' in the gateway log after ${3:-20}s" \
			"(gateway $(kill -0 "$GATT_PID" 2>/dev/null && echo alive || echo dead))"
}

# gatt_start_pttgwd [KEY=VALUE...]: pttgw-relay on 127.0.0.1 (its log stamped with
# CLOCK_MONOTONIC in relay.log), then pttgwd with [general] audio off, [upstream] at the
# relay and the [gatt] group of gatt_conf plus the extra keys; waits for the link and
# for the GATT registration.
gatt_start_pttgwd() {
	local relay=$PTTGW_BUILD/src/relay/pttgw-relay port=18700
	[ -x "$relay" ] || vm_fail "$relay not built"
	GATT_LOG=$PTTGW_RESULTS/pttgwd.log
	# the guest's init leaves the loopback interface down
	ip link set lo up 2>/dev/null || busybox ip link set lo up || vm_fail "cannot bring lo up"
	"$relay" --listen 127.0.0.1:$port --channel test --user gw:pw-gw --user disp:pw-disp \
		2>&1 | "$VM_PY" "$GATT_DIR/gatt-stamp.py" "$PTTGW_RESULTS/relay.log" &
	vm_wait 20 "$VM_PY" -c "import socket; socket.create_connection(('127.0.0.1', $port), 1)" ||
		vm_fail "pttgw-relay does not listen on $port"
	vm_log "pttgw-relay listens on 127.0.0.1:$port"
	printf 'pw-gw\n' >"$PTTGW_TMP/gw.cred"
	chmod 600 "$PTTGW_TMP/gw.cred"
	gatt_conf "$@"
	{
		echo "[general]"
		echo "name = gatt-test"
		echo "audio = false"
		echo "[upstream]"
		echo "url = ws://127.0.0.1:$port/"
		echo "channel = test"
		echo "username = gw"
		echo "credentials-file = $PTTGW_TMP/gw.cred"
		echo "heartbeat-interval = 5"
	} >>"$GATT_CONF"
	vm_pttgwd_start -c "$GATT_CONF"
	GATT_PID=$VM_PTTGWD_PID
	gatt_wait_registered 1
}

# gatt_relay_count REGEX: lines of the relay's log that match.
gatt_relay_count() {
	grep -Ec -- "$1" "$PTTGW_RESULTS/relay.log"
}
