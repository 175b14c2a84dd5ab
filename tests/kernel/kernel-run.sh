#!/usr/bin/env bash
# Runs one command against a real IPVS kernel and exits with the command's status.
#
#   kernel-run.sh [--timeout SEC] [--mem SIZE] [--modules a,b] [--preload LIB] -- COMMAND [ARG...]
#
# Where the host kernel has IPVS (module loaded or loadable), the command runs on
# the host in a fresh network namespace and a private mount namespace (with its
# own /run/netns, so `ip netns add` names never collide between runs). Otherwise
# it boots Debian's user-mode-linux kernel (package user-mode-linux, binary
# `linux`) with the host's file system as root and tests/kernel/uml/init.sh as
# PID 1, which loads ip_vs and the other modules, runs the command and writes its
# output and exit status to a run directory on the host; this script then prints
# the output and exits with that status.
#
# Environment:
#   TANDEM_KERNEL_MODE   auto (default), host or uml: force one way.
#   TANDEM_UML_KERNEL    the UML binary (default: linux on PATH).
#   TANDEM_UML_PRELOAD   default for --preload: the xstate ptrace shim built from
#                        uml/xstate_preload.cpp, needed on AVX-512/AMX hosts.
#   TANDEM_KERNEL_TMP    parent of the per-run directory (default /tmp); must be
#                        on the host file system the guest sees as its root.
#   TANDEM_*             passed on to the command inside the guest, with the
#                        working directory; TANDEM_KERNEL is set to host or uml.
#
# Several runs may go at once (ctest -j): each has its own run directory, UML
# umid and uml_dir, and memory-file directory (TMPDIR). On exit, failure, signal
# or timeout the UML process group this script started is killed by its PID and
# every temporary file is removed.
#
# Exit status: the command's; 124 on timeout; 125 when the kernel could not be
# started or ended without reporting a status (the console log is printed).
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
timeout=150
mem=512M
modules=ipv6,ip_vs,veth
preload=${TANDEM_UML_PRELOAD:-}

usage() { sed -n '2,4p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2; exit 125; }
while (($#)); do
  case $1 in
    --timeout) timeout=$2; shift 2 ;;
    --mem) mem=$2; shift 2 ;;
    --modules) modules=$2; shift 2 ;;
    --preload) preload=$2; shift 2 ;;
    --) shift; break ;;
    *) usage ;;
  esac
