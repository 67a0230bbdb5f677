#!/bin/sh
# bench-audio-pw.sh BENCH_AUDIO [SECONDS] - the audio benchmark against a real,
# headless PipeWire + WirePlumber (tests/audio/pw-fixture.sh): a plain (USB-like)
# speaker and microphone, WirePlumber's defaults, the microphone fed with a
# speech-like file. Not a headset: the figure is the audio path's CPU against bare
# libopus, and the headset stand-in (pw-bt-headset) plays only tones; a headset's
# profile switch is bench-headset-switch's.
# Prints the in-process figures, then the live ones.
set -eu
BENCH=$1
SECS=${2:-60}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/../audio/pw-fixture.sh"
"$BENCH" --seconds "$SECS"
pwfix_start
pwfix_plain_sink bench_speaker
pwfix_plain_source bench_mic
# a speech-like microphone: a vowel-ish chord with a syllable-rate tremolo
sox -n -r 16000 -c 1 -b 16 "$PWFIX_DIR/mic.wav" synth $((SECS + 5)) sine 180 sine 900 \
	tremolo 4 90 vol 0.4
sox "$PWFIX_DIR/mic.wav" -t raw "$PWFIX_DIR/mic.raw"
pwfix_feed_source bench_mic "$PWFIX_DIR/mic.wav"
sleep 0.5
"$BENCH" --pipewire --seconds "$SECS" --mic "$PWFIX_DIR/mic.raw"
