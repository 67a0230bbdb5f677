# bench-push: push received -> first audio sample handed to the output (median, p95 over
# 50 bursts under push-only), the whole chain on loopback. A program, not a test:
#   cmake --build BUILD --target bench-push
if(TARGET pttgwd AND TARGET pttgwctl AND TARGET pttgw-relay AND TARGET pttgw-dispatch
   AND TARGET push-sign AND MOSQUITTO_BIN AND MOSQUITTO_PUB_BIN)
  add_custom_target(bench-push
    COMMAND ${CMAKE_COMMAND} -E env
            "PTTGWD=$<TARGET_FILE:pttgwd>" "PTTGWCTL=$<TARGET_FILE:pttgwctl>"
            "PTTGW_RELAY=$<TARGET_FILE:pttgw-relay>"
            "PTTGW_DISPATCH=$<TARGET_FILE:pttgw-dispatch>"
            "PUSH_SIGN=$<TARGET_FILE:push-sign>"
            "MOSQUITTO_BIN=${MOSQUITTO_BIN}" "MOSQUITTO_PUB_BIN=${MOSQUITTO_PUB_BIN}"
            "MOSQUITTO_SUB_BIN=${MOSQUITTO_SUB_BIN}"
            "PW_FIXTURE=${PROJECT_SOURCE_DIR}/tests/audio/pw-fixture.sh"
            sh ${CMAKE_CURRENT_LIST_DIR}/bench-push.sh
    DEPENDS pttgwd pttgwctl pttgw-relay pttgw-dispatch push-sign
    USES_TERMINAL)
endif()
