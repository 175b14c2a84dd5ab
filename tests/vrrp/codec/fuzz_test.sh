#!/usr/bin/env bash
# Builds fuzz_decode.cpp with clang's libFuzzer, AddressSanitizer and UBSan, and
# runs it for a bounded time from keepalived's two adverts as seeds. Any crash,
# sanitizer report or broken round-trip property fails the test; the crashing
# input is left in the output directory named below.
# usage: fuzz_test.sh SOURCE_DIR WORK_DIR [SECONDS]
set -euo pipefail
src=$1 work=$2 seconds=${3:-30}
cxx=$(command -v clang++ || command -v clang++-14) || { echo "fuzz_test: clang++ is missing (scripts/setup.sh installs it)"; exit 1; }
mkdir -p "$work/corpus" "$work/crashes"
"$cxx" -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I"$src" "$src/tests/vrrp/codec/fuzz_decode.cpp" "$src"/vrrp/codec/{codec,validate,errc}.cpp \
  "$src/common/ip_address.cpp" -lfmt -o "$work/fuzz_decode"
# The seeds: keepalived's VRRPv3 and VRRPv2 adverts (tests/vrrp/codec/vectors.hpp).
printf '\x45\xc0\x00\x20\x00\x01\x00\x00\xff\x70\xd0\x35\x0a\x63\x00\x02\xe0\x00\x00\x12\x31\x33\x96\x01\x00\x64\x42\xac\x0a\x63\x00\x64' \
  > "$work/corpus/keepalived-v3"
printf '\x45\xc0\x00\x28\x00\x01\x00\x00\xff\x70\xd0\x2d\x0a\x63\x00\x02\xe0\x00\x00\x12\x21\x33\x96\x01\x00\x01\x3e\x03\x0a\x63\x00\x64\x00\x00\x00\x00\x00\x00\x00\x00' \
  > "$work/corpus/keepalived-v2"
"$work/fuzz_decode" -max_total_time="$seconds" -max_len=1200 -artifact_prefix="$work/crashes/" \
  -print_final_stats=1 "$work/corpus" 2>&1 | tail -15
echo "fuzz_test: no crash in ${seconds}s (crash inputs would be in $work/crashes)"
