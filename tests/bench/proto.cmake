# bench-proto: the codec's cost on the hot paths (a program, not a test).
if(TARGET pttgw-proto)
  add_executable(bench-proto ${CMAKE_CURRENT_LIST_DIR}/bench-proto.c)
  target_link_libraries(bench-proto PRIVATE pttgw-proto)
endif()
