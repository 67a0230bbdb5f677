# Text messages, private calls and locations end to end: pttgwd, pttgwctl, the
# relay and pttgw-dispatch on loopback (label link); location with a real gpsd
# fed by gpsfake (Debian gpsd, gpsd-clients).
if(TARGET pttgw-relay AND TARGET pttgw-dispatch AND TARGET pttgwd AND TARGET pttgwctl)
  set(_messages_env
      "PTTGW_RELAY=$<TARGET_FILE:pttgw-relay>" "PTTGW_DISPATCH=$<TARGET_FILE:pttgw-dispatch>"
      "PTTGWD=$<TARGET_FILE:pttgwd>" "PTTGWCTL=$<TARGET_FILE:pttgwctl>")
  foreach(_t messages location-gpsd)
    add_test(NAME ${_t} COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/test-${_t}.sh)
    set_tests_properties(${_t} PROPERTIES LABELS link TIMEOUT 120
                         ENVIRONMENT "${_messages_env}")
  endforeach()
endif()
