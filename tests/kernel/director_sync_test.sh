#!/usr/bin/env bash
# Connection sync drill (issue 6, item 4), against a real IPVS: two directors,
# each `tandem run` with two [[vrrp]] instances and a NAT service, keep a
# long-lived TCP connection alive across failovers because the kernel's sync
# daemon follows VRRP. Runs inside kernel-run.sh (UML here: the host has no
# IPVS). Every namespace and process is made here and removed on exit.
#
#   front bridge:  client c 10.96.0.10   d1 eth0 10.96.0.1   d2 eth0 10.96.0.2
#                  VIP 10.96.0.100 (instance "front", vrid 10, sync_interface eth1)
#   back bridge:   d1 eth1 10.96.1.1     d2 eth1 10.96.1.2
#                  r1 10.96.1.11, r2 10.96.1.12: line echo servers on port 9000
#                  gateway VIP 10.96.1.254 (instance "gateway", vrid 20): the
#                  real servers' default route, so NAT replies follow the master
#   service 10.96.0.100:9000, NAT, rr over r1 and r2
#
# A client connection asks a numbered line every 50 ms and checks the answer.
# A director "dies" by SIGKILL of its tandem and its two cables pulled (the
# switch ends of its veths down), so afterwards no packet can pass it.
#
#   1. d1 (priority 200) master, d2 (100) backup. Connection A through d1; the
#      backup's `ipvsadm -Lnc` shows A (synced: d2 never saw a packet of it);
#      `ipvsadm -L --daemon`: d1 sync master, d2 sync backup.
#   2. d1 dies. d2 takes both VIPs, becomes sync master, and A carries data
#      again: the kernel of d2 knew it only through sync.
#   3. d1 comes back (tandem restarted, then cables in): it replaces the master
#      sync daemon its killed predecessor left with a backup one, and learns
#      connection B, opened through d2 meanwhile, by sync. After preempt_delay
#      it takes over (preempt): d1 sync master, d2 sync backup; A and B go on.
#   0. (first) A sync_interface that is missing or has no IPv4 address is
#      refused at start.
#   4. SIGTERM d1 (graceful handover): d2 master and sync master, d1's tandem
#      lets its sync master flush, then stops it; A, B and D (opened just
#      before, idle across the handover) go on. d2, stopped alone, leaves no
#      sync daemon either.
#   5. Only d1's back link fails: the gateway instance moves at once; the front
#      one follows because it tracks the service (its checks fail), and E goes
#      on. Without tracking the front VIP stays on d1 and E stalls: tandem has
#      no grouping of instances.
#   6. The negative: fresh directors without sync_interface, connection C
#      through d1, d1 dies: C breaks (sloppy_tcp is off, so d2 does not take a
#      non-SYN packet of an unknown connection; its stack answers with a reset).
set -uo pipefail
tandem=$1
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
source "$here/../lib.sh"
work=$(mktemp -d /tmp/tandem-sync.XXXXXX)
chmod 755 "$work"
p="ts$$"
sw=$p-sw c=$p-c d1=$p-d1 d2=$p-d2 r1=$p-r1 r2=$p-r2
vip=10.96.0.100 gw=10.96.1.254 port=9000
declare -A tandem_pid=()
helpers=()

