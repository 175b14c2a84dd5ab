# Shared by the failover tests (sourced, not run): a LAN of network namespaces
# on the host kernel, no IPVS. A switch namespace holds bridge br0; each of the
# two directors and the client has eth0 on it:
#
#   d1 10.98.0.1   d2 10.98.0.2   c 10.98.0.10      VIP 10.98.0.100/24
#
# Each director answers TCP 8080 with its name (probe.py serve), so the client
# sees who holds the VIP. Names carry the test's PID, so tests run in parallel.
# Every namespace, process and file is removed on exit, also on failure.
#
#   lab_up                        the LAN and the listeners
#   start_tandem N CONFIG         tandem run in dN ($pid_dN), log $work/dN.log
#   start_keepalived N CONFIG     keepalived in the foreground in dN, VRRP only
#                                 (both through $daemon_wrapper, e.g. (chrt -f 5), if set)
#   stop N SIGNAL                 signal dN's daemon, wait for it to exit
#   has_vip N / vip_holders       `ip addr` in the namespaces
#   wait_for_ms MS DESC CMD...    poll every 2 ms ($wait_poll s if set), fail after MS
#   stamp_ms VAR                  now in ms, no fork
set -uo pipefail
here=$(dirname "${BASH_SOURCE[0]}")
source "$here/../../lib.sh"
# Takeovers are timed by polling: every 2 ms unless the test says otherwise.
wait_poll=${wait_poll:-0.002}
work=$(mktemp -d /tmp/tandem-vrrp.XXXXXX)
chmod 755 "$work"
ns_prefix="tv$$"
sw="$ns_prefix-sw" d1="$ns_prefix-d1" d2="$ns_prefix-d2" c="$ns_prefix-c"
vip=10.98.0.100
declare -A daemon_pid=()
[ -v daemon_wrapper ] || daemon_wrapper=()
helpers=()

on_fail() {
  for n in 1 2; do
    [ -s "$work/d$n.log" ] && { echo "--- d$n's log (last 25 lines):"; tail -25 "$work/d$n.log"; }
  done
}
cleanup() {
  for p in "${daemon_pid[@]}" "${helpers[@]}"; do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  for ns in "$c" "$d1" "$d2" "$sw"; do ip netns del "$ns" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT

ns_of() { local v="d$1"; echo "${!v}"; }

lab_up() {
  ip netns add "$sw" && ip -n "$sw" link add br0 type bridge && ip -n "$sw" link set br0 up
  local name addr
  for name in d1 d2 c; do
    case $name in d1) addr=10.98.0.1 ;; d2) addr=10.98.0.2 ;; c) addr=10.98.0.10 ;; esac
    local ns=${!name}
    ip netns add "$ns"
    ip -n "$sw" link add "$name" type veth peer name eth0 netns "$ns"
    ip -n "$sw" link set "$name" master br0 up
    ip -n "$ns" addr add "$addr/24" dev eth0
    ip -n "$ns" link set eth0 up && ip -n "$ns" link set lo up
  done
  # The bridge forwards at once (no STP learning delay on a fresh port).
  ip -n "$sw" link set br0 type bridge forward_delay 0 2>/dev/null
  for n in 1 2; do
    ip netns exec "$(ns_of $n)" python3 "$here/probe.py" serve "d$n" 8080 &
    helpers+=($!)
  done
}

