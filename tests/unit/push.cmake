# Push messages: sign/verify, forged MAC, stale/future timestamps, replays, bad input, limits.
# The [push] config group.
if(TARGET pttgw-push)
  add_executable(test-push-msg ${CMAKE_CURRENT_LIST_DIR}/test-push-msg.c)
  target_link_libraries(test-push-msg PRIVATE pttgw-push)
  add_test(NAME push-msg COMMAND test-push-msg)
  set_tests_properties(push-msg PROPERTIES LABELS unit)

  add_executable(test-push-config ${CMAKE_CURRENT_LIST_DIR}/test-push-config.c)
  target_link_libraries(test-push-config PRIVATE pttgw-push)
  target_compile_definitions(test-push-config PRIVATE PTTGW_SYSCONFDIR="${PTTGW_SYSCONFDIR}")
  add_test(NAME push-config COMMAND test-push-config)
  set_tests_properties(push-config PROPERTIES LABELS unit)
endif()
