# The README's first command, run on this build: its WAV files must hold what
# the shift says (checked by audio-analyse, not by eye).
if(TARGET pttgwd AND TARGET pttgw-dispatch AND TARGET audio-analyse)
  add_test(NAME demo-shift
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/test-demo.sh ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
  set_tests_properties(demo-shift PROPERTIES LABELS audio TIMEOUT 180 RESOURCE_LOCK pipewire)
endif()
