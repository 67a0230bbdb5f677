#!/bin/sh
# pw-fixture.sh - a headless PipeWire + WirePlumber for the audio tests.
#
# Source it, then call pwfix_start. Everything lives in a temp dir
# (XDG_RUNTIME_DIR, XDG_CONFIG_HOME, XDG_STATE_HOME); no D-Bus, no ALSA, no
# BlueZ, no V4L2. pwfix_stop (also on EXIT) kills exactly what we started.
# A Bluetooth headset is pwfix_headset (tests/audio/pw-bt-headset: one device, one
# profile at a time, switched through its Profile param, nodes as PipeWire 0.3.65
# makes them), see below. Plain (non-Bluetooth) nodes: pwfix_plain_sink NAME (a
# speaker), pwfix_plain_source NAME (a USB microphone); pwfix_destroy NAME removes one.
# There are no bluez5-flagged nodes side by side (no real headset shows A2DP and HFP
# nodes at once): every Bluetooth node comes from pwfix_headset.
#
# Variables: PWFIX_DIR (temp dir), PWFIX_KEEP=1 keeps it for post-mortem.

pwfix_log() { echo "pw-fixture: $*" >&2; }

pwfix_write_config() {
	mkdir -p "$XDG_CONFIG_HOME/pipewire" "$XDG_CONFIG_HOME/wireplumber/main.lua.d" \
		"$XDG_CONFIG_HOME/wireplumber/policy.lua.d" "$XDG_STATE_HOME" "$XDG_RUNTIME_DIR"
	chmod 700 "$XDG_RUNTIME_DIR"
	# The graph's quantum: PipeWire itself raises the minimum in VMs (vm.overrides);
	# on a loaded 2-core CI box 2048/48000 (43 ms) keeps scheduling hiccups from
	# becoming gaps. PWFIX_QUANTUM=960 runs the graph at the 20 ms frame.
	cat >"$XDG_CONFIG_HOME/pipewire/pipewire.conf" <<CONF
context.properties = {
    core.daemon = true
    core.name = pipewire-0
    support.dbus = false
    link.max-buffers = 16
    default.clock.rate = 48000
    default.clock.allowed-rates = [ 48000 ]
    default.clock.quantum = ${PWFIX_QUANTUM:-2048}
    default.clock.min-quantum = ${PWFIX_QUANTUM:-2048}
    default.clock.max-quantum = 2048
    log.level = 2
}
context.spa-libs = {
    audio.convert.* = audioconvert/libspa-audioconvert
    support.*       = support/libspa-support
    # the stand-in headset's microphone (pw-bt-headset): a real source node
    audiotestsrc    = audiotestsrc/libspa-audiotestsrc
}
context.modules = [
    # real-time scheduling for the graph (root may; elsewhere it is skipped)
    { name = libpipewire-module-rt args = { nice.level = -11 rt.prio = 70 }
      flags = [ ifexists nofail ] }
    { name = libpipewire-module-protocol-native }
    { name = libpipewire-module-metadata }
    { name = libpipewire-module-spa-node-factory }
    { name = libpipewire-module-client-node }
    { name = libpipewire-module-client-device }
    { name = libpipewire-module-access args = { } }
    { name = libpipewire-module-adapter }
    { name = libpipewire-module-link-factory }
    { name = libpipewire-module-session-manager }
]
context.objects = [
    { factory = metadata args = { metadata.name = default } }
    { factory = spa-node-factory
        args = {
            factory.name    = support.node.driver
            node.name       = Dummy-Driver
            node.group      = pipewire.dummy
            priority.driver = 20000
        }
    }
]
CONF
	cat >"$XDG_CONFIG_HOME/wireplumber/wireplumber.conf" <<'CONF'
context.properties = {
  log.level = 2
  wireplumber.script-engine = lua-scripting
  support.dbus = false
}
context.spa-libs = {
  audio.convert.* = audioconvert/libspa-audioconvert
  support.*       = support/libspa-support
}
context.modules = [
  { name = libpipewire-module-protocol-native }
  { name = libpipewire-module-client-node }
  { name = libpipewire-module-client-device }
  { name = libpipewire-module-adapter }
  { name = libpipewire-module-metadata }
  { name = libpipewire-module-session-manager }
]
wireplumber.components = [
  { name = libwireplumber-module-lua-scripting, type = module }
  { name = main.lua, type = config/lua }
  { name = policy.lua, type = config/lua }
]
CONF
	# WirePlumber 0.4 merges these over /usr/share/wireplumber/*.lua.d by file name
	cat >"$XDG_CONFIG_HOME/wireplumber/main.lua.d/51-pttgw-test.lua" <<'CONF'
alsa_monitor.enabled = false
v4l2_monitor.enabled = false
libcamera_monitor.enabled = false
default_access.properties["enable-flatpak-portal"] = false
CONF
	cat >"$XDG_CONFIG_HOME/wireplumber/policy.lua.d/51-pttgw-test.lua" <<'CONF'
bluetooth_policy.policy["use-persistent-storage"] = false
CONF
}

