# The harness's own smoke test in the QEMU guest (tests/vm, tests/vm/README.md):
# bluetoothd sees both virtual controllers, a central on hci1 sees an advertisement
# made on hci0, connects, bonds, reads, writes and gets notifications; then pttgwd's.
pttgw_vm_test(bluetooth-vm-smoke SCENARIOS tests/bluetooth/scenarios/smoke.sh TIMEOUT 400)
