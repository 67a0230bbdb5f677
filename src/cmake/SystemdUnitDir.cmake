# SYSTEMD_UNITDIR: where system units are installed. -DPTTGW_SYSTEMD_UNITDIR=..., else
# systemd.pc's for prefix /usr (Debian 12: /lib/systemd/system), else
# <prefix>/lib/systemd/system. Absolute, so DESTDIR is put in front.
# Included by each directory that installs a unit (it sets a directory-scope variable).
set(PTTGW_SYSTEMD_UNITDIR "" CACHE PATH "systemd system unit directory (empty: automatic)")
set(SYSTEMD_UNITDIR "${PTTGW_SYSTEMD_UNITDIR}")
if(NOT SYSTEMD_UNITDIR AND CMAKE_INSTALL_PREFIX STREQUAL "/usr")
  pkg_get_variable(SYSTEMD_UNITDIR systemd systemdsystemunitdir)
endif()
if(NOT SYSTEMD_UNITDIR)
  set(SYSTEMD_UNITDIR ${CMAKE_INSTALL_PREFIX}/lib/systemd/system)
endif()
set(PTTGW_SYSTEMD_UNITDIR_USED "${SYSTEMD_UNITDIR}" CACHE INTERNAL "for tests/unit/install.cmake")
