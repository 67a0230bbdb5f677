#!/bin/sh
# test-push-e2e.sh CASE - the push path end to end with the real processes on loopback:
# mosquitto, pttgw-relay, pttgwd (+ headless PipeWire unless AUDIO=0), pttgw-dispatch.
#
#   push-only   policy push-only, 50 remote bursts: every burst is played once, every
#               packet of it exactly once (the daemon's "burst" events: played == sent,
#               no duplicate/late/concealed), each woken by its push
#   duplicates  the same push again (replay), a new push for a burst that ended, forged
#               and stale pushes, and (persistent link) a push for a burst the link
#               carries: no second playback, nothing changes
#   status      broker down + link up: still ready, bursts still played, press granted;
#               both down beyond unavailable-after: unavailable; both back: ready
set -u
. "$(dirname "$0")/push-e2e-lib.sh"
CHECK="python3 $(dirname "$0")/push-e2e-check.py"
case_name=${1:?usage: test-push-e2e.sh push-only|duplicates|status}
BURSTS=${BURSTS:-50}
audio_flag=
[ "$AUDIO" = 1 ] && audio_flag=--audio

setup() {
	start_audio
	start_bus # after PipeWire's fixture, which unsets the bus address
	start_broker
	start_relay
	start_gateway
	wait_st 'd["push"]' up 10 || fail "push channel not up"
}

case_push_only() {
	POLICY=push-only
	setup
	# push-only: the link goes once it has nothing to do
	wait_st 'd["link"]' disconnected 10 || fail "push-only: the link stays $(st 'd["link"]')"
	dispatch --tone 440 --seconds 0.4 --gap 0.6 --bursts "$BURSTS" > "$T/disp.out" 2>&1 ||
		fail "dispatcher failed"
	sent_streams "$T/disp.out" > "$T/sent"
	[ "$(grep -c . "$T/sent")" = "$BURSTS" ] || fail "dispatcher sent $(grep -c . "$T/sent") bursts"
	if [ "$AUDIO" = 1 ]; then
		wait_events burst "$BURSTS" 30 || fail "$(count_events burst) of $BURSTS bursts played"
	else
		_want=$(awk '{ n += $2 } END { print n }' "$T/sent")
		wait_st 'd["counters"]["packets_received"]' "$_want" 30 ||
			fail "packets received $(st 'd["counters"]["packets_received"]'), want $_want"
	fi
	sleep 1
	$CHECK played "$T/monitor.out" "$T/sent" $audio_flag || fail "not every packet once"
	_joins=$(events push | grep -c '"action":"join"')
	echo "pushes that woke the link: $_joins of $BURSTS"
	[ "$_joins" -ge $((BURSTS * 9 / 10)) ] ||
		fail "push-only: only $_joins of $BURSTS bursts came through a push"
	[ "$(st 'd["push_channel"]["rejected"]')" = 0 ] || fail "pushes rejected"
	$CHECK latency "$T/monitor.out" || true
}

