#!/bin/sh
# Bad input from a server (issue 3's list): each frame is logged by name and
# dropped; the link stays up (one attempt, one logon) and a good burst after
# the bad frames arrives whole.
. "$(dirname "$0")/test-uplink-lib.sh"

port=$(free_port)
"$UPLINK_BADSERVER" "$port" > "$T/badserver.out" 2> "$T/badserver.err" &
PIDS="$PIDS $!"
sleep 0.3
gateway_conf "$T/gw1.conf" "$port" gw1
start_gateway gw1 "$T/gw1.conf"

wait_for "$T/gw1.out" 'remote_stop 42 10$' 10 || fail "the good burst after the bad frames did not arrive whole"
say gw1 stats
wait_for "$T/gw1.out" ' stats ' 5 || fail "no stats"
grep -q 'stats attempts=1 logons=1 ' "$T/gw1.out" || fail "the link was re-established: bad input must not drop it"
grep -Eq 'bad_frames=12 ' "$T/gw1.out" || fail "not every bad frame was counted"
# the table of remote streams stays bounded: the oldest made room, then all ended
grep -q 'remote_stop 100 0$' "$T/gw1.out" || fail "the oldest never-ending stream did not end"
[ "$(count "$T/gw1.out" 'remote_stop 10[0-8] ')" = 9 ] || fail "not all 9 ghost streams ended"

for what in 'invalid json' 'not a JSON object' 'missing field "stream_id"' \
	'"stream_id" is string' 'invalid base64' 'shorter than the 9-byte header' \
	'unknown type 0x7f' 'audio for stream 999' 'text frame of 1048576 bytes' \
	'binary frame of 1048576 bytes' 'unexpected command "start_stream"' \
	'stream 100 never ended'; do
	grep -F "$what" "$T/gw1.err" | grep -q 'frame dropped' || fail "no error logged for: $what"
done
finish_gateway gw1
echo "PASS: 12 kinds of bad input logged and dropped, link kept, good burst received"
