#!/bin/bash
# The daemon and its CLI on a private session bus: config errors, the control
# API, status --json, monitor --json. Run by ctest inside dbus-run-session.
set -u
BUILD=${1:?build dir}
SRC=${2:?source dir}
PTTGWD=$BUILD/src/daemon/pttgwd
CTL=$BUILD/src/ctl/pttgwctl
PY=/usr/bin/python3
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
fails=0 passes=0
ok() { echo "ok - $1"; passes=$((passes+1)); }
fail() { echo "FAIL - $1"; fails=$((fails+1)); }
export PTTGW_BUS=session

# 1. a bad value: file, group, key and reason; exit 78
printf '[floor]\nrequest-timeout = soon\n' > "$tmp/bad.conf"
out=$("$PTTGWD" --config "$tmp/bad.conf" 2>&1); rc=$?
if [ $rc -eq 78 ] && [[ $out == *"$tmp/bad.conf"* ]] && [[ $out == *"[floor]"* ]] &&
   [[ $out == *"request-timeout"* ]] && [[ $out == *"not a number"* ]]; then
	ok "bad value: exit 78 naming file, group, key, reason"
else fail "bad value: rc=$rc out=$out"; fi

printf '[floor]\nrequest-attempts = 1000\n' > "$tmp/range.conf"
out=$("$PTTGWD" --config "$tmp/range.conf" 2>&1); rc=$?
[ $rc -eq 78 ] && [[ $out == *"out of range"* ]] && ok "out of range: exit 78" || fail "range: rc=$rc $out"

printf '[floor\nbroken' > "$tmp/syntax.conf"
out=$("$PTTGWD" --config "$tmp/syntax.conf" 2>&1); rc=$?
[ $rc -eq 78 ] && [[ $out == *"$tmp/syntax.conf"* ]] && ok "syntax error: exit 78" || fail "syntax: rc=$rc $out"

out=$("$PTTGWD" --config "$tmp/missing.conf" 2>&1); rc=$?
[ $rc -eq 78 ] && [[ $out == *"missing.conf"* ]] && ok "unreadable file: exit 78" || fail "missing: rc=$rc $out"

printf '[floor]\nno-such-key = 1\n' > "$tmp/unknown.conf"
out=$("$PTTGWD" --config "$tmp/unknown.conf" --check-config 2>&1); rc=$?
[ $rc -eq 0 ] && [[ $out == *"no-such-key: unknown key"* ]] && ok "unknown key: warning, starts" ||
	fail "unknown key: rc=$rc $out"

