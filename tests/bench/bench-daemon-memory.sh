#!/bin/bash
# bench-daemon-memory - pttgwd's memory, idle and during bursts, on the
# embedded default (the demo's shift: relay, mosquitto, headless PipeWire).
# Prints RSS (all resident pages, shared library pages included), PSS and
# USS (private pages: what this daemon alone costs).
#   bench-daemon-memory.sh [BUILD_DIR]
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
B=${1:-$top/build}
out=$(mktemp -d /tmp/pttgw-bench-mem.XXXXXX)
trap 'rm -rf "$out"' EXIT
# the demo stays idle for 3 s once the gateway is up: the idle sample is taken then
PTTGW_DEMO_IDLE_SECONDS=3 PTTGW_BUILD=$B "$top/src/demo/pttgw-demo" --no-build --out "$out/run" > "$out/demo.txt" 2>&1 &
demo=$!
pid=""
for _ in $(seq 100); do
	pid=$(pgrep -f "config $out/run/pttgw.conf" | head -1)
	[ -n "$pid" ] && break
	sleep 0.1
done
[ -n "$pid" ] || { echo "pttgwd did not start"; cat "$out/demo.txt"; exit 1; }
sample() { # prints "rss pss uss" in kB
	awk '/^Rss:/ {r=$2} /^Pss:/ {p=$2} /^Private_Clean:/ {c=$2} /^Private_Dirty:/ {d=$2}
	     END {print r, p, c + d}' "/proc/$pid/smaps_rollup" 2>/dev/null
}
phase() { # the demo's current step
	grep -Eo '^ *[0-9.]+ s  [0-9]\.' "$out/demo.txt" | tail -1 | awk '{print $3}'
}
idle="" max_rss=0 max_pss=0 max_uss=0
while kill -0 "$demo" 2>/dev/null && [ -e "/proc/$pid" ]; do
	s=$(sample); [ -n "$s" ] || break
	set -- $s
	ph=$(phase)
	if [ -z "$ph" ] && grep -q "idle for" "$out/demo.txt"; then idle="$1 $2 $3"; fi
	if [ -n "$ph" ]; then
		[ "$1" -gt $max_rss ] && max_rss=$1
		[ "$2" -gt $max_pss ] && max_pss=$2
		[ "$3" -gt $max_uss ] && max_uss=$3
	fi
	sleep 0.1
done
wait "$demo"
[ -n "$idle" ] || { echo "no idle sample"; exit 1; }
set -- $idle
printf 'pttgwd idle:          RSS %5.1f MB  PSS %5.1f MB  USS %5.1f MB\n' \
	"$(awk -v v=$1 'BEGIN{print v/1024}')" "$(awk -v v=$2 'BEGIN{print v/1024}')" "$(awk -v v=$3 'BEGIN{print v/1024}')"
printf 'pttgwd during bursts: RSS %5.1f MB  PSS %5.1f MB  USS %5.1f MB (maximum)\n' \
	"$(awk -v v=$max_rss 'BEGIN{print v/1024}')" "$(awk -v v=$max_pss 'BEGIN{print v/1024}')" "$(awk -v v=$max_uss 'BEGIN{print v/1024}')"
echo "targets (issue 5): idle under 10 MB, during a burst under 16 MB"
