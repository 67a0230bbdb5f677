#!/bin/sh
# Several channels (issue #17, scanning) through the real pttgwd and relay, seen
# through pttgwctl: one logon names all three channels (ops, chat, fire); the
# status lists each (online, users, selected); selecting another channel
# (pttgwctl channel) talks there without a new logon (exactly one logon of gw1
# at the relay, upstream.logons 1); a burst on a higher channel (fire) takes the
# talker from a lower one (chat), which is counted pre-empted on chat; a burst
# on a lower channel (ops) during it is pre-empted on ops; the monitor names the
# channels. A reload that sets priority-selected logs on once more, and the
# selected channel then wins over all (a priority call). The audio of the same
# (what the speaker plays) is audio/channels.
. "$(dirname "$0")/test-uplink-lib.sh"

session_bus
ctl() { timeout 20 "$PTTGWCTL" --session-bus "$@"; }
json() { # json PYTHON-EXPRESSION-ON-s: prints it
	ctl --json status > "$T/status.json" || fail "status"
	python3 -c "import json,sys; s=json.load(open('$T/status.json')); \
ch={c['name']: c for c in s['channels']}; print($1)"
}
until_json() { # until_json EXPR EXPECTED SECONDS
	_end=$(( $(date +%s) + $3 ))
	while [ "$(json "$1")" != "$2" ]; do
		[ "$(date +%s)" -ge "$_end" ] && return 1
		sleep 0.1
	done
	return 0
}
logons() { grep -c ': gw1 logged on' "$T/relay.err" "$T/relay.out" | awk -F: '{n += $NF} END {print n}'; }

port=$(free_port)
start_relay "$port" --channel ops --channel chat --channel fire --user disp2:pw-disp2 \
	--user disp3:pw-disp3
gateway_conf "$T/gw.conf" "$port" gw1 "[general]" "channels = chat, ops, fire" \
	"priority = fire, ops" "audio = false"
sed -i 's/^channel = test$/channel = ops/' "$T/gw.conf"
"$PTTGWD" --session-bus --config "$T/gw.conf" > "$T/pttgwd.out" 2> "$T/pttgwd.err" &
GWD=$!
PIDS="$PIDS $GWD"
until_json "s['link']" connected 10 || fail "pttgwd's link did not come up"
until_json "' '.join(c['name'] + ':' + c['status'] for c in s['channels'])" \
	"chat:online ops:online fire:online" 5 || fail "channels not all online: $(cat "$T/status.json")"
[ "$(json "[c['name'] for c in s['channels'] if c['selected']]")" = "['ops']" ] ||
	fail "ops is not the selected channel"
[ "$(json "ch['fire']['rank'] < ch['ops']['rank'] < ch['chat']['rank']")" = True ] ||
	fail "priority order is not fire > ops > chat"
[ "$(logons)" = 1 ] || fail "$(logons) logons of gw1 at the relay, expected 1"
grep -q 'gw1 logged on (3 channels)' "$T/relay.err" "$T/relay.out" ||
	fail "the logon did not name the 3 channels"
ctl status
echo "one logon, three channels online"

ctl monitor --json > "$T/monitor.out" 2>&1 &
MON=$!
PIDS="$PIDS $MON"
sleep 0.3

# selection without a new logon: talk on chat, then on fire
for c in chat fire; do
	ctl channel $c || fail "channel $c refused"
	until_json "s['channel']" $c 3 || fail "$c not selected"
	ctl press --wait > "$T/press.out" 2>&1 || fail "press on $c not granted: $(cat "$T/press.out")"
	wait_for "$T/relay.err" "stream [0-9]+ on $c from gw1 started" 5 ||
		fail "the press did not talk on $c"
	ctl release > /dev/null 2>&1 || fail "release refused"
	echo "talked on $c"
done
[ "$(logons)" = 1 ] || fail "selecting channels logged on again: $(logons) logons"
[ "$(json "s['upstream']['logons']")" = 1 ] || fail "the gateway counted more than one logon"
echo "selection without reconnect: 1 logon at the relay"
ctl channel ops || fail "channel ops refused"

# chat (lowest) talks, then fire (highest) takes the speaker, then ops (middle) is kept off
"$PTTGW_DISPATCH" -U "ws://127.0.0.1:$port" -u disp:pw-disp -C chat --tone 440 -s 8 -n 1 \
	--timeout 30 > "$T/disp-chat.out" 2> "$T/disp-chat.err" &
