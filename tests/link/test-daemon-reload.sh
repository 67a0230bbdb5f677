#!/bin/sh
# pttgwd reloads its configuration (pttgwctl reload, SIGHUP) against the relay, on a
# private session bus:
#   - during a dispatcher's burst: "pending", then applied once the floor is idle; every
#     packet of the burst was received and played (packets_received = the packets sent,
#     packets_not_playing = 0), and the changed [upstream] reconnected exactly once
#     (the relay's logons for gw1: 1 -> 2);
#   - [general] changed, [upstream] equal: applied at once, the link kept (logons stay 2);
#   - a file that does not load: refused with InvalidConfig naming the key, the running
#     configuration kept (name unchanged, link kept), the error in the status;
#   - SIGHUP with a good file: applied (the reload count goes up).
. "$(dirname "$0")/test-uplink-lib.sh"

session_bus
status_json() { ctl status --json > "$T/status.json" 2>&1; }
jget() { # jget PYTHON-EXPR: a value of the last status --json
	python3 -c "import json,sys; s=json.load(open(sys.argv[1])); print($1)" "$T/status.json"
}
logons() { count "$T/relay.err" 'gw1 logged on'; }

port=$(free_port)
start_relay "$port"
HEARTBEAT=1 gateway_conf "$T/gw.conf" "$port" gw1 "[general]" "name = first" "audio = false"
"$PTTGWD" --session-bus --config "$T/gw.conf" > "$T/pttgwd.out" 2> "$T/pttgwd.err" &
GWD=$!
PIDS="$PIDS $GWD"
link_is connected 10 || fail "pttgwd's link did not come up: $(cat "$T/status.txt")"
[ "$(logons)" = 1 ] || fail "logons at start: $(logons), want 1"
ctl monitor --json > "$T/monitor.out" 2>&1 &
PIDS="$PIDS $!"

# --- 1. a reload during a burst, [upstream] changed -------------------------------------------
"$PTTGW_DISPATCH" -U "ws://127.0.0.1:$port" -u disp:pw-disp -C test --tone 440 -s 3 -n 1 \
	--timeout 30 > "$T/disp.out" 2> "$T/disp.err" &
DISP=$!
PIDS="$PIDS $DISP"
end=$(( $(date +%s) + 10 ))
while ! ctl status 2>/dev/null | grep -Eq '^Talker: +disp'; do
	[ "$(date +%s)" -ge "$end" ] && fail "the dispatcher's burst did not show as the talker"
	sleep 0.1
done
HEARTBEAT=2 gateway_conf "$T/gw.conf" "$port" gw1 "[general]" "name = first" "audio = false"
ctl reload > "$T/reload1.out" 2>&1 || fail "reload during the burst refused: $(cat "$T/reload1.out")"
grep -q 'applied when the floor is idle' "$T/reload1.out" ||
	fail "reload during the burst was not left pending: $(cat "$T/reload1.out")"
status_json
[ "$(jget 's["reload"]["pending"]')" = True ] || fail "status: reload not pending during the burst"
echo "during the burst: $(cat "$T/reload1.out")"
wait "$DISP" || fail "pttgw-dispatch failed: $(cat "$T/disp.err")"
sent=$(sed -n 's/^sent burst 1: stream [0-9]*, \([0-9]*\) packets.*/\1/p' "$T/disp.out")
[ -n "$sent" ] || fail "no 'sent burst 1' line from pttgw-dispatch: $(cat "$T/disp.out")"
end=$(( $(date +%s) + 10 ))
while status_json && [ "$(jget 's["reload"]["count"]')" != 1 ]; do
	[ "$(date +%s)" -ge "$end" ] && fail "the pending reload was not applied after the burst"
	sleep 0.1
done
link_is connected 10 || fail "link not back after the [upstream] change"
status_json
received=$(jget 's["counters"]["packets_received"]')
not_playing=$(jget 's["counters"]["packets_not_playing"]')
echo "burst: $sent packets sent, $received received, $not_playing not playing;" \
	"changed: $(jget 's["reload"]["changed"]'); logons $(logons)"