on_fail() {
  local f
  for f in "$work"/d?.log; do [ -s "$f" ] && { echo "--- ${f##*/} (last 25 lines):"; tail -25 "$f"; }; done
  for f in "$work"/conn-*.log; do [ -e "$f" ] && { echo "--- ${f##*/}: $(tail -1 "$f"); $(cat "$f.end" 2>/dev/null)"; }; done
  local n
  for n in 1 2; do
    echo "--- d$n: ipvsadm -Lnc; ipvsadm -L --daemon"
    ip netns exec "$(ns_of $n)" ipvsadm -Lnc 2>&1 | tail -12
    ip netns exec "$(ns_of $n)" ipvsadm -L --daemon 2>&1
  done
  echo "--- kernel log (IPVS)"; dmesg 2>/dev/null | grep IPVS | tail -15
}
cleanup() {
  local pid ns
  for pid in "${tandem_pid[@]}" "${helpers[@]}"; do kill -9 "$pid" 2>/dev/null; done
  wait 2>/dev/null
  for ns in "$c" "$d1" "$d2" "$r1" "$r2" "$sw"; do ip netns del "$ns" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT
ns_of() { local v="d$1"; echo "${!v}"; }

# --- the network -----------------------------------------------------------

plug() {  # plug NS IFNAME BRIDGE ADDRESS SWITCH_PORT
  ip -n "$sw" link add "$5" type veth peer name "$2" netns "$1" || fail "veth $5"
  ip -n "$sw" link set "$5" master "$3" up
  ip -n "$1" addr add "$4/24" dev "$2" && ip -n "$1" link set "$2" up
}
lab_up() {
  ip netns add "$sw"
  local br
  for br in front back; do
    ip -n "$sw" link add "$br" type bridge forward_delay 0 && ip -n "$sw" link set "$br" up || fail "bridge $br"
  done
  ip netns add "$c" && ip -n "$c" link set lo up
  plug "$c" eth0 front 10.96.0.10 c
  local n
  for n in 1 2; do
    local ns="r$n"; ns=${!ns}
    ip netns add "$ns" && ip -n "$ns" link set lo up
    plug "$ns" eth0 back "10.96.1.1$n" "r$n"
    ip -n "$ns" route add default via "$gw"
    ip netns exec "$ns" python3 "$here/line_echo.py" "r$n" "10.96.1.1$n" "$port" &
    helpers+=($!)
  done
}
director_up() {  # director_up N: dN's namespace and its two cables
  local n=$1 ns
  ns=$(ns_of "$n")
  ip netns add "$ns" && ip -n "$ns" link set lo up
  plug "$ns" eth0 front "10.96.0.$n" "d${n}f"
  plug "$ns" eth1 back "10.96.1.$n" "d${n}b"
  ip netns exec "$ns" sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward'
}
director_down() {  # director_down N: its namespace, IPVS table and sync daemons gone
  ip netns del "$(ns_of "$1")"
}
cables() {  # cables N up|down: the switch ends of dN's veths
  ip -n "$sw" link set "d$1f" "$2" && ip -n "$sw" link set "d$1b" "$2"
}

# --- the directors ---------------------------------------------------------

# config N PRIORITY PREEMPT_DELAY SYNC_INTERFACE ("" for no sync) [FRONT_KEYS]
config() {
  local n=$1 prio=$2 delay=$3 sync="" front=${5:-}
  [ -n "$4" ] && sync="sync_interface = \"$4\""
  mkdir -p "$work/state$n"
  cat > "$work/d$n.toml" <<EOT
[director]
control_socket = "$work/d$n.sock"
state_dir = "$work/state$n"
reconcile_interval = "1s"

[[vrrp]]
name = "front"
interface = "eth0"
vrid = 10
priority = $prio
advert_interval = "100ms"
preempt_delay = "$delay"
virtual_ips = ["$vip/24"]
garp_interval = "100ms"
$sync
$front

[[vrrp]]
name = "gateway"
interface = "eth1"
vrid = 20
priority = $prio
advert_interval = "100ms"
preempt_delay = "$delay"
virtual_ips = ["$gw/24"]
garp_interval = "100ms"

[[service]]
name = "echo"
address = "$vip:$port"
scheduler = "rr"

[service.check]
type = "tcp"
interval = "500ms"
timeout = "400ms"
rise = 1
fall = 2

[[service.real]]
address = "10.96.1.11:$port"

[[service.real]]
address = "10.96.1.12:$port"
EOT
}
start_tandem() {  # start_tandem N: tandem run in dN with $work/dN.toml
  local n=$1
  rm -f "$work/d$n.sock"
  ip netns exec "$(ns_of "$n")" "$tandem" run -c "$work/d$n.toml" >> "$work/d$n.log" 2>&1 &
  tandem_pid[$n]=$!
  wait_for 20 "d$n's control socket" test -S "$work/d$n.sock"
}
stop_tandem() {  # stop_tandem N SIGNAL: and wait for it to exit
  local n=$1 pid=${tandem_pid[$1]}
  kill "-$2" "$pid"
  local i
  for i in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$pid" 2>/dev/null && fail "d$n's tandem did not exit within 10 s of SIG$2"
  wait "$pid" 2>/dev/null
  unset "tandem_pid[$n]"
}
die() {  # die N: SIGKILL dN's tandem and pull its cables, as a dead machine
  stop_tandem "$1" KILL
  cables "$1" down
}
# holds N: dN has both VIPs (master of both instances); holds_none N: neither.
holds() {
  local a
  a=$(ip -n "$(ns_of "$1")" -4 -o addr show)
  [[ $a == *" eth0 "*"inet $vip/24"* && $a == *" eth1 "*"inet $gw/24"* ]]
}
holds_none() { ! ip -n "$(ns_of "$1")" -4 -o addr show | grep -q -e "inet $vip/" -e "inet $gw/"; }
# sync_roles N: the sync daemons `ipvsadm -L --daemon` lists in dN, e.g. "master".
sync_roles() {
  ip netns exec "$(ns_of "$1")" ipvsadm -L --daemon | awk '/sync daemon/ { printf "%s%s", sep, $1; sep=" " }'
}
sync_roles_are() { [ "$(sync_roles "$1")" = "$2" ]; }
# knows N PORT: dN's connection table has the client's connection from PORT,
# ESTABLISHED, to the VIP.
knows() {
  ip netns exec "$(ns_of "$1")" ipvsadm -Lnc \
    | awk -v s="10.96.0.10:$2" -v v="$vip:$port" '$3 == "ESTABLISHED" && $4 == s && $5 == v { f=1 } END { exit !f }'
}
ready() {  # ready N: both real servers in dN's IPVS table at weight 1
  [ "$(ip netns exec "$(ns_of "$1")" ipvsadm -Ln | awk '$1 == "->" && $4 == 1' | wc -l)" = 2 ]
}

# --- the client ------------------------------------------------------------

# client LOG: one TCP connection to the VIP; line N every 50 ms, the answer
# must be "rX N". Logs "N MS rX" per answer; on the first failure, or after
# 2400 exchanges or 150 s, or when LOG.stop exists, it writes why to LOG.end
# and stops. While LOG.pause exists it sends nothing. Fork-free: /dev/tcp is bash's own, the pause is a read on a FIFO
# nobody writes.
client() {
  local log=$1 i=0 reply now tick st
  trap '' PIPE   # a write to a reset connection fails instead of killing us
  exec 3<>"/dev/tcp/$vip/$port" || { echo "connect failed" > "$log.end"; return; }
  mkfifo "$log.tick" && exec {tick}<>"$log.tick"
  : > "$log"
  stamp_ms now; local deadline=$((now + 150000))
  while [ "$i" -lt 2400 ] && [ ! -e "$log.stop" ] && [ "$now" -lt "$deadline" ]; do
    while [ -e "$log.pause" ] && [ "$now" -lt "$deadline" ]; do
      read -r -t 0.05 -u "$tick"; stamp_ms now
    done
    i=$((i + 1))
    printf '%s\n' "$i" >&3 2>/dev/null || { echo "write $i failed (connection reset)" > "$log.end"; return; }
    read -r -t 5 -u 3 reply; st=$?
    if [ "$st" -gt 128 ]; then echo "no answer to $i within 5 s" > "$log.end"; return; fi
    if [ "$st" -ne 0 ]; then echo "connection closed or reset at $i" > "$log.end"; return; fi
    [ "${reply#* }" = "$i" ] || { echo "answer to $i was '$reply'" > "$log.end"; return; }
    stamp_ms now
    echo "$i $now ${reply%% *}" >> "$log"
    read -r -t 0.05 -u "$tick" || true
  done
  echo "stopped after $i exchanges" > "$log.end"
}
open_conn() {  # open_conn NAME: a client connection, logged in $work/conn-NAME.log
  local log="$work/conn-$1.log"
  ip netns exec "$c" bash -c "$(declare -f client stamp_ms); vip=$vip port=$port; client $log" 2>> "$log.err" &
  helpers+=($!)
  wait_for 10 "connection $1's first answers" exchanged_at_least "$1" 3
}
# last_exchange NAME: "N MS SERVER" of the last answer.
last_exchange() { tail -n 1 "$work/conn-$1.log" 2>/dev/null; }
exchanged_at_least() {  # exchanged_at_least NAME N: N answers, and still going
  alive "$1" || fail "connection $1: $(cat "$work/conn-$1.log.end")"
  local last
  last=$(last_exchange "$1")
  [ "${last%% *}" -ge "$2" ] 2>/dev/null
}
alive() { [ ! -e "$work/conn-$1.log.end" ]; }
server_of() { local l; l=$(last_exchange "$1"); echo "${l##* }"; }
# client_port DIRECTOR SEEN_PORTS...: the client's port of the newest
# connection, from dN's table: the one ESTABLISHED to the VIP whose port is not
# among those already seen (a stopped director keeps the entries of the old).
client_port() {
  local n=$1; shift
  ip netns exec "$(ns_of "$n")" ipvsadm -Lnc \
    | awk -v v="$vip:$port" -v seen=" $* " '$3 == "ESTABLISHED" && $5 == v {
        split($4, a, ":"); if (index(seen, " " a[2] " ") == 0) { print a[2]; exit } }'
}
# goes_on NAME SECONDS: connection NAME answers 20 more times within SECONDS,
# from the same real server.
goes_on() {
  local before server
  before=$(last_exchange "$1"); server=${before##* }; before=${before%% *}
  wait_for "$2" "connection $1 to carry data (it stood at exchange $before)" exchanged_at_least "$1" $((before + 20))
  [ "$(server_of "$1")" = "$server" ] || fail "connection $1 moved from $server to $(server_of "$1")"
}
# longest_gap NAME SINCE_MS: the longest pause between answers after SINCE_MS.
longest_gap() {
  awk -v since="$2" '$2 >= since && prev { g = $2 - prev; if (g > max) max = g } { prev = $2 } END { print max + 0 }' \
    "$work/conn-$1.log"
}

# ===========================================================================
lab_up
director_up 1 && director_up 2

# 0. A sync interface that is missing, or has no IPv4 address for the kernel's
# sync master to send from, is refused at start, as a VRRP interface would be.
ip -n "$d1" link add bare type dummy && ip -n "$d1" link set bare up || fail "dummy link"
for bad in eth9 bare; do
  config 1 200 0s "$bad"
  out=$(ip netns exec "$d1" timeout 20 "$tandem" run -c "$work/d1.toml" 2>&1) && fail "tandem ran with sync_interface $bad"
  case $bad in
    eth9) want="sync_interface" ;;
    bare) want="sync_interface bare has no IPv4 address" ;;
  esac
  [[ $out == *"$want"* ]] || fail "sync_interface $bad: tandem said: $out"
