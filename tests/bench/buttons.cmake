# Button latency in the QEMU guest: BLE notification -> press (driver) and -> start_stream
# at pttgw-relay (pttgwd, median of 50), evdev key down -> press,
# HID-over-GATT notification -> press (median of 100 / 100 / 50). A program that prints
# figures ("BENCH <name>: n=... median=... ms"), not a test: `cmake --build . --target
# bench-buttons`. The same scenarios run as the ctest bluetooth-buttons (label bluetooth).
if(TARGET buttons-drive AND EXISTS ${PROJECT_SOURCE_DIR}/tests/vm/pttgw-vm)
  set(_buttons_bench_deps buttons-drive buttons-uinput)
  foreach(_t pttgwd pttgw-relay pttgwctl)
    if(TARGET ${_t})
      list(APPEND _buttons_bench_deps ${_t})
    endif()
  endforeach()
  add_custom_target(bench-buttons
    COMMAND ${PROJECT_SOURCE_DIR}/tests/vm/pttgw-vm --build ${CMAKE_BINARY_DIR} -t 1400 -s 450
            --results ${CMAKE_BINARY_DIR}/bench-buttons
            ${PROJECT_SOURCE_DIR}/tests/bluetooth/buttons-ble.sh
            ${PROJECT_SOURCE_DIR}/tests/bluetooth/buttons-evdev.sh
            ${PROJECT_SOURCE_DIR}/tests/bluetooth/buttons-hog.sh
            ${PROJECT_SOURCE_DIR}/tests/bluetooth/buttons-e2e.sh
    COMMAND sh -c "cat ${CMAKE_BINARY_DIR}/bench-buttons/*/bench.txt"
    DEPENDS ${_buttons_bench_deps}
    USES_TERMINAL)
endif()
