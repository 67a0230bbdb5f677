#!/bin/bash
# Benchmark (tests/bench/gatt.cmake): GATT write of PRESS by the central -> start_stream
# arriving at pttgw-relay, both stamped with the guest's CLOCK_MONOTONIC; median of 100.
. "$PTTGW_SRC/tests/vm/scenario-lib.sh"
. "$PTTGW_SRC/tests/bluetooth/gatt-lib.sh"

gatt_wait_adapters
central=$(vm_adapter_address hci1)
gatt_start_pttgwd "allowlist = $central" "write-rate = 1000" "write-burst = 1000"
vm_wait_log "$PTTGW_RESULTS/relay.log" "gw.*(logon|logged on|joined)" 30
PTTGW_BENCH_LOG=$PTTGW_RESULTS/relay.log PTTGW_BENCH_MARKER="on test from gw started" \
	"$VM_PY" "$GATT_DIR/gatt-central.py" bond subscribe bench "${PTTGW_GATT_BENCH_N:-100}" \
	| tee "$PTTGW_RESULTS/central.log" | grep '^bench-gatt' | tee "$PTTGW_RESULTS/bench.txt"
[ -s "$PTTGW_RESULTS/bench.txt" ] || vm_fail "no figure (see central.log)"
vm_pttgwd_stop
