#!/usr/bin/env bash
# A director pair with services and VRRP, against a real IPVS (issue 5, item 3;
# issue 6, item 4 "Tracking"):
#
#   1. Reload without a blip: d1 is master of a config of 1,000 services with
#      100 ms adverts. It is reloaded several times (real servers added and
#      removed, a service added and removed) while an independent observer in
#      the client namespace timestamps every advert d1 sends. d2, the backup,
#      must never take over, and the longest advert gap is printed.
#   2. Tracking: d1 tracks service "web". Its real server dies, the service
#      falls below quorum, d1's priority drops below d2's and d2 takes the VIP;
#      the server comes back and d1 takes the VIP back (preempt).
#   3. SIGTERM on d1 with cleanup_on_shutdown: it hands the VIP to d2 first
#      and only then deletes its services.
#
#   switch ns sw: bridge br0, one port per namespace below
#   d1 10.97.0.1   d2 10.97.0.2   c 10.97.0.10   r1 10.97.0.21 + .22   VIP 10.97.0.100/24
#
# r1 serves HTTP on .21:80 ("web", killed in part 2) and on .22:81, the health
# port of the 999 other services' real servers (.22:10001...). Their checks are
# all different probes (different real servers): 200 connects a second, which
# with the two directors is what the guest's one slow CPU carries comfortably.
set -uo pipefail
tandem=$1
here=$(dirname "${BASH_SOURCE[0]}")
source "$here/../lib.sh"
wait_poll=0.1  # polling costs the one CPU the directors share in UML
work=$(mktemp -d /tmp/tandem-vrrp-kernel.XXXXXX)
chmod 755 "$work"
vip=10.97.0.100
fillers=999
declare -A daemon_pid=()
pids=()

on_fail() {
  for n in 1 2; do
    [ -s "$work/d$n.log" ] && { echo "--- d$n's log (last 25 lines):"; tail -25 "$work/d$n.log"; }
  done
}
cleanup() {
  [ -n "${TANDEM_KEEP_LOGS:-}" ] && cp "$work"/d?.log "$TANDEM_KEEP_LOGS"/ 2>/dev/null
  for p in "${daemon_pid[@]}" "${pids[@]}"; do kill -9 "$p" 2>/dev/null; done
  wait 2>/dev/null
  for ns in c r1 d1 d2 sw; do ip netns del "$ns" 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT

has_vip() { ip -n "d$1" -4 addr show dev eth0 | grep -q " $vip/"; }
vip_only_on() { has_vip "$1" && ! has_vip "$((3 - $1))"; }

lab_up() {
  ip link set lo up
  ip netns add sw && ip -n sw link set lo up
  ip -n sw link add br0 type bridge && ip -n sw link set br0 up
  local name addr
  for name in d1 d2 c r1; do
    case $name in d1) addr=10.97.0.1 ;; d2) addr=10.97.0.2 ;; c) addr=10.97.0.10 ;; r1) addr=10.97.0.21 ;; esac
    ip netns add "$name"
    ip -n "$name" link add eth0 type veth peer name "p-$name" netns sw
    ip -n sw link set "p-$name" master br0 && ip -n sw link set "p-$name" up
    ip -n "$name" addr add "$addr/24" dev eth0
    ip -n "$name" link set eth0 up && ip -n "$name" link set lo up
  done
  ip -n r1 addr add 10.97.0.22/24 dev eth0
  mkdir -p "$work/www"
  echo r1 > "$work/www/index.html"
  serve_web
  # The shared health port: accepts with a deep backlog and hangs up, so 500
  # connects a second never queue behind one slow Python accept loop.
  ip netns exec r1 python3 -c '
import socket
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("10.97.0.22", 81))
s.listen(4096)
while True:
    s.accept()[0].close()' >/dev/null 2>&1 &
  pids+=($!)
}
serve_web() {
  ip netns exec r1 python3 -m http.server 80 --bind 10.97.0.21 --directory "$work/www" >/dev/null 2>&1 &
  web_pid=$!
  pids+=($web_pid)
}

