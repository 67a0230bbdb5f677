# Unit tests of src/common: one binary per module, path-named cases.
if(TARGET pttgw-common)
  add_executable(test-json-util ${CMAKE_CURRENT_LIST_DIR}/test-json-util.c)
  target_link_libraries(test-json-util PRIVATE pttgw-common)
  add_test(NAME unit-json-util COMMAND test-json-util)
  set_tests_properties(unit-json-util PROPERTIES LABELS unit)
endif()

if(TARGET pttgw-common)
  add_executable(test-watchlist ${CMAKE_CURRENT_LIST_DIR}/test-watchlist.c)
  target_link_libraries(test-watchlist PRIVATE pttgw-common)
  add_test(NAME unit-watchlist COMMAND test-watchlist)
  set_tests_properties(unit-watchlist PROPERTIES LABELS unit)
endif()
