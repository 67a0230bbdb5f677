#!/bin/sh
# test-audio-conformance.sh FORMAT PTTGWD PTTGWCTL AUDIO_ANALYSE
# Inbound audio as a strict server sends it (API.md: 8-48 kHz, 1-2 frames per
# packet, 2.5-60 ms frames): the server double's 1 kHz burst in FORMAT
# (RATE-FRAMEMS-FRAMES, e.g. 48000-60-1) plays through the real pttgwd to a
# headless PipeWire stand-in sink: 1 kHz within 1 %, zero invalid packets.
# FORMAT "outbound": a press with a microphone fed a tone; every packet the
# gateway sends a plain server (no extensions announced) has packet_id 0.
set -u
FORMAT=$1
export PTTGWD=$2 PTTGWCTL=$3 AUDIO_ANALYSE=$4
here=$(dirname "$0")
. "$here/../audio/pw-fixture.sh"
BT=00:11:22:33:44:55

fail() {
	echo "FAIL: $*"
	for f in "$PWFIX_DIR"/*.err; do
		[ -f "$f" ] || continue
		echo "---- $f (last 25 lines)"
		grep -v acquire_rt "$f" | tail -n 25
	done
	exit 1
}

pwfix_start || fail "fixture did not start"
pwfix_sink bt_a2dp a2dp-sink $BT && pwfix_sink bt_hfp headset-head-unit $BT || fail "stand-ins"
pwfix_session_bus || fail "no session bus"
export PWFIX_DIR BT
if [ "$FORMAT" = outbound ]; then
	# a microphone fed a tone: what the gateway sends a plain server
	pwfix_source bt_hfp_mic $BT || fail "microphone stand-in"
	sox -n -r 16000 -c 1 -b 16 "$PWFIX_DIR/tone.wav" synth 30 sine 440 vol 0.5 || fail "sox"
	pwfix_feed_source bt_hfp_mic "$PWFIX_DIR/tone.wav" || fail "feed"
fi
python3 "$here/conformance_audio.py" "$FORMAT" || fail "audio conformance $FORMAT"
echo "PASS: $FORMAT"
