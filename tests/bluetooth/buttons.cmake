# Guest scenarios of pttgw-buttons: BLE buttons (Zello-style, Aina with LED,
# reconnect while held), evdev keys through udev (uinput), HID over GATT.
# One boot runs them all (tests/vm/pttgw-vm).
if(TARGET pttgw-buttons)
  pkg_check_modules(BUTTONS_LIBEVDEV REQUIRED IMPORTED_TARGET libevdev)
  add_executable(buttons-drive ${CMAKE_CURRENT_LIST_DIR}/buttons-drive.c)
  target_link_libraries(buttons-drive PRIVATE pttgw-buttons)
  add_executable(buttons-uinput ${CMAKE_CURRENT_LIST_DIR}/buttons-uinput.c)
  target_link_libraries(buttons-uinput PRIVATE PkgConfig::GLIB PkgConfig::BUTTONS_LIBEVDEV)

  if(EXISTS ${PROJECT_SOURCE_DIR}/tests/vm/pttgw-vm)
    add_test(NAME bluetooth-buttons
      COMMAND ${PROJECT_SOURCE_DIR}/tests/vm/pttgw-vm --build ${CMAKE_BINARY_DIR} -t 1400 -s 450
              ${CMAKE_CURRENT_LIST_DIR}/buttons-ble.sh
              ${CMAKE_CURRENT_LIST_DIR}/buttons-evdev.sh
              ${CMAKE_CURRENT_LIST_DIR}/buttons-hog.sh
              ${CMAKE_CURRENT_LIST_DIR}/buttons-e2e.sh)
    set_tests_properties(bluetooth-buttons PROPERTIES LABELS bluetooth TIMEOUT 1500)
  endif()
endif()
