#!/bin/sh
# pttgw-relay reloads its users and channels on SIGHUP:
#   - a burst in progress goes on: the listener gets every packet the talker sent;
#   - a user and a channel added by the reload can log on and talk there;
#   - a file that does not load keeps the running users and channels (logged);
#   - a user removed by a reload is disconnected and refused afterwards.
. "$(dirname "$0")/test-uplink-lib.sh"

relay_conf() { # users (NAME:PW ...) -- channels (NAME=MEMBERS ...)
	{
		echo "[users]"
		while [ "$1" != -- ]; do echo "${1%%:*} = ${1#*:}"; shift; done
		shift
		echo "[channels]"
		for c in "$@"; do echo "${c%%=*} = ${c#*=}"; done
	} > "$T/relay.conf.new"
	mv "$T/relay.conf.new" "$T/relay.conf"
}
disp() { "$PTTGW_DISPATCH" -U "ws://127.0.0.1:$port" --timeout 20 "$@"; }

port=$(free_port)
relay_conf gw1:pw-gw1 disp:pw-disp -- "test=gw1;disp"
"$PTTGW_RELAY" --listen "127.0.0.1:$port" --config "$T/relay.conf" \
	> "$T/relay.out" 2> "$T/relay.err" &
RELAY_PID=$!
PIDS="$PIDS $RELAY_PID"
wait_for "$T/relay.out" listening 5 || fail "the relay does not listen"

disp -u new:pw-new -C ops --tone 440 -s 0.2 -n 1 > "$T/new0.out" 2>&1 &&
	fail "user new logged on before the reload"

# --- a reload during a burst -----------------------------------------------------------------
disp -u gw1:pw-gw1 -C test -x 1 > "$T/listen.out" 2> "$T/listen.err" &
LISTEN=$!
PIDS="$PIDS $LISTEN"
wait_count "$T/relay.err" 'gw1 logged on' 1 5 || fail "the listener did not log on"
disp -u disp:pw-disp -C test --tone 440 -s 3 -n 1 > "$T/talk.out" 2> "$T/talk.err" &
TALK=$!
PIDS="$PIDS $TALK"
wait_for "$T/relay.err" 'disp logged on' 5 || fail "the talker did not log on"
sleep 1
relay_conf gw1:pw-gw1 disp:pw-disp new:pw-new -- "test=gw1;disp" "ops=new;disp"
kill -HUP "$RELAY_PID"
wait_for "$T/relay.err" 'reloaded: 3 users, 2 channels \(1 new, 0 removed\)' 5 ||
	fail "the relay did not reload"
wait "$TALK" || fail "the talker failed: $(cat "$T/talk.err")"
wait "$LISTEN" || fail "the listener failed: $(cat "$T/listen.err")"
sent=$(sed -n 's/^sent burst 1: stream [0-9]*, \([0-9]*\) packets.*/\1/p' "$T/talk.out")
got=$(sed -n 's/^received stream [0-9]* from disp: \([0-9]*\) packets.*/\1/p' "$T/listen.out")
echo "burst across the reload: $sent packets sent, $got received"
[ -n "$sent" ] && [ "$got" = "$sent" ] || fail "burst: sent $sent, received $got"

# --- the new user on the new channel ---------------------------------------------------------
disp -u new:pw-new -C ops --tone 440 -s 0.2 -n 1 > "$T/new1.out" 2>&1 ||
	fail "the user added by the reload cannot talk on the new channel: $(cat "$T/new1.out")"
echo "added user talks on the added channel: $(grep '^sent burst' "$T/new1.out")"

# --- a file that does not load ---------------------------------------------------------------
printf '[relay]\nmax-connections = banana\n' > "$T/relay.conf"
kill -HUP "$RELAY_PID"
wait_for "$T/relay.err" 'reload: .*max-connections.*kept' 5 || fail "a bad file was not reported"
disp -u new:pw-new -C ops --tone 440 -s 0.2 -n 1 > "$T/new2.out" 2>&1 ||
	fail "a bad file changed the users: $(cat "$T/new2.out")"
echo "bad file: $(grep -o 'reload: .*' "$T/relay.err" | tail -1)"

# --- a user removed: disconnected and refused ------------------------------------------------
disp -u new:pw-new -C ops -x 1 > "$T/new3.out" 2>&1 &
NEW=$!
PIDS="$PIDS $NEW"
wait_count "$T/relay.err" 'new logged on' 3 5 || fail "user new did not log on"
relay_conf gw1:pw-gw1 disp:pw-disp -- "test=gw1;disp"
kill -HUP "$RELAY_PID"
wait_for "$T/relay.err" 'new: (user|channel) removed, closing' 5 || fail "the removed user was not closed"
rc=0
wait "$NEW" || rc=$?
[ "$rc" != 0 ] || fail "the removed user's client did not notice"
disp -u new:pw-new -C ops --tone 440 -s 0.2 -n 1 > "$T/new4.out" 2>&1 &&
	fail "the removed user logged on again"
echo "removed user: disconnected, refused afterwards"

kill "$RELAY_PID"
rc=0
wait "$RELAY_PID" || rc=$?
[ "$rc" = 0 ] || fail "the relay exited with $rc"
grep -q 'ERROR: \(Address\|Leak\)Sanitizer\|runtime error:' "$T/relay.err" && fail "sanitizer report"
echo "PASS: relay reload: burst kept, user and channel added, bad file refused, user removed"
