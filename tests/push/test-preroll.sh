#!/bin/bash
# Talk while reconnecting: the user presses while the link is down and the
# server answers late (the relay is frozen for 0.8 s at the press). The audio
# captured before the grant must reach the relay first, in order, then the
# live audio: the dispatcher hears 600 Hz (the first 0.5 s) and then 1200 Hz,
# about 2 s in all, nothing lost. The headset is pw-bt-headset: the press
# switches it to HFP, whose microphone says 600 Hz until 0.5 s after it opened,
# then 1200 Hz.
set -u
SRC=${1:?source dir} B=${2:?build dir}
PTTGWD=$B/src/daemon/pttgwd CTL=$B/src/ctl/pttgwctl
RELAY=$B/src/relay/pttgw-relay DISPATCH=$B/src/relay/pttgw-dispatch
work=$(mktemp -d /tmp/pttgw-preroll.XXXXXX)
pids=""
bg() { "$@" & pids="$pids $!"; }
. "$SRC/tests/audio/pw-fixture.sh"
pwfix_start || { echo "PipeWire did not start"; exit 1; }
cleanup() {
	kill -CONT $relay_pid 2>/dev/null
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	[ -n "${dbus_pid:-}" ] && kill "$dbus_pid" 2>/dev/null
	pwfix_stop
	rm -rf "$work"
}
trap cleanup EXIT
fails=0
check() { if eval "$2"; then echo "ok - $1"; else echo "FAIL - $1"; fails=$((fails + 1)); fi; }
free_port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

HS=AA:BB:CC:00:11:33
pwfix_headset "$B/tests/audio/pw-bt-headset" $HS --mic-freq 600,1200 &&
	pwfix_headset_wait a2dp-sink || exit 1
port=$(free_port)
echo pw1 > "$work/password"; chmod 600 "$work/password"
bg "$RELAY" --listen 127.0.0.1:$port --user gw:pw1 --user desk:pw2 --channel ops > "$work/relay.log" 2>&1
relay_pid=$!
cat > "$work/gw.conf" <<CONF
[upstream]
url = ws://127.0.0.1:$port/
channel = ops
username = gw
credentials-file = $work/password
policy = idle-drop
idle-drop-after = 1
[floor]
connect-timeout = 5
[audio]
headset = $HS
CONF
dbus-daemon --session --fork --print-address=1 --print-pid=1 > "$work/bus"
export DBUS_SESSION_BUS_ADDRESS=$(sed -n 1p "$work/bus") PTTGW_BUS=session
dbus_pid=$(sed -n 2p "$work/bus")
bg "$PTTGWD" --config "$work/gw.conf" --verbose > "$work/pttgwd.log" 2>&1
for _ in $(seq 50); do "$CTL" status >/dev/null 2>&1 && break; sleep 0.1; done
bg "$CTL" monitor --json > "$work/events.jsonl"

link() { "$CTL" status --json | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["link"])'; }
for _ in $(seq 100); do [ "$(link)" = disconnected ] && break; sleep 0.1; done
check "the link is down before the press (idle-drop)" '[ "$(link)" = disconnected ]'

bg "$DISPATCH" -U ws://127.0.0.1:$port -u desk:pw2 -C ops --record "$work/heard.wav" --expect 1 \
	--timeout 30 -q > "$work/dispatch.log" 2>&1
rec=$!
sleep 1 # the dispatcher is logged on; the gateway's link has dropped again
for _ in $(seq 100); do [ "$(link)" = disconnected ] && break; sleep 0.1; done

kill -STOP $relay_pid            # the server will answer late
"$CTL" press --source test > /dev/null
# the first syllable (600 Hz) lasts 0.5 s from the moment the microphone opens
( for _ in $(seq 250); do
	grep -q 'capturing from bluez_input' "$work/events.jsonl" && break; sleep 0.02
  done
  sleep 0.5; kill -USR1 "$PWFIX_HS" ) &
syllable=$!
sleep 0.8
kill -CONT $relay_pid
sleep 1.5
"$CTL" release --source test
wait $syllable
wait $rec 2>/dev/null
sleep 0.3

/usr/bin/python3 - "$work/events.jsonl" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
p = next(e for e in ev if e["type"] == "floor" and e["to"] == "requesting")
g = next(e for e in ev if e["type"] == "outcome")
print("press -> %s after %.0f ms (link down, server frozen 800 ms)" % (g["outcome"], (g["ts"] - p["ts"]) / 1000))
PY
grep -E "pre-roll" "$work/pttgwd.log" | tail -1
# the frequency of a stretch (START LENGTH, seconds): audio-analyse's zero crossings
# (sox's "rough frequency" reads a near full-scale tone, as the headset's microphone
# gives, several per cent high)
seg() {
	sox "$work/heard.wav" -t raw -r 16000 -e signed -b 16 -c 1 "$work/seg.raw" trim "$1" "$2" &&
		"$B/tests/audio/audio-analyse" "$work/seg.raw" | sed -n 's/^freq=\([0-9.]*\).*/\1/p'
}
len=$(soxi -D "$work/heard.wav" 2>/dev/null || echo 0)
f0=$(seg 0.05 0.3) f1=$(seg 1.0 0.5)
echo "dispatcher heard ${len} s: ${f0} Hz at the start, ${f1} Hz later"
near() { awk -v f="$1" -v w="$2" 'BEGIN { exit !(f > w * 0.97 && f < w * 1.03) }'; }
check "the press was granted late" "grep -q '\"outcome\":\"granted\"' '$work/events.jsonl'"
check "the first audio the dispatcher hears is the first syllable (600 Hz)" "near '${f0:-0}' 600"
check "live audio follows in order (1200 Hz)" "near '${f1:-0}' 1200"
check "the press switched the headset to HFP" "grep -q '^profile headset-head-unit$' '$PWFIX_DIR/headset.log'"
check "nothing lost: at least 1.8 s heard" "awk -v l='$len' 'BEGIN { exit !(l >= 1.8) }'"
[ $fails -eq 0 ] || { tail -20 "$work/pttgwd.log"; cat "$work/dispatch.log"; }
echo "preroll: $((5 - fails)) passed, $fails failed"
[ $fails -eq 0 ]
