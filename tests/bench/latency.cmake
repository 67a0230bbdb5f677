# The latency budget measured from outside the daemon (bench-latency.sh): onsets into
# and out of PipeWire nodes (bench-onset), and on the wire (pttgw-dispatch --onsets).
pkg_check_modules(BENCH_PIPEWIRE IMPORTED_TARGET libpipewire-0.3)
if(BENCH_PIPEWIRE_FOUND)
  add_executable(bench-onset ${CMAKE_CURRENT_LIST_DIR}/bench-onset.c)
  target_link_libraries(bench-onset PRIVATE PkgConfig::BENCH_PIPEWIRE)
endif()
