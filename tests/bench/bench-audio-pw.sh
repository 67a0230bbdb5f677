#!/bin/sh
# bench-audio-pw.sh BENCH_AUDIO [SECONDS] - the audio benchmark against a real,
# headless PipeWire + WirePlumber (tests/audio/pw-fixture.sh): an A2DP and an
# HFP stand-in, the HFP microphone fed with a speech-like file.
# Prints the in-process figures, then the live ones.
set -eu
BENCH=$1
SECS=${2:-60}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../audio/pw-fixture.sh"
BT=00:11:22:33:44:55
"$BENCH" --seconds "$SECS"
pwfix_start
pwfix_sink bt_a2dp a2dp-sink $BT
pwfix_sink bt_hfp headset-head-unit $BT
pwfix_source bt_hfp_mic $BT
# a speech-like microphone: a vowel-ish chord with a syllable-rate tremolo
sox -n -r 16000 -c 1 -b 16 "$PWFIX_DIR/mic.wav" synth $((SECS + 5)) sine 180 sine 900 \
	tremolo 4 90 vol 0.4
sox "$PWFIX_DIR/mic.wav" -t raw "$PWFIX_DIR/mic.raw"
pwfix_feed_source bt_hfp_mic "$PWFIX_DIR/mic.wav"
sleep 0.5
"$BENCH" --pipewire --seconds "$SECS" --mic "$PWFIX_DIR/mic.raw" --headset $BT
