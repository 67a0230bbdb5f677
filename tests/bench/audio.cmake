# Audio benchmark: prints figures (not a test). See bench-audio.c and bench-audio-pw.sh.
if(TARGET pttgw-audio)
  add_executable(bench-audio ${CMAKE_CURRENT_SOURCE_DIR}/bench-audio.c)
  target_link_libraries(bench-audio PRIVATE pttgw-audio m)
endif()
