# The floor state machine and the service status (src/core).
add_executable(test-floor test-floor.c)
target_link_libraries(test-floor PRIVATE pttgw-core-conf PkgConfig::GLIB)
target_compile_definitions(test-floor PRIVATE
  PTTGW_CONF_EXAMPLE="${PROJECT_SOURCE_DIR}/src/daemon/pttgw.conf.example")
add_test(NAME floor-rules COMMAND test-floor)

add_executable(test-scan test-scan.c)
target_link_libraries(test-scan PRIVATE pttgw-core PkgConfig::GLIB)
add_test(NAME scan-rules COMMAND test-scan)

add_executable(test-status test-status.c)
target_link_libraries(test-status PRIVATE pttgw-core PkgConfig::GLIB)
add_test(NAME service-status COMMAND test-status)

# Random event and timer sequences against the invariants; the count is in
# the name so that ctest's summary shows it (PTTGW_SEQUENCES overrides it).
set(FLOOR_MODEL_SEQUENCES 100000)
add_executable(test-floor-model test-floor-model.c)
target_link_libraries(test-floor-model PRIVATE pttgw-core PkgConfig::GLIB)
add_test(NAME floor-model-${FLOOR_MODEL_SEQUENCES}-sequences COMMAND test-floor-model)
set_tests_properties(floor-model-${FLOOR_MODEL_SEQUENCES}-sequences PROPERTIES
  ENVIRONMENT "PTTGW_SEQUENCES=${FLOOR_MODEL_SEQUENCES}" TIMEOUT 300)

set_tests_properties(floor-rules scan-rules service-status floor-model-${FLOOR_MODEL_SEQUENCES}-sequences
  PROPERTIES LABELS unit)

add_executable(test-stream-ring test-stream-ring.c)
target_link_libraries(test-stream-ring PRIVATE pttgw-core PkgConfig::GLIB)
add_test(NAME unit-stream-ring COMMAND test-stream-ring)
set_tests_properties(unit-stream-ring PROPERTIES LABELS unit)
