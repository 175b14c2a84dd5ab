#!/usr/bin/env bash
# `tandem run` speaks the sd_notify(3) protocol as systemd expects of a
# Type=notify service with WatchdogSec (issue 5, item 7), checked against the
# protocol's receiving end (notify_peer.py plays systemd's part: CI has no
# systemd as PID 1 to run the unit under): READY=1 with a STATUS= line once
# running, WATCHDOG=1 at half the watchdog period, RELOADING=1 (with
# MONOTONIC_USEC) then READY=1 around a reload, also a refused one, and
# STOPPING=1 on SIGTERM. A VRRP-less, service-less config needs no IPVS, so
# this runs on the host kernel.
set -uo pipefail
tandem=$1
here=$(dirname "${BASH_SOURCE[0]}")
source "$here/../lib.sh"
wait_poll=0.02
work=$(mktemp -d /tmp/tandem-notify.XXXXXX)
pids=()
on_fail() {
  echo "--- messages:"; cat "$work/messages" 2>/dev/null
  echo "--- tandem's log:"; tail -20 "$work/tandem.log" 2>/dev/null
}
cleanup() {
  for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
count() { grep -c -- "$1" "$work/messages" 2>/dev/null; }
count_is_at_least() { [ "$(count "$1")" -ge "$2" ]; }

cat > "$work/tandem.toml" <<EOT
[director]
name = "notify-test"
control_socket = "$work/control.sock"
state_dir = "$work/state"
EOT

python3 "$here/notify_peer.py" "$work/notify.sock" "$work/messages" 60 &
pids+=($!)
wait_for 10 "the notify socket" test -S "$work/notify.sock"

# systemd sets these for a unit with Type=notify and WatchdogSec=400ms.
NOTIFY_SOCKET="$work/notify.sock" WATCHDOG_USEC=400000 "$tandem" run -c "$work/tandem.toml" > "$work/tandem.log" 2>&1 &
tandem_pid=$!
pids+=($tandem_pid)
wait_for 10 "READY=1" count_is_at_least '^READY=1|STATUS=.' 1
head -1 "$work/messages" | grep -q '^READY=1|STATUS=' || fail "the first message is not READY=1 with a STATUS= line"

# Half of 400 ms: about 5 pings a second; at least 4 in 1.5 s whatever the load.
before=$(count '^WATCHDOG=1$')
sleep 1.5
pings=$(( $(count '^WATCHDOG=1$') - before ))
[ "$pings" -ge 4 ] && [ "$pings" -le 12 ] || fail "$pings WATCHDOG=1 in 1.5 s with WatchdogSec=400ms"

kill -HUP "$tandem_pid"
wait_for 10 "RELOADING=1 after SIGHUP" count_is_at_least '^RELOADING=1|MONOTONIC_USEC=[0-9][0-9]*|' 1
wait_for 10 "READY=1 after the reload" count_is_at_least '^READY=1|' 2
reloading_line=$(grep -n '^RELOADING=1' "$work/messages" | head -1 | cut -d: -f1)
ready_line=$(grep -n '^READY=1' "$work/messages" | sed -n 2p | cut -d: -f1)
[ "$reloading_line" -lt "$ready_line" ] || fail "READY=1 came before RELOADING=1"

# Three reloads at once: each gets its answer (the ones that arrive during a
# read are served by one more read), and every RELOADING=1 has its READY=1.
for i in 1 2 3; do "$tandem" reload -s "$work/control.sock" > "$work/concurrent.$i" 2>&1 & pids+=($!); done
for i in 1 2 3; do wait "${pids[-$i]}" || fail "concurrent reload $i: $(cat "$work/concurrent.$i")"; done
wait_for 10 "READY=1 after the concurrent reloads" \
  bash -c "[ \$(grep -c '^READY=1' '$work/messages') -eq \$(( \$(grep -c '^RELOADING=1' '$work/messages') + 1 )) ]"
reloads_so_far=$(count '^RELOADING=1')
[ "$reloads_so_far" -ge 2 ] && [ "$reloads_so_far" -le 4 ] || fail "$reloads_so_far reads for 1 + 3 reloads"

# A refused reload: still RELOADING=1 then READY=1, so systemd does not wait
# for a reload that will never finish; the daemon keeps running.
echo 'director = 3' > "$work/tandem.toml"
"$tandem" reload -s "$work/control.sock" > "$work/reload.out" 2>&1 && fail "a broken config reloaded"
wait_for 10 "READY=1 after the refused reload" count_is_at_least '^READY=1|' $((reloads_so_far + 2))
[ "$(count '^RELOADING=1')" = $((reloads_so_far + 1)) ] || fail "no RELOADING=1 for the refused reload"
kill -0 "$tandem_pid" || fail "tandem died on a refused reload"

kill -TERM "$tandem_pid"
wait_for 10 "STOPPING=1" count_is_at_least '^STOPPING=1' 1
wait "$tandem_pid"
status=$?
[ "$status" = 0 ] || fail "tandem exited $status on SIGTERM"
echo "sd_notify: passed ($pings watchdog pings in 1.5 s, $(wc -l < "$work/messages") messages)"
