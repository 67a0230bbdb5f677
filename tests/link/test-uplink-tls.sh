#!/bin/sh
# TLS: certificate verification is on by default (an unknown self-signed
# server is refused, no logon happens); ca-file makes it trusted; insecure =
# true connects anyway and warns at every connect.
. "$(dirname "$0")/test-uplink-lib.sh"

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=localhost \
	-addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
	-keyout "$T/key.pem" -out "$T/cert.pem" 2> "$T/openssl.err" || fail "openssl"
port=$(free_port)
start_server() {
	"$UPLINK_BADSERVER" "$port" good "$T/cert.pem" "$T/key.pem" >> "$T/server.out" 2>> "$T/server.err" &
	SERVER_PID=$!
	PIDS="$PIDS $SERVER_PID"
	SERVER_RUNS=$((${SERVER_RUNS:-0} + 1))
	wait_count "$T/server.err" '^badserver: listening' "$SERVER_RUNS" 10 || fail "the server did not start"
}
start_server

# 1. default: verification on, the self-signed server is refused
gateway_conf "$T/gw1.conf" "$port" gw1
sed -i "s|^url = .*|url = wss://localhost:$port/|" "$T/gw1.conf"
start_gateway gw1 "$T/gw1.conf"
wait_for "$T/gw1.out" 'state backoff' 10 || fail "an unverifiable server was not refused"
sleep 1
grep -q 'state connected' "$T/gw1.out" && fail "logged on to a server whose certificate does not verify"
grep -q 'logon from' "$T/server.err" && fail "the credentials went to an unverified server"
echo "default: refused: $(grep 'state backoff' "$T/gw1.out" | head -n1 | cut -d' ' -f4-)"
finish_gateway gw1

# 2. ca-file: trusted
gateway_conf "$T/gw2.conf" "$port" gw2 "ca-file = $T/cert.pem"
sed -i "s|^url = .*|url = wss://localhost:$port/|" "$T/gw2.conf"
start_gateway gw2 "$T/gw2.conf"
wait_for "$T/gw2.out" 'remote_stop 42 10$' 10 || fail "ca-file: no logon or no burst over TLS"
grep -q 'verification is OFF' "$T/gw2.err" && fail "ca-file: warned about insecure"
echo "ca-file: logged on over wss, burst received"
finish_gateway gw2

# 3. insecure: connects, and warns at every connect
gateway_conf "$T/gw3.conf" "$port" gw3 "insecure = true"
sed -i "s|^url = .*|url = wss://127.0.0.1:$port/|" "$T/gw3.conf"
start_gateway gw3 "$T/gw3.conf"
wait_for "$T/gw3.out" 'state connected' 10 || fail "insecure: no logon"
kill "$SERVER_PID"
wait "$SERVER_PID" 2>/dev/null
wait_for "$T/gw3.out" 'state backoff' 10 || fail "insecure: loss not noticed"
start_server
end=$(( $(date +%s) + 10 ))
while [ "$(count "$T/gw3.out" 'state connected')" -lt 2 ]; do
	[ "$(date +%s)" -ge "$end" ] && fail "insecure: no reconnect"
	sleep 0.05
done
w=$(count "$T/gw3.err" 'TLS certificate verification is OFF')
a=$(count "$T/gw3.out" 'state connecting')
[ "$w" -ge 2 ] || fail "insecure: warned $w times over 2 connects"
echo "insecure: $w warnings for $a connect attempts"
finish_gateway gw3
echo "PASS: verification on by default, ca-file trusted, insecure warned at every connect"