director_section() {  # director_section N
  mkdir -p "$work/d$1"
  cat <<EOT
[director]
control_socket = "$work/d$1/control.sock"
state_dir = "$work/d$1"
reconcile_interval = "5s"

EOT
}
vrrp_section() {  # vrrp_section PRIORITY [TRACKED_SERVICE]
  cat <<EOT
[[vrrp]]
name = "front"
interface = "eth0"
vrid = 61
priority = $1
advert_interval = "100ms"
garp_count = 1
virtual_ips = ["$vip/24"]
EOT
  [ -n "${2:-}" ] && printf 'track_services = ["%s"]\ntrack_decrement = 100\n' "$2"
  echo
}
# The services of d1; variant b adds a real server to service f1, drops
# service f2 and adds service f$((fillers + 1)), so a reload between a and b
# changes each kind of thing. printf only: in UML every fork costs tens of ms.
services() {  # services VARIANT
  cat <<EOT
[[service]]
name = "web"
address = "$vip:80"
scheduler = "rr"
quorum = 1
check = { type = "tcp", interval = "200ms", timeout = "150ms", rise = 2, fall = 2 }
[[service.real]]
address = "10.97.0.21:80"

EOT
  local i last=$fillers
  [ "$1" = b ] && last=$((fillers + 1))
  for ((i = 1; i <= last; i++)); do
    [ "$1" = b ] && [ "$i" = 2 ] && continue
    printf '[[service]]\nname = "f%d"\naddress = "%s:%d"\nscheduler = "wrr"\n' "$i" "$vip" $((10000 + i))
    printf 'check = { type = "tcp", connect_port = 81, interval = "5s", timeout = "1s" }\n'
    printf '[[service.real]]\naddress = "10.97.0.22:%d"\n' $((10000 + i))
    [ "$1" = b ] && [ "$i" = 1 ] && printf '[[service.real]]\naddress = "10.97.0.22:20001"\n'
    printf '\n'
  done
}
write_configs() {
  { director_section 1; vrrp_section 150 web; services a; } > "$work/d1-a.toml"
  { director_section 1; vrrp_section 150 web; services b; } > "$work/d1-b.toml"
  { director_section 2; vrrp_section 100; } > "$work/d2.toml"
  for f in d1-a d1-b d2; do
    "$tandem" check -c "$work/$f.toml" >/dev/null || fail "$f.toml is not valid"
  done
}
start_tandem() {  # start_tandem N CONFIG
  ip netns exec "d$1" "$tandem" run -c "$2" ${TANDEM_LOG_LEVEL:+--log-level $TANDEM_LOG_LEVEL} >> "$work/d$1.log" 2>&1 &
  daemon_pid[$1]=$!
  wait_for 60 "d$1's control socket" test -S "$work/d$1/control.sock"
}
services_in_d1() { ip netns exec d1 ipvsadm -Ln | grep -c '^TCP'; }
services_in_d1_are() { [ "$(services_in_d1)" = "$1" ]; }
variant_in_d1() {  # variant_in_d1 a|b: the services and real servers that tell the variants apart
  local table
  table=$(ip netns exec d1 ipvsadm -Ln)
  case $1 in
    a) [[ $table == *"$vip:10002 "* && $table != *"$vip:11000 "* && $table != *"10.97.0.22:20001 "* ]] ;;
    b) [[ $table != *"$vip:10002 "* && $table == *"$vip:11000 "* && $table == *"10.97.0.22:20001 "* ]] ;;
  esac
}
became_master() { grep -c "vrrp front: .* -> master" "$work/d$1.log"; }

lab_up
write_configs
cp "$work/d1-a.toml" "$work/d1.toml"
start_tandem 2 "$work/d2.toml"
start_tandem 1 "$work/d1.toml"
wait_for 60 "d1 to program $((fillers + 1)) services" services_in_d1_are $((fillers + 1))
wait_for 20 "the VIP on d1 only" vip_only_on 1
wait_for 20 "web up on d1" bash -c "ip netns exec d1 ipvsadm -Ln | grep -q '10.97.0.21:80 *Masq *1 '"
sleep 1
echo "pair ready: d1 master of $((fillers + 1)) services, d2 backup"

