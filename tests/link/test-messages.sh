#!/bin/sh
# Text messages and private calls both ways through the relay, with the real
# pttgwd (private session bus), pttgwctl and two pttgw-dispatch users:
# - pttgwctl message to the channel reaches both dispatchers, --to one reaches
#   only that one; a dispatcher's message shows in the monitor, the D-Bus
#   MessageReceived signal and the status (private ones "to you"); so do its
#   locations (monitor, LocationReceived);
# - empty, too long and invalid UTF-8 texts and a bad user are refused with a
#   clear error;
# - pttgwctl press --to USER is a private call: only that user hears it; a
#   dispatcher's private call shows as private ("to you") in status and monitor;
# - listen-only = true: messages are refused ("listen-only").
. "$(dirname "$0")/test-uplink-lib.sh"

session_bus
disp() { # disp NAME USER [args...]: a dispatcher in the background, output in NAME.out
	_n=$1; _u=$2; shift 2
	"$PTTGW_DISPATCH" -U "ws://127.0.0.1:$port" -u "$_u:pw-$_u" -C test "$@" \
		> "$T/$_n.out" 2> "$T/$_n.err" &
	eval "PID_$_n=$!"
	PIDS="$PIDS $!"
}
start_gwd() {
	"$PTTGWD" --session-bus --config "$1" >> "$T/pttgwd.out" 2>> "$T/pttgwd.err" &
	GWD=$!
	PIDS="$PIDS $GWD"
	status_has '^Link: +connected' 10 || fail "pttgwd's link did not come up: $(cat "$T/status.txt")"
}
stop_gwd() {
	kill "$GWD"
	_rc=0
	wait "$GWD" || _rc=$?
	[ $_rc = 0 ] || fail "pttgwd exited with $_rc"
}

port=$(free_port)
start_relay "$port" --user disp2:pw-disp2
gateway_conf "$T/gw.conf" "$port" gw1
start_gwd "$T/gw.conf"
ctl monitor --json > "$T/monitor.out" 2>&1 &
PIDS="$PIDS $!"
gdbus monitor --session --dest org.pttgw.Gateway1 > "$T/signals.out" 2>&1 &
PIDS="$PIDS $!"

# ---- out: to the channel, and to one user ----
disp d1 disp --expect-texts 3 --timeout 30
disp d2 disp2 --expect-texts 2 --timeout 60
wait_for "$T/d1.out" '^logged on' 5 && wait_for "$T/d2.out" '^logged on' 5 || fail "dispatchers not logged on"
sleep 0.3
ctl message "hello channel" > "$T/m1.out" 2>&1 || fail "message refused: $(cat "$T/m1.out")"
ctl message --to disp "just for disp, ünïcödé" > "$T/m2.out" 2>&1 || fail "private message refused: $(cat "$T/m2.out")"
ctl message --channel test "second to all" > "$T/m3.out" 2>&1 || fail "message --channel refused"
wait "$PID_d1" || fail "disp did not get 3 texts"
wait "$PID_d2" || fail "disp2 did not get 2 texts"
grep -q '^text from gw1 to channel: hello channel$' "$T/d1.out" || fail "disp: channel text missing"
grep -q '^text from gw1 to disp: just for disp, ünïcödé$' "$T/d1.out" || fail "disp: private text missing"
grep -q '^text from gw1 to channel: hello channel$' "$T/d2.out" || fail "disp2: channel text missing"
grep -q 'just for disp' "$T/d2.out" && fail "disp2 got the text meant for disp"
wait_count "$T/monitor.out" '"type":"message_sent".*"result":"delivered"' 3 5 ||
	fail "no 3 message_sent delivered events"
status_has '^Message: +>> you -> disp: just for disp.*\(delivered\)' 5 || fail "status: sent message not delivered: $(cat "$T/status.txt")"
echo "out: channel and private texts delivered, disp2 did not see the private one"

# ---- in: from a dispatcher, to the channel and to us ----
disp d3 disp --text "from the desk"
wait "$PID_d3" || fail "dispatcher's text refused"
disp d4 disp --to gw1 --text "only for the unit"
wait "$PID_d4" || fail "dispatcher's private text refused"
wait_for "$T/monitor.out" '"type":"message".*"from":"disp","to":"you","text":"only for the unit"' 5 ||
	fail "monitor: private text from disp missing"
grep -q '"type":"message".*"from":"disp","to":"channel","text":"from the desk"' "$T/monitor.out" ||
	fail "monitor: channel text from disp missing"
status_has '^Message: +<< disp -> you: only for the unit \(received\)' 5 || fail "status: received text missing"
wait_for "$T/signals.out" "MessageReceived \\('test', 'disp', 'you', 'only for the unit'\\)" 5 ||
	fail "no MessageReceived signal: $(grep -c Message "$T/signals.out")"
# 6000 x a 3-byte character: kept up to 16384 bytes, not cut inside a character
disp d11 disp --text "$(python3 -c 'print("\u20ac" * 6000)')"
wait "$PID_d11" || fail "dispatcher's long text refused"
wait_for "$T/monitor.out" '"type":"message".*"from":"disp".*"text":"€€€' 5 || fail "long text not shown"
ctl --json status > "$T/st.json" || fail "pttgwd gone after a long text"
python3 -c 'import json,sys; m=[m for m in json.load(open(sys.argv[1]))["messages"] if m["text"].startswith("\u20ac")]; sys.exit(0 if m and len(m[0]["text"]) == 5461 else 1)' "$T/st.json" ||
	fail "long text: not cut at 5461 characters"
