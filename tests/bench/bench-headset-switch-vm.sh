#!/bin/sh
# bench-headset-switch-vm.sh BUILD [SWITCHES] - the headset's profile switch through
# pttgwd on the real stack: the QEMU guest's bluetoothd with two dual-mode btvirt
# controllers, PipeWire + WirePlumber with the bluez5 plugin, the emulated headset
# (tests/vm/headset.py). The guest scenario tests/bluetooth/scenarios/headset.sh runs
# its test, then SWITCHES (default 20) more presses and releases (hfp-hangover 0):
#   A2DP -> HFP: from pttgwd's Profile request to the HFP sink and source present
#                (the "headset" event "hfp", switch_ms);
#   HFP -> A2DP: from the request to the A2DP sink present ("a2dp", switch_ms).
# Prints n, median, p90 and max of each. Not a test: figures only (the emulated radio
# has no air time and TCG is slow; a real headset adds its own set-up time).
# Run: sh tests/bench/bench-headset-switch-vm.sh build   (or: cmake --build build
#      --target bench-headset-vm)
set -u
B=$(cd "${1:?usage: bench-headset-switch-vm.sh BUILD [SWITCHES]}" && pwd)
N=${2:-20}
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$B/bench-headset-vm
"$top/tests/vm/pttgw-vm" --bredr --build "$B" --results "$out" --timeout 900 \
	--scenario-timeout 840 -e PTTGW_HS_SWITCHES="$N" -e PTTGW_HS_HANGOVER=0 \
	"$top/tests/bluetooth/scenarios/headset.sh" >"$out.log" 2>&1
rc=$?
tail -n 3 "$out.log"
[ $rc = 0 ] || { echo "bench-headset-switch-vm: the guest run failed (see $out.log)"; exit 1; }
python3 - "$out/01-headset/monitor.log" "$N" <<'PY'
import json, statistics, sys
ev = [json.loads(l) for l in open(sys.argv[1]) if l.startswith("{")]
n = int(sys.argv[2])
def figs(name, xs):
    xs = sorted(xs[-n:])  # the bench's switches (the test's own came first)
    if not xs:
        print(f"{name}: no samples"); sys.exit(1)
    p90 = xs[min(len(xs) - 1, int(round(0.9 * (len(xs) - 1))))]
    print(f"bench-headset-vm: {name}: n={len(xs)} median={statistics.median(xs):.1f} ms "
          f"p90={p90:.1f} ms max={xs[-1]:.1f} ms")
figs("A2DP -> HFP", [e["switch_ms"] for e in ev
                     if e.get("type") == "headset" and e.get("state") == "hfp"])
figs("HFP -> A2DP", [e["switch_ms"] for e in ev
                     if e.get("type") == "headset" and e.get("state") == "a2dp"])
PY
