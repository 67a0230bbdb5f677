# [location]: the report rule (interval, min-distance), the distance, the config.
if(TARGET pttgw-daemon)
  add_executable(test-location ${CMAKE_CURRENT_LIST_DIR}/test-location.c)
  target_link_libraries(test-location PRIVATE pttgw-daemon)
  add_test(NAME location COMMAND test-location)
  set_tests_properties(location PROPERTIES LABELS unit)
endif()
