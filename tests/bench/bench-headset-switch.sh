#!/bin/sh
# bench-headset-switch.sh - how long the headset's profile switch takes through pttgwd.
# A stand-in headset (tests/audio/pw-bt-headset, --delay DELAY ms, default 300: the
# modelled Bluetooth set-up time) under a headless PipeWire + WirePlumber, pttgwd with
# hfp-policy = on-talk and hfp-hangover = 0, a local pttgw-relay. SWITCHES (default 20)
# times: a press (A2DP -> HFP: from the Profile request to the HFP sink and source
# present, the daemon's "headset hfp" event) and a release (HFP -> A2DP: from the
# request to the A2DP sink present, "headset a2dp"). Prints median, p90 and max of each,
# and the press-to-capture-active time. Not a test: figures only.
# Run, with a build dir B:
#   B=build; sh tests/bench/bench-headset-switch.sh $B/src/daemon/pttgwd \
#     $B/src/ctl/pttgwctl $B/src/relay/pttgw-relay $B/tests/audio/pw-bt-headset
set -u
PTTGWD=$1
PTTGWCTL=$2
RELAY=$3
HEADSET=$4
SWITCHES=${SWITCHES:-20}
DELAY=${DELAY:-300}
. "$(dirname "$0")/../audio/pw-fixture.sh"
BT=00:11:22:33:44:55

fail() { echo "bench-headset-switch: $*" >&2; exit 1; }
ctl() { timeout 20 "$PTTGWCTL" --session-bus "$@"; }
count() { grep -c "\"state\":\"$1\"" "$PWFIX_DIR/monitor.out" || true; }
wait_count() { # STATE N
	n=100
	while [ "$(count "$1")" -lt "$2" ]; do
		n=$((n - 1)); [ $n -gt 0 ] || fail "no headset $1 event"; sleep 0.05
	done
}

pwfix_start || fail "fixture"
pwfix_headset "$HEADSET" $BT --delay "$DELAY" || fail "headset"
pwfix_headset_wait a2dp-sink || fail "headset not in A2DP"
pwfix_bg dbus-daemon --session --nofork --print-address=3 3>"$PWFIX_DIR/bus.addr" \
	2>/dev/null
n=0
while [ ! -s "$PWFIX_DIR/bus.addr" ]; do
	n=$((n + 1)); [ $n -gt 100 ] && fail "no session bus"; sleep 0.05
done
DBUS_SESSION_BUS_ADDRESS=$(head -n1 "$PWFIX_DIR/bus.addr")
export DBUS_SESSION_BUS_ADDRESS
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
pwfix_bg "$RELAY" --listen "127.0.0.1:$port" --channel test --user gw1:pw-gw1 \
	>/dev/null 2>&1
printf 'pw-gw1\n' >"$PWFIX_DIR/gw1.cred"
chmod 600 "$PWFIX_DIR/gw1.cred"
cat >"$PWFIX_DIR/gw.conf" <<CONF
[upstream]
url = ws://127.0.0.1:$port/
channel = test
username = gw1
credentials-file = $PWFIX_DIR/gw1.cred
[audio]
headset = $BT
hfp-hangover = 0
cues = false
CONF
pwfix_bg "$PTTGWD" --session-bus --config "$PWFIX_DIR/gw.conf" >/dev/null 2>&1
n=0
while ! ctl status 2>/dev/null | grep -Eq '^Link: +connected'; do
	n=$((n + 1)); [ $n -gt 100 ] && fail "pttgwd's link did not come up"; sleep 0.1
done
pwfix_bg "$PTTGWCTL" --session-bus monitor --json >"$PWFIX_DIR/monitor.out" 2>/dev/null
sleep 0.5

i=0
while [ $i -lt "$SWITCHES" ]; do
	i=$((i + 1))
	ctl press --wait >/dev/null 2>&1 || fail "press $i not granted"
	wait_count hfp $i
	sleep 0.3
	ctl release >/dev/null 2>&1 || fail "release $i refused"
	wait_count a2dp $i
	sleep 0.3
done

python3 - "$PWFIX_DIR/monitor.out" "$SWITCHES" "$DELAY" <<'PY'
import json, statistics, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
def figs(name, xs):
    xs = sorted(xs)
    if not xs:
        print(f"{name}: no samples"); return
    p90 = xs[min(len(xs) - 1, int(round(0.9 * (len(xs) - 1))))]
    print(f"{name}: n={len(xs)} median={statistics.median(xs):.1f} ms p90={p90:.1f} ms max={xs[-1]:.1f} ms")
hfp = [e["switch_ms"] for e in ev if e.get("type") == "headset" and e.get("state") == "hfp"]
a2dp = [e["switch_ms"] for e in ev if e.get("type") == "headset" and e.get("state") == "a2dp"]
# press (floor requesting) to capture active, per press
cap, t0 = [], None
for e in ev:
    if e.get("type") == "floor" and e.get("to") == "requesting":
        t0 = e["ts"]
    elif t0 and e.get("type") == "audio" and e.get("direction") == "capture" and e.get("state") == "active":
        cap.append((e["ts"] - t0) / 1e3); t0 = None
print(f"headset profile switch, {sys.argv[2]} switches, modelled set-up delay {sys.argv[3]} ms")
figs("A2DP -> HFP (request to HFP sink+source present)", hfp)
figs("HFP -> A2DP (request to A2DP sink present)", a2dp)
figs("press -> capture active (bluez_input delivers)", cap)
PY
