#!/bin/sh
# bench-push.sh - push received -> first audio sample handed to the output, under the
# push-only policy, with mosquitto, pttgw-relay, pttgwd (+ headless PipeWire) and
# pttgw-dispatch on loopback. Prints median and p95 over BURSTS (default 50) bursts.
# The time runs from the daemon's "push" monitor event (action join: the push was
# verified and the floor took it as news) to its "first_sample" event, so it includes
# the reconnect, the logon, the late join from the burst's first packet and the jitter
# buffer's pre-buffering. Target (issue 4): 150 ms median, 250 ms p95. A breakdown
# follows: push -> link connected, -> playback stream active, active -> first sample.
# Run: cmake --build BUILD --target bench-push
set -u
. "$(dirname "$0")/../push/push-e2e-lib.sh"
BURSTS=${BURSTS:-50}
AUDIO=1
POLICY=push-only
start_audio
start_bus # after PipeWire's fixture, which unsets the bus address
start_broker
start_relay
start_gateway
wait_st 'd["push"]' up 10 || fail "push channel not up"
wait_st 'd["link"]' disconnected 10 || fail "the link stays $(st 'd["link"]')"
dispatch --tone 440 --seconds 0.4 --gap 0.6 --bursts "$BURSTS" > "$T/disp.out" 2>&1 ||
	fail "dispatcher failed"
wait_events burst "$BURSTS" 30 || echo "only $(count_events burst) of $BURSTS bursts played"
sleep 1
echo "bench-push: $BURSTS bursts of 0.4 s, 0.6 s apart, policy push-only, loopback"
python3 "$(dirname "$0")/../push/push-e2e-check.py" latency "$T/monitor.out"
