# Shared by the director's kernel tests (sourced, not run): a lab of network
# namespaces around the director (the namespace the test runs in), real HTTP
# servers, and helpers to watch IPVS. Every namespace, process and address it
# makes is removed on exit, also when the test fails.
#
#   client ns c (10.99.0.2) --veth-- director (10.99.0.1; VIP 10.99.0.100 on lo)
#   director 10.99.1N.1 --veth-- real ns rN (10.99.1N.2), N = 1..4, each an HTTP
#   server on port 80 that answers /index.html with "rN".
#
# The test sets `tandem` and calls lab_up; then `serve N` restarts rN's server
# ($server_N is its PID), weight_of/weight_is/table read `ipvsadm -Ln`,
# wait_for polls, start_tandem runs the daemon with $work/tandem.toml.
source "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"
work=$(mktemp -d /tmp/tandem-e2e.XXXXXX)
pids=()
on_fail() {
  [ -s "$work/tandem.log" ] && { echo "--- tandem's log (last 30 lines):"; tail -30 "$work/tandem.log"; }
}
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  [ -n "${tandem_pid:-}" ] && kill "$tandem_pid" 2>/dev/null
  wait 2>/dev/null
  for ns in c r1 r2 r3 r4; do ip netns del "$ns" 2>/dev/null; done
  ipvsadm -C 2>/dev/null
  ip addr del 10.99.0.100/32 dev lo 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

serve() {  # serve N: an HTTP server in rN that answers "rN"
  local n=$1
  mkdir -p "$work/www$n" && echo "r$n" > "$work/www$n/index.html"
  ip netns exec "r$n" python3 -m http.server 80 --bind "10.99.1$n.2" --directory "$work/www$n" \
    >/dev/null 2>&1 &
  eval "server_$n=$!"
  pids+=($!)
}
lab_up() {  # the client, the VIP and real servers r1..r4, all serving
  ip link set lo up
  ip netns add c
  ip link add vc type veth peer name eth0 netns c
  ip addr add 10.99.0.1/24 dev vc && ip link set vc up
  ip -n c addr add 10.99.0.2/24 dev eth0 && ip -n c link set eth0 up && ip -n c link set lo up
  ip -n c route add default via 10.99.0.1
  ip addr add 10.99.0.100/32 dev lo
  echo 1 > /proc/sys/net/ipv4/ip_forward
  for n in 1 2 3 4; do
    ip netns add "r$n"
    ip link add "vr$n" type veth peer name eth0 netns "r$n"
    ip addr add "10.99.1$n.1/24" dev "vr$n" && ip link set "vr$n" up
    ip -n "r$n" addr add "10.99.1$n.2/24" dev eth0 && ip -n "r$n" link set eth0 up && ip -n "r$n" link set lo up
    ip -n "r$n" route add default via "10.99.1$n.1"
    serve "$n"
  done
}

weight_of() {  # weight_of N: rN's weight in ipvsadm -Ln, or "absent"
  ipvsadm -Ln | awk -v r="10.99.1$1.2:80" '$2 == r { print $4; found=1 } END { if (!found) print "absent" }'
}
weight_is() { [ "$(weight_of "$1")" = "$2" ]; }
# proc_weight N VAR: rN's weight from /proc/net/ip_vs into VAR ("absent" when it
# is not there), without a fork, for loops that time the kernel's reaction
# (ipvsadm stays the observer for everything else).
proc_weight() {
  local want a b c d rest
  printf -v want '%02X%02X%02X%02X:0050' 10 99 $((10 + $1)) 2
  printf -v "$2" '%s' absent
  while read -r a b c d rest; do
    [ "$a" = "->" ] && [ "$b" = "$want" ] && { printf -v "$2" '%s' "$d"; return; }
  done < /proc/net/ip_vs
}
proc_weight_is() { local w; proc_weight "$1" w; [ "$w" = "$2" ]; }
# wait_fast SECONDS DESCRIPTION COMMAND...: wait_for, polling every 10 ms, fork-free.
wait_fast() {
  local limit now what=$2 tick
  stamp_ms limit
  limit=$((limit + $1 * 1000))
  shift 2
  [ -p "$work/tick" ] || mkfifo "$work/tick"
  exec {tick}<>"$work/tick"   # never written: read -t on it is a fork-free sleep
  until "$@"; do
    stamp_ms now
    [ "$now" -lt "$limit" ] || { exec {tick}>&-; fail "timed out waiting for $what"; }
    read -r -t 0.01 -u "$tick" || true
  done
  exec {tick}>&-
}
# The table without the connection counters, which traffic changes.
table() { ipvsadm -Ln | awk '$1 == "->" && NF >= 6 { print $1, $2, $3, $4; next } { print }'; }

start_tandem() {
  "$tandem" run -c "$work/tandem.toml" >> "$work/tandem.log" 2>&1 &
  tandem_pid=$!
  wait_for 20 "control socket" test -S "$work/control.sock"
}
