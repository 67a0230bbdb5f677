# The PTT GATT service (src/gatt): value formats, policy, config, and the
# agreement of gatt/ptt-service.json, gatt/ptt-service.txt and the code.
if(TARGET pttgw-gatt-proto)
  add_executable(test-gatt-proto ${CMAKE_CURRENT_LIST_DIR}/test-gatt-proto.c)
  target_link_libraries(test-gatt-proto PRIVATE pttgw-gatt-proto PkgConfig::GLIB)
  add_test(NAME gatt-proto COMMAND test-gatt-proto)

  add_executable(test-gatt-policy ${CMAKE_CURRENT_LIST_DIR}/test-gatt-policy.c)
  target_link_libraries(test-gatt-policy PRIVATE pttgw-gatt-proto PkgConfig::GLIB)
  add_test(NAME gatt-policy COMMAND test-gatt-policy)

  add_executable(test-gatt-table ${CMAKE_CURRENT_LIST_DIR}/test-gatt-table.c)
  target_link_libraries(test-gatt-table PRIVATE pttgw-gatt-proto PkgConfig::GLIB
                        PkgConfig::JSONGLIB)
  target_compile_definitions(test-gatt-table PRIVATE
    GATT_JSON="${PROJECT_SOURCE_DIR}/gatt/ptt-service.json"
    GATT_DOC="${PROJECT_SOURCE_DIR}/gatt/ptt-service.txt")
  add_test(NAME gatt-table COMMAND test-gatt-table)

  set_tests_properties(gatt-proto gatt-policy gatt-table PROPERTIES LABELS unit TIMEOUT 60)
endif()
if(TARGET pttgw-gatt)
  add_executable(test-gatt-config ${CMAKE_CURRENT_LIST_DIR}/test-gatt-config.c)
  target_link_libraries(test-gatt-config PRIVATE pttgw-gatt)
  target_compile_definitions(test-gatt-config PRIVATE
    PTTGW_CONF_EXAMPLE="${PROJECT_SOURCE_DIR}/src/daemon/pttgw.conf.example")
  add_test(NAME gatt-config COMMAND test-gatt-config)
  set_tests_properties(gatt-config PROPERTIES LABELS unit TIMEOUT 60)
endif()
