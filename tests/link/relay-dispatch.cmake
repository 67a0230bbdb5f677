# pttgw-dispatch talks and records through pttgw-relay (real processes on loopback).
if(TARGET pttgw-relay AND TARGET pttgw-dispatch)
  add_test(NAME relay-dispatch
           COMMAND ${CMAKE_CURRENT_LIST_DIR}/test-relay-dispatch.sh ${PROJECT_BINARY_DIR})
  set_tests_properties(relay-dispatch PROPERTIES LABELS link TIMEOUT 90)
endif()
