#!/bin/bash
# bench-latency.sh - the audio latency budget measured from outside pttgwd, on one
# clock (CLOCK_MONOTONIC): the whole chain on loopback (mosquitto, pttgw-relay,
# pttgwd on a private bus, headless PipeWire, pttgw-dispatch), link persistent.
#   wire -> speaker: the dispatcher writes a burst's first packet (a 440 Hz tone from
#     silence) to its socket (pttgw-dispatch --onsets; the relay's loopback hop is
#     included) -> the onset at the output node (bench-onset listen on its monitor).
#   mic -> wire: an onset into the microphone node (bench-onset inject), while the
#     floor is ours -> the first packet carrying it read by a listening dispatcher.
# Median and p95 over BURSTS (default 50) each, at graph quantum PWFIX_QUANTUM
# (default 2048; 1024 is a typical Bluetooth sink). Environment: as bench-push.sh
# plus BENCH_ONSET (tests/bench/latency.cmake). Prints "figure goal measured" lines.
set -u
. "$(dirname "$0")/../push/push-e2e-lib.sh"
BURSTS=${BURSTS:-50}
POLICY=persistent
AUDIO=1
Q=${PWFIX_QUANTUM:-2048}

# the lib's configuration plus our nodes: the speaker, and the stand-in microphone
eval "lib_$(declare -f gateway_conf)"
gateway_conf() {
	lib_gateway_conf
	printf '[audio]\noutput = pttgw-test-speaker\ninput = bench_mic\ncues = false\n' \
		>> "$T/gw.conf"
}

start_audio
pwfix_plain_source bench_mic || fail "no stand-in microphone"
start_bus
start_broker
start_relay
start_gateway
wait_st 'd["link"]' connected 15 || fail "the link stays $(st 'd["link"]')"

# ---- wire -> speaker
"$BENCH_ONSET" listen pttgw-test-speaker > "$T/out-onsets" 2> "$T/listen.err" &
LISTEN=$!
PIDS="$PIDS $LISTEN"
sleep 0.5
dispatch --onsets --tone 440 --seconds 0.3 --gap 0.7 --bursts "$BURSTS" > "$T/disp.out" 2>&1 ||
	fail "dispatcher failed"
sleep 1
kill "$LISTEN" 2>/dev/null

# ---- mic -> wire
mkfifo "$T/inject"
"$BENCH_ONSET" inject 0.3 < "$T/inject" > "$T/in-onsets" 2> "$T/inject.err" &
PIDS="$PIDS $!"
exec 5> "$T/inject"
n=50
until pw-link bench-onset-in:output_MONO bench_mic:input_MONO 2>/dev/null; do
	n=$((n - 1))
	[ $n -gt 0 ] || fail "cannot link the injector to bench_mic"
	sleep 0.1
done
dispatch --onsets -x "$BURSTS" --timeout $((BURSTS * 4 + 30)) > "$T/heard.out" 2>&1 &
HEAR=$!
PIDS="$PIDS $HEAR"
sleep 1
for i in $(seq "$BURSTS"); do
	ctl press --wait > /dev/null 2>&1 || { echo "press $i not granted"; continue; }
	sleep 0.4
	echo go >&5
	sleep 0.5
	ctl release > /dev/null 2>&1
	sleep 0.4
done
exec 5>&-
wait "$HEAR"

python3 - "$T" "$Q" "$BURSTS" <<'PY'
import math, re, statistics, sys
t, q, want = sys.argv[1], sys.argv[2], int(sys.argv[3])
def times(path, rx):
    return [int(m.group(1)) for m in (re.search(rx, l) for l in open(path)) if m]
def pair(src, dst, lo, hi):
    """each source onset with the first destination onset within (lo, hi) ms after it"""
    out = []
    for s in src:
        d = [(x - s) / 1000.0 for x in dst if lo < (x - s) / 1000.0 < hi]
        if d:
            out.append(min(d))
    return out
def stats(v):
    v = sorted(v)
    return statistics.median(v), v[math.ceil(0.95 * len(v)) - 1]
sent = times(t + "/disp.out", r"onset sent burst \d+ stream \d+ at (\d+) us")
out = times(t + "/out-onsets", r"onset out at (\d+) us")
inj = times(t + "/in-onsets", r"onset in at (\d+) us")
heard = times(t + "/heard.out", r"onset heard stream \d+ packet \d+ at (\d+) us")
rows = [("wire -> speaker", pair(sent, out, 0, 1000), 60),
        ("mic -> wire", pair(inj, heard, 0, 1000), 30)]
print("bench-latency: graph quantum %s/48000, %d bursts each way, loopback, no jitter" % (q, want))
for name, v, goal in rows:
    if len(v) < want * 0.9:
        print("%-34s goal <= %3d ms median   only %d of %d onsets found" % (name, goal, len(v), want))
        continue
    med, p95 = stats(v)
    print("%-34s goal <= %3d ms median   measured median %6.1f ms  p95 %6.1f ms  (n=%d)"
          % (name + " (q " + q + ")", goal, med, p95, len(v)))
PY
