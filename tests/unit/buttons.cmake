# Unit tests of the pure parts of pttgw-buttons (profiles, gestures, key names,
# config) and of the hwdb file.
if(TARGET pttgw-buttons)
  add_executable(test-buttons ${CMAKE_CURRENT_LIST_DIR}/test-buttons.c)
  target_link_libraries(test-buttons PRIVATE pttgw-buttons)
  add_test(NAME unit-buttons COMMAND test-buttons)
  set_tests_properties(unit-buttons PROPERTIES LABELS unit)

  add_test(NAME unit-buttons-hwdb
    COMMAND ${CMAKE_CURRENT_LIST_DIR}/test-buttons-hwdb.sh ${PROJECT_SOURCE_DIR}/udev)
  set_tests_properties(unit-buttons-hwdb PROPERTIES LABELS unit TIMEOUT 60)
endif()

# The gestures and their driver (pure: a fake timer), path-named cases /gesture/...
if(TARGET pttgw-buttons-pure)
  add_executable(test-gesture ${CMAKE_CURRENT_LIST_DIR}/test-gesture.c)
  target_link_libraries(test-gesture PRIVATE pttgw-buttons-pure PkgConfig::GLIB)
  add_test(NAME unit-gesture COMMAND test-gesture)
  set_tests_properties(unit-gesture PROPERTIES LABELS unit)
endif()

# A headset's AVRCP play/pause as a talk key (hold / toggle), /evdev-avrcp/...
if(TARGET pttgw-buttons-pure)
  add_executable(test-evdev-avrcp ${CMAKE_CURRENT_LIST_DIR}/test-evdev-avrcp.c)
  target_link_libraries(test-evdev-avrcp PRIVATE pttgw-buttons-pure PkgConfig::GLIB)
  add_test(NAME unit-evdev-avrcp COMMAND test-evdev-avrcp)
  set_tests_properties(unit-evdev-avrcp PROPERTIES LABELS unit)
endif()
