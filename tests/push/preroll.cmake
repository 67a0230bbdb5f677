# Talk while reconnecting: the pre-roll reaches the relay first, in order.
if(TARGET pttgwd AND TARGET pttgw-relay AND TARGET pttgw-dispatch AND TARGET pttgw-audio)
  add_test(NAME push-preroll-first-syllable
           COMMAND ${CMAKE_CURRENT_LIST_DIR}/test-preroll.sh ${PROJECT_SOURCE_DIR} ${PROJECT_BINARY_DIR})
  set_tests_properties(push-preroll-first-syllable PROPERTIES LABELS push TIMEOUT 120
                       RESOURCE_LOCK pipewire)
endif()
