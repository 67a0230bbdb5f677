#!/bin/sh
# test-audio-channels.sh PTTGWD PTTGWCTL PTTGW_RELAY PTTGW_DISPATCH AUDIO_ANALYSE PW_BT_HEADSET
# Several channels with priority (issue #17), heard at the speaker: pttgwd logs on
# to chat, ops and fire (priority fire > ops > chat) through the relay; real
# dispatchers talk on two of them at once; the headset's A2DP sink is recorded.
#   1. fire talks 1 kHz for 4 s; chat starts 440 Hz 1 s later: the recording is
#      1 kHz within 1 % with no gap over a frame (chat neither played nor mixed),
#      fire's burst played whole, chat counted pre-empted (1).
#   2. chat talks 440 Hz for 6 s; fire takes the speaker 1.5 s in with 1 kHz for
#      2 s: the recording (100 ms blocks) is 440 Hz, then 1 kHz, then silence: no
#      mix, and chat (2.5 s more) is not resumed after fire; chat pre-empted.
# Exactly one logon of the gateway at the relay.
set -u
PTTGWD=$1
PTTGWCTL=$2
RELAY=$3
DISPATCH=$4
ANALYSE=$5
HEADSET=$6
here=$(dirname "$0")
. "$here/pw-fixture.sh"
BT=00:11:22:33:44:55
SINK=bluez_output.00_11_22_33_44_55.1
ATTEMPTS=3

fail() { pwfix_fail "$@"; }
ctl() { timeout 20 "$PTTGWCTL" --session-bus "$@"; }
json() { # json EXPR: evaluated on the status (s) and its channels by name (ch)
	ctl --json status >"$PWFIX_DIR/status.json" || fail "status"
	python3 -c "import json; s = json.load(open('$PWFIX_DIR/status.json'))
ch = {c['name']: c for c in s['channels']}
print($1)"
}
until_json() { # until_json EXPR EXPECTED TRIES(0.1 s)
	_n=0
	while [ "$(json "$1")" != "$2" ]; do
		_n=$((_n + 1)); [ $_n -gt "$3" ] && return 1; sleep 0.1
	done
}
talk() { # talk USER CHANNEL HZ SECONDS NAME
	pwfix_bg timeout 40 "$DISPATCH" -U "ws://127.0.0.1:$port" -u "$1:pw-$1" -C "$2" \
		--tone "$3" -s "$4" -n 1 --timeout 30 >"$PWFIX_DIR/$5.out" 2>"$PWFIX_DIR/$5.err"
}

pwfix_start || fail "fixture did not start"
pwfix_headset "$HEADSET" $BT || fail "headset"
pwfix_headset_wait a2dp-sink || fail "headset not in A2DP"
pwfix_session_bus || fail "no session bus"

port=$(pwfix_free_port)
pwfix_relay "$RELAY" "$port" --channel chat --channel ops --channel fire --user gw1:pw-gw1 \
	--user low:pw-low --user high:pw-high || fail "relay does not listen"

printf 'pw-gw1\n' >"$PWFIX_DIR/gw1.cred"
chmod 600 "$PWFIX_DIR/gw1.cred"
cat >"$PWFIX_DIR/gw.conf" <<CONF
[general]
channels = chat, ops, fire
priority = fire, ops
[upstream]
url = ws://127.0.0.1:$port/
channel = ops
username = gw1
credentials-file = $PWFIX_DIR/gw1.cred
[audio]
headset = $BT
cues = false
dtx = false
CONF
G_MESSAGES_DEBUG=pttgw-audio pwfix_bg "$PTTGWD" --session-bus --config "$PWFIX_DIR/gw.conf" \
	>"$PWFIX_DIR/pttgwd.out" 2>"$PWFIX_DIR/pttgwd.err"
GWD=$PWFIX_LAST
until_json "s['link'], len([c for c in s['channels'] if c['status'] == 'online'])" \
	"connected 3" 100 || fail "pttgwd did not come up on 3 channels"
ctl status

