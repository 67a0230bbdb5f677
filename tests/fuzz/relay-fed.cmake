# libFuzzer target for the relay federation's inbound messages (src/relay/relay-fed*.c).
if(PTTGW_FUZZ AND TARGET pttgw-relay)
  pkg_check_modules(FUZZ_MOSQUITTO REQUIRED IMPORTED_TARGET libmosquitto)
  add_executable(fuzz-relay-fed ${CMAKE_CURRENT_LIST_DIR}/fuzz-relay-fed.c
                 ${PROJECT_SOURCE_DIR}/src/relay/relay-fed.c
                 ${PROJECT_SOURCE_DIR}/src/relay/relay-fed-floor.c
                 ${PROJECT_SOURCE_DIR}/src/common/conf.c
                 ${PROJECT_SOURCE_DIR}/src/common/secret-file.c)
  target_include_directories(fuzz-relay-fed PRIVATE ${PROJECT_SOURCE_DIR}/src/relay
                             ${PROJECT_SOURCE_DIR}/src/proto ${PROJECT_SOURCE_DIR}/src/common)
  target_link_libraries(fuzz-relay-fed PRIVATE PkgConfig::GLIB PkgConfig::JSONGLIB
                        PkgConfig::FUZZ_MOSQUITTO)
  target_compile_options(fuzz-relay-fed PRIVATE -fsanitize=fuzzer,address,undefined
                         -fno-sanitize-recover=undefined)
  target_link_options(fuzz-relay-fed PRIVATE -fsanitize=fuzzer,address,undefined)
  add_test(NAME fuzz-relay-fed
           COMMAND sh -c "rm -rf corpus-relay-fed && cp -r '${CMAKE_CURRENT_LIST_DIR}/relay-fed-corpus' corpus-relay-fed && exec '$<TARGET_FILE:fuzz-relay-fed>' -max_total_time=30 -max_len=4000 -rss_limit_mb=1024 corpus-relay-fed"
           WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
  set_tests_properties(fuzz-relay-fed PROPERTIES LABELS fuzz TIMEOUT 120)
endif()
