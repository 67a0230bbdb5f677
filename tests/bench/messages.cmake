# bench-messages: text message round trip and location report latency (gpsd fix ->
# dispatcher), medians over 50, on loopback. A program, not a test:
#   cmake --build BUILD --target bench-messages
if(TARGET pttgwd AND TARGET pttgw-relay AND TARGET pttgw-dispatch)
  add_custom_target(bench-messages
    COMMAND ${CMAKE_COMMAND} -E env
            "PTTGWD=$<TARGET_FILE:pttgwd>" "PTTGW_RELAY=$<TARGET_FILE:pttgw-relay>"
            "PTTGW_DISPATCH=$<TARGET_FILE:pttgw-dispatch>"
            /usr/bin/python3 ${CMAKE_CURRENT_LIST_DIR}/bench-messages.py
    DEPENDS pttgwd pttgw-relay pttgw-dispatch
    USES_TERMINAL)
endif()