done
ip -n "$d1" link del bare
echo "step 0: a missing sync interface and one without an IPv4 address are refused at start"
config 1 200 0s eth1 && config 2 100 0s eth1
start_tandem 1 && start_tandem 2
wait_for 20 "d1 to hold both VIPs" holds 1
wait_for 20 "both directors to see both real servers up" bash -c "$(declare -f ready ns_of); d1=$d1 d2=$d2; ready 1 && ready 2"
holds_none 2 || fail "d2 holds a VIP while d1 is master"

# 1. Sync roles follow VRRP; the backup learns connection A by sync.
wait_for 5 "d1 sync master, d2 sync backup" bash -c "$(declare -f sync_roles sync_roles_are ns_of); d1=$d1 d2=$d2; sync_roles_are 1 master && sync_roles_are 2 backup"
open_conn A
port_a=$(client_port 1)
[ -n "$port_a" ] || fail "connection A is not in d1's table"
# The kernel sends a connection's state at its 3rd packet and every 50th, and
# flushes its send buffer at least every 2 s.
stamp_ms opened_at
wait_for 10 "d2 (backup) to learn connection A by sync" knows 2 "$port_a"
stamp_ms learnt_at
echo "step 1: A (client port $port_a, via $(server_of A)) synced to the backup within $((learnt_at - opened_at)) ms; sync roles d1 master, d2 backup"

