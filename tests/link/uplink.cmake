# uplink: the gateway's WebSocket link, against real servers on loopback (label link).
pkg_check_modules(UPLINK_TEST_LWS REQUIRED IMPORTED_TARGET libwebsockets>=4.1)

add_executable(uplink-drive ${CMAKE_CURRENT_LIST_DIR}/uplink-drive.c)
target_link_libraries(uplink-drive PRIVATE pttgw-uplink pttgw-common PkgConfig::GLIB)
target_compile_definitions(uplink-drive PRIVATE G_LOG_DOMAIN="uplink-drive")

add_executable(test-uplink-badserver ${CMAKE_CURRENT_LIST_DIR}/test-uplink-badserver.c)
target_link_libraries(test-uplink-badserver PRIVATE pttgw-proto PkgConfig::GLIB
                      PkgConfig::UPLINK_TEST_LWS)

add_executable(test-uplink-backoff ${CMAKE_CURRENT_LIST_DIR}/test-uplink-backoff.c)
target_link_libraries(test-uplink-backoff PRIVATE pttgw-uplink)
add_test(NAME uplink-backoff COMMAND test-uplink-backoff)
set_tests_properties(uplink-backoff PROPERTIES LABELS "unit;link" TIMEOUT 30)

# Shell drivers: every one gets the binaries through the environment.
set(_uplink_env
    "UPLINK_DRIVE=$<TARGET_FILE:uplink-drive>"
    "UPLINK_BADSERVER=$<TARGET_FILE:test-uplink-badserver>")
if(TARGET pttgw-relay)
  list(APPEND _uplink_env "PTTGW_RELAY=$<TARGET_FILE:pttgw-relay>")
endif()
if(TARGET pttgw-dispatch)
  list(APPEND _uplink_env "PTTGW_DISPATCH=$<TARGET_FILE:pttgw-dispatch>")
endif()
if(TARGET pttgwd AND TARGET pttgwctl)
  list(APPEND _uplink_env "PTTGWD=$<TARGET_FILE:pttgwd>" "PTTGWCTL=$<TARGET_FILE:pttgwctl>")
endif()

function(uplink_shell_test name timeout)
  add_test(NAME ${name} COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/test-${name}.sh)
  set_tests_properties(${name} PROPERTIES LABELS link TIMEOUT ${timeout}
                       ENVIRONMENT "${_uplink_env}")
endfunction()

uplink_shell_test(uplink-badinput 60)
uplink_shell_test(uplink-secrets 30)
uplink_shell_test(uplink-auth 30)
uplink_shell_test(uplink-tls 60)
if(TARGET pttgw-relay AND TARGET pttgw-dispatch)
  uplink_shell_test(uplink-relay 120)
  uplink_shell_test(relay-reload 120)
  uplink_shell_test(uplink-reconnect 300)
  uplink_shell_test(uplink-deadlink 60)
  uplink_shell_test(uplink-policy 120)
  if(TARGET pttgwd AND TARGET pttgwctl)
    uplink_shell_test(uplink-daemon 120)
    uplink_shell_test(channels-daemon 90)
    uplink_shell_test(daemon-reload 120)
  endif()
endif()
