# pttgw_vm_test(<name> SCENARIOS <script>... [TIMEOUT <seconds>] [LABELS <label>...] [BREDR])
#
# One ctest entry = one guest boot (tests/vm/pttgw-vm) that runs the scenario scripts
# (paths relative to the source tree) one after another. Labelled `bluetooth` (plus
# LABELS). Guests never run side by side (RESOURCE_LOCK): the machine has 2 cores.
# Results (logs of every scenario, bluetoothd, btmon, console) are kept in
# <build>/vm-results/<name>/; a failing test prints the failing scenario's logs.
# BREDR: dual-mode controllers (classic Bluetooth: A2DP, HFP, AVRCP), else LE only.
set(PTTGW_VM ${CMAKE_CURRENT_LIST_DIR}/pttgw-vm CACHE INTERNAL "the QEMU scenario harness")

function(pttgw_vm_test name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "BREDR" "TIMEOUT" "SCENARIOS;LABELS")
  if(NOT arg_SCENARIOS)
    message(FATAL_ERROR "pttgw_vm_test(${name}): no SCENARIOS")
  endif()
  if(NOT arg_TIMEOUT)
    set(arg_TIMEOUT 600)
  endif()
  set(mode)
  if(arg_BREDR)
    set(mode --bredr)
  endif()
  set(paths)
  foreach(s ${arg_SCENARIOS})
    list(APPEND paths ${PROJECT_SOURCE_DIR}/${s})
  endforeach()
  add_test(NAME ${name}
           COMMAND ${PTTGW_VM} --build ${PROJECT_BINARY_DIR}
                   --results ${PROJECT_BINARY_DIR}/vm-results/${name}
                   --timeout ${arg_TIMEOUT} ${mode} ${paths})
  # The harness has its own timeout and then prints the logs; ctest's is a backstop.
  math(EXPR ctest_timeout "${arg_TIMEOUT} + 120")
  set_tests_properties(${name} PROPERTIES LABELS "bluetooth;${arg_LABELS}"
                       TIMEOUT ${ctest_timeout} RESOURCE_LOCK pttgw-vm)
endfunction()
