#!/bin/sh
# Gateway against the reference relay: logon; press -> granted -> audio ->
# release, the other gateway receives every packet; the second gateway is
# denied while the first talks, then talks itself and the first receives.
. "$(dirname "$0")/test-uplink-lib.sh"

port=$(free_port)
start_relay "$port"
gateway_conf "$T/gw1.conf" "$port" gw1 "send-queue = 8"
gateway_conf "$T/gw2.conf" "$port" gw2
start_gateway gw1 "$T/gw1.conf"
start_gateway gw2 "$T/gw2.conf"
wait_for "$T/gw1.out" 'state connected' 10 || fail "gw1 did not log on"
wait_for "$T/gw2.out" 'state connected' 10 || fail "gw2 did not log on"

# a dispatcher listens to the channel
"$PTTGW_DISPATCH" -U "ws://127.0.0.1:$port" -u disp:pw-disp -C test -x 1 --timeout 30 \
	> "$T/disp.out" 2> "$T/disp.err" &
DISP_PID=$!
PIDS="$PIDS $DISP_PID"
sleep 0.5

# gw1 talks: 25 packets
say gw1 press
wait_for "$T/gw1.out" ' granted [0-9]+' 5 || fail "gw1 not granted"
id1=$(grep -Eo ' granted [0-9]+' "$T/gw1.out" | head -n1 | awk '{print $2}')
wait_for "$T/gw2.out" "remote_start $id1 gw1 " 5 || fail "gw2 did not see gw1's stream start (taken)"

# gw2 is denied while gw1 holds the floor
say gw2 press
wait_for "$T/gw2.out" ' denied ' 5 || fail "gw2 not denied while gw1 talks"
echo "gw2 denied: $(grep ' denied ' "$T/gw2.out" | head -n1 | cut -d' ' -f3-)"

say gw1 audio 25
wait_for "$T/gw1.out" 'audio_done 25' 5 || fail "gw1 could not send 25 packets"
# the send queue is bounded (send-queue = 8 here): 30 packets at once, 8 taken
say gw1 burst 30
wait_for "$T/gw1.out" ' burst ok=' 5 || fail "no burst result"
grep -q ' burst ok=8 enobufs=22 other=0' "$T/gw1.out" || fail "the send queue is not bounded at 8: $(grep ' burst ok=' "$T/gw1.out")"
sleep 0.2
say gw1 release
wait_for "$T/gw1.out" 'result release ok' 5 || fail "release refused"
wait_for "$T/gw2.out" "remote_stop $id1 33\$" 5 || fail "gw2 did not receive all 25 + 8 packets then the stop"
wait "$DISP_PID" || fail "pttgw-dispatch did not hear the burst"
grep "received stream $id1 from gw1: 33 packets, 0 lost" "$T/disp.out" ||
	fail "pttgw-dispatch did not hear all 33 packets of gw1"

# now gw2 talks and gw1 receives
say gw2 press
wait_for "$T/gw2.out" ' granted [0-9]+' 5 || fail "gw2 not granted after gw1 released"
id2=$(grep -Eo ' granted [0-9]+' "$T/gw2.out" | head -n1 | awk '{print $2}')
[ "$id2" != "$id1" ] || fail "stream ids must differ"
say gw2 audio 10
wait_for "$T/gw2.out" 'audio_done 10' 5 || fail "gw2 could not send"
sleep 0.2
say gw2 release
wait_for "$T/gw1.out" "remote_stop $id2 10\$" 5 || fail "gw1 did not receive gw2's 10 packets"

# the dispatcher talks 1 s (50 packets): both gateways receive it whole
"$PTTGW_DISPATCH" -U "ws://127.0.0.1:$port" -u disp:pw-disp -C test --tone 440 -s 1 -n 1 \
	--timeout 30 > "$T/disp2.out" 2> "$T/disp2.err" || fail "pttgw-dispatch could not talk"
cat "$T/disp2.out"
idd=$(grep -Eo 'sent burst 1: stream [0-9]+' "$T/disp2.out" | awk '{print $5}')
[ -n "$idd" ] || fail "no stream id from pttgw-dispatch"
wait_for "$T/gw1.out" "remote_stop $idd 50\$" 5 || fail "gw1 did not receive the dispatcher's 50 packets"
wait_for "$T/gw2.out" "remote_stop $idd 50\$" 5 || fail "gw2 did not receive the dispatcher's 50 packets"
grep -q "remote_start $idd disp " "$T/gw1.out" || fail "gw1 did not learn the talker (disp)"

# an emergency pre-empts: gw2 talks, gw1 presses emergency -> gw1 granted,
# gw2's stream is ended by the server -> revoked
n2=$(count "$T/gw2.out" ' granted ')
say gw2 press
wait_count "$T/gw2.out" ' granted ' $((n2 + 1)) 5 || fail "gw2 not granted before the emergency"
id3=$(grep -Eo ' granted [0-9]+' "$T/gw2.out" | tail -n1 | awk '{print $2}')
say gw2 audio 200
sleep 0.3
n1=$(count "$T/gw1.out" ' granted ')
say gw1 press-emergency
wait_count "$T/gw1.out" ' granted ' $((n1 + 1)) 5 || fail "gw1's emergency not granted"
wait_for "$T/gw2.out" "revoked $id3 " 5 || fail "gw2's stream not revoked by the emergency"
echo "emergency: $(grep "revoked $id3" "$T/gw2.out")"
id4=$(grep -Eo ' granted [0-9]+' "$T/gw1.out" | tail -n1 | awk '{print $2}')
wait_for "$T/gw2.out" "remote_start $id4 gw1 " 5 || fail "gw2 does not receive the emergency"
say gw1 release
wait_for "$T/gw2.out" "remote_stop $id4 " 5 || fail "gw2 did not see the emergency end"

# stop: disconnected ("stopped"), no reconnect; connect: back
say gw2 stop
wait_for "$T/gw2.out" 'state disconnected stopped' 5 || fail "stop: not disconnected"
n=$(count "$T/gw2.out" 'state (backoff|connecting)')
sleep 1.5
[ "$(count "$T/gw2.out" 'state (backoff|connecting)')" = "$n" ] || fail "stop: it reconnected by itself"
say gw2 connect
wait_count "$T/gw2.out" 'state connected' 2 5 || fail "connect after stop: not connected"

say gw1 stats
say gw2 stats
wait_for "$T/gw1.out" ' stats ' 5 || fail "no stats from gw1"
wait_for "$T/gw2.out" ' stats ' 5 || fail "no stats"
grep -q 'bad_frames=0' "$T/gw1.out" || fail "gw1 saw bad frames from the relay"
grep -q 'bad_frames=0' "$T/gw2.out" || fail "gw2 saw bad frames from the relay"
grep -h ' stats ' "$T/gw1.out" "$T/gw2.out"
finish_gateway gw1
finish_gateway gw2
echo "PASS: logon, press/granted/audio/release, denied while taken, then roles swapped"
