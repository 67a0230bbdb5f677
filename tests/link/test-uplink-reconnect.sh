#!/bin/sh
# The relay is killed and restarted 20 times: the gateway reconnects every
# time within the backoff bound (cap + slack after the relay listens again).
. "$(dirname "$0")/test-uplink-lib.sh"

CYCLES=${CYCLES:-20}
BACKOFF_BASE=0.1
BACKOFF_CAP=1
SLACK_MS=1000
port=$(free_port)
start_relay "$port"
gateway_conf "$T/gw1.conf" "$port" gw1
start_gateway gw1 "$T/gw1.conf"
wait_for "$T/gw1.out" 'state connected' 10 || fail "gw1 did not log on"

worst=0
times=""
i=1
while [ $i -le $CYCLES ]; do
	before=$(count "$T/gw1.out" 'state connected')
	kill -9 "$RELAY_PID"
	wait "$RELAY_PID" 2>/dev/null
	wait_for "$T/gw1.out" "state (backoff|connecting)" 5 || fail "cycle $i: the loss was not noticed"
	# stay down for a varying while so that attempts fail and the backoff grows
	sleep "0.$(( (i * 37) % 10 ))"
	start_relay "$port"
	up=$(date +%s%3N)
	end=$(( $(date +%s) + 10 ))
	while [ "$(count "$T/gw1.out" 'state connected')" -le "$before" ]; do
		[ "$(date +%s)" -ge "$end" ] && fail "cycle $i: no reconnect within 10 s"
		sleep 0.02
	done
	at=$(grep 'state connected' "$T/gw1.out" | tail -n1 | awk '{print $1}')
	dt=$(( at - up ))
	[ $dt -lt 0 ] && dt=0
	times="$times $dt"
	[ $dt -gt $worst ] && worst=$dt
	[ $dt -le $(( 1000 + SLACK_MS )) ] || fail "cycle $i: reconnect took $dt ms, bound is 1000 ms (cap) + $SLACK_MS ms"
	i=$((i + 1))
done
# API.md: a reconnect logon carries the refresh token the last logon gave and,
# next to the username, the password: a restarted relay that no longer knows
# the token still accepts it, nothing is refused
grep -q 'logon as gw1 with the password and the refresh token' "$T/gw1.err" ||
	fail "no reconnect logon with the password and the refresh token"
grep -q 'auth_refused' "$T/gw1.out" && fail "a reconnect must not count as refused credentials"
say gw1 stats
wait_for "$T/gw1.out" ' stats ' 5 || fail "no stats"
grep ' stats ' "$T/gw1.out"
echo "reconnect after the relay listens again (ms):$times"
echo "worst $worst ms (bound: backoff-cap 1000 ms + $SLACK_MS ms slack)"
finish_gateway gw1
echo "PASS: $CYCLES kills, $CYCLES reconnects"
