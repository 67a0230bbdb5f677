# The Zello Channel API codec: API.md's worked examples byte-exact, tolerances, bad inputs.
if(TARGET pttgw-proto)
  add_executable(test-proto ${CMAKE_CURRENT_LIST_DIR}/test-proto.c)
  target_link_libraries(test-proto PRIVATE pttgw-proto)
  add_test(NAME proto COMMAND test-proto)
  set_tests_properties(proto PROPERTIES LABELS unit)
endif()
