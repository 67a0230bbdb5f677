#!/bin/sh
# [location] source = gpsd with a real gpsd, fed by gpsfake from an NMEA log
# made for the test (nmea-track.py), the real pttgwd and the relay; a
# pttgw-dispatch user prints every on_location it gets:
# - every position received matches a position of the log within 1 m;
# - standing still: reported every interval (2 s), not every fix;
# - moving 30 m a fix (min-distance 20 m): every fix reported;
# - no fix: nothing is sent, the status says "no fix";
# - gpsd goes away (gpsfake ends) and comes back: "gpsd unavailable", then
#   positions again;
# - interval 1 h: one report, then an emergency press sends one at once;
# - reload to source = fixed: the configured position is sent, every interval.
. "$(dirname "$0")/test-uplink-lib.sh"
command -v gpsfake > /dev/null || fail "gpsfake missing (Debian gpsd-clients, .ci/packages)"
NMEA_TRACK="$(dirname "$0")/nmea-track.py"

session_bus
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
gpsfake_start() { # gpsfake_start LOG: plays LOG once, 0.25 s a sentence (0.5 s a fix); ends 2 s after
	gpsfake -1 -q -W 2 -c 0.25 -P "$gport" "$1" >> "$T/gpsfake.out" 2>&1 &
	GPSFAKE=$!
	PIDS="$PIDS $GPSFAKE"
}
locs() { grep -c '^location from gw1' "$T/disp.out" || true; }

# The logs: P0 still for 16 fixes, then 6 fixes 30 m apart, then 10 without a fix;
# B: P1 (about 1.1 km away) still for 60 fixes.
P0LAT=47.3769; P0LON=8.5417; P1LAT=47.3869; P1LON=8.5417
python3 "$NMEA_TRACK" "$T/a.nmea" "$T/a.pos" "fix:16:$P0LAT:$P0LON:0" \
	"fix:7:$P0LAT:$P0LON:30" nofix:10 || fail "nmea-track"
python3 "$NMEA_TRACK" "$T/b.nmea" "$T/b.pos" "fix:60:$P1LAT:$P1LON:0" || fail "nmea-track"
cat "$T/a.pos" "$T/b.pos" | sort -u > "$T/all.pos"

port=$(free_port)
gport=$(free_port)
start_relay "$port"
"$PTTGW_DISPATCH" -U "ws://127.0.0.1:$port" -u disp:pw-disp -C test --onsets \
	--expect-locations 100000 --timeout 300 > "$T/disp.out" 2> "$T/disp.err" &
PIDS="$PIDS $!"
wait_for "$T/disp.out" '^logged on' 5 || fail "dispatcher not logged on"

gateway_conf "$T/gw.conf" "$port" gw1 "[location]" "source = gpsd" "gpsd = 127.0.0.1:$gport" \
	"interval = 2" "min-distance = 20"
start_gwd "$T/gw.conf"
ctl monitor --json > "$T/monitor.out" 2>&1 &
PIDS="$PIDS $!"
status_has '^Location: +gpsd, gpsd unavailable' 5 || fail "no gpsd yet: status: $(grep Location "$T/status.txt")"
echo "before gpsd: $(grep '^Location' "$T/status.txt")"

# ---- track A ----
gpsfake_start "$T/a.nmea"
status_has '^Location: +gpsd, fix ' 15 || fail "no fix from gpsd: $(grep Location "$T/status.txt")"
status_has '^Location: +gpsd, no fix' 30 || fail "the no-fix part did not show: $(grep Location "$T/status.txt")"
n_nofix=$(locs)
echo "no fix: $(grep '^Location' "$T/status.txt"); $n_nofix positions so far"
sleep 3 # longer than the interval
[ "$(locs)" = "$n_nofix" ] || fail "positions sent without a fix ($n_nofix -> $(locs))"
ctl status | grep -Eq '^Location: +gpsd, (no fix|gpsd unavailable)' || fail "status: $(ctl status | grep Location)"