pwfix_stop() {
	# also under `set -e`: nothing here may stop the cleanup half way
	for p in $PWFIX_PIDS; do
		kill "$p" 2>/dev/null || true
	done
	for p in $PWFIX_PIDS; do
		wait "$p" 2>/dev/null || true
	done
	PWFIX_PIDS=""
	if [ -n "${PWFIX_DIR:-}" ] && [ -z "${PWFIX_KEEP:-}" ]; then
		rm -rf "$PWFIX_DIR"
	fi
}

# Run a helper in the background, remembered for pwfix_stop.
pwfix_bg() {
	"$@" &
	PWFIX_PIDS="$PWFIX_PIDS $!"
	PWFIX_LAST=$!
}

# A private session bus for pttgwd's D-Bus API, exported as DBUS_SESSION_BUS_ADDRESS.
pwfix_session_bus() {
	pwfix_bg dbus-daemon --session --nofork --print-address=3 3>"$PWFIX_DIR/bus.addr" \
		2>"$PWFIX_DIR/dbus.err"
	_n=0
	while [ ! -s "$PWFIX_DIR/bus.addr" ]; do
		_n=$((_n + 1)); [ $_n -gt 100 ] && { pwfix_log "no session bus"; return 1; }
		sleep 0.05
	done
	DBUS_SESSION_BUS_ADDRESS=$(head -n1 "$PWFIX_DIR/bus.addr")
	export DBUS_SESSION_BUS_ADDRESS
}

# pwfix_relay RELAY PORT ARGS...: pttgw-relay on 127.0.0.1:PORT (output in relay.out and
# relay.err), back once it listens.
pwfix_relay() {
	_relay=$1; _port=$2; shift 2
	pwfix_bg "$_relay" --listen "127.0.0.1:$_port" "$@" >"$PWFIX_DIR/relay.out" \
		2>"$PWFIX_DIR/relay.err"
	_n=0
	while ! python3 -c "import socket; s = socket.socket(); s.settimeout(0.2)
s.connect(('127.0.0.1', $_port))" 2>/dev/null; do
		_n=$((_n + 1)); [ $_n -gt 100 ] && { pwfix_log "relay does not listen"; return 1; }
		sleep 0.05
	done
}

pwfix_wait_for() { # NAME [tries]: wait until a node named NAME exists
	n=${2:-100}
	while [ "$n" -gt 0 ]; do
		if pw-cli ls Node 2>/dev/null | grep -q "node.name = \"$1\""; then
			return 0
		fi
		sleep 0.1
		n=$((n - 1))
	done
	pwfix_log "node $1 did not appear"
	return 1
}

# Start pipewire and wireplumber (again: pwfix_restart after pwfix_kill_daemons).
pwfix_daemons() {
	pwfix_bg pipewire >>"$PWFIX_DIR/pipewire.log" 2>&1
	PWFIX_PW=$PWFIX_LAST
	n=50
	while [ ! -S "$XDG_RUNTIME_DIR/pipewire-0" ] && [ $n -gt 0 ]; do
		sleep 0.1
		n=$((n - 1))
	done
	[ -S "$XDG_RUNTIME_DIR/pipewire-0" ] || { pwfix_log "pipewire did not start"; \
		cat "$PWFIX_DIR/pipewire.log" >&2; return 1; }
	pwfix_bg wireplumber >>"$PWFIX_DIR/wireplumber.log" 2>&1
	PWFIX_WP=$PWFIX_LAST
	# WirePlumber is up when it shows as a client
	n=100
	while [ $n -gt 0 ]; do
		if pw-cli ls Client 2>/dev/null | grep -qi wireplumber; then
			return 0
		fi
		sleep 0.1
		n=$((n - 1))
	done
	pwfix_log "wireplumber did not start"
	cat "$PWFIX_DIR/wireplumber.log" >&2
	return 1
}

# PipeWire goes away (a crash, a restart): its nodes go with it.
pwfix_kill_daemons() {
	kill "$PWFIX_WP" "$PWFIX_PW" 2>/dev/null || true
	wait "$PWFIX_WP" "$PWFIX_PW" 2>/dev/null || true
	rm -f "$XDG_RUNTIME_DIR/pipewire-0" "$XDG_RUNTIME_DIR/pipewire-0.lock"
}

