#!/bin/sh
# test-audio-conformance.sh FORMAT PTTGWD PTTGWCTL AUDIO_ANALYSE PW_BT_HEADSET
# Inbound audio as a strict server sends it (API.md: 8-48 kHz, 1-2 frames per
# packet, 2.5-60 ms frames): the server double's 1 kHz burst in FORMAT
# (RATE-FRAMEMS-FRAMES, e.g. 48000-60-1) plays through the real pttgwd to a
# headless PipeWire with a real-shaped headset (pw-bt-headset, in A2DP): its
# sink's recording is 1 kHz within 1 %, zero invalid packets.
# FORMAT "outbound": a press (the gateway switches the headset to HFP, whose
# microphone is a 440 Hz source); every packet the gateway sends a plain server
# (no extensions announced) has packet_id 0.
set -u
FORMAT=$1
export PTTGWD=$2 PTTGWCTL=$3 AUDIO_ANALYSE=$4
HEADSET=$5
here=$(dirname "$0")
. "$here/../audio/pw-fixture.sh"
BT=00:11:22:33:44:55
SINK=bluez_output.00_11_22_33_44_55.1

fail() {
	echo "FAIL: $*"
	for f in "$PWFIX_DIR"/*.err "$PWFIX_DIR"/*.log; do
		[ -f "$f" ] || continue
		echo "---- $f (last 25 lines)"
		grep -v acquire_rt "$f" | tail -n 25
	done
	exit 1
}

pwfix_start || fail "fixture did not start"
pwfix_headset "$HEADSET" $BT || fail "headset"
pwfix_headset_wait a2dp-sink && pwfix_wait_for $SINK || fail "headset not in A2DP"
pwfix_session_bus || fail "no session bus"
export PWFIX_DIR BT SINK
python3 "$here/conformance_audio.py" "$FORMAT" || fail "audio conformance $FORMAT"
if [ "$FORMAT" = outbound ]; then
	# the press talked from the headset's HFP microphone, as on a real headset
	grep -q '^profile headset-head-unit$' "$PWFIX_DIR/headset.log" ||
		fail "the press did not switch the headset to HFP"
fi
echo "PASS: $FORMAT"
