# GATT latency in the QEMU guest: the test central's write of PRESS to the Control Point ->
# start_stream arriving at pttgw-relay on the guest's loopback (pttgwd in between), both
# stamped with the guest's CLOCK_MONOTONIC; median of 100 presses. A program that prints
# its figure ("bench-gatt: ... n=100 median=... ms"), not a test:
#   cmake --build . --target bench-gatt
# The emulated radio (btvirt) and TCG make it an upper bound.
if(TARGET gatt-drive AND TARGET pttgwd AND TARGET pttgw-relay
   AND EXISTS ${PROJECT_SOURCE_DIR}/tests/vm/pttgw-vm)
  add_custom_target(bench-gatt
    COMMAND ${PROJECT_SOURCE_DIR}/tests/vm/pttgw-vm --build ${CMAKE_BINARY_DIR}
            --results ${CMAKE_BINARY_DIR}/bench-gatt --scenario-timeout 900 --timeout 1200
            ${PROJECT_SOURCE_DIR}/tests/bluetooth/gatt-bench.sh
    COMMAND sh -c "cat ${CMAKE_BINARY_DIR}/bench-gatt/*/bench.txt"
    DEPENDS gatt-drive pttgwd pttgw-relay
    USES_TERMINAL)
endif()
