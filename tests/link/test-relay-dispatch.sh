#!/bin/sh
# pttgw-dispatch against pttgw-relay on loopback: one dispatcher talks tone bursts,
# another records them; every packet arrives, the recording is the tone.
# Usage: test-relay-dispatch.sh BUILD_DIR
set -eu
B="$1/src/relay"
T=$(mktemp -d)
RELAY=
cleanup() {
	[ -n "$RELAY" ] && kill "$RELAY" 2>/dev/null && wait "$RELAY" 2>/dev/null || true
	rm -rf "$T"
}
trap cleanup EXIT INT TERM

"$B/pttgw-relay" --listen 127.0.0.1:0 -u disp:pw -u gw:pw -C ops >"$T/relay.out" 2>"$T/relay.err" &
RELAY=$!
i=0
until grep -q listening "$T/relay.out" 2>/dev/null; do
	i=$((i + 1)); [ $i -lt 50 ] || { echo "relay did not start"; cat "$T/relay.err"; exit 1; }
	sleep 0.1
done
URL=$(sed -n 's/.*listening on \(ws:[^ ]*\).*/\1/p' "$T/relay.out")
echo "relay at $URL"

timeout 30 "$B/pttgw-dispatch" -U "$URL" -u gw:pw -C ops --record "$T/heard.wav" -x 3 \
	>"$T/rec.out" 2>&1 &
REC=$!
# the recorder must be logged on before the first burst starts
i=0
until grep -q "logged on" "$T/rec.out" 2>/dev/null; do
	i=$((i + 1)); [ $i -lt 50 ] || { echo "recorder did not log on"; cat "$T/rec.out"; exit 1; }
	sleep 0.1
done
timeout 30 "$B/pttgw-dispatch" -U "$URL" -u disp:pw -C ops --tone 440 --seconds 1 --bursts 3 \
	--gap 0.2 >"$T/talk.out" 2>&1 || { cat "$T/talk.out"; exit 1; }
wait $REC || { echo "recorder failed"; cat "$T/rec.out"; exit 1; }
cat "$T/talk.out" "$T/rec.out"

test "$(grep -c 'sent burst .*, 50 packets' "$T/talk.out")" = 3
test "$(grep -c 'received stream .*: 50 packets, 0 lost' "$T/rec.out")" = 3
test "$(grep -c 'delivered stream=.* user=gw .*packets=50' "$T/relay.err")" = 3
if command -v sox >/dev/null; then
	f=$(sox "$T/heard.wav" -n stat 2>&1 | sed -n 's/^Rough *frequency: *//p')
	echo "recorded tone: ${f} Hz"
	test "$f" -gt 420 && test "$f" -lt 460
fi
echo "PASS"
