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
# them for a warm-up and a measured window, sampling its processes' CPU from
# /proc and the backends' accept counter; stop it; then run
# `tandem_checks_bench KIND N WINDOW 256 external` on the same backends.
# keepalived runs in the foreground with its own config and pid files, killed
# by PID. Everything runs inside the guest (one virtual CPU).
#
# CPU. The guest's per-task CPU accounting is tick-sampled (HZ=100, run time in
# whole jiffies; see bench/checks/guest_cpu.cpp), which under-charges short
# bursts and charges tandem's 5 ms-grid bursts almost nothing, so per-process
# figures (/proc/PID/stat, getrusage) are printed only as "[tick-sampled]".
# The CPU figure to trust is the gauge's: an idle-priority spinner
# (`tandem_guest_cpu spin`) counts work units all the time; its rate alone
# (3 s calibrations before, between and after the two checkers, backends idle)
# against its rate in a checker's window gives the guest's busy fraction, i.e.
# CPU used by the checker + the backends + the guest kernel (both ends of every
# connection) in that window. Divided by the checks completed (the backends'
# accept counter), that is "whole guest per check"; the backends' and the
# kernel's share is the same work for both checkers, so it cancels in the
# difference tandem - keepalived and pulls the whole-guest ratio towards 1.
# A gauge self-check first runs bursts of known length and compares.
# SPIN=0 runs without the spinner (to see whether it changes throughput).
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
  status=0
  TANDEM_BENCH=$bench TANDEM_GAUGE=$gauge TANDEM_SPIN=${SPIN:-1} TANDEM_BENCH_NS="${ns[*]}" TANDEM_BENCH_KINDS="${KINDS:-tcp http}" \
    "$root/tests/kernel/kernel-run.sh" --timeout 1800 --mem 1536M --preload "$preload" \
    -- "$root/bench/checks/run-uml-compare.sh" --inside || status=$?
  echo "host load at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
  exit "$status"
fi

# ---- inside the guest ------------------------------------------------------
bench=$TANDEM_BENCH
gauge=$TANDEM_GAUGE
warm=4
window=10
calib=3
work=$(mktemp -d /run/checks-compare.XXXXXX)
backend_pid=""
kd_pid=""
spin_pid=""
tandem_pid=""
cleanup() {
  local p
  for p in "$kd_pid" "$tandem_pid" "$backend_pid" "$spin_pid"; do
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
hz=$(getconf CLK_TCK)
# Evidence for the tick sampling: run time of a few short-lived processes, in ns.
echo "per-task run time (/proc/self/schedstat of 5 short processes, ns):" \
  "$(for i in 1 2 3 4 5; do cut -d' ' -f1 /proc/self/schedstat; done | tr '\n' ' ')"

# ---- the gauge ---------------------------------------------------------------
# spin_sample: "SECONDS UNITS" from the spinner ("0 0" without one).
spin_sample() { if [ -n "$spin_pid" ]; then cat "$work/spin"; else echo "0 0"; fi; }
# calibrate: the spinner's rate alone over $calib seconds, units/s (0 without one).
calibrate() {
  local a b
  [ -n "$spin_pid" ] || { echo 0; return; }
  a=$(spin_sample); sleep "$calib"; b=$(spin_sample)
  awk -v a="$a" -v b="$b" 'BEGIN { split(a, x); split(b, y); printf "%.1f\n", (y[2] - x[2]) / (y[1] - x[1]) }'
}
# busy_fraction "T0 U0" "T1 U1" ALONE: share of the guest's CPU that was not
# the spinner's between the two samples (-1 without a spinner).
busy_fraction() {
  awk -v a="$1" -v b="$2" -v alone="$3" 'BEGIN {
    split(a, x); split(b, y)
    if (alone <= 0 || y[1] <= x[1]) { print -1; exit }
    printf "%.4f\n", 1 - (y[2] - x[2]) / (y[1] - x[1]) / alone }'
}
mean() { awk -v a="$1" -v b="$2" 'BEGIN { print (a + b) / 2 }'; }

if [ "$TANDEM_SPIN" = 1 ]; then
  "$gauge" spin "$work/spin" 2> "$work/spin.log" & spin_pid=$!
  for i in $(seq 50); do [ -s "$work/spin" ] && break; sleep 0.1; done
  sleep 1
  echo "gauge: spinner $(sed 's/.*: //' "$work/spin.log"), alone $(calibrate) units/s"
  # Self-check on work of known length: the bursts' own clock says how much of
  # the guest they used; the spinner and getrusage say what they saw.
  for spec in "5000 1000 grid" "5000 1000 random" "1000 100 random"; do
    "$gauge" bursts $((calib + 3)) $spec > "$work/bursts.out" & b_pid=$!
    sleep 1
    a=$(spin_sample); sleep "$calib"; b=$(spin_sample)
    wait "$b_pid"
    busy=$(busy_fraction "$a" "$b" "$(calibrate)")
    awk -v busy="$busy" -v s=$((calib + 3)) '{
      printf "gauge check: %s\n  share of the guest: true %.1f%%, gauge %.1f%%, getrusage %.1f%%\n",
             $0, 100 * $(NF - 5) / s, 100 * busy, 100 * $(NF - 1) / s }' "$work/bursts.out"
  done
fi

