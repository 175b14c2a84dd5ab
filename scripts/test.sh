#!/usr/bin/env bash
# The test command: makes sure packages and the build are up to date (via
# setup.sh), then runs every test through CTest. Kernel (IPVS) tests boot
# user-mode-linux when the host kernel has no IPVS; none of them is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
ctest --test-dir "${BUILD_DIR:-build}" --output-on-failure --timeout 600 -j"$(nproc)" "$@"
