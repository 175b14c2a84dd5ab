#!/usr/bin/env bash
# Failover benchmark (issue 6, item 7): how long a VIP is gone, and how soon
# the backup has it, when the master dies, as the client sees it; a tandem pair
# and a keepalived pair (Debian's 2.2.7, VRRP only, foreground, own config) in
# the same run, on the netns LAN of tests/vrrp/failover/lab.sh (sourced, not
# copied). Needs root (network namespaces). A benchmark: it fails only when a
# failover does not happen, never on a timing.
#
# usage: bench/failover/run-failover-bench.sh [options] TANDEM_BINARY
#   --trials N         trials per cell (default 20)
#   --quick            5 trials per cell
#   --smoke            1 trial per cell, 100 ms adverts only (CTest keeps the script alive with it)
#   --intervals "MS.." advert intervals in ms (default "1000 100")
#   --impls "A B"      implementations (default "tandem keepalived")
#   --rt-daemons       run both implementations' daemons at SCHED_FIFO 5 (an
#                      experiment: how much of the tail is waiting for a CPU)
#   --out DIR          keep the raw data and the tables there (default: a new
#                      /tmp/tandem-failover.* dir; with --smoke, nothing is kept)
#
# Cells: implementation x interval x failure of the master (SIGKILL, SIGTERM,
# its link down). Both directors have priority 100, so after a failover the
# old master comes back (restarted, or its link up) as the backup and the next
# trial fails the other director: no waiting for a preemption between trials,
# and every backup's Master_Down_Interval is 3 x interval + 156/256 x interval.
# Each failure strikes at a chosen point of the advert cycle (wait_phase: a
# stratified sample, the same for both implementations). Three recorders run
# for the whole run:
#   udp_probe.py watch   in the client: a datagram to the VIP every ms; each
#                        director answers with its name (udp_probe.py serve)
#   wire_capture.py      in the switch: adverts and gratuitous ARPs as they
#                        leave each director, kernel-timestamped
#   trials.tsv           the injection stamp (same clock) and the roles
# analyse.py turns them into the tables (see it for the definitions).
set -uo pipefail
# The driver runs at a real-time priority so that a failure strikes when it is
# meant to on a shared, busy machine; SCHED_RESET_ON_FORK gives everything it
# starts (the daemons, ip, the listeners) the normal policy, as in production.
if [ "${TANDEM_BENCH_RT:-}" != 1 ] && chrt -R -f 10 true 2>/dev/null; then
  TANDEM_BENCH_RT=1 exec chrt -R -f 10 bash "$0" "$@"
fi
# lab.sh's wait_for_ms polls every 2 ms, forking `ip` each time; the failover is
# timed by the recorders, so poll gently and leave the CPU to the daemons.
wait_poll=0.025
trials=20 intervals="1000 100" smoke=0 impls="tandem keepalived" out=""
while [ $# -gt 1 ]; do
  case $1 in
    --trials) trials=$2; shift 2 ;;
    --quick) trials=5; shift ;;
    --smoke) trials=1 intervals=100 smoke=1; shift ;;
    --intervals) intervals=$2; shift 2 ;;
    --impls) impls=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    --rt-daemons) daemon_wrapper=(chrt -f 5); shift ;;   # read by lab.sh
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
tandem=${1:?usage: run-failover-bench.sh [options] TANDEM_BINARY}
[ -x "$tandem" ] || { echo "not an executable: $tandem" >&2; exit 2; }
tandem=$(cd "$(dirname "$tandem")" && pwd)/$(basename "$tandem")
bench_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$bench_dir/../../tests/vrrp/failover/lab.sh"
case " $impls " in *" keepalived "*)
  command -v keepalived >/dev/null || fail "keepalived is missing (scripts/setup.sh installs it)" ;;
esac
priority=100
# The smoke run (CTest) keeps nothing: its data goes with the lab's work dir.
if [ -z "$out" ]; then
  if [ "$smoke" = 1 ]; then out=$work/results; else out=$(mktemp -d /tmp/tandem-failover.XXXXXX); fi
fi
mkdir -p "$out"

now_us() { printf -v "$1" '%s' "${EPOCHREALTIME/[.,]/}"; }
# rt_sleep US: sleep without a fork (a forked sleep(1) has the normal policy
# and wakes late under load): read(1) with a timeout on a pipe nobody writes.
exec {never_fd}<> <(:)
rt_sleep() { read -rt "$(printf '%d.%06d' $(($1 / 1000000)) $(($1 % 1000000)))" -u "$never_fd"; }
log() { echo "$(date -u +%H:%M:%S) $*"; }

