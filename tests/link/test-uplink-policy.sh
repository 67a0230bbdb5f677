#!/bin/sh
# Link policies against the relay.
#  idle-drop: the link is dropped after idle-drop-after (state disconnected,
#  "idle (policy)", not an error); a press brings it back at once and talks.
#  push-only: the link is dropped after logon and after every burst; a join
#  (what a push does) reconnects and receives the burst from its first packet.
. "$(dirname "$0")/test-uplink-lib.sh"

port=$(free_port)
start_relay "$port"
gateway_conf "$T/gw1.conf" "$port" gw1 "policy = idle-drop" "idle-drop-after = 1"
gateway_conf "$T/gw2.conf" "$port" gw2
gateway_conf "$T/gw3.conf" "$port" gw3 "policy = push-only"
start_gateway gw1 "$T/gw1.conf"
start_gateway gw2 "$T/gw2.conf"
start_gateway gw3 "$T/gw3.conf"

wait_for "$T/gw1.out" 'state connected' 10 || fail "gw1 did not log on"
wait_for "$T/gw1.out" 'state disconnected idle \(policy\)' 5 || fail "idle-drop: link not dropped"
grep -q 'state backoff' "$T/gw1.out" && fail "idle-drop: a policy drop must not be an error"
say gw1 press
wait_for "$T/gw1.out" ' granted [0-9]+' 5 || fail "idle-drop: press did not reconnect and get the floor"
say gw1 audio 5
wait_for "$T/gw1.out" 'audio_done 5' 5 || fail "idle-drop: audio"
say gw1 release
wait_for "$T/gw1.out" 'result release ok' 5 || fail "idle-drop: release"
end=$(( $(date +%s) + 5 ))
while [ "$(count "$T/gw1.out" 'state disconnected idle')" -lt 2 ]; do
	[ "$(date +%s)" -ge "$end" ] && fail "idle-drop: not dropped again after the burst"
	sleep 0.05
done
echo "idle-drop: $(grep -c 'state ' "$T/gw1.out") state changes, dropped twice, press reconnected"

wait_for "$T/gw2.out" 'state connected' 10 || fail "gw2 did not log on"
wait_for "$T/gw3.out" 'state disconnected idle \(policy\)' 10 || fail "push-only: not dropped after logon"
BURSTS=${BURSTS:-5}
b=1
while [ $b -le $BURSTS ]; do
	n=$(count "$T/gw2.out" ' granted ')
	say gw2 press
	end=$(( $(date +%s) + 5 ))
	while [ "$(count "$T/gw2.out" ' granted ')" -le "$n" ]; do
		[ "$(date +%s)" -ge "$end" ] && fail "burst $b: gw2 not granted"
		sleep 0.02
	done
	id=$(grep -Eo ' granted [0-9]+' "$T/gw2.out" | tail -n1 | awk '{print $2}')
	say gw2 audio 20
	sleep 0.1
	# the push: gw3 joins late, from the first packet
	say gw3 join "$id"
	end=$(( $(date +%s) + 5 ))
	while [ "$(count "$T/gw2.out" 'audio_done')" -lt $b ]; do
		[ "$(date +%s)" -ge "$end" ] && fail "burst $b: gw2 audio"
		sleep 0.02
	done
	say gw2 release
	wait_for "$T/gw3.out" "remote_stop $id 20\$" 5 || fail "push-only: burst $b ($id) not received whole by a late join"
	end=$(( $(date +%s) + 5 ))
	while [ "$(count "$T/gw3.out" 'state disconnected idle')" -le $b ]; do
		[ "$(date +%s)" -ge "$end" ] && fail "push-only: not dropped after burst $b"
		sleep 0.02
	done
	b=$((b + 1))
done
echo "push-only: $BURSTS bursts joined late, each with all 20 packets, link dropped after each"

# push-only, our own bursts: a press brings the link up; a press right after
# a release keeps it (the drop waits for the queue and yields to new activity)
drops=$(count "$T/gw3.out" 'state disconnected idle')
say gw3 press
wait_count "$T/gw3.out" ' granted ' 1 5 || fail "push-only: press not granted"
say gw3 audio 5
wait_for "$T/gw3.out" 'audio_done 5' 5 || fail "push-only: audio"
say gw3 repress
wait_count "$T/gw3.out" ' granted ' 2 5 || fail "push-only: the press right after a release was not granted"
grep -q ' denied ' "$T/gw3.out" && fail "push-only: a press right after a release was denied"
[ "$(count "$T/gw3.out" 'state disconnected idle')" = "$drops" ] ||
	fail "push-only: the link dropped between two bursts that follow each other"
say gw3 release
wait_count "$T/gw3.out" 'state disconnected idle' $((drops + 1)) 5 ||
	fail "push-only: not dropped after our burst"
echo "push-only: own bursts back to back keep the link, then it drops"
for g in gw1 gw2 gw3; do finish_gateway $g; done
echo "PASS: idle-drop and push-only"
