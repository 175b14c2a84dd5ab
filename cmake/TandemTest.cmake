# tandem_add_test(NAME SOURCES ... LIBS ... LABELS ... [TIMEOUT s])
# Builds one Catch2 test binary and registers it with CTest, with its labels
# (unit, probe, kernel, drill) so `ctest -L unit` runs only the fast ones.
function(tandem_add_test name)
  cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 120)
  endif()
  add_executable(${name} ${ARG_SOURCES} ${PROJECT_SOURCE_DIR}/tests/catch_main.cpp)
  target_link_libraries(${name} PRIVATE ${ARG_LIBS} Catch2::Catch2 tandem_warnings)
  target_include_directories(${name} PRIVATE ${PROJECT_SOURCE_DIR})
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES TIMEOUT ${ARG_TIMEOUT} LABELS "${ARG_LABELS}"
    ENVIRONMENT "TANDEM_SOURCE_DIR=${PROJECT_SOURCE_DIR};TANDEM_BINARY_DIR=${PROJECT_BINARY_DIR}")
endfunction()
