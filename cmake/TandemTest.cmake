# tandem_add_test(NAME SOURCES ... LIBS ... LABELS ... [TIMEOUT s])
# Builds one Catch2 test binary and registers it with CTest, with its labels
# (unit, probe, kernel, drill) so `ctest -L unit` runs only the fast ones.
#
# tandem_add_kernel_test(NAME SOURCES ... LIBS ... [LABELS ...] [TIMEOUT s] [MODULES a,b])
# The same binary, run against a real IPVS through tests/kernel/kernel-run.sh:
# in a fresh network namespace where the host kernel has IPVS, otherwise inside
# user-mode-linux. Always labelled `kernel`; links the kernel-test support
# library (tests/kernel/support). Never skipped: a missing IPVS fails the test.
# MODULES replaces the modules UML loads at boot (default ipv6,ip_vs,veth;
# IPVS schedulers load on demand either way).

# The part both share: one Catch2 binary with the shared main.
function(tandem_add_test_binary name)
  cmake_parse_arguments(ARG "" "" "SOURCES;LIBS" ${ARGN})
  add_executable(${name} ${ARG_SOURCES} ${PROJECT_SOURCE_DIR}/tests/catch_main.cpp)
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} Catch2::Catch2 tandem_warnings)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR})
endfunction()

function(tandem_add_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 120)
  endif()
  tandem_add_test_binary(${name} SOURCES ${ARG_SOURCES} LIBS ${ARG_LIBS})
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES TIMEOUT ${ARG_TIMEOUT} LABELS "${ARG_LABELS}"
    ENVIRONMENT "TANDEM_SOURCE_DIR=${PROJECT_SOURCE_DIR};TANDEM_BINARY_DIR=${PROJECT_BINARY_DIR}")
endfunction()

function(tandem_add_kernel_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT;MODULES" "SOURCES;LIBS;LABELS" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 180)
  endif()
  # The harness stops the guest itself a little before CTest would kill the
  # harness, so a hung test still gets its cleanup and a console excerpt.
  math(EXPR harness_timeout "${ARG_TIMEOUT} - 20")
  set(modules "")
  if(ARG_MODULES)
    set(modules --modules ${ARG_MODULES})
  endif()
  tandem_add_test_binary(${name} SOURCES ${ARG_SOURCES} LIBS ${ARG_LIBS} tandem_kernel_support)
  add_dependencies(${name} tandem_uml_xstate)
  add_test(NAME ${name}
    COMMAND ${PROJECT_SOURCE_DIR}/tests/kernel/kernel-run.sh --timeout ${harness_timeout} ${modules}
      --preload $<TARGET_FILE:tandem_uml_xstate> -- $<TARGET_FILE:${name}>)
  set_tests_properties(${name} PROPERTIES TIMEOUT ${ARG_TIMEOUT}
    LABELS "kernel;${ARG_LABELS}"
    ENVIRONMENT "TANDEM_SOURCE_DIR=${PROJECT_SOURCE_DIR};TANDEM_BINARY_DIR=${PROJECT_BINARY_DIR}")
endfunction()
