# Guest scenarios of the PTT GATT service (pttgw-gatt on the real bluetoothd in the
# QEMU guest, tests/vm/pttgw-vm): bond + press/release in order, refusals, malformed
# writes, write flood, disconnect while holding, bluetoothd restart -- on gatt-drive (the
# library with a fake floor) and end to end on pttgwd + pttgw-relay. One boot runs them all.
if(TARGET pttgw-gatt)
  add_executable(gatt-drive ${CMAKE_CURRENT_LIST_DIR}/gatt-drive.c)
  target_link_libraries(gatt-drive PRIVATE pttgw-gatt)
  target_compile_definitions(gatt-drive PRIVATE G_LOG_DOMAIN="gatt-drive")

  if(EXISTS ${PROJECT_SOURCE_DIR}/tests/vm/pttgw-vm)
    add_test(NAME bluetooth-gatt
      COMMAND ${PROJECT_SOURCE_DIR}/tests/vm/pttgw-vm --build ${CMAKE_BINARY_DIR}
              --timeout 1400 --scenario-timeout 400
              ${CMAKE_CURRENT_LIST_DIR}/gatt-press.sh
              ${CMAKE_CURRENT_LIST_DIR}/gatt-refused.sh
              ${CMAKE_CURRENT_LIST_DIR}/gatt-restart.sh
              ${CMAKE_CURRENT_LIST_DIR}/gatt-e2e.sh)
    set_tests_properties(bluetooth-gatt PROPERTIES LABELS bluetooth TIMEOUT 1500)
  endif()
endif()
