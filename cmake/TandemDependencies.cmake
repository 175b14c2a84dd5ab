# Every third-party dependency, found once, from Debian 12 packages only.
find_package(PkgConfig REQUIRED)
find_package(Threads REQUIRED)
find_package(Boost 1.74 REQUIRED)                    # libboost-dev (header-only Asio, Outcome)
find_package(fmt REQUIRED)                           # libfmt-dev
find_package(spdlog REQUIRED)                        # libspdlog-dev
find_package(CLI11 REQUIRED)                         # libcli11-dev
find_package(Catch2 2 REQUIRED)                      # catch2 (v2)
pkg_check_modules(TOMLPP REQUIRED IMPORTED_TARGET tomlplusplus)   # libtomlplusplus-dev
pkg_check_modules(LIBNL REQUIRED IMPORTED_TARGET libnl-3.0 libnl-genl-3.0 libnl-route-3.0)
pkg_check_modules(LIBCURL REQUIRED IMPORTED_TARGET libcurl)
pkg_check_modules(LIBCRYPTO REQUIRED IMPORTED_TARGET libcrypto)  # libssl-dev (SHA-256 of http bodies)
pkg_check_modules(LIBSYSTEMD REQUIRED IMPORTED_TARGET libsystemd)

# Asio is used only through common/asio.hpp (see that file for why).
add_library(tandem_asio INTERFACE)
target_link_libraries(tandem_asio INTERFACE Boost::boost Threads::Threads)
target_compile_definitions(tandem_asio INTERFACE BOOST_ASIO_NO_DEPRECATED)
