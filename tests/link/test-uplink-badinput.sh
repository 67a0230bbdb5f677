#!/bin/sh
# Bad input from a server (issue 3's list): each frame is logged by name and
# dropped; the link stays up (one attempt, one logon) and a good burst after
# the bad frames arrives whole.
. "$(dirname "$0")/test-uplink-lib.sh"

port=$(free_port)
"$UPLINK_BADSERVER" "$port" > "$T/badserver.out" 2> "$T/badserver.err" &
PIDS="$PIDS $!"
# the first connect must find it listening (a retry would spoil "attempts=1")
wait_for "$T/badserver.err" '^badserver: listening' 10 || fail "the bad server did not start"
gateway_conf "$T/gw1.conf" "$port" gw1
start_gateway gw1 "$T/gw1.conf"

wait_for "$T/gw1.out" 'remote_stop 42 10$' 10 || fail "the good burst after the bad frames did not arrive whole"
say gw1 stats
wait_for "$T/gw1.out" ' stats ' 5 || fail "no stats"
grep -q 'stats attempts=1 logons=1 ' "$T/gw1.out" || fail "the link was re-established: bad input must not drop it"
grep -Eq 'bad_frames=11 ' "$T/gw1.out" || fail "not every bad frame was counted"
# an undecodable codec_header is a stream we cannot play, not bad input: it starts with why
grep -q 'remote_start 7 x - 0 0 codec header: invalid base64$' "$T/gw1.out" ||
	fail "the stream with a bad codec_header did not start with its reason"
grep -q 'remote_stop 7 0$' "$T/gw1.out" || fail "the stream with a bad codec_header did not end"
# the table of remote streams stays bounded: the oldest made room, then all ended
grep -q 'remote_stop 100 0$' "$T/gw1.out" || fail "the oldest never-ending stream did not end"
[ "$(count "$T/gw1.out" 'remote_stop 10[0-8] ')" = 9 ] || fail "not all 9 ghost streams ended"

for what in 'invalid json' 'not a JSON object' 'missing field "stream_id"' \
	'"stream_id" is string' 'shorter than the 9-byte header' \
	'unknown type 0x7f' 'audio for stream 999' 'text frame of 1048576 bytes' \
	'binary frame of 1048576 bytes' 'unexpected command "start_stream"' \
	'stream 100 never ended'; do
	grep -F "$what" "$T/gw1.err" | grep -q 'frame dropped' || fail "no error logged for: $what"
done
finish_gateway gw1
echo "PASS: 11 kinds of bad input logged and dropped, an unplayable codec_header started" \
	"with its reason, link kept, good burst received"
