#!/bin/sh
# pttgw-relay publishes one push per burst to every channel member but the talker,
# connected or not (real mosquitto on a free loopback port).
# Usage: test-relay-push.sh BUILD_DIR
set -eu
B="$1/src/relay"
command -v mosquitto >/dev/null || PATH="$PATH:/usr/sbin"
T=$(mktemp -d)
PIDS=
cleanup() {
	for p in $PIDS; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
MQ=$(free_port)
printf 'listener %s 127.0.0.1\nallow_anonymous true\npersistence false\n' "$MQ" >"$T/mq.conf"
mosquitto -c "$T/mq.conf" >"$T/mq.log" 2>&1 &
PIDS="$PIDS $!"
for u in gw1 gw2 disp; do
	head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$T/$u.key"
	chmod 600 "$T/$u.key"
done
i=0
until mosquitto_sub -h 127.0.0.1 -p "$MQ" -t x -W 1 -C 1 >/dev/null 2>&1 || [ $? -eq 27 ]; do
	i=$((i + 1)); [ $i -lt 30 ] || { echo "broker did not start"; cat "$T/mq.log"; exit 1; }
	sleep 0.1
done
"$B/pttgw-relay" --listen 127.0.0.1:0 -u disp:pw -u gw1:pw -u gw2:pw -u other:pw \
	-C "ops=disp,gw1,gw2" -C "elsewhere=other" --mqtt "127.0.0.1:$MQ" \
	--push-key "gw1:$T/gw1.key" --push-key "gw2:$T/gw2.key" --push-key "disp:$T/disp.key" \
	>"$T/relay.out" 2>"$T/relay.err" &
PIDS="$PIDS $!"
i=0
until grep -q listening "$T/relay.out" 2>/dev/null; do
	i=$((i + 1)); [ $i -lt 50 ] || { echo "relay did not start"; cat "$T/relay.err"; exit 1; }
	sleep 0.1
done
URL=$(sed -n 's/.*listening on \(ws:[^ ]*\).*/\1/p' "$T/relay.out")
timeout 20 mosquitto_sub -h 127.0.0.1 -p "$MQ" -t 'pttgw/#' -v -W 6 -C 5 >"$T/sub.out" 2>&1 &
SUB=$!
PIDS="$PIDS $SUB"
sleep 0.5
# nobody but disp is connected: gw1 and gw2 still get a push per burst, disp none
timeout 20 "$B/pttgw-dispatch" -U "$URL" -u disp:pw -C ops --tone 300 --seconds 0.2 \
	--bursts 2 --gap 0.1 -q >"$T/talk.out" 2>&1 || { cat "$T/talk.out" "$T/relay.err"; exit 1; }
wait $SUB || true
cat "$T/sub.out"
test "$(grep -c '^pttgw/gw1 ' "$T/sub.out")" = 2
test "$(grep -c '^pttgw/gw2 ' "$T/sub.out")" = 2
! grep -q '^pttgw/disp \|^pttgw/other ' "$T/sub.out"
# each push names its burst
for id in $(sed -n 's/sent burst .*: stream \([0-9]*\),.*/\1/p' "$T/talk.out"); do
	n=$(sed -n 's/^pttgw\/[a-z0-9]* .*"payload":"\([^"]*\)".*/\1/p' "$T/sub.out" |
	    while read -r p; do echo "$p" | base64 -d; echo; done | grep -c "\"stream_id\":$id,")
	test "$n" = 2
done
echo "PASS"
