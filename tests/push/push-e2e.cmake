# The push path end to end: mosquitto + pttgw-relay + pttgwd + pttgw-dispatch on loopback
# (label push). AUDIO=1 runs a headless PipeWire (tests/audio/pw-fixture.sh) so that the
# bursts are really played and counted by the daemon's "burst" events.
find_program(MOSQUITTO_SUB_BIN mosquitto_sub)
if(TARGET pttgwd AND TARGET pttgwctl AND TARGET pttgw-relay AND TARGET pttgw-dispatch
   AND TARGET push-sign AND MOSQUITTO_BIN AND MOSQUITTO_PUB_BIN AND MOSQUITTO_SUB_BIN)
  set(_push_e2e_env
      "PTTGWD=$<TARGET_FILE:pttgwd>"
      "PTTGWCTL=$<TARGET_FILE:pttgwctl>"
      "PTTGW_RELAY=$<TARGET_FILE:pttgw-relay>"
      "PTTGW_DISPATCH=$<TARGET_FILE:pttgw-dispatch>"
      "PUSH_SIGN=$<TARGET_FILE:push-sign>"
      "MOSQUITTO_BIN=${MOSQUITTO_BIN}"
      "MOSQUITTO_PUB_BIN=${MOSQUITTO_PUB_BIN}"
      "MOSQUITTO_SUB_BIN=${MOSQUITTO_SUB_BIN}"
      "PW_FIXTURE=${PROJECT_SOURCE_DIR}/tests/audio/pw-fixture.sh")
  set(_push_audio 0)
  if(TARGET pttgw-audio AND EXISTS ${PROJECT_SOURCE_DIR}/tests/audio/pw-fixture.sh)
    set(_push_audio 1)
  endif()
  foreach(_case push-only duplicates status)
    set(_a ${_push_audio})
    if(_case STREQUAL "status")
      set(_a 0) # status is about the link and the broker; the press needs no microphone
    endif()
    add_test(NAME push-e2e-${_case}
             COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/test-push-e2e.sh ${_case})
    set_tests_properties(push-e2e-${_case} PROPERTIES LABELS push TIMEOUT 300
                         ENVIRONMENT "${_push_e2e_env};AUDIO=${_a}")
  endforeach()
endif()