# every position received is one of the log's, within 1 m
python3 - "$T/disp.out" "$T/all.pos" "$P0LAT" "$P0LON" <<'PY' || fail "positions do not match the log"
import math, sys
R = 6371008.8
def dist(a, b):
    p1, p2 = math.radians(a[0]), math.radians(b[0])
    dp, dl = p2 - p1, math.radians(b[1] - a[1])
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * R * math.atan2(math.sqrt(h), math.sqrt(1 - h))
log = [tuple(map(float, l.split())) for l in open(sys.argv[2]) if l.strip()]
got = []
for l in open(sys.argv[1]):
    if l.startswith("location from gw1"):
        w = l.split()
        got.append(((float(w[5]), float(w[6])), int(w[10]) / 1e6))
p0 = (float(sys.argv[3]), float(sys.argv[4]))
worst = max(min(dist(g, p) for p in log) for g, _ in got)
still = [t for g, t in got if dist(g, p0) < 1]
moved = sorted({round(dist(g, p0)) for g, _ in got if dist(g, p0) >= 1})
gaps = [b - a for a, b in zip(still, still[1:])]
print("received %d positions, farthest from the log %.3f m; standing still: %d reports, "
      "gaps %s s; moved: %s m" % (len(got), worst, len(still),
                                  ["%.2f" % g for g in gaps], moved))
ok = worst < 1.0
ok &= 2 <= len(still) <= 6          # about 6 s still: every 2 s, not every fix (12)
ok &= all(g >= 1.8 for g in gaps)   # never before the interval
ok &= moved == [30, 60, 90, 120, 150, 180]  # every 30 m step (min-distance 20)
sys.exit(0 if ok else 1)
PY

# ---- gpsd goes away and comes back ----
wait "$GPSFAKE" 2>/dev/null
status_has '^Location: +gpsd, gpsd unavailable' 10 || fail "gpsd gone: $(grep Location "$T/status.txt")"
echo "gpsd gone: $(grep '^Location' "$T/status.txt")"
gpsfake_start "$T/b.nmea"
wait_for "$T/disp.out" "^location from gw1 to channel: $P1LAT" 20 || fail "no position after gpsd came back"
echo "gpsd back: $(grep -c "^location from gw1 to channel: $P1LAT" "$T/disp.out") position(s) at P1"
stop_gwd

# ---- interval 1 h: an emergency sends at once ----
gateway_conf "$T/gw2.conf" "$port" gw1 "[location]" "source = gpsd" "gpsd = 127.0.0.1:$gport" \
	"interval = 3600" "min-distance = 100000"
before=$(locs)
start_gwd "$T/gw2.conf"
ctl monitor --json > "$T/monitor2.out" 2>&1 &
PIDS="$PIDS $!"
wait_count "$T/disp.out" '^location from gw1' $((before + 1)) 15 || fail "no first report"
sleep 1.5
[ "$(locs)" = $((before + 1)) ] || fail "interval 3600: more than one report ($before -> $(locs))"
ctl emergency > /dev/null 2>&1 || fail "emergency refused"
wait_count "$T/disp.out" '^location from gw1' $((before + 2)) 5 || fail "emergency: no position sent"
grep -q '"type":"location_sent".*"reason":"emergency"' "$T/monitor2.out" || fail "no location_sent (emergency) event"
ctl release > /dev/null 2>&1
echo "emergency: a position at once (interval 1 h)"

# ---- reload to source = fixed ----
gateway_conf "$T/gw2.conf" "$port" gw1 "[location]" "source = fixed" "latitude = -33.8568" \
	"longitude = 151.2153" "accuracy = 25" "interval = 1"
ctl reload > "$T/reload.out" 2>&1 || fail "reload: $(cat "$T/reload.out")"
wait_for "$T/disp.out" '^location from gw1 to channel: -33.8568000 151.2153000 accuracy 25.0' 5 ||
	fail "reload to source = fixed: no fixed position"
status_has '^Location: +fixed, fix -33.856800 151.215300' 5 || fail "status: $(grep Location "$T/status.txt")"
wait_count "$T/disp.out" '^location from gw1 to channel: -33.8568000' 3 5 ||
	fail "source = fixed, interval 1 s: not sent again"
echo "reload: source = fixed, its position sent every second"
stop_gwd
kill "$GPSFAKE" 2>/dev/null
grep -q 'ERROR: \(Address\|Leak\)Sanitizer\|runtime error:' "$T/pttgwd.err" && fail "sanitizer report"
echo "PASS: location from gpsd: positions match the log, interval and distance rules, no fix, gpsd restart, emergency"
