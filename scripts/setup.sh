#!/usr/bin/env bash
# Installs every Debian 12 package tandem's build, tests and drills need, then
# configures and builds. Idempotent: packages already present are not reinstalled,
# and `apt-get update` runs once per invocation only when something is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  # toolchain
  g++ cmake make pkg-config git ca-certificates
  # libraries (headers and the shared objects tandem links)
  libboost-dev libnl-3-dev libnl-genl-3-dev libnl-route-3-dev
  libcurl4-openssl-dev libtomlplusplus-dev libspdlog-dev libfmt-dev
  libcli11-dev libsystemd-dev catch2 libssl-dev nlohmann-json3-dev
  # tests: a real IPVS kernel (user-mode-linux), observers and peers
  user-mode-linux kmod ipvsadm iproute2 procps psmisc openssl python3 curl
  keepalived
  # fuzzing
  clang libclang-rt-14-dev
  # packages (ctest -L package): CPack's .deb (dpkg-shlibdeps, file) and .rpm
  # (rpmbuild), their linters, the unit checks, a clean root to install into
  dpkg-dev file rpm lintian rpmlint man-db systemd debootstrap util-linux
)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

BUILD_DIR=${BUILD_DIR:-build}
cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=${BUILD_TYPE:-RelWithDebInfo} -DTANDEM_WERROR=ON
cmake --build "$BUILD_DIR" -j"$(nproc)"