# channels and their priority (issue #17)
for c in 'priority = c|not among the channels' 'priority = b, b|listed twice' \
	 'channels = a, ,b|an empty channel name'; do
	line=${c%%|*} why=${c#*|}
	printf '[general]\nchannels = a, b\n%s\n' "$line" > "$tmp/chan.conf"
	out=$("$PTTGWD" --config "$tmp/chan.conf" --check-config 2>&1); rc=$?
	[ $rc -eq 78 ] && [[ $out == *"[general] "*"$why"* ]] && ok "channels: $line: exit 78" ||
		fail "channels: $line: rc=$rc $out"
done
printf '[general]\nchannels = %s\n' "$(seq -s, 1 101)" > "$tmp/chan.conf"
out=$("$PTTGWD" --config "$tmp/chan.conf" --check-config 2>&1); rc=$?
[ $rc -eq 78 ] && [[ $out == *"at most 100"* ]] && ok "channels: 101: exit 78" ||
	fail "channels: 101: rc=$rc $out"

out=$("$PTTGWD" --config "$SRC/src/daemon/pttgw.conf.example" --check-config 2>&1); rc=$?
[ $rc -eq 0 ] && [[ $out != *"unknown key"* ]] && ok "the example config is valid" || fail "example: rc=$rc $out"

# 2. no daemon: one line, non-zero, no hang
start=$(date +%s)
out=$(timeout 10 "$CTL" status 2>&1); rc=$?
lines=$(printf '%s\n' "$out" | wc -l)
if [ $rc -eq 3 ] && [ "$lines" -eq 1 ] && [[ $out == *"not running"* ]]; then
	ok "pttgwctl without a daemon: one line, exit 3 in $(( $(date +%s) - start )) s"
else fail "no daemon: rc=$rc out=$out"; fi

# 3. the daemon with no config file at all
cat > "$tmp/test.conf" <<CONF
[floor]
request-timeout = 0.5
request-attempts = 1
connect-timeout = 1
CONF
"$PTTGWD" --config "$tmp/test.conf" --verbose > "$tmp/daemon.log" 2>&1 &
pids+=($!)
for _ in $(seq 50); do "$CTL" status >/dev/null 2>&1 && break; sleep 0.1; done
"$CTL" monitor --json > "$tmp/monitor.jsonl" 2>&1 &
mon=$!; pids+=($mon)
sleep 0.3

out=$("$CTL" status --json); rc=$?
if [ $rc -eq 0 ] && printf '%s' "$out" | $PY -c '
import json, sys
s = json.load(sys.stdin)
for k in ("floor", "service", "link", "push", "channel", "talker", "audio"):
    assert k in s, k
assert s["floor"] == "idle", s["floor"]
assert "route" in s["audio"]
'; then ok "status --json: valid JSON with floor, service, link, push, channel, talker, audio"
else fail "status --json: $out"; fi

"$CTL" status | grep -q '^Floor: *idle' && ok "status (human)" || fail "status human"

out=$("$CTL" press --wait --timeout 5); rc=$?
# no upstream configured: the press is accepted, then denied with a reason
[ $rc -eq 1 ] && [[ $out == denied* ]] && ok "press --wait: $out" || fail "press --wait: rc=$rc $out"

"$CTL" press --source desk >/dev/null || fail "press desk"
out=$("$CTL" release --source other 2>&1); rc=$?
[ $rc -ne 0 ] && [[ $out == *NotHolder* ]] && ok "release from a foreign source refused" ||
	fail "foreign release: rc=$rc $out"
"$CTL" release --source desk || fail "release desk"
out=$("$CTL" press --source "" 2>&1); rc=$?
[ $rc -ne 0 ] && [[ $out == *InvalidArguments* ]] && ok "empty source refused" || fail "empty source: $out"
sleep 1.5

kill $mon; wait $mon 2>/dev/null
if $PY - "$tmp/monitor.jsonl" <<'PYEOF'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
fl = [(e["from"], e["to"]) for e in ev if e["type"] == "floor"]
assert fl and fl[0] == ("idle", "requesting"), fl
assert all("ts" in e for e in ev)
ts = [e["ts"] for e in ev]
assert ts == sorted(ts), "timestamps not monotonic"
outs = [e for e in ev if e["type"] == "outcome"]
assert len(outs) == 2, outs           # exactly one outcome per press
assert fl[-1][1] == "idle", fl
print("monitor saw", " ; ".join("%s -> %s" % f for f in fl))
PYEOF
then ok "monitor --json: idle -> requesting -> ... -> idle, one outcome per press"
else fail "monitor: $(cat "$tmp/monitor.jsonl")"; fi

out=$("$CTL" channel "" 2>&1); [ $? -ne 0 ] && ok "empty channel refused" || fail "empty channel"
"$CTL" channel ops2 && "$CTL" status --json | $PY -c 'import json,sys; assert json.load(sys.stdin)["channel"]=="ops2"' &&
	ok "channel selected" || fail "channel"

# playback volume: read, steps of volume-step (10 %), bounded 0..150 %, in the status
v=$("$CTL" volume; "$CTL" volume down; "$CTL" volume up 3; "$CTL" volume up 10;
	"$CTL" volume down 20)
out=$("$CTL" volume up 101 2>&1); rc=$?
if [ "$(echo $v)" = "volume 100% volume 90% volume 120% volume 150% volume 0%" ] && [ $rc -eq 2 ] &&
   "$CTL" volume up >/dev/null && "$CTL" status --json | $PY -c '
import json, sys; a = json.load(sys.stdin)["audio"]; assert a["volume"] == 10, a'; then
	ok "volume: read, up/down/steps, bounded, in status"
else fail "volume: $(echo $v) / rc=$rc $out"; fi

# the holder escalates its talk to an emergency; another source cannot
"$CTL" press --source esc >/dev/null
out=$("$CTL" emergency --source other 2>&1); rc=$?
[ $rc -ne 0 ] && [[ $out == *AlreadyTalking* ]] && ok "another source cannot take over the talk" ||
	fail "other emergency: rc=$rc $out"
out=$("$CTL" emergency --source esc 2>&1); rc=$?
em=$("$CTL" status --json | $PY -c 'import json,sys; s=json.load(sys.stdin); print(s["emergency"], s["source"])')
[ $rc -eq 0 ] && [ "$em" = "True esc" ] && ok "the holder escalates to an emergency" ||
	fail "escalation: rc=$rc $out ($em)"
"$CTL" release --source esc >/dev/null 2>&1
sleep 1.5

# a second daemon cannot take the name and says so
out=$(timeout 10 "$PTTGWD" --config "$tmp/test.conf" 2>&1); rc=$?
[ $rc -ne 0 ] && [[ $out == *"another pttgwd"* ]] && ok "second daemon refused" || fail "second daemon: rc=$rc $out"

echo "$passes passed, $fails failed"
[ $fails -eq 0 ]
