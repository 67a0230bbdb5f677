#!/bin/sh
# The real gateway (pttgwd, on a private session bus) against the relay, seen
# through pttgwctl: link connected; press -> granted; the relay killed ->
# "backoff" with the last error; back -> connected; the relay frozen ->
# "dead link" within 2.5 x heartbeat; a dispatcher's burst -> the talker shows.
. "$(dirname "$0")/test-uplink-lib.sh"

session_bus

port=$(free_port)
start_relay "$port"
gateway_conf "$T/gw.conf" "$port" gw1
"$PTTGWD" --session-bus --config "$T/gw.conf" > "$T/pttgwd.out" 2> "$T/pttgwd.err" &
GWD=$!
PIDS="$PIDS $GWD"
link_is connected 10 || fail "pttgwd's link did not come up: $(cat "$T/status.txt")"
echo "up: $(grep '^Link:' "$T/status.txt")"

ctl press --wait > "$T/press.out" 2>&1 || fail "press not granted: $(cat "$T/press.out")"
ctl release > /dev/null 2>&1 || fail "release refused"
echo "press: $(cat "$T/press.out")"

"$PTTGW_DISPATCH" -U "ws://127.0.0.1:$port" -u disp:pw-disp -C test --tone 440 -s 2 -n 1 \
	--timeout 30 > "$T/disp.out" 2> "$T/disp.err" &
DISP=$!
PIDS="$PIDS $DISP"
end=$(( $(date +%s) + 10 ))
while ! ctl status 2>/dev/null | grep -Eq '^Talker: +disp'; do
	[ "$(date +%s)" -ge "$end" ] && fail "the dispatcher's burst did not show as the talker"
	sleep 0.1
done
echo "receiving: talker disp"
wait "$DISP" || fail "pttgw-dispatch failed"

kill -9 "$RELAY_PID"
wait "$RELAY_PID" 2>/dev/null
link_is "backoff" 5 || fail "relay killed: link not in backoff: $(cat "$T/status.txt")"
echo "relay killed: $(grep '^Link:' "$T/status.txt")"
start_relay "$port"
link_is connected 5 || fail "relay back: link not connected: $(cat "$T/status.txt")"

kill -STOP "$RELAY_PID"
t0=$(date +%s%3N)
link_is "(backoff|connecting)" 10 || fail "frozen relay: link still $(grep '^Link:' "$T/status.txt")"
t1=$(date +%s%3N)
echo "relay frozen: '$(grep '^Link:' "$T/status.txt")' after $((t1 - t0)) ms (2.5 x 1 s + status polling)"
ctl status --json > "$T/status.json" 2>&1
python3 -c 'import json,sys; e=json.load(open(sys.argv[1]))["upstream"]["last_error"] or ""
sys.exit(0 if e.startswith("dead link") else 1)' "$T/status.json" ||
	fail "status: upstream.last_error does not name the dead link: $(cat "$T/status.json")"
kill -CONT "$RELAY_PID"
link_is connected 10 || fail "relay thawed: link not connected"

kill "$GWD"
rc=0
wait "$GWD" || rc=$?
[ $rc = 0 ] || fail "pttgwd exited with $rc"
grep -q 'ERROR: \(Address\|Leak\)Sanitizer\|runtime error:' "$T/pttgwd.err" && fail "sanitizer report"
echo "PASS: pttgwd's link: up, press, receive, relay killed and frozen, recovered"
