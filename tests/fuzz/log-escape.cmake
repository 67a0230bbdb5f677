# libFuzzer target for log_escape() (peer text on its way to the logs; src/common).
if(PTTGW_FUZZ)
  add_executable(fuzz-log-escape ${CMAKE_CURRENT_LIST_DIR}/fuzz-log-escape.c
                 ${PROJECT_SOURCE_DIR}/src/common/log-escape.c)
  target_include_directories(fuzz-log-escape PRIVATE ${PROJECT_SOURCE_DIR}/src/common)
  target_link_libraries(fuzz-log-escape PRIVATE PkgConfig::GLIB)
  target_compile_options(fuzz-log-escape PRIVATE -fsanitize=fuzzer,address,undefined
                         -fno-sanitize-recover=undefined)
  target_link_options(fuzz-log-escape PRIVATE -fsanitize=fuzzer,address,undefined)
  add_test(NAME fuzz-log-escape
           COMMAND sh -c "rm -rf corpus-log-escape && cp -r '${CMAKE_CURRENT_LIST_DIR}/log-escape-corpus' corpus-log-escape && exec '$<TARGET_FILE:fuzz-log-escape>' -max_total_time=30 -max_len=2000 corpus-log-escape"
           WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
  set_tests_properties(fuzz-log-escape PROPERTIES LABELS fuzz TIMEOUT 120)
endif()
