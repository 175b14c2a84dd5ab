#!/usr/bin/env bash
# tandem's checks vs keepalived's checker, side by side on the same backends in
# one user-mode-linux boot (keepalived's checker needs IPVS; this machine's
# kernel has none, UML's does).
#
# usage: bench/checks/run-uml-compare.sh [BUILD_DIR] [N...]      (default: build, 1000 5000)
#        KINDS="tcp" bench/checks/run-uml-compare.sh ...          (default: tcp http)
#   build first: cmake --build BUILD_DIR --target tandem_checks_bench tandem_guest_cpu tandem_uml_xstate
#
# For each kind (tcp, http) and each N: start N backends once
# (`tandem_checks_bench serve`, one listener per 127.20.x.y:8080); run
# keepalived (-n -C, TCP_CHECK or HTTP_GET, delay_loop 1, connect_timeout 1) on
# them for a warm-up and a measured window; stop it; then run
# `tandem_checks_bench KIND N SECONDS 256 external` on the same backends and
# measure a window of the same length inside its own. Checks per second are the
# backends' accepted connections in each window. keepalived runs in the
# foreground with its own config and pid files, killed by PID. Everything runs
# inside the guest (one virtual CPU).
#
# CPU. Inside the guest, per-task CPU accounting is tick-sampled (HZ=100, run
# time in whole jiffies; see bench/checks/guest_cpu.cpp): it under-charges short
# bursts and charges tandem's 5 ms-grid bursts almost nothing. Those figures
# (/proc/PID/stat of the checker's processes, the same way for both) are still
# printed, marked [tick-sampled]. The figure to trust is the gauge's: the guest
# appends "begin/end LABEL" marks to a host file, and the host
# (`tandem_guest_cpu watch`) samples the UML process group's run time at each
# mark. A window's CPU minus the idle rate (3 s windows before keepalived and
# after tandem, backends idle) is what the checker caused in the whole guest:
# the checker + the backends + the guest kernel at both ends of every
# connection. Per check, the backends' and kernel's share is the same kind of
# work for both checkers, so it cancels in the difference tandem - keepalived
# and pulls the whole-guest ratio towards 1. The host also splits the figure by
# host process: the UML kernel process (all system calls, network stack,
# interrupts), the backends' process and the checker's processes (user mode
# only: in UML a guest process's host process runs just its user code and
# the host side of its traps; the guest kernel's work is in the kernel process).
# A self-check first runs bursts of known length (`tandem_guest_cpu bursts`)
# and compares gauge, truth and getrusage. The report ends the output, after
# the guest's own lines.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)

