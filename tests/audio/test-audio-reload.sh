#!/bin/sh
# test-audio-reload.sh PTTGWD PTTGWCTL PTTGW_RELAY PTTGW_DISPATCH AUDIO_ANALYSE PW_BT_HEADSET
# A reload that changes [audio] while a dispatcher's burst plays through pttgwd to the
# headset's A2DP sink (headless PipeWire, pw-bt-headset): the reload waits ("pending"), the burst plays out
# whole (recorded from the sink's monitor: 1 kHz, no gap over one frame, >= 2.8 of 3 s),
# then it is applied (the audio bridge made anew) without dropping the link: the next
# burst plays at the reloaded [audio] volume (50 %: 0.5 of the first burst's level).
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

pwfix_start || fail "fixture did not start"
pwfix_headset "$HEADSET" $BT || fail "headset"
pwfix_headset_wait a2dp-sink && pwfix_wait_for $SINK || fail "headset not in A2DP"

pwfix_session_bus || fail "no session bus"

port=$(pwfix_free_port)
pwfix_relay "$RELAY" "$port" --channel test --user gw1:pw-gw1 --user disp:pw-disp ||
	fail "relay does not listen"

printf 'pw-gw1\n' >"$PWFIX_DIR/gw1.cred"
chmod 600 "$PWFIX_DIR/gw1.cred"
gw_conf() { # VOLUME VOLUME-STEP
	cat >"$PWFIX_DIR/gw.conf.new" <<CONF
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
volume = $1
volume-step = $2
CONF
	mv "$PWFIX_DIR/gw.conf.new" "$PWFIX_DIR/gw.conf"
}
gw_conf 100 10
G_MESSAGES_DEBUG=pttgw-audio pwfix_bg "$PTTGWD" --session-bus --config "$PWFIX_DIR/gw.conf" \
	>"$PWFIX_DIR/pttgwd.out" 2>"$PWFIX_DIR/pttgwd.err"
GWD=$PWFIX_LAST
n=0
while ! ctl status 2>/dev/null | grep -Eq '^Link: +connected'; do
	n=$((n + 1)); [ $n -gt 100 ] && fail "pttgwd's link did not come up"; sleep 0.1
done
ctl status

jget() { # jget PYTHON-EXPR over pttgwctl status --json
	ctl status --json | python3 -c "import json,sys; s=json.load(sys.stdin); print($1)"
}
logons() { grep -c 'gw1 logged on' "$PWFIX_DIR/relay.err"; }
# Long enough that the reload lands inside it also when the daemon and pttgwctl run slowly
# (the ThreadSanitizer stage saw a 3 s burst end before its reload came).
BURST_S=6
burst() { # burst RECORDING: one BURST_S s dispatcher burst of 1 kHz, recorded at the sink
	pwfix_record_sink $SINK "$1"
	sleep 0.3
	timeout 30 "$DISPATCH" -U "ws://127.0.0.1:$port" -u disp:pw-disp -C test \
		--tone 1000 -s $BURST_S -n 1 --timeout 30 >"$PWFIX_DIR/disp.out" \
		2>"$PWFIX_DIR/disp.err" &
	disp=$!
}
burst_end() {
	wait "$disp" || fail "pttgw-dispatch failed"
	sleep 1
	pwfix_stop_rec
}
clean() { # clean RECORDING ANALYSIS
	"$ANALYSE" "$1" --expect-freq 1000 --tolerance 1 --max-gap-ms 20 --min-active-ms $((BURST_S * 1000 - 200)) \
		>"$2" 2>&1
}

# --- a reload during a burst: pending, the burst plays out whole --------------------------
ok=0
for attempt in $(seq $ATTEMPTS); do
	count=$(jget 's["reload"]["count"]')
	burst "$PWFIX_DIR/rec-100.raw"
	n=0
	while ! ctl status 2>/dev/null | grep -Eq '^Talker: +disp'; do
		n=$((n + 1)); [ $n -gt 100 ] && fail "the burst did not start"; sleep 0.05
	done
	sleep 1
	gw_conf 50 $((10 + attempt)) # [audio] changed: the bridge is made anew
	ctl reload >"$PWFIX_DIR/reload.out" 2>&1 || fail "reload refused: $(cat "$PWFIX_DIR/reload.out")"
	grep -q 'applied when the floor is idle' "$PWFIX_DIR/reload.out" ||
		fail "the reload during the burst was not pending: $(cat "$PWFIX_DIR/reload.out")"
	burst_end
	n=0
	while [ "$(jget 's["reload"]["count"]')" = "$count" ]; do
		n=$((n + 1)); [ $n -gt 100 ] && fail "the reload was not applied after the burst"
		sleep 0.1
	done
	[ "$(jget 's["reload"]["changed"]')" = audio ] || fail "changed: $(jget 's["reload"]["changed"]')"
	pwfix_sane "attempt $attempt" "$GWD" "$PWFIX_DIR/pttgwd.err" "$PWFIX_DIR/relay.err" "$PWFIX_DIR/disp.err"
	if clean "$PWFIX_DIR/rec-100.raw" "$PWFIX_DIR/an-100.txt"; then
		ok=1
		break
	fi
	cat "$PWFIX_DIR/an-100.txt"
	echo "attempt $attempt: the burst across the reload is not clean"
	gw_conf 100 9 # back to 100 % for the next attempt (applied at once: idle)
	ctl reload >/dev/null || fail "reload back to 100 %"
done
[ $ok = 1 ] || fail "the burst across the reload"
cat "$PWFIX_DIR/an-100.txt"
rms_100=$(sed -n 's/.*median_rms=\([0-9]*\).*/\1/p' "$PWFIX_DIR/an-100.txt")
echo "burst during the reload: played whole at 100 % (median RMS $rms_100)"
[ "$(logons)" = 1 ] || fail "the link was dropped by an [audio] reload (logons $(logons))"

# --- the next burst at the reloaded volume -------------------------------------------------
ok=0
for attempt in $(seq $ATTEMPTS); do
	burst "$PWFIX_DIR/rec-50.raw"
	burst_end
	pwfix_sane "attempt $attempt" "$GWD" "$PWFIX_DIR/pttgwd.err" "$PWFIX_DIR/relay.err" "$PWFIX_DIR/disp.err"
	if clean "$PWFIX_DIR/rec-50.raw" "$PWFIX_DIR/an-50.txt"; then
		ok=1
		break
	fi
	cat "$PWFIX_DIR/an-50.txt"
	echo "attempt $attempt: the recording at 50 % is not clean"
done
[ $ok = 1 ] || fail "the burst after the reload"
rms_50=$(sed -n 's/.*median_rms=\([0-9]*\).*/\1/p' "$PWFIX_DIR/an-50.txt")
awk -v r="$rms_50" -v ref="$rms_100" 'BEGIN {
	q = r / ref; printf "after the reload: %.3f of the level before (want 0.50)\n", q
	exit !(q > 0.45 && q < 0.55) }' || fail "the reloaded [audio] volume did not apply"
[ "$(logons)" = 1 ] || fail "logons $(logons), want 1"
# listening never moved the headset off A2DP (the bridge made anew included)
[ "$(grep -c '^switching' "$PWFIX_DIR/headset.log")" = 0 ] || fail "the headset was switched"

kill "$GWD"
rc=0
wait "$GWD" || rc=$?
[ $rc = 0 ] || fail "pttgwd exited with $rc"
! grep -qE "$PWFIX_SAN_RE" "$PWFIX_DIR/pttgwd.err" || fail "sanitizer report"
echo "PASS: audio reload: pending during a burst, played whole, then applied, link kept"
