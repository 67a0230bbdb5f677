#!/bin/sh
# Relay frozen with SIGSTOP (no FIN, no RST): the dead link is found within
# 2.5 x heartbeat (1 s here). A fault while transmitting (freeze, then kill)
# ends our stream with "revoked ... link lost", the link in backoff, and a new
# press works once the relay is back.
. "$(dirname "$0")/test-uplink-lib.sh"

HEARTBEAT=1
port=$(free_port)
start_relay "$port"
gateway_conf "$T/gw1.conf" "$port" gw1
start_gateway gw1 "$T/gw1.conf"
wait_for "$T/gw1.out" 'state connected' 10 || fail "gw1 did not log on"
sleep 1.5

# 1. frozen relay while idle
n=$(count "$T/gw1.out" 'state (backoff|connecting|disconnected)')
kill -STOP "$RELAY_PID"
t0=$(date +%s%3N)
wait_count "$T/gw1.out" 'state (backoff|connecting|disconnected)' $((n + 1)) 10 ||
	fail "dead link not detected in 10 s"
t1=$(grep -E 'state (backoff|connecting|disconnected)' "$T/gw1.out" | sed -n "$((n + 1))p" | awk '{print $1}')
dt=$((t1 - t0))
echo "frozen relay: dead link detected after $dt ms (bound 2500 ms)"
grep -q 'dead link' "$T/gw1.out" || fail "the reason is not 'dead link'"
[ $dt -le 2700 ] || fail "dead link detected after $dt ms, more than 2.5 x heartbeat"
# never more than one attempt in flight: press-like connect requests in a
# row while the relay is frozen (its kernel still accepts connections)
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do say gw1 connect; sleep 0.05; done
sleep 0.5
inflight=$(python3 - "$port" <<'PY'
import sys
port = int(sys.argv[1])
n = 0
for line in open("/proc/net/tcp").readlines()[1:]:
    f = line.split()
    rport = int(f[2].split(":")[1], 16)
    if rport == port and f[3] in ("01", "02"):  # ESTABLISHED, SYN_SENT
        n += 1
print(n)
PY
)
echo "connections to the frozen relay after 20 connect-now requests: $inflight"
[ "$inflight" -le 1 ] || fail "$inflight attempts in flight at once"
kill -CONT "$RELAY_PID"
wait_count "$T/gw1.out" 'state connected' 2 10 || fail "no reconnect after SIGCONT"

# 2. frozen relay while transmitting
say gw1 press
wait_for "$T/gw1.out" ' granted [0-9]+' 5 || fail "not granted"
id=$(grep -Eo ' granted [0-9]+' "$T/gw1.out" | tail -n1 | awk '{print $2}')
say gw1 audio 500
sleep 0.5
kill -STOP "$RELAY_PID"
t0=$(date +%s%3N)
wait_for "$T/gw1.out" "revoked $id link lost" 10 || fail "frozen while transmitting: no revoked event"
t1=$(grep "revoked $id" "$T/gw1.out" | awk '{print $1}')
echo "frozen while transmitting: 'revoked $id link lost' after $((t1 - t0)) ms"
grep -E "state backoff dead link" "$T/gw1.out" > /dev/null || fail "no backoff state after the dead link"
say gw1 state
wait_for "$T/gw1.out" ' status ' 5 || fail "no status"
grep ' status ' "$T/gw1.out" | tail -n1
grep ' status ' "$T/gw1.out" | tail -n1 | grep -Eq 'status (backoff|connecting) ' || fail "not in a defined state"
kill -CONT "$RELAY_PID"
end=$(( $(date +%s) + 10 ))
while [ "$(count "$T/gw1.out" 'state connected')" -lt 3 ]; do
	[ "$(date +%s)" -ge "$end" ] && fail "no reconnect after the second SIGCONT"
	sleep 0.05
done

# 3. relay killed while transmitting
say gw1 press
end=$(( $(date +%s) + 5 ))
while [ "$(count "$T/gw1.out" ' granted ')" -lt 2 ]; do
	[ "$(date +%s)" -ge "$end" ] && fail "not granted after the reconnect"
	sleep 0.05
done
id=$(grep -Eo ' granted [0-9]+' "$T/gw1.out" | tail -n1 | awk '{print $2}')
say gw1 audio 500
sleep 0.3
kill -9 "$RELAY_PID"
wait_for "$T/gw1.out" "revoked $id link lost" 5 || fail "killed while transmitting: no revoked event"
wait_for "$T/gw1.out" 'state backoff' 5 || fail "not in backoff after the kill"
echo "killed while transmitting: $(grep "revoked $id" "$T/gw1.out")"
start_relay "$port"
end=$(( $(date +%s) + 10 ))
while [ "$(count "$T/gw1.out" 'state connected')" -lt 4 ]; do
	[ "$(date +%s)" -ge "$end" ] && fail "no reconnect after the restart"
	sleep 0.05
done
finish_gateway gw1
echo "PASS: dead link detected in $dt ms; faults while transmitting end in revoked + backoff, then recover"
