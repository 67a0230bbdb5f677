# The reference relay on loopback, driven by small C clients (src/relay/relay-client.c).
if(TARGET pttgw-relay AND TARGET pttgw-relay-client)
  add_executable(test-relay ${CMAKE_CURRENT_LIST_DIR}/test-relay.c)
  target_link_libraries(test-relay PRIVATE pttgw-relay-client pttgw-proto PkgConfig::GLIB)
  add_test(NAME relay COMMAND test-relay $<TARGET_FILE:pttgw-relay>)
  set_tests_properties(relay PROPERTIES LABELS link TIMEOUT 180)
endif()
