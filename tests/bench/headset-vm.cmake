# The headset's profile switch A2DP <-> HFP in the QEMU guest (real bluetoothd, PipeWire's
# bluez5 plugin, an emulated headset): median of 20 each way. A program that prints its
# figures ("bench-headset-vm: A2DP -> HFP: n=20 median=... ms"), not a test:
#   cmake --build . --target bench-headset-vm
if(TARGET pttgwd AND TARGET pttgw-relay AND EXISTS ${PROJECT_SOURCE_DIR}/tests/vm/pttgw-vm)
  add_custom_target(bench-headset-vm
    COMMAND sh ${CMAKE_CURRENT_SOURCE_DIR}/bench-headset-switch-vm.sh ${CMAKE_BINARY_DIR} 20
    DEPENDS pttgwd pttgw-relay pttgwctl audio-analyse
    USES_TERMINAL)
endif()