start_impl() {  # start_impl IMPL N
  if [ "$1" = tandem ]; then start_tandem "$2" "$(tandem_config "$2" "$priority")"
  else start_keepalived "$2" "$(keepalived_config "$2" "$priority")"; fi
}

# inject FAILURE IMPL N: fail dN, the master, and stamp the moment into t0.
inject() {
  local p=${daemon_pid[$3]} ns_var="d$3"
  local ns=${!ns_var}   # no $(ns_of): a fork between the stamp and the failure
  case $1 in
    kill)
      if [ "$2" = keepalived ]; then
        # keepalived: freeze the parent so it cannot respawn the VRRP child
        # (or SIGTERM it, which would hand over gracefully); see lab.sh stop.
        local child
        read -r child < "$work/ka$3-vrrp.pid"
        kill -STOP "$p"
        now_us t0
        kill -9 "$child"
      else
        now_us t0
        kill -9 "$p"
      fi ;;
    term) now_us t0; kill -TERM "$p" ;;
    link) now_us t0; chrt -f 10 ip -n "$ns" link set eth0 down ;;
  esac
}

# recover FAILURE IMPL N: bring dN back as the backup.
recover() {
  case $1 in
    kill)
      stop "$3" KILL
      # The killed daemon could not remove the VIP; a crashed host comes back
      # with a clean interface, so the next daemon starts as it would there.
      ip -n "$(ns_of "$3")" addr del "$vip/24" dev eth0 2>/dev/null
      start_impl "$2" "$3" ;;
    term) stop "$3" TERM; start_impl "$2" "$3" ;;
    link) ip -n "$(ns_of "$3")" link set eth0 up ;;
  esac
}

# runq_wait_ns IMPL N VAR: how long dN's VRRP process has waited for a CPU
# since it started (schedstat(5): time runnable but not running). Read before
# the failure and once the backup has the VIP, it tells a late takeover that
# waited for a CPU (the machine is shared) from one that was late by itself.
runq_wait_ns() {
  local pid=${daemon_pid[$2]} _run wait
  [ "$1" = keepalived ] && read -r pid < "$work/ka$2-vrrp.pid"
  read -r _run wait _ < "/proc/$pid/schedstat" || wait=0
  printf -v "$3" '%s' "$wait"
}

master=0     # the director holding the VIP; trials alternate between the two
pair_up() {  # pair_up IMPL INTERVAL_MS: d1 master, d2 backup
  start_impl "$1" 1
  wait_for_ms $((4 * $2 + 3000)) "d1 ($1) to become master" only_holder 1
  start_impl "$1" 2
  sleep "$(settle_s "$2")"
  only_holder 1 || fail "VIP holders after the $1 pair started: '$(vip_holders)', expected d1 only"
  master=1
}
pair_down() {  # quickly: a lone tandem master on SIGTERM waits for a successor
  stop 1 KILL
  stop 2 KILL
  for n in 1 2; do ip -n "$(ns_of $n)" addr del "$vip/24" dev eth0 2>/dev/null; done
}
# Two advert intervals and 100 ms: a restarted backup has heard the master.
settle_s() { printf '%d.%03d' $(((2 * $1 + 100) / 1000)) $(((2 * $1 + 100) % 1000)); }

# wait_phase INTERVAL_MS TRIAL: sleep until the point of the master's advert
# cycle that trial TRIAL strikes. The points are a stratified sample of the
# cycle, (k + 1/2) / trials of an interval, visited in a scrambled order, and
# the same for both implementations: their medians then differ by what they
# do, not by the luck of a random draw. The cycle is read from the capture:
# the master's last advert, plus whole intervals; cycle_start is left set to
# the (expected) advert the failure follows.
cycle_start=0
wait_phase() {
  local ms=$1 i=$2 stride=1 s k last now target offset
  for s in 7 11 13 17; do (( trials % s )) && { stride=$s; break; }; done
  k=$(( (i * stride) % trials ))
  read -r last _ < <(grep " advert 10.98.0.$master [1-9]" "$work/wire.log" | tail -1)
  [ -n "$last" ] || fail "no advert of d$master in the capture"
  now_us now
  offset=$(((2 * k + 1) * ms * 1000 / (2 * trials)))
  target=$((last + offset))
  while ((target < now + 10000)); do target=$((target + ms * 1000)); done
  cycle_start=$((target - offset))
  rt_sleep $((target - now))
}

