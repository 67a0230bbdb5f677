# Helpers for the uplink shell tests (sourced). POSIX sh.
# Every process started here is killed on exit, also on failure.
set -u
T=$(mktemp -d /tmp/pttgw-uplink-test.XXXXXX)
PIDS=""
cleanup() {
	for p in $PIDS; do
		kill -CONT "$p" 2>/dev/null || true
		kill "$p" 2>/dev/null || true
	done
	sleep 0.2
	for p in $PIDS; do kill -9 "$p" 2>/dev/null || true; done
	if [ "${KEEP_TMP:-0}" = 1 ]; then echo "kept $T"; else rm -rf "$T"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

fail() {
	echo "FAIL: $*"
	for f in "$T"/*.out "$T"/*.err; do
		[ -f "$f" ] || continue
		echo "---- $f (last 40 lines)"
		tail -n 40 "$f"
	done
	exit 1
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_for FILE REGEX SECONDS: wait until a line of FILE matches
wait_for() {
	_end=$(( $(date +%s) + $3 ))
	while ! grep -Eq "$2" "$1" 2>/dev/null; do
		[ "$(date +%s)" -ge "$_end" ] && return 1
		sleep 0.05
	done
	return 0
}

# count FILE REGEX
count() {
	grep -Ec "$2" "$1" 2>/dev/null || true
}

# make_secret FILE CONTENT: a file only we can read
make_secret() {
	printf '%s\n' "$2" > "$1"
	chmod 600 "$1"
}

# gateway_conf FILE PORT USER [extra lines...]
gateway_conf() {
	_f=$1; _port=$2; _user=$3; shift 3
	make_secret "$T/$_user.cred" "pw-$_user"
	{
		echo "[upstream]"
		echo "url = ws://127.0.0.1:$_port/"
		echo "channel = test"
		echo "username = $_user"
		echo "credentials-file = $T/$_user.cred"
		echo "heartbeat-interval = ${HEARTBEAT:-1}"
		echo "backoff-base = ${BACKOFF_BASE:-0.1}"
		echo "backoff-cap = ${BACKOFF_CAP:-1}"
		for l in "$@"; do echo "$l"; done
	} > "$_f"
}

# start_gateway NAME CONF: uplink-drive with stdin on fd from a FIFO;
# commands with `say NAME command`.
start_gateway() {
	mkfifo "$T/$1.in"
	"$UPLINK_DRIVE" --config "$2" ${DRIVE_ARGS:-} < "$T/$1.in" > "$T/$1.out" 2> "$T/$1.err" &
	_pid=$!
	PIDS="$PIDS $_pid"
	eval "GW_PID_$1=$_pid"
	# keep the FIFO open for writing (fd per gateway)
	eval "exec $(gw_fd "$1")>\"$T/$1.in\""
}

gw_fd() {
	case $1 in
	gw1) echo 7 ;; gw2) echo 8 ;; gw3) echo 6 ;; *) echo 5 ;;
	esac
}

say() {
	_fd=$(gw_fd "$1")
	shift
	eval "echo \"\$*\" >&$_fd"
}

# start_relay PORT [args...]: sets RELAY_PID
start_relay() {
	_port=$1; shift
	"$PTTGW_RELAY" --listen "127.0.0.1:$_port" --channel test \
		--user gw1:pw-gw1 --user gw2:pw-gw2 --user gw3:pw-gw3 --user disp:pw-disp "$@" \
		>> "$T/relay.out" 2>> "$T/relay.err" &
	RELAY_PID=$!
	PIDS="$PIDS $RELAY_PID"
	# wait until it listens
	_i=0
	while ! python3 -c "import socket,sys; s=socket.socket(); s.settimeout(0.2); s.connect(('127.0.0.1', $_port))" 2>/dev/null; do
		_i=$((_i + 1))
		[ $_i -gt 100 ] && fail "relay does not listen on $_port"
		sleep 0.05
	done
}

# finish_gateway NAME: quit, wait, and insist on exit status 0 (ASan/LSan
# report through it)
finish_gateway() {
	say "$1" quit
	eval "_pid=\$GW_PID_$1"
	_rc=0
	wait "$_pid" || _rc=$?
	[ "$_rc" = 0 ] || fail "$1 exited with status $_rc"
	grep -q 'ERROR: \(Address\|Leak\)Sanitizer\|runtime error:' "$T/$1.err" &&
		fail "$1: sanitizer report"
	return 0
}

# wait_count FILE REGEX N SECONDS: wait until at least N lines match
wait_count() {
	_end=$(( $(date +%s) + $4 ))
	while [ "$(count "$1" "$2")" -lt "$3" ]; do
		[ "$(date +%s)" -ge "$_end" ] && return 1
		sleep 0.02
	done
	return 0
}

# session_bus: a private dbus-daemon --session for pttgwd and pttgwctl (killed at
# exit), exported as DBUS_SESSION_BUS_ADDRESS
session_bus() {
	dbus-daemon --session --nofork --print-address=3 3> "$T/bus.addr" 2> "$T/dbus.err" &
	PIDS="$PIDS $!"
	_i=0
	while [ ! -s "$T/bus.addr" ]; do
		_i=$((_i + 1)); [ $_i -gt 100 ] && fail "no session bus"; sleep 0.05
	done
	DBUS_SESSION_BUS_ADDRESS=$(head -n1 "$T/bus.addr")
	export DBUS_SESSION_BUS_ADDRESS
}

ctl() { "$PTTGWCTL" --session-bus "$@"; }

# status_has REGEX SECONDS: wait until a line of `pttgwctl status` matches
status_has() {
	_end=$(( $(date +%s) + $2 ))
	while ! ctl status > "$T/status.txt" 2>&1 || ! grep -Eq "$1" "$T/status.txt"; do
		[ "$(date +%s)" -ge "$_end" ] && return 1
		sleep 0.1
	done
	return 0
}

# link_is REGEX SECONDS: wait until the status's Link line matches
link_is() { status_has "^Link: +$1" "$2"; }