# --- 1. reloads while the observer in c timestamps d1's adverts ------------------
d2_masters_before=$(became_master 2)
ip netns exec c python3 "$here/advert_gaps.py" eth0 10.97.0.1 "$work/observer.ready" "$work/gaps" 120 &
observer=$!
pids+=($observer)
wait_for 30 "the advert observer" test -e "$work/observer.ready"
sleep 1   # a second of steady adverts as the baseline
for variant in b a b a; do
  cp "$work/d1-$variant.toml" "$work/d1.toml"
  stamp_ms start
  ip netns exec d1 "$tandem" reload -s "$work/d1/control.sock" > "$work/reload.out" 2>&1 ||
    { cat "$work/reload.out"; fail "reload to variant $variant failed"; }
  stamp_ms end
  echo "reload to variant $variant: $((end - start)) ms for the reload command"
  wait_for 30 "variant $variant in IPVS" variant_in_d1 "$variant"
  sleep 0.5
done
kill -TERM "$observer"
wait_for 10 "the observer's report" test -s "$work/gaps"
read -r adverts longest mean < "$work/gaps"
echo "adverts from d1 during 4 reloads of $((fillers + 1)) services: $adverts, longest gap ${longest} ms, mean ${mean} ms"
[ "$adverts" -ge 20 ] || fail "the observer saw only $adverts adverts"
[ "$(became_master 2)" = "$d2_masters_before" ] || fail "d2 took over during a reload"
vip_only_on 1 || fail "the VIP left d1 during the reloads"
# The RFC's master-down interval for d2 (priority 100, 100 ms): 3 x 100 + skew 60.
awk -v g="$longest" 'BEGIN { exit !(g < 360) }' || fail "an advert gap of $longest ms reached d2's master-down interval"

# --- 2. tracking: web below quorum moves the VIP to d2 and back -----------------
kill "$web_pid"
wait_for 10 "d1's priority to drop" grep -q "vrrp front: 1 tracked service(s) below quorum: priority 150 -> 50" "$work/d1.log"
wait_for 5 "the VIP on d2 only" vip_only_on 2
"$tandem" status --json -s "$work/d1/control.sock" | python3 -c '
import json, sys
s = json.load(sys.stdin)
v = [i for i in s["vrrp"] if i["name"] == "front"][0]
assert v["state"] == "backup" and v["effective_priority"] == 50, v' || fail "d1's status during the quorum loss"
serve_web
wait_for 10 "the VIP back on d1 only" vip_only_on 1

# --- 3. SIGTERM with cleanup_on_shutdown: the VIP is handed over first --------
# Deleting the services while still holding the VIP would drop the traffic
# that the VIP still brings in, so the services go only after the handover.
sed 's/^reconcile_interval = "5s"$/&\ncleanup_on_shutdown = true/' "$work/d1-a.toml" > "$work/d1.toml"
ip netns exec d1 "$tandem" reload -s "$work/d1/control.sock" > /dev/null || fail "reload with cleanup_on_shutdown"
kill -TERM "${daemon_pid[1]}"
wait_for 10 "the VIP on d2 only after d1's SIGTERM" vip_only_on 2
# Bounded: a daemon that does not exit must fail the test with its log, not
# hang it until the harness's timeout.
wait_for 20 "d1 to exit after SIGTERM" eval '! kill -0 "${daemon_pid[1]}" 2>/dev/null'
wait "${daemon_pid[1]}" || fail "d1 exited $? on SIGTERM"
unset 'daemon_pid[1]'
[ "$(services_in_d1)" = 0 ] || fail "cleanup_on_shutdown left $(services_in_d1) services in d1's IPVS"
stopped_at=$(grep -n 'vrrp front: stopped' "$work/d1.log" | tail -1 | cut -d: -f1)
removed_at=$(grep -n "removed $((fillers + 1)) owned IPVS service(s)" "$work/d1.log" | tail -1 | cut -d: -f1)
[ -n "$stopped_at" ] && [ -n "$removed_at" ] || fail "d1's log lacks the handover or the clean-up"
[ "$stopped_at" -lt "$removed_at" ] || fail "d1 removed its services before it handed the VIP over"
echo "director vrrp: passed (no failover across 4 reloads, longest advert gap ${longest} ms; tracking moved the VIP and back; clean-up after the handover)"
