# libFuzzer target for the codec (text and binary frames, codec headers).
# Configure with CC=clang -DPTTGW_FUZZ=ON; ctest -L fuzz runs it for 60 s.
if(PTTGW_FUZZ AND TARGET pttgw-proto)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "PTTGW_FUZZ needs clang (CC=clang)")
  endif()
  add_executable(fuzz-proto ${CMAKE_CURRENT_LIST_DIR}/fuzz-proto.c
                 ${PROJECT_SOURCE_DIR}/src/proto/proto.c
                 ${PROJECT_SOURCE_DIR}/src/proto/proto-audio.c)
  target_include_directories(fuzz-proto PRIVATE ${PROJECT_SOURCE_DIR}/src/proto)
  target_link_libraries(fuzz-proto PRIVATE PkgConfig::GLIB PkgConfig::JSONGLIB)
  target_compile_options(fuzz-proto PRIVATE -fsanitize=fuzzer,address,undefined
                         -fno-sanitize-recover=undefined)
  target_link_options(fuzz-proto PRIVATE -fsanitize=fuzzer,address,undefined)
  # The corpus is copied so that libFuzzer's additions stay out of the source tree.
  add_test(NAME fuzz-proto
           COMMAND sh -c "rm -rf corpus-proto && cp -r '${CMAKE_CURRENT_LIST_DIR}/proto-corpus' corpus-proto && exec '$<TARGET_FILE:fuzz-proto>' -max_total_time=60 -max_len=70000 -rss_limit_mb=1024 corpus-proto"
           WORKING_DIRECTORY ${CMAKE_CURRENT_BINARY_DIR})
  set_tests_properties(fuzz-proto PROPERTIES LABELS fuzz TIMEOUT 180)
endif()
