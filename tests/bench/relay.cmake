# bench-relay: the relay under N gateway connections (a program, not a test: see run).
# Its own WebSocket client from RFC 6455 and API.md; links nothing of src/.
if(TARGET pttgw-relay)
  add_executable(bench-relay ${CMAKE_CURRENT_LIST_DIR}/bench-relay.c)
  target_compile_definitions(bench-relay PRIVATE
                             PTTGW_RELAY_PATH="$<TARGET_FILE:pttgw-relay>")
  add_dependencies(bench-relay pttgw-relay)
endif()
