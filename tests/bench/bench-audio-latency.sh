#!/bin/sh
# bench-audio-latency.sh - where the time between a push and a burst's first sample goes.
# The same chain as bench-push.sh (mosquitto, pttgw-relay, pttgwd + headless PipeWire,
# pttgw-dispatch on loopback, policy push-only), with pttgw-audio's debug log on: each
# burst logs its timeline (GLib writes info to stdout) ("burst N timeline: ..."), printed here as median/p95 per step.
# Environment: as bench-push (see tests/bench/push.cmake), BURSTS (default 50), and
# PWFIX_QUANTUM (graph quantum at 48 kHz; the fixture's default is 2048 = 42.7 ms,
# a Bluetooth A2DP sink typically runs 1024 or less).
# Run, with a build dir B:
#   B=build; env PTTGWD=$B/src/daemon/pttgwd PTTGWCTL=$B/src/ctl/pttgwctl \
#     PTTGW_RELAY=... PTTGW_DISPATCH=... PUSH_SIGN=... MOSQUITTO_BIN=... \
#     MOSQUITTO_PUB_BIN=... PW_FIXTURE=tests/audio/pw-fixture.sh \
#     sh tests/bench/bench-audio-latency.sh
set -u
. "$(dirname "$0")/../push/push-e2e-lib.sh"
BURSTS=${BURSTS:-50}
AUDIO=1
POLICY=push-only
G_MESSAGES_DEBUG=pttgw-audio
export G_MESSAGES_DEBUG
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
echo "bench-audio-latency: $BURSTS bursts of 0.4 s, 0.6 s apart, push-only, loopback," \
	"graph quantum ${PWFIX_QUANTUM:-2048}/48000"
python3 "$(dirname "$0")/../push/push-e2e-check.py" latency "$T/monitor.out"
cat "$T/gw.out" "$T/gw.err" > "$T/gw.log"
python3 - "$T/monitor.out" "$T/gw.log" <<'EOF'
import json, math, re, statistics, sys

push = {}
for line in open(sys.argv[1]):
    try:
        e = json.loads(line)
    except ValueError:
        continue
    if e.get("type") == "push" and e.get("action") == "join":
        push.setdefault(e.get("stream_id"), e["ts"])
rx = re.compile(r"burst (\d+) timeline: begin (\d+) us; ms after begin: stream connect (\S+) "
                r"streaming (\S+) first cycle (\S+) first packet (\S+) prebuffered (\S+) "
                r"\((\d+) packets, target (\S+) ms\) first sample out (\S+) told (\S+); "
                r"quantum (\d+) ring (\d+)")
rows = []
for line in open(sys.argv[2]):
    m = rx.search(line)
    if not m:
        continue
    sid, begin = int(m.group(1)), int(m.group(2))
    f = [float(m.group(i)) for i in (3, 4, 5, 6, 7, 10, 11)]
    p = push.get(sid)
    rows.append({
        "push -> audio_play_begin": (begin - p) / 1000.0 if p else None,
        "begin -> stream connect": f[0],
        "begin -> STREAMING": f[1] if f[1] >= 0 else None,
        "begin -> first packet in": f[3],
        "first packet -> prebuffer satisfied": f[4] - f[3],
        "prebuffer satisfied -> first non-silent cycle": f[5] - f[4],
        "first non-silent cycle -> first_sample event": f[6] - f[5],
        "begin -> first_sample event": f[6],
        "packets buffered at start": float(m.group(8)),
        "jitter target (ms)": float(m.group(9)),
        "quantum (16 kHz samples)": float(m.group(12)),
    })
print("timeline of %d bursts (pttgw-audio log):" % len(rows))
for k in rows[0].keys() if rows else []:
    v = sorted(r[k] for r in rows if r[k] is not None)
    if not v:
        continue
    p95 = v[math.ceil(0.95 * len(v)) - 1]
    print("  %-46s median %7.1f  p95 %7.1f  min %7.1f  max %7.1f"
          % (k, statistics.median(v), p95, v[0], v[-1]))
EOF
