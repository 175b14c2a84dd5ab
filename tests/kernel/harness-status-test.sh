#!/usr/bin/env bash
# Checks kernel-run.sh itself: a command run against the real kernel reports
# its own exit status and output (not the guest kernel's), sees IPVS, and a
# command that outlives the timeout is stopped with status 124 and no leftovers.
# usage: harness-status-test.sh PRELOAD_LIB
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
preload=$1
failures=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAILED: $1"; failures=$((failures + 1)); fi; }

out=$("$here/kernel-run.sh" --preload "$preload" -- \
  sh -c 'ipvsadm -A -t 192.0.2.1:80 -s rr && ipvsadm -Ln && echo "kernel=$TANDEM_KERNEL" && exit 7')
status=$?
echo "$out"
check "the command's exit status comes back" '[ "$status" = 7 ]'
check "the command's output comes back" 'grep -q "^TCP  192.0.2.1:80 rr" <<<"$out"'
check "TANDEM_KERNEL is set" 'grep -Eq "^kernel=(uml|host)$" <<<"$out"'

parent=$(mktemp -d /tmp/tandem-harness-test.XXXXXX)
trap 'rm -rf "$parent"' EXIT
out=$(TANDEM_KERNEL_TMP=$parent "$here/kernel-run.sh" --timeout 4 --preload "$preload" -- sleep 30 2>&1)
status=$?
check "a command past the timeout ends with 124" '[ "$status" = 124 ]'
check "no run directory is left behind" '[ -z "$(ls -A "$parent")" ]'
exit $((failures > 0))