start_tandem() {  # start_tandem N CONFIG_FILE
  local n=$1
  ip netns exec "$(ns_of "$n")" "${daemon_wrapper[@]}" "$tandem" run -c "$2" >> "$work/d$n.log" 2>&1 &
  daemon_pid[$n]=$!
}
start_keepalived() {  # start_keepalived N CONFIG_FILE: VRRP only, foreground
  local n=$1
  rm -f "$work/ka$n.pid" "$work/ka$n-vrrp.pid"   # left by a SIGKILL
  ip netns exec "$(ns_of "$n")" "${daemon_wrapper[@]}" keepalived -n -l -D --vrrp -f "$2" -p "$work/ka$n.pid" -r "$work/ka$n-vrrp.pid" \
    >> "$work/d$n.log" 2>&1 &
  daemon_pid[$n]=$!
}
stop() {  # stop N SIGNAL
  local n=$1 p=${daemon_pid[$1]:-}
  [ -n "$p" ] || return 0
  # keepalived's VRRP child gets SIGTERM when its parent dies (and would then
  # hand over gracefully), and the parent respawns a child that dies: for
  # SIGKILL the parent is frozen, the child killed, then the parent.
  if [ "$2" = KILL ] && [ -s "$work/ka$n-vrrp.pid" ]; then
    kill -STOP "$p" 2>/dev/null
    kill -9 "$(cat "$work/ka$n-vrrp.pid")" 2>/dev/null
  fi
  kill -"$2" "$p" 2>/dev/null
  local i
  for i in $(seq 200); do kill -0 "$p" 2>/dev/null || break; sleep 0.05; done
  kill -0 "$p" 2>/dev/null && fail "d$n did not exit within 10 s of SIG$2"
  wait "$p" 2>/dev/null
  unset "daemon_pid[$n]"
  # The next daemon in dN may be a tandem: no stale keepalived pid may remain.
  rm -f "$work/ka$n.pid" "$work/ka$n-vrrp.pid"
}
has_vip() { ip -n "$(ns_of "$1")" -4 addr show dev eth0 | grep -q "inet $vip/"; }
lacks_vip() { ! has_vip "$1"; }
vip_holders() { local n out=""; for n in 1 2; do has_vip $n && out+="d$n "; done; echo "${out% }"; }
only_holder() { [ "$(vip_holders)" = "d$1" ]; }
client_reaches() {  # client_reaches N: a TCP connect to the VIP is answered by dN
  [ "$(ip netns exec "$c" python3 - <<EOT 2>/dev/null
import socket
with socket.create_connection(("$vip", 8080), timeout=0.5) as s:
    print(s.recv(64).decode().strip())
EOT
)" = "d$1" ]
}
client_mac_is() {  # client_mac_is N: the client's ARP entry for the VIP is dN's MAC
  local mac
  mac=$(ip -n "$(ns_of "$1")" link show eth0 | awk '/link\/ether/ { print $2 }')
  ip -n "$c" neigh show "$vip" | grep -q "lladdr $mac"
}
watch_client() {  # watch_client SECONDS: probe the VIP from the client into $work/probe.log
  rm -f "$work/probe.log"
  ip netns exec "$c" python3 "$here/probe.py" watch "$vip" 8080 "$1" "$work/probe.log" &
  helpers+=($!)
  # Python takes a few hundred ms to start: measure only once it probes.
  wait_for_ms 5000 "the client's probe to start" test -s "$work/probe.log"
}
longest_gap_since() { python3 "$here/probe.py" gaps "$work/probe.log" "$1"; }

# tandem_config N PRIORITY [EXTRA_VRRP_KEYS]: a VRRP-only config for dN.
tandem_config() {
  local n=$1 prio=$2 extra=${3:-}
  mkdir -p "$work/state$n"
  cat > "$work/d$n.toml" <<EOT
[director]
control_socket = "$work/d$n.sock"
state_dir = "$work/state$n"

[[vrrp]]
name = "vip"
interface = "eth0"
vrid = 51
priority = $prio
advert_interval = "${interval:-200ms}"
virtual_ips = ["$vip/24"]
garp_count = 3
garp_interval = "50ms"
$extra
EOT
  echo "$work/d$n.toml"
}

# keepalived_config N PRIORITY: keepalived's VRRPv3 instance for dN, the same
# VRID, interval and VIP as tandem_config. No scripts, no LVS.
keepalived_config() {
  local n=$1 prio=$2 int_ms=${interval_ms:-200}
  cat > "$work/ka$n.conf" <<EOT
global_defs {
  router_id d$n
  vrrp_version 3
  vrrp_garp_master_delay 0
  vrrp_garp_master_repeat 3
  vrrp_garp_interval 0.05
}
vrrp_instance vip {
  state BACKUP
  interface eth0
  virtual_router_id 51
  priority $prio
  advert_int $(printf '%d.%02d' $((int_ms / 1000)) $((int_ms % 1000 / 10)))
  virtual_ipaddress {
    $vip/24 dev eth0
  }
}
EOT
  echo "$work/ka$n.conf"
}
