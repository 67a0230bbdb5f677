#!/bin/bash
# The install layout: `DESTDIR=<tmp> cmake --install BUILD_DIR`, then checks that every file is
# where a Debian system expects it and that what is installed fits together (unit, sysusers,
# D-Bus policy, man pages, the installed programs' --help).
# Usage: test-install.sh BUILD_DIR; the configured directories come from the environment
# (tests/unit/install.cmake): PTTGW_PREFIX PTTGW_BINDIR PTTGW_SBINDIR PTTGW_DATADIR PTTGW_DOCDIR
# PTTGW_MANDIR PTTGW_UNITDIR PTTGW_UDEVDIR (absolute), PTTGW_CMAKE.
# shellcheck disable=SC2016 # the bash -c scripts take their arguments as $1...
set -u
build=$1
tmp=$(mktemp -d /tmp/pttgw-install.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
passed=0
failed=0
ok() { passed=$((passed + 1)); echo "ok: $*"; }
bad() { failed=$((failed + 1)); echo "FAIL: $*"; }
check() { # description, command...
	local what=$1; shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}

if ! DESTDIR=$root timeout 120 "${PTTGW_CMAKE:-cmake}" --install "$build" >"$tmp/install.log" 2>&1
then
	cat "$tmp/install.log"
	echo "FAIL: cmake --install"
	exit 1
fi

# Nothing may land outside DESTDIR (absolute destinations such as the unit directory too).
outside=$(sed -n 's/^-- \(Installing\|Up-to-date\): //p' "$tmp/install.log" | grep -v "^$root/")
check "every installed file is inside DESTDIR${outside:+ (outside: $outside)}" \
	test -z "$outside"

# --- every file where Debian expects it -------------------------------------------------------
r() { echo "$root$1"; }
for f in "$PTTGW_SBINDIR/pttgwd" "$PTTGW_BINDIR/pttgwctl" "$PTTGW_BINDIR/pttgw-relay" \
	"$PTTGW_BINDIR/pttgw-dispatch"; do
	check "program $f" test -x "$(r "$f")" -a -f "$(r "$f")"
done
for f in "$PTTGW_UNITDIR/pttgwd.service" \
	"$PTTGW_PREFIX/lib/sysusers.d/pttgw.conf" \
	"$PTTGW_UNITDIR/pttgw-relay.service" \
	"$PTTGW_PREFIX/lib/sysusers.d/pttgw-relay.conf" \
	"$PTTGW_DATADIR/dbus-1/system.d/org.pttgw.Gateway1.conf" \
	"$PTTGW_UDEVDIR/rules.d/70-pttgw.rules" \
	"$PTTGW_UDEVDIR/hwdb.d/70-pttgw.hwdb" \
	"$PTTGW_DOCDIR/pttgw.conf.example" \
	"$PTTGW_DOCDIR/org.pttgw.Gateway1.txt" \
	"$PTTGW_DOCDIR/pttgw-relay.conf.example" \
	"$PTTGW_DOCDIR/ptt-service.txt" \
	"$PTTGW_DOCDIR/ptt-service.json" \
	"$PTTGW_MANDIR/man8/pttgwd.8" \
	"$PTTGW_MANDIR/man1/pttgwctl.1" \
	"$PTTGW_MANDIR/man1/pttgw-relay.1" \
	"$PTTGW_MANDIR/man1/pttgw-dispatch.1"; do
	check "file $f" test -s "$(r "$f")"
done

# --- the systemd unit -------------------------------------------------------------------------
unit=$(r "$PTTGW_UNITDIR/pttgwd.service")
key() { sed -n "s/^$1=//p" "$unit" | tail -1; } # the last assignment wins in systemd
check "unit: Type=notify" test "$(key Type)" = notify
exec_start=$(key ExecStart | awk '{print $1}')
check "unit: ExecStart=$exec_start is the installed pttgwd ($PTTGW_SBINDIR/pttgwd)" \
	test "$exec_start" = "$PTTGW_SBINDIR/pttgwd" -a -x "$root$exec_start"
check "unit: WatchdogSec is set" test -n "$(key WatchdogSec)"
user=$(key User)
group=$(key Group)
sysusers=$(r "$PTTGW_PREFIX/lib/sysusers.d/pttgw.conf")
check "unit: User=$user is created by sysusers.d/pttgw.conf" \
	grep -Eq "^u[[:space:]]+${user}[[:space:]]" "$sysusers"
check "unit: Group=$group is created by sysusers.d/pttgw.conf" \
	grep -Eq "^(g|u)[[:space:]]+${group}[[:space:]]" "$sysusers"
for doc in $(key Documentation); do
	case $doc in
	man:*)
		page=${doc#man:}; name=${page%%(*}; sect=${page#*(}; sect=${sect%)}
		check "unit: Documentation=$doc is installed" \
			test -s "$(r "$PTTGW_MANDIR/man$sect/$name.$sect")";;
	file://*)
		check "unit: Documentation=$doc is installed" test -s "$root${doc#file://}";;
	esac
done

relay_unit=$(r "$PTTGW_UNITDIR/pttgw-relay.service")
relay_user=$(sed -n 's/^User=//p' "$relay_unit" | tail -1)
check "relay unit: User=$relay_user is created by sysusers.d/pttgw-relay.conf" \
	grep -Eq "^u[[:space:]]+${relay_user}[[:space:]]" "$(r "$PTTGW_PREFIX/lib/sysusers.d/pttgw-relay.conf")"
relay_exec=$(sed -n 's/^ExecStart=//p' "$relay_unit" | awk '{print $1}')
check "relay unit: ExecStart=$relay_exec is the installed pttgw-relay" \
	test "$relay_exec" = "$PTTGW_BINDIR/pttgw-relay" -a -x "$root$relay_exec"
check "units: ExecReload sends SIGHUP" bash -c \
	'grep -qx "ExecReload=/bin/kill -HUP \$MAINPID" "$1" && grep -qx "ExecReload=/bin/kill -HUP \$MAINPID" "$2"' \
	_ "$unit" "$relay_unit"

# --- the D-Bus policy: well-formed XML, and the daemon's user may own the name ----------------
policy=$(r "$PTTGW_DATADIR/dbus-1/system.d/org.pttgw.Gateway1.conf")
check "D-Bus policy: well-formed busconfig; user $user may own org.pttgw.Gateway1" \
	/usr/bin/python3 - "$policy" "$user" <<'EOF'
import sys
import xml.etree.ElementTree as ET
path, user = sys.argv[1], sys.argv[2]
try:
    root = ET.parse(path).getroot()
except ET.ParseError as e:
    sys.exit(f"{path}: {e}")
if root.tag != "busconfig":
    sys.exit(f"{path}: root element <{root.tag}>, want <busconfig>")
owners = [p.get("user") for p in root.iter("policy")
          for a in p.iter("allow") if a.get("own") == "org.pttgw.Gateway1"]
if user not in owners:
    sys.exit(f"{path}: user {user} may not own org.pttgw.Gateway1 (owners: {owners})")
EOF

# --- the installed programs -------------------------------------------------------------------
pttgwd=$(r "$PTTGW_SBINDIR/pttgwd")
check "installed pttgwd --help (exit 0, names --config and --help-config)" \
	bash -c '"$1" --help >"$2" 2>&1 && grep -q -- --config "$2" && grep -q -- --help-config "$2"' \
	_ "$pttgwd" "$tmp/help"
check "installed pttgwd --help-config is the installed pttgw.conf.example" \
	bash -c '"$1" --help-config >"$2" && cmp -s "$2" "$3"' \
	_ "$pttgwd" "$tmp/help-config" "$(r "$PTTGW_DOCDIR/pttgw.conf.example")"
check "installed pttgwd --check-config accepts the installed example" \
	"$pttgwd" --check-config --config "$(r "$PTTGW_DOCDIR/pttgw.conf.example")"
for p in pttgwctl pttgw-relay pttgw-dispatch; do
	check "installed $p --help (exit 0)" \
		bash -c '"$1" --help >/dev/null 2>&1' _ "$(r "$PTTGW_BINDIR/$p")"
done

# --- man pages: valid roff; each option of --help appears (a missing one is only reported) ----
for page in "$root$PTTGW_MANDIR"/man*/*; do
	[ -f "$page" ] || continue
	if command -v groff >/dev/null; then
		check "man page ${page#"$root"}: no groff warnings" bash -c \
			'out=$(LC_ALL=C.UTF-8 groff -man -ww -z -Tutf8 "$1" 2>&1); echo -n "$out"; [ -z "$out" ]' \
			_ "$page"
	fi
	name=$(basename "$page"); name=${name%.*}
	prog=$(r "$PTTGW_BINDIR/$name"); [ -x "$prog" ] || prog=$(r "$PTTGW_SBINDIR/$name")
	[ -x "$prog" ] || continue
	text=$(sed 's/\\-/-/g' "$page")
	for opt in $("$prog" --help 2>/dev/null | grep -oE -- '--[a-z][a-z0-9-]*' | sort -u); do
		grep -q -- "$opt" <<<"$text" || echo "note: ${page#"$root"} does not mention $opt"
	done
done
for p in "$root$PTTGW_BINDIR"/* "$root$PTTGW_SBINDIR"/*; do
	[ -f "$p" ] || continue
	ls "$root$PTTGW_MANDIR"/man*/"$(basename "$p")".* >/dev/null 2>&1 ||
		echo "note: ${p#"$root"} has no man page"
done

echo "install layout: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
