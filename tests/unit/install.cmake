# The install layout: a DESTDIR install of this build into a scratch directory, checked file by
# file (tests/unit/test-install.sh says what). Absolute directories as configured, so the test
# holds for any CMAKE_INSTALL_PREFIX.
if(TARGET pttgwd)
  set(_udevdir "${PTTGW_UDEVDIR}")
  if(NOT IS_ABSOLUTE "${_udevdir}")
    set(_udevdir "${CMAKE_INSTALL_PREFIX}/${_udevdir}")
  endif()
  add_test(NAME install-layout
           COMMAND ${CMAKE_CURRENT_LIST_DIR}/test-install.sh ${CMAKE_BINARY_DIR})
  set_tests_properties(install-layout PROPERTIES LABELS unit TIMEOUT 300 ENVIRONMENT
    "PTTGW_CMAKE=${CMAKE_COMMAND};PTTGW_PREFIX=${CMAKE_INSTALL_PREFIX};\
PTTGW_BINDIR=${CMAKE_INSTALL_FULL_BINDIR};PTTGW_SBINDIR=${CMAKE_INSTALL_FULL_SBINDIR};\
PTTGW_DATADIR=${CMAKE_INSTALL_FULL_DATADIR};PTTGW_DOCDIR=${CMAKE_INSTALL_FULL_DOCDIR};\
PTTGW_MANDIR=${CMAKE_INSTALL_FULL_MANDIR};PTTGW_UNITDIR=${PTTGW_SYSTEMD_UNITDIR_USED};\
PTTGW_UDEVDIR=${_udevdir}")
endif()