done
(($#)) || usage

# --- host mode ------------------------------------------------------------
host_has_ipvs() {
  [ -d /sys/module/ip_vs ] || modprobe -q ip_vs 2>/dev/null
}

run_on_host() {
  modprobe -q veth 2>/dev/null || true
  mkdir -p /run/netns
  # timeout(1) kills the whole namespace's command on expiry; the namespaces
  # disappear with their last process.
  TANDEM_KERNEL=host exec timeout --kill-after=5 "$timeout" \
    unshare --net --mount --propagation private -- \
    bash -c 'mount -t tmpfs tmpfs /run/netns && ip link set lo up && exec "$@"' kernel-run "$@"
}

# --- UML mode -------------------------------------------------------------
run=""
memdir=""
uml_pid=""
watchdog_pid=""

cleanup() {
  if [ -n "$watchdog_pid" ]; then kill "$watchdog_pid" 2>/dev/null; wait "$watchdog_pid" 2>/dev/null; fi
  # The guest kernel and its helper processes share the process group whose
  # leader is uml_pid (setsid below); kill that group only.
  if [ -n "$uml_pid" ] && kill -0 -- "-$uml_pid" 2>/dev/null; then
    kill -KILL -- "-$uml_pid" 2>/dev/null
    wait "$uml_pid" 2>/dev/null
  fi
  [ -n "$memdir" ] && rm -rf -- "$memdir"
  [ -n "$run" ] && rm -rf -- "$run"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# UML keeps guest memory in an unlinked file under TMPDIR and wants it on a
# tmpfs with exec allowed and room for the whole guest; /dev/shm usually is
# one. Otherwise fall back to the run directory (slower, but it works).
memory_dir() {
  local need_kib opts avail
  need_kib=$(numfmt --from=iec "${mem}" 2>/dev/null) && need_kib=$((need_kib / 1024)) || need_kib=0
  # findmnt lists every mount stacked on /dev/shm; the last one is visible.
  if [ -d /dev/shm ] && [ -w /dev/shm ] \
     && [ "$(findmnt -n -o FSTYPE --target /dev/shm 2>/dev/null | tail -n 1)" = tmpfs ]; then
    opts=$(findmnt -n -o OPTIONS --target /dev/shm | tail -n 1)
    avail=$(df -k --output=avail /dev/shm | tail -1 | tr -d ' ')
    if [[ ",$opts," != *,noexec,* ]] && ((avail > need_kib)); then
      mkdir "/dev/shm/$(basename "$run").mem" && echo "/dev/shm/$(basename "$run").mem" && return
    fi
  fi
  mkdir "$run/mem" && echo "$run/mem"
}

write_command() {
  local var
  {
    echo "# written by kernel-run.sh"
    for var in $(compgen -e | grep '^TANDEM_'); do
      printf 'export %s=%q\n' "$var" "${!var}"
    done
    echo "export TANDEM_KERNEL=uml"
    printf 'cd %q || exit 125\n' "$PWD"
    printf 'exec'; printf ' %q' "$@"; echo
  } > "$run/command.sh"
}

run_in_uml() {
  local kernel status
  kernel=${TANDEM_UML_KERNEL:-$(command -v linux)} \
    || { echo "kernel-run: no IPVS on this host and no user-mode-linux kernel (apt-get install user-mode-linux)" >&2; exit 125; }
  [ -d /usr/lib/uml/modules ] \
    || { echo "kernel-run: /usr/lib/uml/modules missing (package user-mode-linux)" >&2; exit 125; }
  # The run directory must be on the host file system the guest sees as its
  # root, hence /tmp and not $TMPDIR (which might be a tmpfs such as /dev/shm,
  # hidden inside the guest behind its own /dev).
  run=$(mktemp -d "${TANDEM_KERNEL_TMP:-/tmp}/tandem-uml.XXXXXX") || exit 125
  memdir=$(memory_dir) || exit 125
  write_command "$@"
  local umid
  umid=$(basename "$run")
  local -a env=(TMPDIR="$memdir")
  [ -n "$preload" ] && env+=(LD_PRELOAD="$preload")
  # setsid makes the kernel the leader of a new process group (this script has
  # no job control, so setsid does not fork and $! is the kernel's PID).
  setsid env "${env[@]}" "$kernel" mem="$mem" umid="$umid" uml_dir="$run/uml" \
    root=/dev/root rootfstype=hostfs rootflags=/ rw init="$here/uml/init.sh" \
    con=null con0=null,fd:1 tandem_run="$run" tandem_modules="$modules" \
    > "$run/console" 2>&1 < /dev/null &
  uml_pid=$!
  (
    trap 'kill $sleeper 2>/dev/null; exit 0' TERM
    sleep "$timeout" & sleeper=$!
    wait $sleeper
    touch "$run/timed-out"
    kill -KILL -- "-$uml_pid" 2>/dev/null
  ) < /dev/null > /dev/null 2>&1 &
  watchdog_pid=$!
  # The braces catch bash's "Killed" job notice after a timeout; the console
  # excerpt below says what happened.
  { wait "$uml_pid"; } 2>/dev/null
  uml_pid=""
  [ -f "$run/output" ] && cat "$run/output"
  if [ -f "$run/status" ]; then
    status=$(cat "$run/status")
    exit "$status"
  fi
  if [ -f "$run/timed-out" ]; then
    echo "kernel-run: timed out after ${timeout}s; last console lines:" >&2
    tail -n 20 "$run/console" >&2
    exit 124
  fi
  echo "kernel-run: the UML kernel ended without a status; last console lines:" >&2
  tail -n 30 "$run/console" >&2
  if grep -q 'ptrace set fp regs failed' "$run/console"; then
    echo "kernel-run: this CPU's XSAVE area is too large for this UML kernel;" \
      "pass --preload with the tandem_uml_xstate library (see uml/xstate_preload.cpp)" >&2
  fi
  exit 125
}

case ${TANDEM_KERNEL_MODE:-auto} in
  host) run_on_host "$@" ;;
  uml) run_in_uml "$@" ;;
  auto) if host_has_ipvs; then run_on_host "$@"; else run_in_uml "$@"; fi ;;
  *) echo "kernel-run: TANDEM_KERNEL_MODE must be auto, host or uml" >&2; exit 125 ;;
esac