disp d9 disp --location 47.5,8.25,12
wait "$PID_d9" || fail "dispatcher's location refused"
disp d10 disp --to gw1 --location -33.875,151.25
wait "$PID_d10" || fail "dispatcher's private location refused"
wait_for "$T/monitor.out" '"type":"location".*"from":"disp","to":"you","latitude":-33.875,"longitude":151.25,"accuracy":null' 5 ||
	fail "monitor: private location from disp missing"
grep -q '"type":"location".*"from":"disp","to":"channel","latitude":47.5,"longitude":8.25,"accuracy":12' "$T/monitor.out" ||
	fail "monitor: channel location from disp missing"
wait_for "$T/signals.out" "LocationReceived \\('test', 'disp', 47.5, 8.25, 12.0\\)" 5 ||
	fail "no LocationReceived signal"
echo "in: texts and locations from the desk in monitor, status, MessageReceived and LocationReceived"

# ---- bad input ----
ctl message "" > "$T/bad1.out" 2>&1 && fail "an empty message was accepted"
grep -q 'InvalidArguments: the message is empty' "$T/bad1.out" || fail "empty: $(cat "$T/bad1.out")"
long=$(head -c 4097 /dev/zero | tr '\0' 'x')
ctl message "$long" > "$T/bad2.out" 2>&1 && fail "a 4097-byte message was accepted"
grep -q 'too long (at most 4096 bytes)' "$T/bad2.out" || fail "too long: $(cat "$T/bad2.out")"
ctl message "$(head -c 4096 /dev/zero | tr '\0' 'y')" > /dev/null 2>&1 || fail "a 4096-byte message was refused"
rc=0
ctl message "$(printf 'bad \377\376 utf8')" > "$T/bad3.out" 2>&1 || rc=$?
[ $rc = 2 ] || fail "invalid UTF-8: exit $rc, want 2"
grep -q 'not valid UTF-8' "$T/bad3.out" || fail "invalid UTF-8: $(cat "$T/bad3.out")"
ctl message --to "$(printf 'a\tb')" "x" > "$T/bad4.out" 2>&1 && fail "a user name with a tab was accepted"
grep -q 'invalid user name' "$T/bad4.out" || fail "bad user: $(cat "$T/bad4.out")"
gdbus call --session --dest org.pttgw.Gateway1 --object-path /org/pttgw/Gateway \
	--method org.pttgw.Gateway1.SendMessage "" "" "" > "$T/bad5.out" 2>&1 && fail "D-Bus: empty accepted"
grep -q 'org.pttgw.Error.InvalidArguments' "$T/bad5.out" || fail "D-Bus empty: $(cat "$T/bad5.out")"
ctl press --to "" > "$T/bad6.out" 2>&1 && fail "press --to '' accepted"
grep -q 'invalid user name' "$T/bad6.out" || fail "press --to '': $(cat "$T/bad6.out")"
ctl status > /dev/null || fail "pttgwd gone after bad input"
echo "bad input: empty, 4097 bytes, invalid UTF-8, bad user names refused with reasons"

# ---- private calls out: only the recipient hears ----
disp d5 disp --record "$T/d5.wav" -x 1 --timeout 30
disp d6 disp2 --expect-texts 1 --timeout 30
wait_for "$T/d5.out" '^logged on' 5 && wait_for "$T/d6.out" '^logged on' 5 || fail "dispatchers not logged on"
ctl press --to disp --wait > "$T/press.out" 2>&1 || fail "private call not granted: $(cat "$T/press.out")"
sleep 1
ctl release > /dev/null 2>&1 || fail "release refused"
wait "$PID_d5" || fail "disp did not hear the private call"
grep -q -E '^stream [0-9]+ (on [^ ]+ )?from gw1 started' "$T/d5.out" || fail "disp: no stream from gw1"
ctl message "end of test" > /dev/null 2>&1 || fail "message refused"
wait "$PID_d6" || fail "disp2 did not get the end message"
grep -q '^stream .* from gw1' "$T/d6.out" && fail "disp2 heard the private call to disp"
# a plain press after it goes to the channel again
disp d7 disp2 --record "$T/d7.wav" -x 1 --timeout 30
wait_for "$T/d7.out" '^logged on' 5 || fail "disp2 not logged on"
ctl press --wait > "$T/press2.out" 2>&1 || fail "plain press not granted"
sleep 0.5
ctl release > /dev/null 2>&1
wait "$PID_d7" || fail "disp2 did not hear the plain press after the private call"
echo "private call out: disp heard it, disp2 did not; the next plain press reached disp2"

# ---- private calls in ----
disp d8 disp --to gw1 --tone 440 -s 3 -n 1 --timeout 30
status_has '^Private: +call from disp to you' 10 || fail "status: no private call: $(cat "$T/status.txt")"
grep -Eq '^Talker: +disp' "$T/status.txt" || fail "status: talker is not disp"
wait_for "$T/monitor.out" '"type":"private_call".*"from":"disp","to":"you"' 5 || fail "monitor: no private_call event"
wait "$PID_d8" || fail "the dispatcher's private call failed"
status_has '^Talker: +-' 10 || fail "private call did not end"
grep -q '^Private:' "$T/status.txt" && fail "status still shows the private call"
echo "private call in: talker disp, \"call from disp to you\" in status and monitor"
stop_gwd

# ---- listen-only ----
gateway_conf "$T/lo.conf" "$port" gw1 "listen-only = true"
start_gwd "$T/lo.conf"
ctl message "hello" > "$T/lo.out" 2>&1 && fail "listen-only gateway sent a message"
grep -q 'listen-only' "$T/lo.out" || fail "listen-only: $(cat "$T/lo.out")"
stop_gwd
grep -q 'ERROR: \(Address\|Leak\)Sanitizer\|runtime error:' "$T/pttgwd.err" && fail "sanitizer report"
echo "PASS: text messages and private calls both ways; bad input refused; listen-only"