D1=$!
PIDS="$PIDS $D1"
until_json "s['talker']" disp 10 || fail "the chat burst did not play"
until_json "ch['chat']['playing']" True 2 || fail "chat not shown playing"
"$PTTGW_DISPATCH" -U "ws://127.0.0.1:$port" -u disp2:pw-disp2 -C fire --tone 1000 -s 6 -n 1 \
	--timeout 30 > "$T/disp-fire.out" 2> "$T/disp-fire.err" &
D2=$!
PIDS="$PIDS $D2"
until_json "s['talker']" disp2 10 || fail "the fire burst did not take the speaker"
until_json "ch['chat']['preempted'], ch['fire']['playing'], ch['chat']['talker']" \
	"1 True disp" 2 || fail "chat not counted pre-empted: $(cat "$T/status.json")"
"$PTTGW_DISPATCH" -U "ws://127.0.0.1:$port" -u disp3:pw-disp3 -C ops --tone 700 -s 1 -n 1 \
	--timeout 30 > "$T/disp-ops.out" 2> "$T/disp-ops.err" &
D3=$!
PIDS="$PIDS $D3"
until_json "ch['ops']['preempted']" 1 10 || fail "ops not counted pre-empted"
[ "$(json "s['talker'], ch['fire']['playing']")" = "disp2 True" ] ||
	fail "the ops burst took the speaker from fire"
ctl status
wait "$D1" "$D2" "$D3" || fail "a dispatcher failed"
until_json "s['talker'], s['counters']['preempted']" "None 2" 10 ||
	fail "after the bursts: $(cat "$T/status.json")"
[ "$(json "ch['fire']['preempted']")" = 0 ] || fail "fire counted pre-empted"
grep -q '"type" *: *"preempted".*"channel" *: *"chat".*"by" *: *"fire"' "$T/monitor.out" ||
	fail "no monitor event: chat pre-empted by fire"
grep -q '"type" *: *"preempted".*"channel" *: *"ops"' "$T/monitor.out" ||
	fail "no monitor event: ops pre-empted"
grep -q '"type" *: *"talker".*"talker" *: *"disp2".*"channel" *: *"fire"' "$T/monitor.out" ||
	fail "the talker event does not name the channel"
echo "priority: fire took the speaker from chat; ops kept off; 2 pre-empted"
[ "$(logons)" = 1 ] || fail "$(logons) logons"

# a reload with priority-selected: the channels made anew, one new logon; the
# selected channel (chat, ranked last otherwise) now takes the speaker from fire
sed -i 's/^priority = fire, ops$/priority = fire, ops\npriority-selected = true/' "$T/gw.conf"
ctl reload > "$T/reload.out" 2>&1 || fail "reload refused: $(cat "$T/reload.out")"
end=$(( $(date +%s) + 10 ))
while [ "$(logons)" != 2 ]; do
	[ "$(date +%s)" -ge "$end" ] && fail "the reload did not log on again: $(logons) logons"
	sleep 0.1
done
until_json "s['link'], len([c for c in s['channels'] if c['status'] == 'online'])" \
	"connected 3" 10 || fail "after the reload: $(cat "$T/status.json")"
ctl channel chat || fail "channel chat refused"
until_json "ch['chat']['rank'], ch['chat']['selected']" "0 True" 3 ||
	fail "chat does not rank first when selected"
"$PTTGW_DISPATCH" -U "ws://127.0.0.1:$port" -u disp2:pw-disp2 -C fire --tone 1000 -s 8 -n 1 \
	--timeout 30 > "$T/disp-fire2.out" 2> "$T/disp-fire2.err" &
D2=$!
PIDS="$PIDS $D2"
until_json "s['talker']" disp2 10 || fail "fire's burst did not play"
"$PTTGW_DISPATCH" -U "ws://127.0.0.1:$port" -u disp:pw-disp -C chat --tone 440 -s 4 -n 1 \
	--timeout 30 > "$T/disp-chat2.out" 2> "$T/disp-chat2.err" &
D1=$!
PIDS="$PIDS $D1"
until_json "s['talker'], ch['fire']['preempted']" "disp 1" 10 ||
	fail "the selected channel did not take the speaker (priority call)"
wait "$D1" "$D2" || fail "a dispatcher failed"
echo "priority call: the selected channel (chat) took the speaker from fire after a reload"
[ "$(logons)" = 2 ] || fail "$(logons) logons, want 2 (one for the reload)"

kill "$MON" 2>/dev/null
kill "$GWD"
rc=0
wait "$GWD" || rc=$?
[ $rc = 0 ] || fail "pttgwd exited with $rc"
grep -q 'ERROR: \(Address\|Leak\)Sanitizer\|runtime error:' "$T/pttgwd.err" && fail "sanitizer report"
echo "PASS: three channels on one logon, selection without reconnect, priority with pre-emption counted"
