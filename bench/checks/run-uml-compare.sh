#!/usr/bin/env bash
# tandem's checks vs keepalived's checker, side by side on the same backends in
# one user-mode-linux boot (keepalived's checker needs IPVS; this machine's
# kernel has none, UML's does).
#
# usage: bench/checks/run-uml-compare.sh [BUILD_DIR] [N...]      (default: build, 1000 5000)
#        KINDS="tcp" bench/checks/run-uml-compare.sh ...          (default: tcp http)
#   build first: cmake --build BUILD_DIR --target tandem_checks_bench tandem_uml_xstate
#
# For each kind (tcp, http) and each N: start N backends once
# (`tandem_checks_bench serve`, one listener per 127.20.x.y:8080); run
# keepalived (-n -C, TCP_CHECK or HTTP_GET, delay_loop 1, connect_timeout 1) on
# them for a warm-up and a measured window, sampling its processes' CPU from
# /proc and the backends' accept counter; stop it; then run
# `tandem_checks_bench KIND N WINDOW 256 external` on the same backends.
# keepalived runs in the foreground with its own config and pid files, killed
# by PID. Everything runs inside the guest (one virtual CPU).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)

if [ "${1:-}" != --inside ]; then
  build=$(cd "${1:-$root/build}" && pwd)
  shift || true
  ns=("$@")
  ((${#ns[@]})) || ns=(1000 5000)
  bench=$build/bench/checks/tandem_checks_bench
  preload=$build/tests/kernel/libtandem_uml_xstate.so
  [ -x "$bench" ] || { echo "missing $bench" >&2; exit 2; }
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "host: $(uname -a)"
  echo "cpus: $(nproc); $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //'); load: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "user-mode-linux: $(dpkg-query -W -f='${Version}' user-mode-linux 2>/dev/null || echo none)"
  echo "keepalived: $(keepalived --version 2>&1 | head -1)"
  TANDEM_BENCH=$bench TANDEM_BENCH_NS="${ns[*]}" TANDEM_BENCH_KINDS="${KINDS:-tcp http}" \
    exec "$root/tests/kernel/kernel-run.sh" --timeout 1500 --mem 1536M --preload "$preload" \
    -- "$root/bench/checks/run-uml-compare.sh" --inside
fi

# ---- inside the guest ------------------------------------------------------
bench=$TANDEM_BENCH
warm=4
window=10
work=$(mktemp -d /run/checks-compare.XXXXXX)
backend_pid=""
kd_pid=""
cleanup() {
  [ -n "$kd_pid" ] && kill "$kd_pid" 2>/dev/null && wait "$kd_pid" 2>/dev/null
  [ -n "$backend_pid" ] && kill "$backend_pid" 2>/dev/null && wait "$backend_pid" 2>/dev/null
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

ticks() {  # total utime+stime (clock ticks) of the given pids
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
hz=$(getconf CLK_TCK)

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
    "$bench" serve "$kind" "$n" "$work/accepted" & backend_pid=$!
    for i in $(seq 100); do [ -s "$work/accepted" ] && break; sleep 0.1; done

    keepalived_conf "$kind" "$n" > "$work/keepalived.conf"
    keepalived -n -C -l -G -f "$work/keepalived.conf" -p "$work/kd.pid" -c "$work/kd-check.pid" \
      > "$work/keepalived.log" 2>&1 & kd_pid=$!
    sleep "$warm"
    pids=("$kd_pid" $(children "$kd_pid"))
    c0=$(count); t0=$(ticks "${pids[@]}"); s0=$EPOCHREALTIME
    sleep "$window"
    c1=$(count); t1=$(ticks "${pids[@]}"); s1=$EPOCHREALTIME
    rss=0; for p in "${pids[@]}"; do rss=$((rss + $(rss_kib "$p"))); done
    kill "$kd_pid"; wait "$kd_pid" 2>/dev/null || true; kd_pid=""
    awk -v c=$((c1 - c0)) -v t=$((t1 - t0)) -v hz="$hz" -v s0="$s0" -v s1="$s1" -v rss="$rss" -v base="$base_rss" -v n="$n" 'BEGIN {
      w = s1 - s0; cpu = t / hz
      printf "keepalived: checks/s completed %.0f (scheduled %d); CPU %.2f s in %.1f s (%.1f%%); %.1f us per check; RSS (all its processes) %d KiB, %.2f KiB per real server above 1 server\n",
             c / w, n, cpu, w, 100 * cpu / w, (c > 0 ? 1e6 * cpu / c : 0), rss, (rss - base) / (n - 1) }'
    echo "keepalived log lines with error|fail: $(grep -ciE "error|fail" "$work/keepalived.log" || true)"

    c0=$(count)
    "$bench" "$kind" "$n" "$window" 256 external | sed 's/^/tandem: /'
    c1=$(count)
    echo "tandem: backend accept count over its whole run (warm-up included): $((c1 - c0))"
    kill "$backend_pid"; wait "$backend_pid" 2>/dev/null || true; backend_pid=""
    rm -f "$work/accepted"
  done
done
