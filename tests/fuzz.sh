#!/usr/bin/env bash
# Builds a libFuzzer target with clang, AddressSanitizer and UBSan, and runs it
# for a bounded time from the seed files in SEED_DIR (checked in beside the
# target). Any crash, sanitizer report or property the target aborts on fails
# the test; the crashing input is left in WORK_DIR/crashes.
# usage: fuzz.sh SOURCE_DIR WORK_DIR SECONDS MAX_LEN SEED_DIR SOURCE... [-- LINK_FLAGS...]
#   SEED_DIR and SOURCEs are relative to SOURCE_DIR; the first SOURCE is the target.
set -euo pipefail
src=$1 work=$2 seconds=$3 max_len=$4 seeds=$5
shift 5
sources=() links=()
while (($#)); do
  if [[ $1 == -- ]]; then shift; links=("$@"); break; fi
  sources+=("$src/$1"); shift
done
name=$(basename "${sources[0]}" .cpp)
cxx=$(command -v clang++ || command -v clang++-14) || { echo "fuzz.sh: clang++ is missing (scripts/setup.sh installs it)"; exit 1; }
mkdir -p "$work/corpus" "$work/crashes"
cp "$src/$seeds"/* "$work/corpus/"
"$cxx" -std=c++20 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -I"$src" "${sources[@]}" "${links[@]}" -o "$work/$name"
"$work/$name" -max_total_time="$seconds" -max_len="$max_len" -artifact_prefix="$work/crashes/" \
  -print_final_stats=1 "$work/corpus" 2>&1 | tail -15
echo "fuzz.sh: $name: no crash in ${seconds}s (crash inputs would be in $work/crashes)"