# quiet_until_due FAILURE INTERVAL_MS: sleep, without forking anything, until
# 15 ms before the backup is due to take over (the RFC's instant), so that
# polling `ip addr` does not compete with the daemons for the CPU then.
quiet_until_due() {
  local due now
  if [ "$1" = term ]; then due=$((t0 + (256 - priority) * $2 * 1000 / 256))
  else due=$((cycle_start + 3 * $2 * 1000 + (256 - priority) * $2 * 1000 / 256)); fi
  now_us now
  ((due - 15000 > now)) && rt_sleep $((due - 15000 - now))
  return 0
}

run_cell() {  # run_cell IMPL INTERVAL_MS FAILURE
  local impl=$1 ms=$2 failure=$3 i backup end
  local down_ms=$((3 * ms + (256 - priority) * ms / 256))
  log "$impl, ${ms} ms adverts, $failure: $trials trials (load: $(cut -d' ' -f1-3 /proc/loadavg))"
  echo "$(date -u +%FT%TZ) $impl $ms $failure load $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/load.log"
  for ((i = 1; i <= trials; i++)); do
    backup=$((3 - master))
    wait_phase "$ms" "$i"
    runq_wait_ns "$impl" "$backup" rq0
    inject "$failure" "$impl" "$master"
    quiet_until_due "$failure" "$ms"
    wait_for_ms $((down_ms + 2000)) "d$backup ($impl) to own the VIP after $failure of d$master" has_vip "$backup"
    runq_wait_ns "$impl" "$backup" rq1
    sleep 0.2   # the client's answers from the new master
    recover "$failure" "$impl" "$master"
    wait_for_ms 5000 "d$master ($impl) to come back as the backup" only_holder "$backup"
    sleep "$(settle_s "$ms")"
    only_holder "$backup" || fail "VIP holders after trial $i: '$(vip_holders)', expected d$backup only"
    now_us end
    echo "$impl $ms $failure $i $t0 $end $master $backup $(((rq1 - rq0) / 1000))" >> "$out/trials.tsv"
    master=$backup
  done
}

{
  echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "host: $(uname -r); $(nproc) cpus; $(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')"
  echo "tandem: $tandem"
  echo "keepalived: $(keepalived --version 2>&1 | head -1)"
  echo "trials per cell: $trials; intervals: $intervals ms; implementations: $impls"
  echo "daemons started through: ${daemon_wrapper[*]:-(nothing: normal scheduling)}"
  echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out/machine.txt"
: > "$out/trials.tsv"

lab_up
for n in 1 2; do
  ip netns exec "$(ns_of $n)" python3 "$bench_dir/udp_probe.py" serve "d$n" 8081 &
  helpers+=($!)
done
ip netns exec "$sw" python3 "$bench_dir/wire_capture.py" d1,d2 3600 "$work/wire.log" &
capture_pid=$!
helpers+=($capture_pid)
# The prober runs at a real-time priority: the machine is shared (compilers),
# and a prober that is descheduled for tens of ms cannot time anything. It
# sleeps between probes, so it takes a few percent of a CPU. The daemons and
# the listeners keep the normal priority, as in production.
ip netns exec "$c" chrt -f 10 python3 "$bench_dir/udp_probe.py" watch "$vip" 8081 3600 "$work/probe.log" &
probe_pid=$!
helpers+=($probe_pid)
wait_for_ms 5000 "the wire capture to start" test -s "$work/wire.log"

started=$EPOCHREALTIME
for ms in $intervals; do
  interval="${ms}ms" interval_ms=$ms   # read by tandem_config, keepalived_config
  for impl in $impls; do
    pair_up "$impl" "$ms"
    for failure in kill term link; do run_cell "$impl" "$ms" "$failure"; done
    pair_down
  done
done
log "trials done in $(awk "BEGIN { printf \"%.0f\", $EPOCHREALTIME - $started }") s"
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$out/machine.txt"

# Stop the recorders with SIGTERM so they flush, then analyse.
kill -TERM "$probe_pid" "$capture_pid" 2>/dev/null
wait "$probe_pid" "$capture_pid" 2>/dev/null
cp "$work/probe.log" "$work/wire.log" "$out/"
for n in 1 2; do cp "$work/d$n.log" "$out/d$n.log" 2>/dev/null; done
python3 "$bench_dir/analyse.py" "$out" --priority "$priority" | tee "$out/tables.md"
status=${PIPESTATUS[0]}
echo "raw data and tables: $out"
exit "$status"
