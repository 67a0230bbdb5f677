# The one errno -> D-Bus error table of the control API (src/daemon/dbus-api.c).
if(TARGET pttgw-daemon)
  add_executable(test-dbus-errors ${CMAKE_CURRENT_LIST_DIR}/test-dbus-errors.c)
  target_link_libraries(test-dbus-errors PRIVATE pttgw-daemon)
  add_test(NAME unit-dbus-errors COMMAND test-dbus-errors)
  set_tests_properties(unit-dbus-errors PROPERTIES LABELS unit)
endif()
