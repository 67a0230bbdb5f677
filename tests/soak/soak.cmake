# The soak under faults (label soak): mosquitto + pttgw-relay + headless PipeWire +
# pttgwd on a private D-Bus for a few minutes with random faults; see soak.py.
# CI runs it in the ASan/UBSan build (tests/run-all: build-ci-asan), where a leak
# or a sanitizer report of pttgwd fails it.
find_program(SOAK_MOSQUITTO_BIN mosquitto PATHS /usr/sbin /usr/local/sbin)
find_program(SOAK_MOSQUITTO_PUB_BIN mosquitto_pub)
find_program(SOAK_MOSQUITTO_SUB_BIN mosquitto_sub)
find_program(SOAK_DBUS_DAEMON_BIN dbus-daemon)
find_program(SOAK_PIPEWIRE_BIN pipewire)
if(TARGET pttgwd AND TARGET pttgw-relay AND TARGET pttgw-dispatch AND TARGET push-sign
   AND TARGET pttgw-audio AND TARGET pw-bt-headset AND SOAK_MOSQUITTO_BIN AND SOAK_MOSQUITTO_PUB_BIN
   AND SOAK_MOSQUITTO_SUB_BIN AND SOAK_DBUS_DAEMON_BIN AND SOAK_PIPEWIRE_BIN
   AND EXISTS ${PROJECT_SOURCE_DIR}/tests/audio/pw-fixture.sh)
  add_test(NAME soak COMMAND sh ${CMAKE_CURRENT_LIST_DIR}/soak.sh)
  set(_soak_env
      "PTTGWD=$<TARGET_FILE:pttgwd>"
      "PTTGW_RELAY=$<TARGET_FILE:pttgw-relay>"
      "PTTGW_DISPATCH=$<TARGET_FILE:pttgw-dispatch>"
      "PUSH_SIGN=$<TARGET_FILE:push-sign>"
      "MOSQUITTO_BIN=${SOAK_MOSQUITTO_BIN}"
      "MOSQUITTO_PUB_BIN=${SOAK_MOSQUITTO_PUB_BIN}"
      "MOSQUITTO_SUB_BIN=${SOAK_MOSQUITTO_SUB_BIN}"
      "PW_FIXTURE=${PROJECT_SOURCE_DIR}/tests/audio/pw-fixture.sh"
      "PW_BT_HEADSET=$<TARGET_FILE:pw-bt-headset>"
      "SOAK_PY=${CMAKE_CURRENT_LIST_DIR}/soak.py")
  set_tests_properties(soak PROPERTIES LABELS soak TIMEOUT 1400
                       ENVIRONMENT "${_soak_env}")
else()
  message(WARNING "soak test skipped: it needs pttgwd, pttgw-relay, pttgw-dispatch, push-sign, "
                  "the audio bridge, mosquitto(-clients), dbus-daemon and pipewire")
endif()
