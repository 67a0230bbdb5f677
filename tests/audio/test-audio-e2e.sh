#!/bin/sh
# test-audio-e2e.sh CASE PTTGWD PTTGWCTL PTTGW_RELAY PTTGW_DISPATCH AUDIO_ANALYSE PW_BT_HEADSET
# End to end through the real daemon: pttgw-dispatch (the remote talker) ->
# pttgw-relay -> pttgwd -> PipeWire (headless, the pw-bt-headset device: one
# profile at a time, as a real headset), and back.
#   e2e-1khz: a dispatcher's 1 kHz burst plays to the headset's A2DP sink:
#             recorded from its monitor, frequency within 1 %, no gap over one frame.
#   e2e-440:  a press switches the headset to HFP; its microphone (a 440 Hz
#             source): the frames reach the relay and the dispatcher decodes 440 Hz.
#   e2e-formats: the dispatcher talks a 1 kHz tone in the formats API.md's codec_header
#             allows (8/16/24/48 kHz; 10, 20, 40, 60 ms; 2 x 20 ms; API.md's own gD4BPA==,
#             16 kHz 60 ms): each plays to the A2DP sink at 1 kHz within 1 %, every packet
#             played, none invalid (the daemon's burst account, status --json).
set -u
case_name=$1
PTTGWD=$2
PTTGWCTL=$3
RELAY=$4
DISPATCH=$5
ANALYSE=$6
HEADSET=$7
here=$(dirname "$0")
. "$here/pw-fixture.sh"
BT=00:11:22:33:44:55
SINK=bluez_output.00_11_22_33_44_55.1
MIC=bluez_input.00_11_22_33_44_55.0
ATTEMPTS=3

fail() { pwfix_fail "$@"; }
ctl() { timeout 20 "$PTTGWCTL" --session-bus "$@"; }

pwfix_start || fail "fixture did not start"
pwfix_headset "$HEADSET" $BT || fail "headset"
pwfix_headset_wait a2dp-sink || fail "headset not in A2DP"

pwfix_session_bus || fail "no session bus"

port=$(pwfix_free_port)
pwfix_relay "$RELAY" "$port" --channel test --user gw1:pw-gw1 --user disp:pw-disp ||
	fail "relay does not listen"

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
cues = false
# a steady test tone is what Opus DTX takes for background noise
dtx = false
CONF
G_MESSAGES_DEBUG=pttgw-audio pwfix_bg "$PTTGWD" --session-bus --config "$PWFIX_DIR/gw.conf" \
	>"$PWFIX_DIR/pttgwd.out" 2>"$PWFIX_DIR/pttgwd.err"
GWD=$PWFIX_LAST
n=0
while ! ctl status 2>/dev/null | grep -Eq '^Link: +connected'; do
	n=$((n + 1)); [ $n -gt 100 ] && fail "pttgwd's link did not come up"; sleep 0.1
done
ctl status
# the activations ("audio" events: "playing to X", "capturing from X") as the user sees them
pwfix_bg "$PTTGWCTL" --session-bus monitor --json >"$PWFIX_DIR/monitor.out" 2>/dev/null
sleep 0.5

case $case_name in
e2e-1khz)
	ok=0
	for attempt in $(seq $ATTEMPTS); do
		pwfix_record_sink $SINK "$PWFIX_DIR/rec.raw"
		sleep 0.3
		pwfix_inject_crash pttgwd "$GWD"
		timeout 30 "$DISPATCH" -U "ws://127.0.0.1:$port" -u disp:pw-disp -C test \
			--tone 1000 -s 3 -n 1 --timeout 20 >"$PWFIX_DIR/disp.out" \
			2>"$PWFIX_DIR/disp.err" || fail "pttgw-dispatch failed"
		sleep 1
		pwfix_stop_rec
		cat "$PWFIX_DIR/disp.out"
		ctl status | grep -i audio
		pwfix_sane "attempt $attempt" "$GWD" "$PWFIX_DIR/pttgwd.err" "$PWFIX_DIR/relay.err" "$PWFIX_DIR/disp.err"
		if "$ANALYSE" "$PWFIX_DIR/rec.raw" --expect-freq 1000 --tolerance 1 \
			--max-gap-ms 20 --min-active-ms 2800; then
			ok=1
			break
		fi
		echo "attempt $attempt: the recording is not clean"
	done
	[ $ok = 1 ] || fail "recording of the dispatcher's burst"
	grep -q "playing to $SINK" "$PWFIX_DIR/monitor.out" ||
		fail "pttgwd did not say it played to $SINK"
	[ "$(pwfix_headset_profile)" = a2dp-sink ] || fail "the burst did not play on A2DP"
	;;
