# Shared by the package tests (sourced, not run). Every test gets the build
# directory as $1 and the project's version as $2; the packages it checks are
# built by build_packages.sh into $BUILD/packaging-tests/<version>/.
set -euo pipefail

SOURCE_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BUILD_DIR=$(cd "${1:?usage: $0 BUILD_DIR VERSION}" && pwd)
VERSION=${2:?usage: $0 BUILD_DIR VERSION}
OUT_DIR=$BUILD_DIR/packaging-tests
# Version N is the project's; N+1 is the same tree packaged under a higher
# version, for the upgrade tests.
NEXT_VERSION=$VERSION.1
ARCH_DEB=$(dpkg --print-architecture)
ARCH_RPM=$(uname -m)
deb_of() { echo "$OUT_DIR/$1/tandem_${1}_${ARCH_DEB}.deb"; }
rpm_of() { echo "$OUT_DIR/$1/tandem-${1}.${ARCH_RPM}.rpm"; }

fail() { echo "FAIL: $*" >&2; exit 1; }
say() { echo "== $*"; }

need_packages() {
  for f in "$@"; do [ -s "$f" ] || fail "$f is missing: the package_build test makes it"; done
}
