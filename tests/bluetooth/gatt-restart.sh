#!/bin/bash
# bluetoothd is killed and restarted, then stopped and started, then the adapter goes
# away and comes back: each time the gateway registers its application and advertisement
# again by itself, and the central can press again.
. "$PTTGW_SRC/tests/vm/scenario-lib.sh"
. "$PTTGW_SRC/tests/bluetooth/gatt-lib.sh"

gatt_wait_adapters
central=$(vm_adapter_address hci1)
gatt_conf "allowlist = $central"
gatt_start

gatt_central bond subscribe press release
vm_bluetoothd_kill
gatt_wait_count 1 "bluetoothd up -> down"
gatt_bluetoothd_start
gatt_wait_registered 2
gatt_central connect subscribe press release

# once more, with a clean stop (SIGTERM) this time
vm_bluetoothd_stop
gatt_wait_count 2 "bluetoothd up -> down"
gatt_bluetoothd_start
gatt_wait_registered 3
gatt_central connect subscribe press release

# the adapter goes away (its virtual controller is gone) while bluetoothd stays, and
# comes back: InterfacesRemoved, InterfacesAdded, registered again
pkill -x btvirt
gatt_wait_count 1 "hci0: adapter went away" 30
btvirt -L -l2 >>"$PTTGW_VM_RESULTS/btvirt.log" 2>&1 &
gatt_wait_adapters
[ "$(vm_adapter_address hci1)" = "$central" ] || vm_fail "the central's address changed"
gatt_wait_registered 4
gatt_central connect subscribe press release
gatt_alive
gatt_stop
vm_log "PASS"