e2e-formats)
	# rate frame-ms frames
	for fmt in "16000 60 1" "8000 20 1" "16000 10 1" "16000 40 1" "16000 20 2" \
		"24000 60 1" "48000 20 1" "12000 60 2"; do
		set -- $fmt
		ok=0
		for attempt in $(seq $ATTEMPTS); do
			pwfix_record_sink $SINK "$PWFIX_DIR/rec.raw"
			sleep 0.3
			timeout 30 "$DISPATCH" -U "ws://127.0.0.1:$port" -u disp:pw-disp -C test \
				--tone 1000 -s 2 -n 1 --timeout 20 --rate $1 --frame-ms $2 \
				--frames $3 >"$PWFIX_DIR/disp.out" 2>"$PWFIX_DIR/disp.err" ||
				fail "pttgw-dispatch failed ($fmt)"
			sleep 1
			pwfix_stop_rec
			sent=$(sed -n 's/^sent burst 1: stream [0-9]*, \([0-9]*\) packets$/\1/p' \
				"$PWFIX_DIR/disp.out")
			ctl --json status >"$PWFIX_DIR/status.json" || fail "status"
			echo "format $fmt: sent $sent packets"
			pwfix_sane "attempt $attempt" "$GWD" "$PWFIX_DIR/pttgwd.err" "$PWFIX_DIR/relay.err" "$PWFIX_DIR/disp.err"
			python3 - "$PWFIX_DIR/status.json" "$sent" <<'PY' || fail "burst account ($fmt)"
import json, sys
b = json.load(open(sys.argv[1]))["audio"]["last_burst"]
print("  last burst:", b)
sent = int(sys.argv[2])
ok = b["invalid"] == 0 and b["flushed"] == 0 and b["received"] == sent and \
    b["played"] == sent and b["reason"] == "drained"
sys.exit(0 if ok else 1)
PY
			if "$ANALYSE" "$PWFIX_DIR/rec.raw" --expect-freq 1000 --tolerance 1 \
				--max-gap-ms 20 --min-active-ms 1800; then
				ok=1
				break
			fi
			echo "attempt $attempt ($fmt): the recording is not clean"
		done
		[ $ok = 1 ] || fail "recording of the $fmt burst"
	done
	;;
e2e-440)
	ok=0
	for attempt in $(seq $ATTEMPTS); do
		rm -f "$PWFIX_DIR/heard.wav"
		"$DISPATCH" -U "ws://127.0.0.1:$port" -u disp:pw-disp -C test \
			-r "$PWFIX_DIR/heard.wav" -x 1 --timeout 20 >"$PWFIX_DIR/disp.out" \
			2>"$PWFIX_DIR/disp.err" &
		disp=$!
		sleep 1
		ctl press --wait >"$PWFIX_DIR/press.out" 2>&1 || fail "press not granted"
		sleep 2.5
		ctl release >/dev/null 2>&1 || fail "release refused"
		wait $disp || fail "pttgw-dispatch heard nothing"
		cat "$PWFIX_DIR/disp.out"
		sox "$PWFIX_DIR/heard.wav" -t raw -r 16000 -c 1 -b 16 -e signed \
			"$PWFIX_DIR/heard.raw" || fail "sox"
		pwfix_sane "attempt $attempt" "$GWD" "$PWFIX_DIR/pttgwd.err" "$PWFIX_DIR/relay.err" "$PWFIX_DIR/disp.err"
		if "$ANALYSE" "$PWFIX_DIR/heard.raw" --expect-freq 440 --tolerance 1 \
			--max-gap-ms 20 --min-active-ms 2000; then
			ok=1
			break
		fi
		echo "attempt $attempt: what the dispatcher heard is not clean"
	done
	[ $ok = 1 ] || fail "what the dispatcher heard"
	grep -q "capturing from $MIC" "$PWFIX_DIR/monitor.out" ||
		fail "pttgwd did not say it captured from $MIC"
	;;
*)
	fail "unknown case $case_name"
	;;
esac
kill "$GWD"
rc=0
wait "$GWD" || rc=$?
[ $rc = 0 ] || fail "pttgwd exited with $rc"
! grep -qE "$PWFIX_SAN_RE" "$PWFIX_DIR/pttgwd.err" || fail "sanitizer report"
echo "PASS: $case_name"
