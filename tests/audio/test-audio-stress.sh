#!/bin/sh
# test-audio-stress.sh AUDIO_STRESS [SECONDS] - playback and capture streams created,
# played and destroyed in a tight loop against the real headless PipeWire. Meant
# for the sanitizer builds (ASan/UBSan, ThreadSanitizer): a stream torn down while
# PipeWire's data thread runs its process() must not crash or race.
# STRESS_STREAMS (default 6) playback streams at once, plus one capture stream;
# PTTGW_HOOK_DELAY_US (default 300, 0 = off): see pw-hook-delay.c.
set -u
STRESS=$1
SECONDS_RUN=${2:-20}
here=$(dirname "$0")
. "$here/pw-fixture.sh"

pwfix_start || { echo "FAIL: fixture"; exit 1; }
pwfix_plain_sink stress_sink || { echo "FAIL: sink"; exit 1; }
pwfix_plain_source stress_mic || { echo "FAIL: source"; exit 1; }
# a writer that keeps the microphone node cycling
pwfix_bg sh -c 'exec pw-cat --playback --target stress_mic --rate 16000 --channels 1 \
	--format s16 - </dev/zero' 2>/dev/null
timeout $((SECONDS_RUN + 60)) "$STRESS" --sink stress_sink --source stress_mic \
	--seconds "$SECONDS_RUN" --streams "${STRESS_STREAMS:-6}"
rc=$?
[ $rc -eq 0 ] || { echo "FAIL: audio-stress exit $rc"; exit 1; }
echo "PASS"
