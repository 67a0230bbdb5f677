#!/bin/sh
# test-headset.sh CASE PTTGWD PTTGWCTL PTTGW_RELAY PTTGW_DISPATCH AUDIO_ANALYSE PW_BT_HEADSET
# The gateway switches a real-shaped headset (pw-bt-headset: one bluez5
# device, one profile at a time) under a real PipeWire + WirePlumber.
#   hs-press:    a press switches the headset to headset-head-unit (mSBC, though
#                CVSD is listed with a higher priority), captures
#                from bluez_input (the dispatcher hears its 440 Hz); after the
#                release and hfp-hangover it goes back to a2dp-sink, not before.
#   hs-burst:    a remote burst right after a release plays on HFP and holds
#                the switch back until it ended (+ hangover).
#   hs-refused:  the headset refuses HFP: reported by name; fallback: the press
#                talks from the default (desk) microphone.
#   hs-deny:     same with hfp-switch-fail = deny: the press ends, reason named.
#   hs-retake:   during a talk somebody sets the headset to a2dp-sink (wpctl):
#                the gateway takes it back to HFP, the talk goes on.
#   hs-no-hfp:   an A2DP-only headset: "no HFP profile" named, fallback mic.
#   hs-timeout:  the switch takes longer than hfp-switch-timeout: named.
#   hs-never:    hfp-policy = never: no switch by us nor by WirePlumber; the
#                press talks from the configured desk microphone.
#   hs-always:   hfp-policy = always: HFP without a press.
#   hs-restart:  PipeWire and WirePlumber restart (the headset reconnects):
#                a press still switches it to HFP and captures from it.
#   hs-no-sco:   the headset goes to HFP but its microphone never delivers (no SCO
#                link): after mic-timeout (1 s) that is named; fallback captures from
#                the desk microphone although the headset's source is still there;
#                "transmitting" only once the desk microphone is live.
#   hs-no-sco-deny: same with hfp-switch-fail = deny: the press is denied by name
#                (press --wait says so), "transmitting" is never shown.
#   hs-mic-dead: the configured input (not the headset's route: input = that
#                node) never delivers: after mic-timeout the press is denied as a
#                microphone failure (no headset fallback), never "transmitting".
# Every case that talks checks the order: the "mic" live event, then the floor
# event to transmitting (not before), then the granted outcome.
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
IN=bluez_input.00_11_22_33_44_55.0
OUT=bluez_output.00_11_22_33_44_55.1

