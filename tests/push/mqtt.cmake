# The push client and the relay publisher against a real mosquitto on 127.0.0.1.
find_program(MOSQUITTO_BIN mosquitto PATHS /usr/sbin /usr/local/sbin)
find_program(MOSQUITTO_PUB_BIN mosquitto_pub)
if(TARGET pttgw-push AND TARGET pttgw-relay-push AND MOSQUITTO_BIN AND MOSQUITTO_PUB_BIN)
  add_library(pttgw-push-testutil STATIC ${CMAKE_CURRENT_LIST_DIR}/push-test-util.c)
  target_include_directories(pttgw-push-testutil PUBLIC ${CMAKE_CURRENT_LIST_DIR})
  target_link_libraries(pttgw-push-testutil PUBLIC PkgConfig::GLIB)
  target_compile_definitions(pttgw-push-testutil PUBLIC MOSQUITTO_BIN="${MOSQUITTO_BIN}"
                             MOSQUITTO_PUB_BIN="${MOSQUITTO_PUB_BIN}")

  add_executable(test-push-mqtt ${CMAKE_CURRENT_LIST_DIR}/test-push-mqtt.c)
  target_link_libraries(test-push-mqtt PRIVATE pttgw-push pttgw-relay-push pttgw-push-testutil)
  add_test(NAME push-mqtt COMMAND test-push-mqtt)
  set_tests_properties(push-mqtt PROPERTIES LABELS push TIMEOUT 180)
elseif(TARGET pttgw-push)
  message(WARNING "mosquitto or mosquitto_pub not found: push tests skipped (.ci/packages)")
endif()

# push-sign: a signed envelope on stdout, for shell tests that publish with mosquitto_pub.
if(TARGET pttgw-push)
  add_executable(push-sign ${CMAKE_CURRENT_LIST_DIR}/push-sign.c)
  target_link_libraries(push-sign PRIVATE pttgw-push)
endif()
