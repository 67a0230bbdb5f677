# Button latency in the QEMU guest: BLE notification -> press, evdev key down -> press,
# HID-over-GATT notification -> press (median of 100 / 100 / 50). A program that prints
# figures ("BENCH <name>: n=... median=... ms"), not a test: `cmake --build . --target
# bench-buttons`. The same scenarios run as the ctest bluetooth-buttons (label bluetooth).
if(TARGET buttons-drive AND EXISTS ${PROJECT_SOURCE_DIR}/tests/vm/pttgw-vm)
  add_custom_target(bench-buttons
    COMMAND ${PROJECT_SOURCE_DIR}/tests/vm/pttgw-vm --build ${CMAKE_BINARY_DIR}
            --results ${CMAKE_BINARY_DIR}/bench-buttons
            ${PROJECT_SOURCE_DIR}/tests/bluetooth/buttons-ble.sh
            ${PROJECT_SOURCE_DIR}/tests/bluetooth/buttons-evdev.sh
            ${PROJECT_SOURCE_DIR}/tests/bluetooth/buttons-hog.sh
    COMMAND sh -c "cat ${CMAKE_BINARY_DIR}/bench-buttons/*/bench.txt"
    DEPENDS buttons-drive buttons-uinput
    USES_TERMINAL)
endif()
