# Read by cpack once per generator (CPACK_PROJECT_CONFIG_FILE): file names and
# versions follow CPACK_PACKAGE_VERSION here, at cpack time, so
# `cpack -D CPACK_PACKAGE_VERSION=X` builds version X from the same build tree.
if(CPACK_GENERATOR STREQUAL "DEB")
  set(CPACK_DEBIAN_PACKAGE_VERSION "${CPACK_PACKAGE_VERSION}")
  set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)   # tandem_<version>_<arch>.deb
elseif(CPACK_GENERATOR STREQUAL "RPM")
  execute_process(COMMAND uname -m OUTPUT_VARIABLE machine OUTPUT_STRIP_TRAILING_WHITESPACE)
  set(CPACK_RPM_PACKAGE_VERSION "${CPACK_PACKAGE_VERSION}")
  set(CPACK_RPM_PACKAGE_ARCHITECTURE "${machine}")
  set(CPACK_RPM_FILE_NAME "tandem-${CPACK_PACKAGE_VERSION}.${machine}.rpm")
endif()
