# push-e2e-lib.sh - the whole chain on loopback for the push tests (sourced, POSIX sh):
# mosquitto, pttgw-relay (--mqtt, --push-key), pttgwd on a private D-Bus session bus,
# pttgwctl monitor, pttgw-dispatch as the remote talker; optionally a headless
# PipeWire (AUDIO=1) so that bursts are really played.
#
# Environment (from ctest): PTTGW_RELAY PTTGW_DISPATCH PTTGWD PTTGWCTL PUSH_SIGN
# MOSQUITTO_BIN MOSQUITTO_PUB_BIN MOSQUITTO_SUB_BIN PW_FIXTURE.
# Every process started here is killed on exit, also on failure (trap EXIT).
set -u
T=$(mktemp -d /tmp/pttgw-push-e2e.XXXXXX)
PIDS=""
AUDIO=${AUDIO:-1}
POLICY=${POLICY:-push-only}
UNAVAILABLE_AFTER=${UNAVAILABLE_AFTER:-60}

e2e_cleanup() {
	for p in $PIDS; do
		kill -CONT "$p" 2>/dev/null || true
		kill "$p" 2>/dev/null || true
	done
	sleep 0.3
	for p in $PIDS; do kill -9 "$p" 2>/dev/null || true; done
	[ "$AUDIO" = 1 ] && command -v pwfix_stop >/dev/null 2>&1 && pwfix_stop
	if [ "${KEEP_TMP:-0}" = 1 ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap e2e_cleanup EXIT
trap 'exit 1' INT TERM HUP

fail() {
	echo "FAIL: $*"
	for f in "$T"/*.out "$T"/*.err "$T"/*.log; do
		[ -f "$f" ] || continue
		echo "---- $f (last 30 lines)"
		tail -n 30 "$f"
	done
	exit 1
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

port_open() {
	python3 -c "import socket; s=socket.socket(); s.settimeout(0.2); s.connect(('127.0.0.1', $1))" \
		2>/dev/null
}

wait_port() {
	_i=0
	while ! port_open "$1"; do
		_i=$((_i + 1))
		[ $_i -gt 100 ] && fail "nothing listens on port $1"
		sleep 0.05
	done
}

secret() {
	printf '%s\n' "$2" > "$1"
	chmod 600 "$1"
}

# ---- broker -----------------------------------------------------------------

MQTT_PORT=$(free_port)
MQTT_PID=
start_broker() {
	cat > "$T/mosquitto.conf" <<CONF
user $(id -un)
listener $MQTT_PORT 127.0.0.1
allow_anonymous true
persistence false
log_dest file $T/mosquitto.log
CONF
	"$MOSQUITTO_BIN" -c "$T/mosquitto.conf" > /dev/null 2>&1 &
	MQTT_PID=$!
	PIDS="$PIDS $MQTT_PID"
	wait_port "$MQTT_PORT"
}
stop_broker() {
	kill "$MQTT_PID" 2>/dev/null
	wait "$MQTT_PID" 2>/dev/null || true
}

# ---- relay ------------------------------------------------------------------

RELAY_PORT=$(free_port)
RELAY_PID=
RELAY_URL="ws://127.0.0.1:$RELAY_PORT/"
secret "$T/gw.key" "$(openssl rand -hex 32)"
start_relay() {
	"$PTTGW_RELAY" --listen "127.0.0.1:$RELAY_PORT" -u gw:pw-gw -u disp:pw-disp -C ops \
		--mqtt "127.0.0.1:$MQTT_PORT" --push-key "gw:$T/gw.key" \
		>> "$T/relay.out" 2>> "$T/relay.err" &
	RELAY_PID=$!
	PIDS="$PIDS $RELAY_PID"
	wait_port "$RELAY_PORT"
}
stop_relay() {
	kill "$RELAY_PID" 2>/dev/null
	wait "$RELAY_PID" 2>/dev/null || true
}

# ---- gateway ----------------------------------------------------------------

GW_PID=
MON_PID=
start_bus() {
	dbus-daemon --session --fork --print-address=3 --print-pid=4 3> "$T/bus.addr" \
		4> "$T/bus.pid" || fail "no dbus-daemon"
	DBUS_SESSION_BUS_ADDRESS=$(cat "$T/bus.addr")
	export DBUS_SESSION_BUS_ADDRESS
	PIDS="$PIDS $(cat "$T/bus.pid")"
}

start_audio() {
	[ "$AUDIO" = 1 ] || return 0
	. "$PW_FIXTURE"
	pwfix_start || fail "no headless PipeWire"
	# pwfix_start installs its own EXIT trap: ours must still run
	trap 'e2e_cleanup' EXIT
	pwfix_plain_sink pttgw-test-speaker || fail "no stand-in speaker"
}

gateway_conf() {
	secret "$T/gw.cred" "pw-gw"
	{
		echo "[general]"
		echo "name = push-e2e"
		echo "unavailable-after = $UNAVAILABLE_AFTER"
		[ "$AUDIO" = 1 ] || echo "audio = false"
		echo "[upstream]"
		echo "url = $RELAY_URL"
		echo "channel = ops"
		echo "username = gw"
		echo "credentials-file = $T/gw.cred"
		echo "policy = $POLICY"
		echo "heartbeat-interval = 1"
		echo "backoff-base = 0.1"
		echo "backoff-cap = 1"
		echo "[push]"
		echo "broker = 127.0.0.1:$MQTT_PORT"
		echo "key-file = $T/gw.key"
		echo "client-id = pttgw-e2e-$$"
		echo "state-dir = $T/state"
		echo "backoff-base = 0.1"
		echo "backoff-cap = 1"
		echo "keepalive = 5"
	} > "$T/gw.conf"
}

start_gateway() {
	gateway_conf
	"$PTTGWD" --session-bus --config "$T/gw.conf" > "$T/gw.out" 2> "$T/gw.err" &
	GW_PID=$!
	PIDS="$PIDS $GW_PID"
	_i=0
	until ctl status > /dev/null 2>&1; do
		_i=$((_i + 1))
		[ $_i -gt 100 ] && fail "pttgwd does not answer"
		sleep 0.05
	done
	# appended: a restarted gateway's events follow the first one's
	"$PTTGWCTL" --session-bus monitor --json >> "$T/monitor.out" 2>> "$T/monitor.err" &
	MON_PID=$!
	PIDS="$PIDS $MON_PID"
	sleep 0.2
}

stop_gateway() {
	kill "$GW_PID" 2>/dev/null
	wait "$GW_PID" 2>/dev/null
	_rc=$?
	kill "$MON_PID" 2>/dev/null
	wait "$MON_PID" 2>/dev/null
	grep -q 'ERROR: \(Address\|Leak\)Sanitizer\|runtime error:' "$T/gw.err" &&
		fail "pttgwd: sanitizer report"
	[ "$_rc" = 0 ] || fail "pttgwd exited with status $_rc"
}

ctl() {
	"$PTTGWCTL" --session-bus "$@"
}

# st EXPR: a value from `pttgwctl status --json`, EXPR in Python over d
st() {
	_o=
	for _try in 1 2 3; do
		_o=$(ctl status --json 2>/dev/null) && [ -n "$_o" ] && break
		sleep 0.2
	done
	printf '%s' "$_o" | python3 -c '
import json, sys
d = json.load(sys.stdin)
v = eval(sys.argv[1])
print(json.dumps(v) if isinstance(v, (dict, list)) else v)' "$1"
}

# wait_st EXPR VALUE SECONDS
wait_st() {
	_end=$(( $(date +%s) + $3 ))
	while [ "$(st "$1")" != "$2" ]; do
		[ "$(date +%s)" -ge "$_end" ] && return 1
		sleep 0.1
	done
	return 0
}

# ---- remote talker ----------------------------------------------------------

# dispatch ARGS...: pttgw-dispatch as user disp on channel ops
dispatch() {
	timeout 300 "$PTTGW_DISPATCH" -U "$RELAY_URL" -u disp:pw-disp -C ops "$@"
}

# the streams dispatch runs sent (their output files): "STREAM PACKETS" per line
sent_streams() {
	sed -n 's/.*sent burst [0-9]*: stream \([0-9]*\), \([0-9]*\) packets.*/\1 \2/p' "$@"
}

# ---- monitor events ---------------------------------------------------------

# events TYPE: the monitor's events of TYPE, one JSON object per line
events() {
	grep "\"type\":\"$1\"" "$T/monitor.out" 2>/dev/null || true
}

count_events() {
	events "$1" | grep -c . || true
}

# wait_events TYPE N SECONDS
wait_events() {
	_end=$(( $(date +%s) + $3 ))
	while [ "$(count_events "$1")" -lt "$2" ]; do
		[ "$(date +%s)" -ge "$_end" ] && return 1
		sleep 0.2
	done
	return 0
}

publish() {
	"$MOSQUITTO_PUB_BIN" -h 127.0.0.1 -p "$MQTT_PORT" -q 1 -t pttgw/gw -m "$1"
}
