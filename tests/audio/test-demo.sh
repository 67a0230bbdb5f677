#!/bin/bash
# Runs src/demo/pttgw-demo on this build and checks its WAV files and summary.
set -u
SRC=${1:?source dir} BUILD=${2:?build dir}
out=$(mktemp -d /tmp/pttgw-demo-test.XXXXXX)
trap 'rm -rf "$out"' EXIT
ANALYSE=$BUILD/tests/audio/audio-analyse
fails=0
check() { if eval "$2"; then echo "ok - $1"; else echo "FAIL - $1"; fails=$((fails + 1)); fi; }

start=$(date +%s)
PTTGW_BUILD=$BUILD timeout 150 "$SRC/src/demo/pttgw-demo" --no-build --out "$out/run" > "$out/demo.txt" 2>&1
rc=$?
cat "$out/demo.txt"
check "the demo exits 0 (rc=$rc) within a minute ($(( $(date +%s) - start )) s)" \
	"[ $rc -eq 0 ] && [ $(( $(date +%s) - start )) -lt 60 ]"
check "the summary reports two granted presses" "[ \$(grep -c 'granted, press -> grant' '$out/demo.txt') -eq 2 ]"
check "the pushed burst was played from its first packet" \
	"grep -Eq 'push for stream [0-9]+: push -> first audio' '$out/demo.txt'"
check "both presses switched the headset to HFP, and it went back to A2DP between them" \
	"[ \$(grep -c 'headset hfp (headset-head-unit) after' '$out/demo.txt') -eq 2 ] &&
	 grep -q 'headset a2dp (a2dp-sink) after' '$out/demo.txt'"
check "every burst played whole (100 of 100, none concealed)" \
	"[ \$(grep -c '100 packets received, 100 played, 0 concealed' '$out/demo.txt') -eq 2 ]"

# the headset played two 2 s bursts of 1 kHz
sox "$out/run/headset-played.wav" -t raw -r 16000 -e signed -b 16 -c 1 "$out/headset.raw" 2>/dev/null
a=$("$ANALYSE" "$out/headset.raw" --expect-freq 1000 --tolerance 1 --min-active-ms 3500 2>&1); rc=$?
echo "headset: $a"
check "the headset played 1 kHz for both bursts" "[ $rc -eq 0 ]"

# the dispatcher heard two talks of 440 Hz, back to back (about 4 s)
sox "$out/run/dispatcher-heard.wav" -t raw -r 16000 -e signed -b 16 -c 1 "$out/heard.raw" 2>/dev/null
a=$("$ANALYSE" "$out/heard.raw" --expect-freq 440 --tolerance 1 --min-active-ms 3500 2>&1); rc=$?
echo "dispatcher: $a"
check "the dispatcher heard 440 Hz for both talks" "[ $rc -eq 0 ]"
check "nothing left running" "! pgrep -f '$out/run' >/dev/null"

[ $fails -eq 0 ] && echo "demo: all checks passed" || echo "demo: $fails checks failed"
[ $fails -eq 0 ]
