# The relay federation's homes and floor without a broker (src/relay/relay-fed*.c).
if(TARGET pttgw-relay)
  pkg_check_modules(UNIT_MOSQUITTO REQUIRED IMPORTED_TARGET libmosquitto)
  add_executable(test-relay-fed test-relay-fed.c ${PROJECT_SOURCE_DIR}/src/relay/relay-fed.c
                 ${PROJECT_SOURCE_DIR}/src/relay/relay-fed-floor.c)
  target_include_directories(test-relay-fed PRIVATE ${PROJECT_SOURCE_DIR}/src/relay
                             ${PROJECT_SOURCE_DIR}/src/proto)
  target_link_libraries(test-relay-fed PRIVATE pttgw-common PkgConfig::GLIB PkgConfig::JSONGLIB
                        PkgConfig::UNIT_MOSQUITTO)
  target_compile_definitions(test-relay-fed PRIVATE G_LOG_DOMAIN="test-relay-fed")
  add_test(NAME relay-fed COMMAND test-relay-fed)
  set_tests_properties(relay-fed PROPERTIES LABELS unit TIMEOUT 60)
endif()