# 1. the higher channel first: the lower one never reaches the speaker
ok=0
for attempt in $(seq $ATTEMPTS); do
	pre=$(json "ch['chat']['preempted']")
	pwfix_record_sink $SINK "$PWFIX_DIR/rec1.raw"
	sleep 0.3
	talk high fire 1000 4 fire
	D1=$PWFIX_LAST
	until_json "s['talker']" high 50 || fail "fire's burst did not play"
	sleep 1
	talk low chat 440 2 chat
	D2=$PWFIX_LAST
	wait "$D1" || fail "fire's dispatcher failed"
	wait "$D2" || fail "chat's dispatcher failed"
	sleep 1
	pwfix_stop_rec
	pwfix_sane "case 1 attempt $attempt" "$GWD" "$PWFIX_DIR"/pttgwd.err "$PWFIX_DIR"/relay.err \
		"$PWFIX_DIR"/fire.err "$PWFIX_DIR"/chat.err
	sent=$(sed -n 's/^sent burst 1: stream [0-9]*, \([0-9]*\) packets$/\1/p' "$PWFIX_DIR/fire.out")
	[ "$(json "ch['chat']['preempted'] - $pre")" = 1 ] || fail "chat not counted pre-empted"
	echo "case 1: fire sent $sent packets; $(json "s['audio']['last_burst']")"
	[ "$(json "s['audio']['last_burst']['played']")" = "$sent" ] ||
		{ echo "attempt $attempt: fire's burst not played whole"; continue; }
	if "$ANALYSE" "$PWFIX_DIR/rec1.raw" --expect-freq 1000 --tolerance 1 --max-gap-ms 20 \
		--min-active-ms 3800; then
		ok=1
		break
	fi
	echo "attempt $attempt: the recording is not clean"
done
[ $ok = 1 ] || fail "case 1: the recording is not fire's tone alone"

# 2. the higher channel takes the speaker from the lower one, which is not resumed:
# 100 ms blocks of the recording, each 440 Hz (L), 1 kHz (H), silent (.) or other (?)
# must read L...L H...H then silence: no mix (at most 2 blocks of the switch) and no
# L after the first H.
ok=0
for attempt in $(seq $ATTEMPTS); do
	pre=$(json "ch['chat']['preempted']")
	pwfix_record_sink $SINK "$PWFIX_DIR/rec2.raw"
	sleep 0.3
	talk low chat 440 6 chat
	D1=$PWFIX_LAST
	until_json "s['talker']" low 50 || fail "chat's burst did not play"
	sleep 1.5
	talk high fire 1000 2 fire
	D2=$PWFIX_LAST
	wait "$D1" || fail "chat's dispatcher failed"
	wait "$D2" || fail "fire's dispatcher failed"
	sleep 1
	pwfix_stop_rec
	pwfix_sane "case 2 attempt $attempt" "$GWD" "$PWFIX_DIR"/pttgwd.err "$PWFIX_DIR"/relay.err \
		"$PWFIX_DIR"/fire.err "$PWFIX_DIR"/chat.err
	[ "$(json "ch['chat']['preempted'] - $pre")" = 1 ] || fail "chat not counted pre-empted"
	grep -q "channel chat: stream [0-9]* of low pre-empted by channel fire" \
		"$PWFIX_DIR/pttgwd.err" || fail "pttgwd did not log the pre-emption"
	python3 - "$PWFIX_DIR/rec2.raw" <<'PY' && { ok=1; break; }
import array, math, re, sys
a = array.array("h"); a.frombytes(open(sys.argv[1], "rb").read())
seq = ""
for i in range(0, len(a) - 1600, 1600):
    b = a[i:i + 1600]
    rms = math.sqrt(sum(x * x for x in b) / len(b))
    zc = sum(1 for j in range(1, len(b)) if b[j - 1] < 0 <= b[j]) * 10
    seq += "." if rms < 300 else "L" if abs(zc - 440) <= 20 else "H" if abs(zc - 1000) <= 20 else "?"
print("blocks:", seq)
core = seq.strip(".")
m = re.fullmatch(r"\??\??(L+)(\??\??)(H+)(\??)", core)  # a ? at the onsets
if not m or len(m.group(1)) < 10 or len(m.group(3)) < 17:
    print("not L...L H...H then silence"); sys.exit(1)
print("chat %.1f s, switch %d blocks, fire %.1f s, then silence" %
      (len(m.group(1)) / 10, len(m.group(2)), len(m.group(3)) / 10))
PY
	echo "attempt $attempt: the recording is not chat then fire alone"
done
[ $ok = 1 ] || fail "case 2: the recording is not chat, then fire alone"

n=$(grep -c ': gw1 logged on (3 channels)' "$PWFIX_DIR/relay.err")
[ "$n" = 1 ] || fail "$n logons of gw1 at the relay, expected 1"
ctl status
kill "$GWD"
rc=0
wait "$GWD" || rc=$?
[ $rc = 0 ] || fail "pttgwd exited with $rc"
! grep -qE "$PWFIX_SAN_RE" "$PWFIX_DIR/pttgwd.err" || fail "sanitizer report"
echo "PASS: audio/channels: the higher channel's burst plays alone; the lower one is counted pre-empted"
