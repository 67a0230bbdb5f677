# The daemon and pttgwctl on a private session bus.
if(TARGET pttgwd AND TARGET pttgwctl)
  add_test(NAME daemon-control-api
           COMMAND dbus-run-session -- ${CMAKE_CURRENT_SOURCE_DIR}/test-daemon.sh
                   ${PROJECT_BINARY_DIR} ${PROJECT_SOURCE_DIR})
  set_tests_properties(daemon-control-api PROPERTIES LABELS unit TIMEOUT 120)

  add_test(NAME daemon-api-doc
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/test-api-doc.sh ${PROJECT_SOURCE_DIR})
  set_tests_properties(daemon-api-doc PROPERTIES LABELS unit)

  add_executable(test-preroll test-preroll.c)
  target_link_libraries(test-preroll PRIVATE pttgw-daemon)
  add_test(NAME preroll COMMAND test-preroll)
  set_tests_properties(preroll PROPERTIES LABELS unit)

  add_executable(test-reload-diff test-reload-diff.c)
  target_link_libraries(test-reload-diff PRIVATE pttgw-daemon)
  add_test(NAME reload-diff COMMAND test-reload-diff)
  set_tests_properties(reload-diff PROPERTIES LABELS unit)

  add_executable(test-conf test-conf.c)
  target_link_libraries(test-conf PRIVATE pttgw-daemon)
  add_test(NAME conf COMMAND test-conf)
  set_tests_properties(conf PROPERTIES LABELS unit)
endif()

# The D-Bus policy file on a real dbus-daemon set up like the system bus (needs root).
if(TARGET pttgwd AND TARGET pttgwctl)
  add_test(NAME daemon-dbus-policy
           COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/test-dbus-policy.sh ${PROJECT_BINARY_DIR}
                   ${PROJECT_SOURCE_DIR})
  set_tests_properties(daemon-dbus-policy PROPERTIES LABELS unit TIMEOUT 60)
endif()

# sd_notify: READY, STATUS, WATCHDOG, STOPPING on a notify socket of the test's own.
if(TARGET pttgwd AND TARGET pttgwctl)
  add_test(NAME daemon-sd-notify
           COMMAND dbus-run-session -- /usr/bin/python3 ${CMAKE_CURRENT_SOURCE_DIR}/test-sd-notify.py
                   ${PROJECT_BINARY_DIR})
  set_tests_properties(daemon-sd-notify PROPERTIES LABELS unit TIMEOUT 60)
endif()
