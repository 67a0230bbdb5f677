#!/bin/sh
# A refused logon: auth_refused with the server's reason, the link goes to
# backoff (not connected), and the credentials are retried with backoff.
. "$(dirname "$0")/test-uplink-lib.sh"

port=$(free_port)
"$UPLINK_BADSERVER" "$port" refuse > "$T/server.out" 2> "$T/server.err" &
PIDS="$PIDS $!"
wait_for "$T/server.err" '^badserver: listening' 10 || fail "the server did not start"
gateway_conf "$T/gw1.conf" "$port" gw1
start_gateway gw1 "$T/gw1.conf"
wait_for "$T/gw1.out" 'auth_refused not authorized' 10 || fail "no auth_refused event"
wait_for "$T/gw1.out" 'state backoff logon refused: not authorized' 5 || fail "not in backoff with the reason"
end=$(( $(date +%s) + 10 ))
while [ "$(count "$T/server.err" 'logon from')" -lt 3 ]; do
	[ "$(date +%s)" -ge "$end" ] && fail "logon not retried"
	sleep 0.05
done
grep -q 'state connected' "$T/gw1.out" && fail "refused but connected"
finish_gateway gw1
echo "PASS: refused logon reported and retried with backoff"
