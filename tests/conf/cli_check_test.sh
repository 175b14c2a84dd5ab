#!/usr/bin/env bash
# `tandem check` as an operator runs it: exit statuses and messages.
set -u
tandem=$1 src=$2
fail=0
bad() { echo "FAIL: $*"; fail=1; }

"$tandem" --version | grep -qE '^tandem [0-9]+\.[0-9]+\.[0-9]+$' || bad "--version"
"$tandem" --help | grep -q "check" || bad "--help lists check"
"$tandem" check --help | grep -q -- "--config" || bad "check --help"
"$tandem" >/dev/null 2>&1; [ $? -eq 2 ] || bad "no subcommand should exit 2"
"$tandem" check >/dev/null 2>&1; [ $? -eq 2 ] || bad "check without a file should exit 2"
"$tandem" check --bogus x.toml >/dev/null 2>&1; [ $? -eq 2 ] || bad "unknown option should exit 2"
"$tandem" --log-level loud check -c "$src/examples/minimal.toml" >/dev/null 2>&1; [ $? -eq 2 ] || bad "bad --log-level should exit 2"

"$tandem" check "$src"/examples/*.toml >/dev/null || bad "examples should be valid"
"$tandem" check -c "$src/examples/minimal.toml" | grep -q "OK" || bad "-c form"
"$tandem" --log-level debug check -c "$src/examples/minimal.toml" 2>&1 >/dev/null | grep -q "debug" \
  || bad "--log-level debug should log at debug"

count=0
for f in "$src"/tests/conf/invalid/*.toml; do
  count=$((count + 1))
  first=$(sed -n 's/^# expect: //p' "$f" | head -1)
  err=$("$tandem" check -c "$f" 2>&1 >/dev/null); rc=$?
  [ $rc -eq 1 ] || bad "$f: exit $rc, expected 1"
  grep -qF -- "$f:$first" <<<"$err" || bad "$f: stderr lacks '$f:$first'"
done
[ $count -ge 40 ] || bad "only $count invalid configs"
# One valid and one invalid file together: exit 1, the valid one still reported OK.
out=$("$tandem" check "$src/examples/minimal.toml" "$src/tests/conf/invalid/vrrp_vrid_zero.toml" 2>/dev/null); rc=$?
[ $rc -eq 1 ] && grep -q "minimal.toml: OK" <<<"$out" || bad "mixed valid/invalid"

if [ $fail -eq 0 ]; then echo "cli_check_test: $count invalid configs rejected, examples accepted"; fi
exit $fail