[ "$received" = "$sent" ] || fail "packets received $received, sent $sent"
[ "$not_playing" = 0 ] || fail "$not_playing packets of the burst were not played"
[ "$(jget 's["reload"]["changed"]')" = upstream ] || fail "changed groups: want upstream"
sleep 1.5 # a second reconnection would show by now (backoff-base 0.1 s)
[ "$(logons)" = 2 ] || fail "logons after the [upstream] change: $(logons), want 2 (one reconnect)"

# --- 2. [general] changed, [upstream] equal: the link stays --------------------------------
HEARTBEAT=2 gateway_conf "$T/gw.conf" "$port" gw1 "[general]" "name = second" "audio = false"
ctl reload > "$T/reload2.out" 2>&1 || fail "reload refused: $(cat "$T/reload2.out")"
grep -q 'configuration applied' "$T/reload2.out" || fail "not applied: $(cat "$T/reload2.out")"
status_json
[ "$(jget 's["name"]')" = second ] || fail "name after the reload: $(jget 's["name"]')"
[ "$(jget 's["link"]')" = connected ] || fail "link after a [general] change: $(jget 's["link"]')"
sleep 1
[ "$(logons)" = 2 ] || fail "logons after a [general] change: $(logons), want 2 (link kept)"
echo "[general] changed: name $(jget 's["name"]'), link $(jget 's["link"]'), logons $(logons)"

# --- 3. a file that does not load: refused, the running configuration kept -------------------
cp "$T/gw.conf" "$T/gw.conf.good"
HEARTBEAT=2 gateway_conf "$T/gw.conf" "$port" gw1 "[general]" "name = third" "audio = false" \
	"[floor]" "max-talk = banana"
rc=0
ctl reload > "$T/reload3.out" 2>&1 || rc=$?
[ "$rc" = 1 ] || fail "a bad file: pttgwctl reload exit $rc, want 1: $(cat "$T/reload3.out")"
grep -q 'InvalidConfig' "$T/reload3.out" && grep -q 'max-talk' "$T/reload3.out" ||
	fail "the answer does not name the error and the key: $(cat "$T/reload3.out")"
status_json
[ "$(jget 's["name"]')" = second ] || fail "a bad file changed the name to $(jget 's["name"]')"
case $(jget 's["reload"]["error"]') in *max-talk*) ;; *) fail "status: no reload error";; esac
[ "$(jget 's["link"]')" = connected ] || fail "a bad file: link $(jget 's["link"]')"
[ "$(logons)" = 2 ] || fail "a bad file: logons $(logons), want 2"
echo "bad file: $(cat "$T/reload3.out")"

# --- 4. SIGHUP ------------------------------------------------------------------------------
cp "$T/gw.conf.good" "$T/gw.conf"
kill -HUP "$GWD"
end=$(( $(date +%s) + 5 ))
while status_json && [ "$(jget 's["reload"]["count"]')" != 3 ]; do
	[ "$(date +%s)" -ge "$end" ] && fail "SIGHUP: reload count $(jget 's["reload"]["count"]'), want 3"
	sleep 0.1
done
[ "$(jget 's["reload"]["error"]')" = None ] || fail "SIGHUP: error $(jget 's["reload"]["error"]')"
grep -q '"type":"reload","result":"applied"' "$T/monitor.out" || fail "no reload event on the monitor"

kill "$GWD"
rc=0
wait "$GWD" || rc=$?
[ $rc = 0 ] || fail "pttgwd exited with $rc"
grep -q 'ERROR: \(Address\|Leak\)Sanitizer\|runtime error:' "$T/pttgwd.err" && fail "sanitizer report"
echo "PASS: reload: pending during a burst (no packet lost, one reconnect), link kept, bad file refused, SIGHUP"