# 2. The master dies; A goes on through d2, which knew it only by sync.
stamp_ms killed_at
die 1
wait_for 5 "d2 to take both VIPs" holds 2
stamp_ms took_at
goes_on A 10
wait_for 10 "d2 sync master alone" sync_roles_are 2 master
echo "step 2: d1 killed, d2 master after $((took_at - killed_at)) ms; A went on, longest pause $(longest_gap A "$killed_at") ms"

# 3. d1 returns as backup, learns B by sync, then preempts; A and B go on.
open_conn B
port_b=$(client_port 2 "$port_a")
[ -n "$port_b" ] || fail "connection B is not in d2's table"
config 1 200 10s eth1
start_tandem 1
# Its predecessor was killed as master: the stale master daemon must go.
wait_for 5 "d1's stale sync master replaced by a backup" sync_roles_are 1 backup
holds_none 1 || fail "d1 kept a VIP of its killed predecessor"
cables 1 up
stamp_ms up_at
wait_for 9 "d1 (backup) to learn connection B by sync" knows 1 "$port_b"
stamp_ms learnt_at
holds_none 1 || fail "d1 took over before preempt_delay ran out"
wait_for 15 "d1 to preempt" holds 1
stamp_ms preempt_at
wait_for 5 "d2 to give up the VIPs" holds_none 2
wait_for 10 "d1 sync master, d2 sync backup again" bash -c "$(declare -f sync_roles sync_roles_are ns_of); d1=$d1 d2=$d2; sync_roles_are 1 master && sync_roles_are 2 backup"
goes_on A 10 && goes_on B 10
echo "step 3: d1 back, B (client port $port_b) synced to it $((learnt_at - up_at)) ms after its cables were in, preempted; A and B went on (longest pauses $(longest_gap A "$preempt_at"), $(longest_gap B "$preempt_at") ms)"