case_duplicates() {
	POLICY=push-only
	setup
	wait_st 'd["link"]' disconnected 10 || fail "the link stays $(st 'd["link"]')"
	# catch the relay's push for one burst as it goes by
	timeout 20 "$MOSQUITTO_SUB_BIN" -h 127.0.0.1 -p "$MQTT_PORT" -t pttgw/gw -C 1 \
		> "$T/captured" 2> "$T/sub.err" &
	_sub=$!
	sleep 0.3
	dispatch --tone 440 --seconds 0.4 --bursts 1 > "$T/disp.out" 2>&1 || fail "dispatcher failed"
	wait "$_sub" || fail "no push captured"
	sent_streams "$T/disp.out" > "$T/sent"
	_sid=$(cut -d' ' -f1 "$T/sent")
	if [ "$AUDIO" = 1 ]; then
		wait_events burst 1 15 || fail "the burst was not played"
	fi
	wait_st 'd["floor"]' idle 10 || fail "floor stays $(st 'd["floor"]')"
	wait_st 'd["link"]' disconnected 10 || fail "the link stays $(st 'd["link"]')"
	_pushes=$(st 'd["counters"]["pushes"]')
	_acc=$(st 'd["push_channel"]["accepted"]')

	# 1. the same push again: a replay, rejected before the floor sees it
	publish "$(cat "$T/captured")"
	wait_st 'd["push_channel"]["replayed"]' 1 10 || fail "the replay was not rejected"
	# 2. forged MAC, stale, future, garbage: rejected, nothing changes
	secret "$T/other.key" "$(openssl rand -hex 32)"
	publish "$("$PUSH_SIGN" "$T/other.key" ops "$((_sid + 1000))" mallory gw)"
	publish "$("$PUSH_SIGN" "$T/gw.key" ops "$((_sid + 1001))" mallory gw 600000)"
	publish "$("$PUSH_SIGN" "$T/gw.key" ops "$((_sid + 1002))" mallory gw -600000)"
	publish '{"channel":"ops","stream_id":1,"from":"mallory"}'
	wait_st 'd["push_channel"]["rejected"]' 5 10 ||
		fail "rejected $(st 'd["push_channel"]["rejected"]') of 5"
	[ "$(st 'd["push_channel"]["accepted"]')" = "$_acc" ] || fail "a bad push was accepted"
	[ "$(st 'd["counters"]["pushes"]')" = "$_pushes" ] || fail "a bad push reached the floor"
	[ "$(st 'd["link"]')" = disconnected ] || fail "a bad push woke the link"
	[ "$(st 'd["talker"]')" = None ] || fail "a bad push showed a talker"
	grep -q 'push: rejected (bad-mac)' "$T/gw.err" || fail "no log line for the forged MAC"
	[ "$(st 'd["push_channel"]["stale"]')" = 2 ] ||
		fail "stale $(st 'd["push_channel"]["stale"]') of 2 (one old, one in the future)"
	# 3. a new, valid push for the burst that ended: no second playback
	publish "$("$PUSH_SIGN" "$T/gw.key" ops "$_sid" disp gw)"
	wait_st 'd["counters"]["pushes_ignored"]' 1 10 || fail "the late push was not ignored"
	sleep 1
	[ "$(events push | grep "\"stream_id\":$_sid" | grep -c '"action":"join"')" = 1 ] ||
		fail "stream $_sid joined twice"
	$CHECK played "$T/monitor.out" "$T/sent" $audio_flag || fail "played twice"

	# 4. persistent link: the burst comes over the link and its push too
	stop_gateway
	POLICY=persistent
	start_gateway
	wait_st 'd["link"]' connected 10 || fail "persistent: link not connected"
	wait_st 'd["push"]' up 10 || fail "push channel not up"
	dispatch --tone 440 --seconds 0.4 --bursts 3 --gap 0.5 > "$T/disp2.out" 2>&1 ||
		fail "dispatcher failed"
	sent_streams "$T/disp.out" "$T/disp2.out" > "$T/sent2"
	if [ "$AUDIO" = 1 ]; then
		wait_events burst 4 15 || fail "the bursts were not played"
	fi
	wait_st 'd["push_channel"]["accepted"]' 3 10 ||
		fail "the relay's pushes did not come ($(st 'd["push_channel"]["accepted"]'))"
	sleep 1
	$CHECK played "$T/monitor.out" "$T/sent2" $audio_flag || fail "double playback"
	echo "pushes for bursts over the link: $(st 'd["counters"]["pushes_ignored"]') ignored"
}

case_status() {
	POLICY=persistent
	UNAVAILABLE_AFTER=3
	setup
	wait_st 'd["link"]' connected 10 || fail "link not connected"
	wait_st 'd["service"]' ready 10 || fail "not ready at start"
	# broker down, link up: still ready, listening and talking work
	stop_broker
	wait_st 'd["push"]' down 15 || fail "push channel still up without a broker"
	for _i in 1 2 3 4 5 6; do
		[ "$(st 'd["service"]')" = ready ] || fail "broker down, link up: $(st 'd["service"]')"
		sleep 1
	done
	_rx=$(st 'd["counters"]["packets_received"]')
	dispatch --tone 440 --seconds 0.4 --bursts 1 > "$T/disp.out" 2>&1 || fail "dispatcher failed"
	sleep 1
	[ "$(st 'd["counters"]["packets_received"]')" -gt "$_rx" ] || fail "broker down: not listening"
	if [ "$AUDIO" = 0 ]; then
		ctl press --wait --timeout 5 > "$T/press.out" 2>&1 || fail "broker down: press not granted"
		ctl release > /dev/null 2>&1
	fi
	[ "$(st 'd["service"]')" = ready ] || fail "not ready after talking"
	# both down: unavailable after unavailable-after
	stop_relay
	wait_st 'd["service"]' unavailable 15 || fail "both down: $(st 'd["service"]')"
	# both back: ready without a restart
	start_broker
	start_relay
	wait_st 'd["service"]' ready 15 || fail "both back: $(st 'd["service"]')"
	wait_st 'd["link"]' connected 15 || fail "both back: link $(st 'd["link"]')"
	wait_st 'd["push"]' up 15 || fail "both back: push $(st 'd["push"]')"
	grep '"type":"status"' "$T/monitor.out" || true
}

case "$case_name" in
push-only) case_push_only ;;
duplicates) case_duplicates ;;
status) case_status ;;
*) fail "unknown case $case_name" ;;
esac
stop_gateway
echo "PASS $case_name"