fail() {
	echo "FAIL: $*"
	for f in "$PWFIX_DIR"/*.out "$PWFIX_DIR"/*.err "$PWFIX_DIR"/*.log; do
		[ -f "$f" ] || continue
		echo "---- $f (last 30 lines)"
		grep -v acquire_rt "$f" | tail -n 30
	done
	exit 1
}
ctl() { timeout 20 "$PTTGWCTL" --session-bus "$@"; }
# wait_grep REGEX TENTHS FILE...: until one of the files matches the extended regex
wait_grep() {
	re=$1
	n=$2
	shift 2
	until cat "$@" 2>/dev/null | grep -Eq "$re"; do
		n=$((n - 1)); [ $n -gt 0 ] || return 1; sleep 0.1
	done
}
desk_mic() { # a plain (non-Bluetooth) microphone: a real 440 Hz source
	pw-cli create-node adapter '{ factory.name=audiotestsrc node.name=desk_mic
		node.description=desk_mic media.class=Audio/Source object.linger=true
		node.want-driver=true session.suspend-timeout-seconds=0 }' >/dev/null &&
		pwfix_wait_for desk_mic
}

hs_args="--delay 300"
policy=on-talk
on_fail=fallback
timeout_s=3.0
hangover=2.0
input=
mic_timeout=4.0
# press_denied PATTERN: press --wait exits 1 with a line matching PATTERN; the floor is
# idle again within 3 s
press_denied() {
	rc=0
	ctl press --wait >"$PWFIX_DIR/press.out" 2>&1 || rc=$?
	[ $rc = 1 ] || fail "press --wait: exit $rc, not 1 (denied)"
	grep -q "$1" "$PWFIX_DIR/press.out" || fail "press --wait: $(cat "$PWFIX_DIR/press.out")"
	n=30
	until ctl status | grep -Eq '^Floor: +idle'; do
		n=$((n - 1)); [ $n -gt 0 ] || fail "the press did not end"; sleep 0.1
	done
}

case $case_name in
hs-press) hs_args="--delay 300 --cvsd-priority" ;; # mSBC must win on its codec
hs-refused) hs_args="--delay 300 --refuse-hfp" ;;
hs-deny) hs_args="--delay 300 --refuse-hfp"; on_fail=deny ;;
hs-timeout) hs_args="--delay 4000"; timeout_s=1.0 ;;
hs-no-hfp) hs_args="--no-hfp" ;;
hs-never) policy=never; input=desk_mic ;;
hs-always) policy=always ;;
hs-no-sco) hs_args="--delay 300 --no-sco"; mic_timeout=1.0 ;;
hs-no-sco-deny) hs_args="--delay 300 --no-sco"; on_fail=deny ;;
hs-mic-dead) hs_args="--delay 300 --no-sco"; policy=always; input=$IN; mic_timeout=1.0 ;;
esac

pwfix_start || fail "fixture did not start"
# shellcheck disable=SC2086 # the options are words
pwfix_headset "$HEADSET" $BT $hs_args || fail "headset"
case $case_name in
hs-refused | hs-deny | hs-timeout | hs-never | hs-no-hfp | hs-no-sco*) desk_mic || fail "desk mic" ;;
esac
# WirePlumber settles the device (its device-profile policy) first
pwfix_headset_wait a2dp-sink || fail "headset not in a2dp-sink"

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
input = $input
hfp-policy = $policy
hfp-switch-timeout = $timeout_s
hfp-hangover = $hangover
hfp-switch-fail = $on_fail
mic-timeout = $mic_timeout
dtx = false
CONF
G_MESSAGES_DEBUG=pttgw-audio pwfix_bg "$PTTGWD" --session-bus --config "$PWFIX_DIR/gw.conf" \
	>"$PWFIX_DIR/pttgwd.out" 2>"$PWFIX_DIR/pttgwd.err"
GWD=$PWFIX_LAST
n=0
while ! ctl status 2>/dev/null | grep -Eq '^Link: +connected'; do
	n=$((n + 1)); [ $n -gt 100 ] && fail "pttgwd's link did not come up"; sleep 0.1
done
pwfix_bg "$PTTGWCTL" --session-bus monitor --json >"$PWFIX_DIR/monitor.out" 2>/dev/null
sleep 0.5

# mic_order [SOURCE]: in the monitor, each talk shows "transmitting" only after its
# microphone's "mic" live event (from SOURCE when given), and the granted outcome after
mic_order() {
	python3 - "$PWFIX_DIR/monitor.out" "${1:-}" <<'PY' || fail "transmitting before the microphone was live"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
tx = [i for i, e in enumerate(ev) if e.get("type") == "floor" and e.get("to") == "transmitting"]
assert tx, "never transmitting"
for t in tx:
    live = [i for i, e in enumerate(ev[:t]) if e.get("type") == "mic" and e.get("state") == "live"]
    talk = [i for i, e in enumerate(ev[:t]) if e.get("type") == "floor" and e.get("from") == "idle"]
    assert live and talk and live[-1] > talk[-1], ("no mic live before", ev[t])
    if sys.argv[2]:
        assert ev[live[-1]].get("source") == sys.argv[2], ev[live[-1]]
    granted = [i for i, e in enumerate(ev) if e.get("type") == "outcome" and
               e.get("outcome") == "granted" and i > talk[-1]]
    assert granted and granted[0] > t, ("granted outcome before transmitting", granted, t)
print("mic live before transmitting:", len(tx), "talk(s)")
PY
}

# press for SECONDS while the dispatcher records; its recording in heard.raw
talk() {
	rm -f "$PWFIX_DIR/heard.wav"
	"$DISPATCH" -U "ws://127.0.0.1:$port" -u disp:pw-disp -C test \
		-r "$PWFIX_DIR/heard.wav" -x 1 --timeout 20 >"$PWFIX_DIR/disp.out" \
		2>"$PWFIX_DIR/disp.err" &
	disp=$!
	sleep 1
	ctl press --wait >"$PWFIX_DIR/press.out" 2>&1 || fail "press not granted"
	sleep "$1"
	ctl status --json >"$PWFIX_DIR/status-talk.json"
	# taken before the call, as the call's return is late (a TSan build sleeps 1 s at exit,
	# TSan's atexit_sleep_ms): a hangover measured from here is at least the real one
	t_release=$(date +%s.%N)
	ctl release >/dev/null 2>&1 || fail "release refused"
	wait $disp || fail "pttgw-dispatch heard nothing"
	sox "$PWFIX_DIR/heard.wav" -t raw -r 16000 -c 1 -b 16 -e signed \
		"$PWFIX_DIR/heard.raw" || fail "sox"
	mic_order
}
switches_to() { pwfix_headset_count "$1"; }


case $case_name in
hs-press)
	talk 3
	grep -q "capturing from $IN" "$PWFIX_DIR/monitor.out" ||
		fail "pttgwd did not capture from $IN"
	"$ANALYSE" "$PWFIX_DIR/heard.raw" --expect-freq 440 --tolerance 1 \
		--min-active-ms 2000 || fail "what the dispatcher heard"
	# the talk was on HFP with mSBC, never CVSD (the hangover is measured below)
	grep -q '^profile headset-head-unit$' "$PWFIX_DIR/headset.log" ||
		fail "never on HFP (mSBC): $(grep '^profile' "$PWFIX_DIR/headset.log" | tr '\n' ' ')"
	grep -q '^profile headset-head-unit-cvsd$' "$PWFIX_DIR/headset.log" && fail "CVSD chosen over mSBC"
	grep -q '"state" *: *"hfp"' "$PWFIX_DIR/monitor.out" || fail "no headset hfp event"
	mic_order "$IN"
	# the permit cue sounded only after the microphone delivered (capture active)
	python3 - "$PWFIX_DIR/monitor.out" <<'PY' || fail "permit cue before the microphone"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
act = [i for i, e in enumerate(ev) if e.get("type") == "audio" and
       e.get("direction") == "capture" and e.get("state") == "active"]
cue = [i for i, e in enumerate(ev) if e.get("type") == "cue_played"]
hfp = [i for i, e in enumerate(ev) if e.get("type") == "headset" and e.get("state") == "hfp"]
assert act and cue and hfp, (act, cue, hfp)
assert hfp[0] < act[0] < cue[0], (hfp, act, cue)
assert "bluez_input" in ev[cue[0]]["after"], ev[cue[0]]
# not the default source first: the capture opens on the headset's microphone
for e in ev[hfp[0]:act[0] + 1]:
    if e.get("type") == "audio" and e.get("direction") == "capture":
        assert "default" not in e.get("reason", ""), e
PY
	pwfix_headset_wait a2dp-sink 50 || fail "not back to A2DP after the hangover"
	# not before the hangover: the headset's own clock of the request, against the release
	# (0.2 s below it: the two clocks are read by different processes)
	t_req=$(awk '$1 == "request" && $2 == "a2dp-sink" { t = $3 } END { print t }' "$PWFIX_DIR/headset.log")
	awk -v r="$t_release" -v q="$t_req" -v h="$hangover" 'BEGIN {
		printf "A2DP requested %.2f s after the release (hfp-hangover %s s)\n", q - r, h
		exit !(q != "" && q - r >= h - 0.2) }' || fail "back to A2DP before the hangover"
	sleep 3 # WirePlumber must not put it back to HFP (nor anything else)
	[ "$(pwfix_headset_profile)" = a2dp-sink ] || fail "the headset moved again"
	;;
hs-burst)
	talk 1.5
	[ "$(pwfix_headset_profile)" = headset-head-unit ] || fail "not on HFP after the release"
	a2=$(switches_to a2dp-sink)
	pwfix_record_sink "$OUT" "$PWFIX_DIR/rec.raw"
	timeout 30 "$DISPATCH" -U "ws://127.0.0.1:$port" -u disp:pw-disp -C test \
		--tone 1000 -s 4 -n 1 --timeout 20 >"$PWFIX_DIR/disp2.out" \
		2>"$PWFIX_DIR/disp2.err" || fail "pttgw-dispatch failed"
	# the burst (4 s) outlasted the hangover (2 s) since the release: still HFP
	[ "$(switches_to a2dp-sink)" = "$a2" ] || fail "switched back to A2DP during the burst"
	[ "$(pwfix_headset_profile)" = headset-head-unit ] || fail "not on HFP after the burst"
	sleep 0.5
	kill "$PWFIX_REC" 2>/dev/null; wait "$PWFIX_REC" 2>/dev/null
	"$ANALYSE" "$PWFIX_DIR/rec.raw" --expect-freq 1000 --tolerance 1 --min-active-ms 3000 ||
		fail "the burst did not play on the HFP sink"
	pwfix_headset_wait a2dp-sink 60 || fail "not back to A2DP after the burst + hangover"
	;;
hs-refused)
	talk 3
	wait_grep 'refused HFP' 10 "$PWFIX_DIR/monitor.out" || fail "refusal not in the monitor"
	grep -q 'refused HFP' "$PWFIX_DIR/status-talk.json" || fail "refusal not in the status"
	grep -q "capturing from desk_mic" "$PWFIX_DIR/monitor.out" ||
		fail "no fallback to the desk microphone"
	"$ANALYSE" "$PWFIX_DIR/heard.raw" --expect-freq 440 --tolerance 1 \
		--min-active-ms 1500 || fail "what the dispatcher heard"
	[ "$(pwfix_headset_profile)" = a2dp-sink ] || fail "headset not back in A2DP"
	;;
hs-deny)
	ctl press >/dev/null 2>&1 || fail "press refused"
	wait_grep 'refused HFP.*press denied' 30 "$PWFIX_DIR/monitor.out" ||
		fail "denial not reported by name"
	n=30
	until ctl status | grep -Eq '^Floor: +idle'; do
		n=$((n - 1)); [ $n -gt 0 ] || fail "the press did not end"; sleep 0.1
	done
	grep -q "capturing from" "$PWFIX_DIR/monitor.out" &&
		fail "captured although denied"
	;;
hs-retake)
	ctl press --wait >/dev/null 2>&1 || fail "press not granted"
	pwfix_headset_wait headset-head-unit 30 || fail "no HFP on the press"
	hfp=$(pwfix_headset_count headset-head-unit)
	wpctl set-profile "$(pwfix_headset_device_id)" 1 || fail "wpctl set-profile"
	wait_grep '^switching a2dp-sink' 30 "$PWFIX_DIR/headset.log" || fail "wpctl did not switch it"
	caps=$(grep -c "capturing from $IN" "$PWFIX_DIR/monitor.out")
	n=50
	until [ "$(pwfix_headset_count headset-head-unit)" -gt "$hfp" ]; do
		n=$((n - 1)); [ $n -gt 0 ] || fail "not taken back to HFP"; sleep 0.1
	done
	n=50
	until [ "$(grep -c "capturing from $IN" "$PWFIX_DIR/monitor.out")" -gt "$caps" ]; do
		n=$((n - 1)); [ $n -gt 0 ] || fail "the microphone did not come back"; sleep 0.1
	done
	ctl release >/dev/null 2>&1 || fail "release refused"
	;;
hs-no-sco)
	talk 3
	wait_grep '"type":"headset","state":"failed".*HFP audio \(SCO\) did not start: no microphone samples within 1.0 s' \
		10 "$PWFIX_DIR/monitor.out" || fail "the SCO failure not named in the monitor"
	grep -q 'HFP audio (SCO) did not start' "$PWFIX_DIR/status-talk.json" ||
		fail "the SCO failure not in the status"
	grep -q "capturing from desk_mic" "$PWFIX_DIR/monitor.out" ||
		fail "no fallback to the desk microphone"
	grep -q '"mic" *: *"live"' "$PWFIX_DIR/status-talk.json" || fail "status: mic not live"
	# the headset stayed in HFP, its (silent) source in the registry, and was not used
	grep -q '"mode" *: *"hfp"' "$PWFIX_DIR/status-talk.json" || fail "the headset left HFP"
	mic_order desk_mic
	"$ANALYSE" "$PWFIX_DIR/heard.raw" --expect-freq 440 --tolerance 1 \
		--min-active-ms 1500 || fail "what the dispatcher heard"
	;;
hs-no-sco-deny)
	press_denied '^denied: headset HFP audio (SCO) did not start: .*: press denied'
	ctl status --json >"$PWFIX_DIR/status-after.json"
	grep -q '"mic" *: *"failed"' "$PWFIX_DIR/status-after.json" || fail "status: mic not failed"
	grep -q '"mic_error" *: *"headset HFP audio (SCO) did not start' \
		"$PWFIX_DIR/status-after.json" || fail "status: mic_error does not name it"
	grep -q '"type":"mic","state":"failed"' "$PWFIX_DIR/monitor.out" ||
		fail "no mic failed event"
	grep -q '"to":"transmitting"' "$PWFIX_DIR/monitor.out" && fail "transmitting was shown"
	grep -q "capturing from desk_mic" "$PWFIX_DIR/monitor.out" &&
		fail "fell back although hfp-switch-fail = deny"
	;;
hs-mic-dead)
	pwfix_headset_wait headset-head-unit 50 || fail "not switched to HFP (always)"
	pwfix_wait_for "$IN" || fail "no $IN"
	press_denied '^denied: microphone failed: no microphone samples within 1.0 s .*: press denied'
	ctl status >"$PWFIX_DIR/status-after.txt"
	grep -Eq '^Mic: +failed: microphone failed: no microphone samples' \
		"$PWFIX_DIR/status-after.txt" || fail "pttgwctl status: $(cat "$PWFIX_DIR/status-after.txt")"
	wait_grep '"type":"mic","state":"failed","source":"'"$IN"'"' 10 "$PWFIX_DIR/monitor.out" ||
		fail "no mic failed event"
	grep -q '"to":"transmitting"' "$PWFIX_DIR/monitor.out" && fail "transmitting was shown"
	grep -q '"type":"headset","state":"failed"' "$PWFIX_DIR/monitor.out" &&
		fail "reported as a headset failure"
	;;
hs-no-hfp)
	talk 2.5
	grep -q '"reason":"headset has no HFP profile"' "$PWFIX_DIR/monitor.out" ||
		fail "no HFP profile not reported by name"
	grep -q "capturing from desk_mic" "$PWFIX_DIR/monitor.out" ||
		fail "no fallback to the desk microphone"
	grep -q '^switching' "$PWFIX_DIR/headset.log" && fail "the headset was switched"
	;;
hs-timeout)
	ctl press >/dev/null 2>&1 || fail "press refused"
	wait_grep 'timed out after 1.0 s' 40 "$PWFIX_DIR/monitor.out" ||
		fail "timeout not reported by name"
	ctl status --json | grep -q 'timed out after 1.0 s' || fail "timeout not in the status"
	ctl status | grep -Eq '^Headset: .*timed out after 1.0 s' ||
		fail "timeout not in pttgwctl status"
	wait_grep "capturing from desk_mic" 30 "$PWFIX_DIR/monitor.out" ||
		fail "no fallback to the desk microphone"
	ctl release >/dev/null 2>&1
	;;
hs-never)
	talk 2.5
	grep -q "capturing from desk_mic" "$PWFIX_DIR/monitor.out" ||
		fail "did not capture from the desk microphone"
	sleep 1.5 # WirePlumber's autoswitch would have acted by now
	grep -q '^switching headset' "$PWFIX_DIR/headset.log" && fail "the headset was switched"
	[ "$(pwfix_headset_profile)" = a2dp-sink ] || fail "not in A2DP"
	;;
hs-always)
	pwfix_headset_wait headset-head-unit 50 || fail "not switched to HFP without a press"
	talk 2
	grep -q "capturing from $IN" "$PWFIX_DIR/monitor.out" ||
		fail "pttgwd did not capture from $IN"
	sleep 3
	[ "$(pwfix_headset_profile)" = headset-head-unit ] || fail "left HFP"
	;;
hs-restart)
	found='"type":"headset","state":"profile"'
	before=$(grep -c "$found" "$PWFIX_DIR/monitor.out")
	pwfix_headset_stop
	pwfix_kill_daemons
	sleep 0.5
	pwfix_daemons || fail "PipeWire did not start again"
	pwfix_headset "$HEADSET" $BT $hs_args || fail "headset again"
	pwfix_headset_wait a2dp-sink || fail "headset not in a2dp-sink"
	n=60
	until [ "$(grep -c "$found" "$PWFIX_DIR/monitor.out")" -gt "$before" ]; do
		n=$((n - 1)); [ $n -gt 0 ] || fail "pttgwd did not find the headset again"
		sleep 0.1
	done
	sleep 2 # the audio bridge reconnects on its own timer
	talk 2.5
	grep -q "capturing from $IN" "$PWFIX_DIR/monitor.out" ||
		fail "pttgwd did not capture from $IN after the restart"
	[ "$(pwfix_headset_profile)" = headset-head-unit ] || fail "not on HFP"
	;;
*)
	fail "unknown case $case_name"
	;;
esac
kill "$GWD"
rc=0
wait "$GWD" || rc=$?
[ $rc = 0 ] || fail "pttgwd exited with $rc"
grep -q 'ERROR: \(Address\|Leak\)Sanitizer\|runtime error:' "$PWFIX_DIR/pttgwd.err" &&
	fail "sanitizer report"
echo "PASS: $case_name"