# 4. Graceful handover: SIGTERM d1. D, opened through d1 just before, then
# idle: the kernel queues a connection's state for up to 3 s before it sends
# it, and drops what is queued when its sync master stops, so d2 learns D only
# because d1's tandem lets the sync master flush before it stops it. A and B
# pause first, so no older queued state carries D's out early.
touch "$work/conn-A.log.pause" "$work/conn-B.log.pause"
sleep 4
open_conn D
touch "$work/conn-D.log.pause"
port_d=$(client_port 1 "$port_a" "$port_b")
[ -n "$port_d" ] || fail "connection D is not in d1's table"
stamp_ms term_at
stop_tandem 1 TERM
stamp_ms stopped_at
echo "d1's tandem exited $((stopped_at - term_at)) ms after SIGTERM (the sync master's flush)"
rm -f "$work"/conn-?.log.pause
wait_for 5 "d2 to hold both VIPs" holds 2
holds_none 1 || fail "d1's tandem left a VIP behind on SIGTERM"
sync_roles_are 1 "" || fail "d1's tandem left sync daemon(s) '$(sync_roles 1)' behind on SIGTERM"
wait_for 10 "d2 sync master alone" sync_roles_are 2 master
goes_on A 10 && goes_on B 10 && goes_on D 10
echo "step 4: graceful handover to d2; d1 flushed and stopped its sync daemon; A, B and D (idle across the handover) went on"
touch "$work/conn-A.log.stop" "$work/conn-B.log.stop" "$work/conn-D.log.stop"
stop_tandem 2 TERM
sync_roles_are 2 "" || fail "d2's tandem left sync daemon(s) '$(sync_roles 2)' behind on SIGTERM"

# 5. Only d1's back link fails. The two instances are independent (tandem has
# no grouping of instances): the gateway moves to d2 at once, the front VIP
# stays on d1, whose requests now go nowhere. Tracking the service on the
# front instance, with a decrement larger than the priority gap, moves the
# front VIP too once d1's checks fail; E, synced to d2, goes on.
config 1 200 0s eth1 'track_services = ["echo"]
track_decrement = 150'
start_tandem 1 && start_tandem 2
wait_for 10 "d1 to hold both VIPs" holds 1
wait_for 20 "both directors to see both real servers up" bash -c "$(declare -f ready ns_of); d1=$d1 d2=$d2; ready 1 && ready 2"
open_conn E
port_e=$(client_port 1 "$port_a" "$port_b" "$port_d")
[ -n "$port_e" ] || fail "connection E is not in d1's table"
wait_for 10 "d2 (backup) to learn connection E by sync" knows 2 "$port_e"
stamp_ms cut_at
ip -n "$sw" link set d1b down
wait_for 10 "d2 to take both VIPs after d1's back link failed" holds 2
stamp_ms took_at
goes_on E 10
echo "step 5: d1's back link cut: d2 held both VIPs $((took_at - cut_at)) ms later (checks, then tracking); E went on, longest pause $(longest_gap E "$cut_at") ms"
touch "$work/conn-E.log.stop"
stop_tandem 1 TERM && stop_tandem 2 TERM

# 6. The negative: without sync_interface the same failover breaks C.
director_down 1 && director_down 2
director_up 1 && director_up 2
config 1 200 0s "" && config 2 100 0s ""
start_tandem 1 && start_tandem 2
wait_for 20 "d1 to hold both VIPs" holds 1
wait_for 20 "both directors to see both real servers up" bash -c "$(declare -f ready ns_of); d1=$d1 d2=$d2; ready 1 && ready 2"
sync_roles_are 1 "" && sync_roles_are 2 "" || fail "sync daemons run without sync_interface"
open_conn C
wait_for 5 "connection C to settle" exchanged_at_least C 20
die 1
wait_for 5 "d2 to take both VIPs" holds 2
stamp_ms took_at
limit=$((took_at + 10000))
while alive C; do
  stamp_ms now
  [ "$now" -lt "$limit" ] || fail "without connection sync, C still carries data 10 s after the failover: the drill cannot tell sync from luck"
  sleep 0.1
done
echo "step 6: without sync, C broke at the failover: $(cat "$work/conn-C.log.end")"
echo "director sync: passed"
