#!/bin/bash
# bench-daemon-idle.sh - pttgwd's wake-ups while nothing happens: the whole chain on
# loopback (mosquitto, pttgw-relay, headless PipeWire, pttgwd on a private bus), the
# link up (policy persistent) with the default heartbeat interval (10 s) and a 60 s
# MQTT keepalive, nobody talking. Counts the context switches of all of pttgwd's
# threads (/proc/PID/task/*/status: voluntary = went to sleep after a wake-up) over
# IDLE_SECONDS (default 30) and prints wake-ups per second. Goal: <= 1 per second.
# IDLE_BURSTS (default 3) bursts are heard first: the playback stream they leave
# behind (parked between bursts, not closed) must not wake the daemon either.
# Environment: as bench-push.sh (tests/bench/run sets it).
set -u
. "$(dirname "$0")/../push/push-e2e-lib.sh"
AUDIO=1
POLICY=persistent
SECS=${IDLE_SECONDS:-30}
eval "lib_$(declare -f gateway_conf)"
gateway_conf() {
	lib_gateway_conf
	sed -i -e 's/^heartbeat-interval = .*/heartbeat-interval = 10/' \
		-e 's/^keepalive = .*/keepalive = 60/' "$T/gw.conf"
}
start_audio
start_bus
start_broker
start_relay
start_gateway
wait_st 'd["link"]' connected 15 || fail "the link stays $(st 'd["link"]')"
BURSTS=${IDLE_BURSTS:-3}
if [ "$BURSTS" -gt 0 ]; then
	dispatch --tone 440 --seconds 0.3 --gap 0.7 --bursts "$BURSTS" > "$T/disp.out" 2>&1 ||
		fail "dispatcher failed"
fi
# the monitor's D-Bus signals are no wake-ups of ours: stop it
kill "$MON_PID" 2>/dev/null
sleep 3
switches() {
	cat /proc/"$GW_PID"/task/*/status 2>/dev/null |
		awk '/^voluntary_ctxt_switches/ {v += $2} /^nonvoluntary_ctxt_switches/ {n += $2}
		     END {print v + 0, n + 0}'
}
read -r v0 n0 < <(switches)
threads=$(ls /proc/"$GW_PID"/task | wc -l)
sleep "$SECS"
read -r v1 n1 < <(switches)
per_thread=$(for t in /proc/"$GW_PID"/task/*; do
	printf '%s=%s ' "$(cat "$t/comm")" "$(awk '/^voluntary_ctxt_switches/ {print $2}' "$t/status")"
done)
echo "bench-daemon-idle: $SECS s idle after $BURSTS bursts, link up, heartbeat 10 s, $threads threads"
echo "  voluntary switches per thread at the end: $per_thread"
awk -v v=$((v1 - v0)) -v n=$((n1 - n0)) -v s="$SECS" 'BEGIN {
	printf "%-34s goal <= %5s /s       measured %6.2f /s  (%d wake-ups in %d s, %d involuntary)\n",
	       "idle wake-ups (pttgwd)", "1", v / s, v, s, n }'
