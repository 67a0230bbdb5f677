# bench-link: uplink latencies against the real relay (a program, not a test).
if(TARGET pttgw-relay)
  add_executable(bench-link ${CMAKE_CURRENT_LIST_DIR}/bench-link.c)
  target_link_libraries(bench-link PRIVATE pttgw-uplink PkgConfig::GLIB)
  target_compile_definitions(bench-link PRIVATE G_LOG_DOMAIN="bench-link"
                             PTTGW_RELAY_PATH="$<TARGET_FILE:pttgw-relay>")
  add_dependencies(bench-link pttgw-relay)
endif()
