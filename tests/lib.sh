# Shared by the shell tests (sourced, not run): failing with the test's own
# evidence, timing without forks, bounded waits.
#
#   fail MESSAGE...       prints "FAIL: MESSAGE", then runs the test's on_fail
#                         (if it defines one: its logs, the kernel's tables),
#                         then exits 1
#   stamp_ms VAR          the time in ms into VAR without a fork (in UML every
#                         fork costs tens of ms, which a measurement must not
#                         include)
#   wait_for SECONDS DESCRIPTION COMMAND...
#                         runs COMMAND every $wait_poll seconds (default 0.05)
#                         until it succeeds; fails "timed out waiting for
#                         DESCRIPTION" after SECONDS
#   wait_for_ms MS DESCRIPTION COMMAND...
#                         the same with the bound in milliseconds

fail() {
  echo "FAIL: $*"
  if declare -F on_fail >/dev/null; then on_fail; fi
  exit 1
}

stamp_ms() { local t=${EPOCHREALTIME/[.,]/}; printf -v "$1" '%s' "${t:0:-3}"; }

wait_for_ms() {
  local limit now what=$2
  stamp_ms limit
  limit=$((limit + $1))
  shift 2
  until "$@"; do
    stamp_ms now
    [ "$now" -lt "$limit" ] || fail "timed out waiting for $what"
    sleep "${wait_poll:-0.05}"
  done
}

wait_for() {
  local ms=$(($1 * 1000))
  shift
  wait_for_ms "$ms" "$@"
}
