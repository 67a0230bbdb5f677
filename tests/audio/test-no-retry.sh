#!/bin/sh
# test-no-retry.sh AUDIO_DRIVE AUDIO_ANALYSE PTTGWD PTTGWCTL PTTGW_RELAY PTTGW_DISPATCH PW_BT_HEADSET
# The audio tests retry a recording case only for an analyser-level miss (the recording's
# figure out of bounds, issue #20 item 3). A crash or a sanitizer report in the first
# attempt fails the test at once, the reason and the report shown, no second attempt:
#   driver-crash:  test-audio.sh play-1khz, SIGSEGV to the driver while it plays
#   driver-report: test-audio.sh play-1khz, a UBSan-style report in the driver's stderr
#                  (exit status 0, the recording clean)
#   daemon-crash:  test-audio-e2e.sh e2e-1khz, SIGSEGV to pttgwd in the first attempt
# (PTTGW_TEST_INJECT, honoured by the test scripts only.)
set -u
DRIVE=$1
ANALYSE=$2
HEADSET=$7
here=$(dirname "$0")
tmp=$(mktemp -d /tmp/pttgw-no-retry.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
failed=0

# expect NAME INJECT WANT COMMAND...: COMMAND with PTTGW_TEST_INJECT=INJECT fails (exit 1),
# prints WANT (a regex) and "(never retried)", and no retried attempt
expect() {
	name=$1 inject=$2 want=$3
	shift 3
	PTTGW_TEST_INJECT=$inject "$@" >"$tmp/$name.out" 2>&1
	rc=$?
	why=
	[ $rc = 1 ] || why="exit $rc, not 1"
	grep -q '(never retried)' "$tmp/$name.out" || why="$why; no '(never retried)'"
	grep -Eq -- "$want" "$tmp/$name.out" || why="$why; no line matching '$want'"
	! grep -Eq '^(seed [0-9]+ )?attempt [0-9]+' "$tmp/$name.out" || why="$why; an attempt was retried"
	if [ -n "$why" ]; then
		echo "FAIL: $name: ${why#; }"
		sed 's/^/    /' "$tmp/$name.out" | tail -n 60
		failed=1
	else
		echo "ok: $name: $(grep -m1 '^FAIL:' "$tmp/$name.out")"
	fi
}

expect driver-crash crash 'SIGSEGV to the driver' \
	"$here/test-audio.sh" play-1khz "$DRIVE" "$ANALYSE" "$HEADSET"
expect driver-report report 'runtime error: injected by PTTGW_TEST_INJECT' \
	"$here/test-audio.sh" play-1khz "$DRIVE" "$ANALYSE" "$HEADSET"
expect daemon-crash crash 'SIGSEGV to pttgwd' \
	"$here/test-audio-e2e.sh" e2e-1khz "$3" "$4" "$5" "$6" "$ANALYSE" "$HEADSET"
[ $failed = 0 ] || exit 1
echo "PASS: a crash or a sanitizer report fails the first attempt, never retried"
