# The harness's own smoke test in the QEMU guest (tests/vm, tests/vm/README.md):
# bluetoothd sees both virtual controllers, a central on hci1 sees an advertisement
# made on hci0, connects, bonds, reads, writes and gets notifications; then pttgwd's.
pttgw_vm_test(bluetooth-vm-smoke SCENARIOS tests/bluetooth/scenarios/smoke.sh TIMEOUT 400)
# A classic headset on the real stack (issue #14): dual-mode controllers, bluetoothd,
# PipeWire + WirePlumber's bluez5 plugin for the gateway on hci0, a headset emulated on
# hci1 (tests/vm/headset.py), pttgwd and pttgw-relay: A2DP with a 1 kHz burst decoded at
# the headset, a press to HFP (SCO refused by btvirt), back to A2DP, AVRCP play as a press.
pttgw_vm_test(bluetooth-vm-headset SCENARIOS tests/bluetooth/scenarios/headset.sh TIMEOUT 420 BREDR)