if [ "${1:-}" != --inside ]; then
  build=$(cd "${1:-$root/build}" && pwd)
  shift || true
  ns=("$@")
  ((${#ns[@]})) || ns=(1000 5000)
  bench=$build/bench/checks/tandem_checks_bench
  gauge=$build/bench/checks/tandem_guest_cpu
  preload=$build/tests/kernel/libtandem_uml_xstate.so
  [ -x "$bench" ] || { echo "missing $bench" >&2; exit 2; }
  [ -x "$gauge" ] || { echo "missing $gauge" >&2; exit 2; }
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "host: $(uname -a)"
  echo "cpus: $(nproc); $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'); load: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "user-mode-linux: $(dpkg-query -W -f='${Version}' user-mode-linux 2>/dev/null || echo none)"
  echo "keepalived: $(keepalived --version 2>&1 | head -1)"
  gw=$(mktemp -d /tmp/checks-gauge.XXXXXX)  # on the host file system the guest sees
  kr_pid="" watch_pid=""
  finish() {
    [ -n "$kr_pid" ] && kill "$kr_pid" 2>/dev/null && wait "$kr_pid" 2>/dev/null
    [ -n "$watch_pid" ] && kill "$watch_pid" 2>/dev/null && wait "$watch_pid" 2>/dev/null
    rm -rf "$gw"
  }
  trap finish EXIT
  : > "$gw/marks"
  TANDEM_BENCH=$bench TANDEM_GAUGE=$gauge TANDEM_MARKS=$gw/marks TANDEM_BENCH_NS="${ns[*]}" \
    TANDEM_BENCH_KINDS="${KINDS:-tcp http}" \
    "$root/tests/kernel/kernel-run.sh" --timeout 1800 --mem 1536M --preload "$preload" \
    -- "$root/bench/checks/run-uml-compare.sh" --inside & kr_pid=$!
  # The UML kernel is kernel-run.sh's child that leads its own process group;
  # the guest's processes are host processes in that group.
  uml=""
  for _ in $(seq 100); do
    for p in $(pgrep -P "$kr_pid" || true); do
      [ "$(ps -o pgid= -p "$p" | tr -d ' ')" = "$p" ] && uml=$p
    done
    [ -n "$uml" ] && break
    sleep 0.1
  done
  [ -n "$uml" ] && { "$gauge" watch "$uml" "$gw/marks" "$gw/samples" & watch_pid=$!; }
  status=0
  wait "$kr_pid" || status=$?
  kr_pid=""
  echo
  echo "host load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  if [ -z "$uml" ]; then
    echo "gauge: no UML kernel found (host mode?); only the per-process figures above"
  elif [ -s "$gw/samples" ]; then
    sleep 1.5  # the watcher ends within a second of the group
    awk -f "$root/bench/checks/uml-gauge-report.awk" "$gw/samples"
  fi
  exit "$status"
fi

# ---- inside the guest ------------------------------------------------------
bench=$TANDEM_BENCH
gauge=$TANDEM_GAUGE
marks=$TANDEM_MARKS
warm=4
window=10
idle=3
work=$(mktemp -d /run/checks-compare.XXXXXX)
backend_pid=""
kd_pid=""
tandem_pid=""
cleanup() {
  local p
  for p in "$kd_pid" "$tandem_pid" "$backend_pid"; do
    [ -n "$p" ] && kill "$p" 2>/dev/null && wait "$p" 2>/dev/null
  done
  rm -rf "$work"
}
trap cleanup EXIT
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
echo "guest: $(uname -r), $(nproc) cpu"

addr() { local n=$(($1 + 1)); echo "127.20.$((n >> 8)).$((n & 255))"; }

keepalived_conf() {  # kind n
  local kind=$1 n=$2 i
  echo "global_defs { router_id bench }"
  echo "virtual_server 10.255.255.1 80 {"
  echo "  delay_loop 1"
  echo "  lb_algo rr"
  echo "  lb_kind NAT"
  echo "  protocol TCP"
  for ((i = 0; i < n; i++)); do
    if [ "$kind" = tcp ]; then
      echo "  real_server $(addr $i) 8080 { weight 1
    TCP_CHECK { connect_timeout 1 } }"
    else
      echo "  real_server $(addr $i) 8080 { weight 1
    HTTP_GET { url { path /health status_code 200 } connect_timeout 1 retry 1 } }"
    fi
  done
  echo "}"
}

ticks() {  # total utime+stime (clock ticks, tick-sampled) of the given pids
  local t=0 p f
  for p in "$@"; do
    [ -r "/proc/$p/stat" ] || continue
    f=$(sed 's/.*) //' "/proc/$p/stat")
    set -- $f
    t=$((t + ${12} + ${13}))
  done
  echo "$t"
}
children() { cat /proc/"$1"/task/*/children 2>/dev/null; }
rss_kib() { awk '/^VmRSS/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
count() { cat "$work/accepted" 2>/dev/null || echo 0; }
mark() { echo "$*" >> "$marks"; }  # the host samples the guest's CPU at each line
hz=$(getconf CLK_TCK)
# The tick sampling in one line: run time of a few short processes, in ns.
echo "per-task run time in the guest (/proc/self/schedstat of 5 short processes, ns):" \
  "$(for i in 1 2 3 4 5; do cut -d' ' -f1 /proc/self/schedstat; done | tr '\n' ' ')"

idle_window() { mark "begin $1"; sleep "$idle"; mark "end $1"; }

# Gauge self-check on work of known length: the bursts' own clock says how
# much of the guest they used; getrusage says what the guest charged them.
idle_window idle-selfcheck
for spec in "5000 1000 grid" "5000 1000 random" "1000 100 random"; do
  set -- $spec
  "$gauge" bursts 5 $spec "$marks" "check-$3-$1us-$2us" | sed 's/^/gauge self-check: /'
done

# measure LABEL PIDS...: one window of $window s on the checker whose processes
# are PIDS; prints checks/s and the tick-sampled CPU; leaves "CHECKS WALL
# TICK_US_PER_CHECK" in $work/LABEL.
measure() {
  local label=$1 c0 c1 t0 t1 s0 s1
  shift
  mark "begin $label"
  c0=$(count); s0=$EPOCHREALTIME; t0=$(ticks "$@")
  sleep "$window"
  c1=$(count); s1=$EPOCHREALTIME; t1=$(ticks "$@")
  mark "end $label"
  awk -v c=$((c1 - c0)) -v t=$((t1 - t0)) -v hz="$hz" -v s0="$s0" -v s1="$s1" -v n="$n" -v out="$work/$label" 'BEGIN {
    w = s1 - s0; cpu = t / hz
    printf "checks/s completed %.0f (scheduled %d); [tick-sampled] its processes %.2f s CPU (%.1f%%), %.0f us per check\n",
           c / w, n, cpu, 100 * cpu / w, (c > 0 ? 1e6 * cpu / c : 0)
    printf "%d %.3f %.1f\n", c, w, (c > 0 ? 1e6 * cpu / c : 0) > out }'
}

# keepalived's own footprint with one real server, to turn its RSS into a
# per-real-server growth.
keepalived_conf tcp 1 > "$work/keepalived.conf"
keepalived -n -C -l -G -f "$work/keepalived.conf" -p "$work/kd.pid" -c "$work/kd-check.pid" \
  > "$work/keepalived.log" 2>&1 & kd_pid=$!
sleep 3
base_rss=0; for p in "$kd_pid" $(children "$kd_pid"); do base_rss=$((base_rss + $(rss_kib "$p"))); done
kill "$kd_pid"; wait "$kd_pid" 2>/dev/null || true; kd_pid=""
echo "keepalived with 1 real server: RSS (all its processes) $base_rss KiB"

for kind in $TANDEM_BENCH_KINDS; do
  for n in $TANDEM_BENCH_NS; do
    echo
    echo "=== $kind, $n real servers, interval 1 s ==="
    "$bench" serve "$([ "$kind" = tcp ] && echo tcp || echo http)" "$n" "$work/accepted" & backend_pid=$!
    for i in $(seq 100); do [ -s "$work/accepted" ] && break; sleep 0.1; done
    sleep 1
    idle_window "$kind-$n-idle-before"

    keepalived_conf "$kind" "$n" > "$work/keepalived.conf"
    keepalived -n -C -l -G -f "$work/keepalived.conf" -p "$work/kd.pid" -c "$work/kd-check.pid" \
      > "$work/keepalived.log" 2>&1 & kd_pid=$!
    sleep "$warm"
    pids=("$kd_pid" $(children "$kd_pid"))
    echo "keepalived: $(measure "$kind-$n-keepalived" "${pids[@]}")"
    rss=0; for p in "${pids[@]}"; do rss=$((rss + $(rss_kib "$p"))); done
    kill "$kd_pid"; wait "$kd_pid" 2>/dev/null || true; kd_pid=""
    kd_rss=$(awk -v rss="$rss" -v base="$base_rss" -v n="$n" 'BEGIN { printf "%.2f", (rss - base) / (n - 1) }')
    echo "keepalived: RSS (all its processes) $rss KiB, $kd_rss KiB per real server above 1 server"
    echo "keepalived: log lines with error|fail: $(grep -ciE "error|fail" "$work/keepalived.log" || true)"
    sleep 1

    # tandem's own window is 3 s longer than ours, which opens 1 s into it.
    "$bench" "$kind" "$n" $((window + 3)) 256 external > "$work/tandem.out" & tandem_pid=$!
    for i in $(seq 600); do grep -q '^window open' "$work/tandem.out" && break; sleep 0.1; done
    sleep 1
    echo "tandem: $(measure "$kind-$n-tandem" "$tandem_pid")"
    wait "$tandem_pid" || echo "tandem: tandem_checks_bench failed: status $?"
    tandem_pid=""
    grep -v '^window open' "$work/tandem.out" | sed "s/^/tandem (its own report, its window of $((window + 3)) s): /"
    td_rss=$(sed -n 's/^RSS: .*; \([0-9.]*\) KiB per real server.*/\1/p' "$work/tandem.out")
    sleep 1
    idle_window "$kind-$n-idle-after"
    kill "$backend_pid"; wait "$backend_pid" 2>/dev/null || true; backend_pid=""
    rm -f "$work/accepted"
    # For the host's report: checks, window, tick-sampled us/check, RSS per server.
    mark "data $kind-$n-keepalived $(cat "$work/$kind-$n-keepalived") $kd_rss"
    mark "data $kind-$n-tandem $(cat "$work/$kind-$n-tandem") ${td_rss:-0}"
  done
done
