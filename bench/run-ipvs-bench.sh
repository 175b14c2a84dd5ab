#!/usr/bin/env bash
# Runs tandem_ipvs_bench against a real IPVS in one kernel boot (user-mode-linux
# when the host has no IPVS) and prints the machine it ran on.
# usage: bench/run-ipvs-bench.sh [BUILD_DIR]     (default: build)
#   build first: cmake --build BUILD_DIR --target tandem_ipvs_bench
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
bench=$build/bench/tandem_ipvs_bench
preload=$build/tests/kernel/libtandem_uml_xstate.so
[ -x "$bench" ] || { echo "missing $bench: cmake --build $build --target tandem_ipvs_bench" >&2; exit 2; }

build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$build/CMakeCache.txt")
echo "build: $build (CMAKE_BUILD_TYPE=${build_type:-none})"
[ -n "$build_type" ] && [ "$build_type" != Debug ] \
  || echo "warning: not an optimised build; configure with -DCMAKE_BUILD_TYPE=RelWithDebInfo" >&2
echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "host: $(uname -a)"
echo "cpus: $(nproc); $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')"
echo "user-mode-linux: $(dpkg-query -W -f='${Version}' user-mode-linux 2>/dev/null || echo none)"
echo "ipvsadm: $(dpkg-query -W -f='${Version}' ipvsadm 2>/dev/null || echo unknown)"
start=$EPOCHREALTIME
status=0
"$root/tests/kernel/kernel-run.sh" --timeout 900 --preload "$preload" -- "$bench" || status=$?
end=$EPOCHREALTIME
printf 'whole run, boot included: %.1f s\n' "$(awk "BEGIN { print $end - $start }")"
exit $status
