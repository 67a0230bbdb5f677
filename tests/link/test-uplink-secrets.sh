#!/bin/sh
# A credentials file (or token file) others can read: the gateway refuses to
# start (exit 78) and names the file and the key. A missing one too.
. "$(dirname "$0")/test-uplink-lib.sh"

gateway_conf "$T/gw1.conf" 9 gw1
chmod 644 "$T/gw1.cred"
"$UPLINK_DRIVE" --config "$T/gw1.conf" < /dev/null > "$T/a.out" 2> "$T/a.err"
rc=$?
[ $rc = 78 ] || fail "world-readable credentials-file: exit $rc, expected 78"
grep -q 'credentials-file' "$T/a.err" && grep -q 'accessible by others' "$T/a.err" ||
	fail "the refusal does not name the key and the reason"
cat "$T/a.err"

chmod 600 "$T/gw1.cred"
printf 'tok\n' > "$T/tok"
chmod 604 "$T/tok"
echo "token-file = $T/tok" >> "$T/gw1.conf"
"$UPLINK_DRIVE" --config "$T/gw1.conf" < /dev/null > "$T/b.out" 2> "$T/b.err"
rc=$?
[ $rc = 78 ] || fail "world-readable token-file: exit $rc, expected 78"
grep -q 'token-file' "$T/b.err" || fail "the refusal does not name token-file"
cat "$T/b.err"

sed -i "s|^credentials-file = .*|credentials-file = $T/nonexistent|" "$T/gw1.conf"
"$UPLINK_DRIVE" --config "$T/gw1.conf" < /dev/null > "$T/c.out" 2> "$T/c.err"
rc=$?
[ $rc = 78 ] || fail "missing credentials-file: exit $rc, expected 78"
cat "$T/c.err"

# and a proper one starts (then stops at EOF on stdin)
chmod 600 "$T/tok"
sed -i "s|^credentials-file = .*|credentials-file = $T/gw1.cred|" "$T/gw1.conf"
timeout 10 "$UPLINK_DRIVE" --config "$T/gw1.conf" < /dev/null > "$T/d.out" 2> "$T/d.err"
rc=$?
[ $rc = 0 ] || fail "mode 0600 files: exit $rc, expected 0"
echo "PASS: world-readable secrets refused (78), 0600 accepted"
