#!/usr/bin/env bash
# interrupt_test.sh TANDEM OUT: runs inside kernel-run.sh (a real IPVS). A
# drill interrupted mid-scenario (SIGTERM, as the tandem-drill wrapper sends
# on Ctrl-C) exits 130 and leaves no namespace and no process of its lab;
# a second drill right after runs and passes.
set -uo pipefail
tandem=$1 out=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
drill=$here/../../drill/drill.py
rm -rf "$out" && mkdir -p "$out"
fail() { echo "FAIL: $*"; exit 1; }

python3 "$drill" --tandem "$tandem" --out "$out/first" --scenarios real-hang > "$out/first.out" 2>&1 &
pid=$!
for _ in $(seq 600); do
  grep -q "converged, client load running" "$out/first/progress.log" 2>/dev/null && break
  kill -0 "$pid" 2>/dev/null || { cat "$out/first.out"; fail "the drill ended before the fault"; }
  sleep 0.1
done
sleep 1   # in the middle of the fault
kill -TERM "$pid"
wait "$pid"
status=$?
[ "$status" = 130 ] || { cat "$out/first.out"; fail "interrupted drill exited $status, expected 130"; }
left=$(ip netns list | grep "^dr$pid-")
[ -z "$left" ] || fail "namespaces left behind: $left"
[ -s "$out/first/real-hang/pids" ] || fail "the drill recorded no process"
while read -r p role; do
  kill -0 "$p" 2>/dev/null && fail "$role (PID $p) still running after the interrupted drill"
done < "$out/first/real-hang/pids"
echo "interrupted drill: exit 130, $(wc -l < "$out/first/real-hang/pids") processes and every namespace gone"

python3 "$drill" --tandem "$tandem" --out "$out/second" --scenarios real-crash > "$out/second.out" 2>&1 \
  || { cat "$out/second.out"; fail "the drill after the interrupted one failed"; }
echo "drill interrupt: passed (a second drill ran and passed)"
