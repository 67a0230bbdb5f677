# pttgw-relay's pushes: one per burst to every member but the talker (real mosquitto).
if(TARGET pttgw-relay AND TARGET pttgw-dispatch AND TARGET pttgw-relay-push)
  add_test(NAME relay-push
           COMMAND ${CMAKE_CURRENT_LIST_DIR}/test-relay-push.sh ${PROJECT_BINARY_DIR})
  set_tests_properties(relay-push PROPERTIES LABELS link TIMEOUT 90)
endif()