pwfix_start() {
	PWFIX_DIR=$(mktemp -d /tmp/pttgw-pw.XXXXXX)
	export XDG_RUNTIME_DIR="$PWFIX_DIR/run" XDG_CONFIG_HOME="$PWFIX_DIR/config"
	export XDG_STATE_HOME="$PWFIX_DIR/state" PIPEWIRE_RUNTIME_DIR="$PWFIX_DIR/run"
	export DISABLE_RTKIT=1 PIPEWIRE_LOG_SYSTEMD=false
	unset PIPEWIRE_REMOTE DBUS_SESSION_BUS_ADDRESS DISPLAY
	PWFIX_PIDS=""
	trap 'pwfix_stop' EXIT
	trap 'exit 129' HUP
	trap 'exit 130' INT
	trap 'exit 143' TERM
	pwfix_write_config
	pwfix_daemons
}

# A plain (non-Bluetooth) microphone, e.g. a USB one: NAME (a virtual source; feed it
# with pwfix_feed_source NAME FILE)
pwfix_plain_source() {
	pw-cli create-node adapter "{ factory.name=support.null-audio-sink node.name=$1 \
		node.description=$1 media.class=Audio/Source/Virtual object.linger=true \
		session.suspend-timeout-seconds=0 audio.position=[MONO] }" >/dev/null &&
		pwfix_wait_for "$1"
}

# A plain (non-Bluetooth) sink, e.g. the vehicle speaker
pwfix_plain_sink() {
	pw-cli create-node adapter "{ factory.name=support.null-audio-sink node.name=$1 \
		node.description=$1 media.class=Audio/Sink object.linger=true session.suspend-timeout-seconds=0 \
		audio.position=[MONO] }" >/dev/null && pwfix_wait_for "$1"
}

pwfix_node_id() {
	pw-cli ls Node | awk -v n="node.name = \"$1\"" '
		/^[[:space:]]*id [0-9]+,/ { id = $2; sub(",", "", id) }
		index($0, n) { print id; exit }'
}

# The object.serial of node NAME (a pw-record --target that means this node
# only, not a later one of the same name).
pwfix_node_serial() {
	pw-cli ls Node | awk -v n="node.name = \"$1\"" '
		/^[[:space:]]*id [0-9]+,/ { serial = "" }
		/object.serial = / { serial = $3; gsub("\"", "", serial) }
		index($0, n) { print serial; exit }'
}

pwfix_destroy() {
	id=$(pwfix_node_id "$1")
	[ -n "$id" ] && pw-cli destroy "$id" >/dev/null
}

# Record what is played to sink NAME (its monitor) as raw S16LE 16 kHz mono into FILE.
pwfix_record_sink() {
	pwfix_bg pw-record --target "$1" -P '{ stream.capture.sink=true node.name=pwfix-rec }' \
		--rate 16000 --channels 1 --format s16 "$2"
	PWFIX_REC=$PWFIX_LAST
}

# Play FILE (wav) into the virtual source NAME. The session manager links
# playback streams to sinks only, so the link is made here, port to port.
pwfix_feed_source() {
	pwfix_bg pw-play -P '{ node.name=pwfix-feed node.autoconnect=false }' "$2"
	PWFIX_FEED=$PWFIX_LAST
	n=50
	until pw-link pwfix-feed:output_MONO "$1:input_MONO" 2>/dev/null; do
		n=$((n - 1))
		[ $n -gt 0 ] || { pwfix_log "cannot link pwfix-feed to $1"; return 1; }
		sleep 0.1
	done
}

# A stand-in Bluetooth headset (tests/audio/pw-bt-headset.c): one PipeWire
# device bluez_card.<ADDR_> with off / a2dp-sink / headset-head-unit profiles,
# whose nodes come and go with the profile as bluez5's do.
# pwfix_headset BINARY ADDRESS [--delay MS] [--refuse-hfp] [--no-hfp] [--profile NAME]
# Its log ($PWFIX_DIR/headset.log) has "switching NAME", "profile NAME", "refused NAME".
pwfix_headset() {
	pwfix_hs_bin=$1
	PWFIX_HS_ADDR=$2
	shift 2
	PWFIX_HS_UNDER=$(echo "$PWFIX_HS_ADDR" | tr ':' '_')
	: >"$PWFIX_DIR/headset.log"
	pwfix_bg "$pwfix_hs_bin" --address "$PWFIX_HS_ADDR" "$@" >>"$PWFIX_DIR/headset.log"
	PWFIX_HS=$PWFIX_LAST
	n=100
	until grep -q '^profile ' "$PWFIX_DIR/headset.log"; do
		n=$((n - 1))
		[ $n -gt 0 ] || { pwfix_log "headset did not start"; return 1; }
		sleep 0.1
	done
}

pwfix_headset_stop() {
	[ -n "${PWFIX_HS:-}" ] || return 0
	kill "$PWFIX_HS" 2>/dev/null || true
	wait "$PWFIX_HS" 2>/dev/null || true
	PWFIX_HS=""
}

