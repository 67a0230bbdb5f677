# libFuzzer target for the push message verifier (envelopes, and payloads behind a valid MAC).
# Configure with CC=clang -DPTTGW_FUZZ=ON; ctest -L fuzz runs it for 60 s.
if(PTTGW_FUZZ AND TARGET pttgw-push)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "PTTGW_FUZZ needs clang (CC=clang)")
  endif()
  add_executable(fuzz-push-msg ${CMAKE_CURRENT_LIST_DIR}/fuzz-push-msg.c
                 ${PROJECT_SOURCE_DIR}/src/push/push-msg.c
                 ${PROJECT_SOURCE_DIR}/src/common/conf.c
                 ${PROJECT_SOURCE_DIR}/src/common/json-util.c
                 ${PROJECT_SOURCE_DIR}/src/common/secret-file.c)
  target_include_directories(fuzz-push-msg PRIVATE ${PROJECT_SOURCE_DIR}/src/push
                             ${PROJECT_SOURCE_DIR}/src/common)
  target_link_libraries(fuzz-push-msg PRIVATE PkgConfig::GLIB PkgConfig::JSONGLIB)
  target_compile_options(fuzz-push-msg PRIVATE -fsanitize=fuzzer,address,undefined
                         -fno-sanitize-recover=undefined)
  target_link_options(fuzz-push-msg PRIVATE -fsanitize=fuzzer,address,undefined)
  add_test(NAME fuzz-push-msg
           COMMAND sh -c "rm -rf corpus-push && cp -r '${CMAKE_CURRENT_LIST_DIR}/push-corpus' corpus-push && exec '$<TARGET_FILE:fuzz-push-msg>' -max_total_time=60 -max_len=6000 -rss_limit_mb=1024 corpus-push"
           WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
  set_tests_properties(fuzz-push-msg PROPERTIES LABELS fuzz TIMEOUT 180)
endif()
