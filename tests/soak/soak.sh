#!/bin/sh
# soak.sh - the soak under faults (label soak): the whole chain on loopback for a
# few minutes, with random faults. This wrapper starts what the driver needs from
# the shell side: a headless PipeWire + WirePlumber (tests/audio/pw-fixture.sh)
# with a stand-in headset, and a private dbus-daemon --session. soak.py starts
# mosquitto, pttgw-relay and pttgwd itself (it kills and restarts them), drives
# the presses over D-Bus and the remote bursts with pttgw-dispatch, injects the
# faults and checks the accounting at the end.
#
# Environment (from ctest): PTTGWD PTTGW_RELAY PTTGW_DISPATCH PUSH_SIGN
# MOSQUITTO_BIN MOSQUITTO_PUB_BIN MOSQUITTO_SUB_BIN PW_FIXTURE PW_BT_HEADSET SOAK_PY.
# Knobs: SOAK_SEED (reproduce a run), SOAK_CYCLES (10000), SOAK_BURSTS (2000),
# SOAK_SECONDS (time budget of the driving phase, 1100; it stops once both counts are reached,
# and a count short of its target when the budget runs out fails the soak), SOAK_KEEP=1 keeps the temp dir,
# SOAK_FAULTS=0 (no faults), SOAK_STRICT=1 (a burst discarded because it ended before
# playback was active fails too), SOAK_AUDIO=0 (no audio bridge: what the audio path costs),
# SOAK_FAST_SHARE, SOAK_BURST_SECONDS, SOAK_PRESS_PHASE, SOAK_BURST_WINDOW (see soak.py).
set -u
T=$(mktemp -d /tmp/pttgw-soak.XXXXXX)
DBUS_PID=
soak_cleanup() {
	[ -n "$DBUS_PID" ] && kill "$DBUS_PID" 2>/dev/null
	command -v pwfix_stop >/dev/null 2>&1 && pwfix_stop
	if [ "${SOAK_KEEP:-0}" = 1 ]; then echo "soak: kept $T"; else rm -rf "$T"; fi
}
trap soak_cleanup EXIT
trap 'exit 1' INT TERM HUP

. "$PW_FIXTURE"
pwfix_start || { echo "FAIL: no headless PipeWire"; exit 1; }
trap soak_cleanup EXIT # pwfix_start installs its own EXIT trap: ours calls pwfix_stop too
HEADSET=AA:BB:CC:50:A4:01 # pw-bt-headset, started (and taken away and back) by soak.py
pwfix_plain_sink soak-speaker || { echo "FAIL: no stand-in speaker"; exit 1; }

dbus-daemon --session --fork --print-address=3 --print-pid=4 3> "$T/bus.addr" 4> "$T/bus.pid" ||
	{ echo "FAIL: no dbus-daemon"; exit 1; }
DBUS_PID=$(cat "$T/bus.pid")
DBUS_SESSION_BUS_ADDRESS=$(cat "$T/bus.addr")
export DBUS_SESSION_BUS_ADDRESS SOAK_DIR="$T" SOAK_HEADSET=$HEADSET
export SOAK_SESSION_PIDS="pipewire:$PWFIX_PW wireplumber:$PWFIX_WP"

# the driver gets the whole budget; ctest's TIMEOUT is the outer bound
timeout -s TERM 1280 /usr/bin/python3 -u "$SOAK_PY"
rc=$?
# what PipeWire and WirePlumber cost (each press links a capture stream and moves the
# route to HFP and back)
for p in $PWFIX_PIDS; do
	[ -r /proc/$p/stat ] || continue
	awk -v hz="$(getconf CLK_TCK)" -v c="$(cat /proc/$p/comm)" \
		'{ sub(/.*\) /, ""); printf "  CPU seconds          %s %.0f\n", c, ($12 + $13) / hz }' \
		/proc/$p/stat
done
[ $rc -eq 124 ] && echo "FAIL: soak.py did not finish within 1080 s"
exit $rc