# The headset's current profile (the last one it applied).
pwfix_headset_profile() {
	grep '^profile ' "$PWFIX_DIR/headset.log" | tail -n 1 | cut -d' ' -f2
}

# How many times the headset applied profile NAME.
pwfix_headset_count() {
	grep -c "^profile $1\$" "$PWFIX_DIR/headset.log" || true
}

# Wait until the headset's current profile is NAME (tenths of a second, default 100).
pwfix_headset_wait() {
	n=${2:-100}
	while [ "$n" -gt 0 ]; do
		[ "$(pwfix_headset_profile)" = "$1" ] && return 0
		sleep 0.1
		n=$((n - 1))
	done
	pwfix_log "headset is in $(pwfix_headset_profile), not $1"
	return 1
}

# The PipeWire id of the headset device.
pwfix_headset_device_id() {
	pw-cli ls Device | awk -v n="device.name = \"bluez_card.$PWFIX_HS_UNDER\"" '
		/^[[:space:]]*id [0-9]+,/ { id = $2; sub(",", "", id) }
		index($0, n) { print id; exit }'
}

# pwfix_fail MESSAGE...: print it and the tail of every *.out / *.err in PWFIX_DIR, exit 1
pwfix_fail() {
	echo "FAIL: $*"
	for f in "$PWFIX_DIR"/*.out "$PWFIX_DIR"/*.err; do
		[ -f "$f" ] || continue
		echo "---- $f (last 25 lines)"
		grep -v acquire_rt "$f" | tail -n 25
	done
	pwfix_san_report "$PWFIX_DIR"/*.out "$PWFIX_DIR"/*.err "$PWFIX_DIR"/*.log
	exit 1
}

# What ASan/LSan, UBSan and TSan print first in a report.
PWFIX_SAN_RE='ERROR: (Address|Leak)Sanitizer|runtime error:|WARNING: ThreadSanitizer|ERROR: ThreadSanitizer'

# pwfix_san_report FILE...: print each sanitizer report in the FILEs from its first line
# (at most 80 lines); status 0 if there was one.
pwfix_san_report() {
	_sr=1
	for _f in "$@"; do
		[ -f "$_f" ] || continue
		_l=$(grep -nE "$PWFIX_SAN_RE" "$_f" | head -n 1 | cut -d: -f1)
		[ -n "$_l" ] || continue
		echo "---- sanitizer report in $_f (line $_l)"
		tail -n +"$_l" "$_f" | head -n 80
		_sr=0
	done
	return $_sr
}

# pwfix_exit_status STATUS: "exit N", or "killed by SIGNAME" for a status over 128.
pwfix_exit_status() {
	if [ "$1" -gt 128 ]; then
		echo "killed by SIG$(kill -l $(($1 - 128)) 2>/dev/null || echo "$(($1 - 128))")"
	else
		echo "exit $1"
	fi
}

# pwfix_sane WHAT PID FILE...: after each attempt of a case that may be retried, before its
# recording is judged: a retry is only for an analyser-level miss (the recording's figure
# out of bounds). If PID (the process under test, "-" for none) is gone, or a FILE holds a
# sanitizer report, the test fails at once (pwfix_fail shows the reports of every file in
# PWFIX_DIR): never retried away.
pwfix_sane() {
	_what=$1 _pid=$2
	shift 2
	if [ "$_pid" != - ]; then
		case $(ps -o stat= -p "$_pid" 2>/dev/null) in
		'' | Z*)
			wait "$_pid" 2>/dev/null
			_rc=$?
			pwfix_fail "$_what: the process under test (pid $_pid) is gone," \
				"$(pwfix_exit_status $_rc) (never retried)"
			;;
		esac
	fi
	if grep -qE "$PWFIX_SAN_RE" "$@" 2>/dev/null; then
		pwfix_fail "$_what: sanitizer report (never retried)"
	fi
	return 0
}

# pwfix_inject_crash WHAT PID: for tests/audio/test-no-retry.sh only: with
# PTTGW_TEST_INJECT=crash, the first call sends PID a SIGSEGV (a crash in the first
# attempt); the test must then fail at once, not retry.
pwfix_inject_crash() {
	[ "${PTTGW_TEST_INJECT:-}" = crash ] && [ -z "${PWFIX_INJECTED:-}" ] || return 0
	PWFIX_INJECTED=1
	echo "PTTGW_TEST_INJECT=crash: SIGSEGV to $1 (pid $2)"
	kill -SEGV "$2"
}

# pwfix_free_port: a free TCP port on 127.0.0.1
pwfix_free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])'
}

# pwfix_stop_rec: end the recording pwfix_record_sink started (after 0.3 s more)
pwfix_stop_rec() { sleep 0.3; kill "$PWFIX_REC" 2>/dev/null; wait "$PWFIX_REC" 2>/dev/null; }
