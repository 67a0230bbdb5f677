#!/bin/sh
# Secrets and config (issue #15 items 9-11): pttgwd --check-config must exit 78 (EX_CONFIG)
# at once, naming the file or key, for: a FIFO as credentials-file (no hang in open()),
# a 300 MB (sparse) credentials-file, a push key file that is readable by others, missing
# or too short, and an upstream URL with port 99999 (or other unusable URLs).
# Usage: test-secrets.sh PTTGWD
set -u
D="$1"
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT INT TERM
fails=0

# expect NAME WANT-SUBSTRING CONFIG-TEXT
expect() {
	printf '%s\n' "$3" >"$T/c.conf"
	out=$(timeout 10 "$D" --check-config -c "$T/c.conf" 2>&1)
	rc=$?
	if [ $rc -eq 78 ] && printf '%s' "$out" | grep -qF -- "$2"; then
		echo "ok: $1: exit 78: $out"
	else
		echo "FAIL: $1: exit $rc (want 78 and '$2'): $out"
		fails=$((fails + 1))
	fi
}

mkfifo "$T/fifo"
expect "FIFO credentials-file" "$T/fifo: not a regular file" \
	"[upstream]
credentials-file = $T/fifo"
truncate -s 300M "$T/big" && chmod 600 "$T/big"
expect "300 MB credentials-file" "$T/big: too large" \
	"[upstream]
credentials-file = $T/big"

printf '%s\n' 0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef >"$T/key"
chmod 644 "$T/key"
expect "push key readable by others" "[push] key-file: $T/key: holds a secret" \
	"[push]
broker = 127.0.0.1:1883
topic = pttgw/gw
key-file = $T/key"
expect "push key missing" "[push] key-file: $T/nokey" \
	"[push]
broker = 127.0.0.1:1883
topic = pttgw/gw
key-file = $T/nokey"
printf 'short\n' >"$T/short" && chmod 600 "$T/short"
expect "push key too short" "[push] key-file: $T/short: push key of 5 bytes" \
	"[push]
broker = 127.0.0.1:1883
topic = pttgw/gw
key-file = $T/short"

for u in ws://host:99999/ ws://host:0/ ws://:8765/ http://host/ ws://user:pw@host/; do
	expect "url $u" "[upstream] url" "[upstream]
url = $u"
done

# and a good config still passes
chmod 600 "$T/key"
printf '[upstream]\nurl = ws://127.0.0.1:8765/\n[push]\nbroker = 127.0.0.1:1883\ntopic = pttgw/gw\nkey-file = %s\n' \
	"$T/key" >"$T/c.conf"
if out=$(timeout 10 "$D" --check-config -c "$T/c.conf" 2>&1); then
	echo "ok: a good config: $out"
else
	echo "FAIL: a good config refused: $out"
	fails=$((fails + 1))
fi
[ $fails -eq 0 ] && echo PASS || { echo "$fails failed"; exit 1; }