# measure LABEL PIDS...: one window of $window s on the checker whose processes
# are PIDS; keeps the raw samples in $work/LABEL.
measure() {
  local label=$1 c0 c1 t0 t1 b0 b1 s0 s1 w0 w1
  shift
  w0=$(spin_sample); c0=$(count); s0=$EPOCHREALTIME; t0=$(ticks "$@"); b0=$(ticks "$backend_pid")
  sleep "$window"
  w1=$(spin_sample); c1=$(count); s1=$EPOCHREALTIME; t1=$(ticks "$@"); b1=$(ticks "$backend_pid")
  echo "$w0 $w1 $((c1 - c0)) $s0 $s1 $((t1 - t0)) $((b1 - b0))" > "$work/$label"
}

# report LABEL ALONE RSS_PER_SERVER: prints a window's figures; keeps
# "checks/s, gauge us/check, tick-sampled us/check, RSS per server" in
# $work/LABEL.fig for the ratios.
report() {
  local label=$1 alone=$2 busy
  busy=$(busy_fraction "$(cut -d' ' -f1,2 "$work/$label")" "$(cut -d' ' -f3,4 "$work/$label")" "$alone")
  awk -v label="$label" -v busy="$busy" -v hz="$hz" -v n="$n" -v rss="$3" -v fig="$work/$label.fig" '{
    c = $5; w = $7 - $6; cpu = $8 / hz; bcpu = $9 / hz; per = (c > 0 ? 1e6 * w / c : 0)
    gauge = (busy >= 0 ? busy * per : -1)
    printf "%s: checks/s completed %.0f (scheduled %d)\n", label, c / w, n
    if (busy >= 0)
      printf "%s:   CPU by the gauge: guest busy %.1f%% -> %.0f us per check [whole guest: checker + backends + guest kernel]\n",
             label, 100 * busy, gauge
    printf "%s:   CPU [tick-sampled, biased low]: its processes %.2f s (%.1f%%) -> %.0f us per check; backends %.2f s -> %.0f us per check\n",
           label, cpu, 100 * cpu / w, cpu * per / w, bcpu, bcpu * per / w
    printf "%s:   RSS %.2f KiB per real server\n", label, rss
    printf "%f %f %f %f\n", c / w, gauge, cpu * per / w, rss > fig }' "$work/$label"
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
    "$bench" serve "$kind" "$n" "$work/accepted" & backend_pid=$!
    for i in $(seq 100); do [ -s "$work/accepted" ] && break; sleep 0.1; done
    sleep 1
    cal_a=$(calibrate)

    keepalived_conf "$kind" "$n" > "$work/keepalived.conf"
    keepalived -n -C -l -G -f "$work/keepalived.conf" -p "$work/kd.pid" -c "$work/kd-check.pid" \
      > "$work/keepalived.log" 2>&1 & kd_pid=$!
    sleep "$warm"
    pids=("$kd_pid" $(children "$kd_pid"))
    measure keepalived "${pids[@]}"
    rss=0; for p in "${pids[@]}"; do rss=$((rss + $(rss_kib "$p"))); done
    kill "$kd_pid"; wait "$kd_pid" 2>/dev/null || true; kd_pid=""
    sleep 1
    cal_b=$(calibrate)

    # tandem's own window is 3 s longer than ours, which opens 1 s into it.
    "$bench" "$kind" "$n" $((window + 3)) 256 external > "$work/tandem.out" & tandem_pid=$!
    for i in $(seq 600); do grep -q '^window open' "$work/tandem.out" && break; sleep 0.1; done
    sleep 1
    measure tandem "$tandem_pid"
    wait "$tandem_pid" || echo "tandem_checks_bench failed: status $?"
    tandem_pid=""
    sleep 1
    cal_c=$(calibrate)
    kill "$backend_pid"; wait "$backend_pid" 2>/dev/null || true; backend_pid=""
    rm -f "$work/accepted"

    [ -n "$spin_pid" ] && echo "gauge: spinner alone $cal_a units/s before keepalived, $cal_b between, $cal_c after tandem" \
      "(each window against the mean of the two around it)"
    report keepalived "$(mean "$cal_a" "$cal_b")" \
      "$(awk -v rss="$rss" -v base="$base_rss" -v n="$n" 'BEGIN { print (rss - base) / (n - 1) }')"
    echo "keepalived:   (RSS of all its processes $rss KiB, growth above 1 server; log lines with error|fail: $(grep -ciE "error|fail" "$work/keepalived.log" || true))"
    report tandem "$(mean "$cal_b" "$cal_c")" \
      "$(sed -n 's/^RSS: .*; \([0-9.]*\) KiB per real server$/\1/p' "$work/tandem.out")"
    grep -v '^window open' "$work/tandem.out" | sed "s/^/tandem (its own report, its window of $((window + 3)) s): /"
    read -r kc kg kt kr < "$work/keepalived.fig"
    read -r tc tg tt tr < "$work/tandem.fig"
    awk -v kc="$kc" -v kg="$kg" -v kt="$kt" -v kr="$kr" -v tc="$tc" -v tg="$tg" -v tt="$tt" -v tr="$tr" '
      function ratio(a, b) { return b > 0 ? sprintf("%.2f", a / b) : "-" }
      BEGIN {
        if (kg >= 0 && tg >= 0)
          printf "tandem/keepalived: CPU per check by the gauge (whole guest) %s; difference tandem - keepalived %+.0f us per check\n",
                 ratio(tg, kg), tg - kg
        printf "tandem/keepalived: CPU per check [tick-sampled, biased low] %s; checks/s %s; RSS per real server %s\n",
               ratio(tt, kt), ratio(tc, kc), ratio(tr, kr) }'
  done
done
