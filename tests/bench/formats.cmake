# Talker formats: decode cost and jitter-buffer wait/latency for 20 vs 60 ms packets (prints figures).
if(TARGET pttgw-audio-core)
  add_executable(bench-audio-formats ${CMAKE_CURRENT_SOURCE_DIR}/bench-audio-formats.c)
  target_link_libraries(bench-audio-formats PRIVATE pttgw-audio-core PkgConfig::GLIB m)
  pkg_check_modules(SPA_BENCH REQUIRED IMPORTED_TARGET libspa-0.2)
  target_link_libraries(bench-audio-formats PRIVATE PkgConfig::SPA_BENCH)
endif()
