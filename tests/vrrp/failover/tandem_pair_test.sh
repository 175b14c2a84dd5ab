#!/usr/bin/env bash
# Two tandem directors, VRRP only, on a bridge LAN in network namespaces (issue
# 6, item 5). Advert interval 200 ms; d1 priority 150, d2 priority 100, so d2's
# master-down interval is 3 x 200 + (256 - 100) x 200 / 256 = 721 ms and its
# skew 121 ms. Every case is judged by `ip addr` in the namespaces and by the
# client: a TCP connect to the VIP (the holder answers with its name) and the
# client's ARP entry.
tandem=$1
source "$(dirname "${BASH_SOURCE[0]}")/lab.sh"
master_down=721 skew=121 margin=100

lab_up
start_tandem 1 "$(tandem_config 1 150)"
start_tandem 2 "$(tandem_config 2 100)"
wait_for_ms 5000 "d1 to become master" only_holder 1
sleep 0.5
only_holder 1 || fail "VIP holders after start: '$(vip_holders)', expected d1 only"
client_reaches 1 || fail "the client does not reach d1 through the VIP"
client_mac_is 1 || fail "the client's ARP entry for the VIP is not d1's MAC"
"$tandem" status -s "$work/d2.sock" | grep -q "backup" || fail "d2's status does not say backup"

echo "case: SIGTERM of the master (priority 0: d2 takes over after its skew, no client gap)"
watch_client 8
sleep 0.3
stamp_ms t0
kill -TERM "${daemon_pid[1]}"
wait_for_ms $((skew + margin)) "d2 to own the VIP after d1's SIGTERM" has_vip 2
stamp_ms t1
stop 1 TERM
lacks_vip 1 || fail "d1 kept the VIP after it exited"
sleep 0.3
read -r gap names < <(longest_gap_since "$t0")
echo "  d2 owned the VIP $((t1 - t0)) ms after SIGTERM; longest client gap ${gap} ms; answered by: $names"
[ "$gap" -le 100 ] || fail "the client saw a gap of $gap ms on a graceful stop (bound 100 ms)"
[ "$names" = "d1 d2" ] || fail "client answers during the handover came from '$names', expected 'd1 d2'"
client_mac_is 2 || fail "the client's ARP entry did not move to d2"

echo "case: the old master returns with preempt_delay 1s (takes over after the delay)"
start_tandem 1 "$(tandem_config 1 150 'preempt_delay = "1s"')"
stamp_ms t0
sleep 0.9
only_holder 2 || fail "d1 took over before its preempt_delay (holders: '$(vip_holders)')"
wait_for_ms 1500 "d1 to preempt after its delay" only_holder 1
stamp_ms t1
echo "  d1 took the VIP back $((t1 - t0)) ms after its start"
wait_for_ms 1000 "the client to reach d1 again" client_reaches 1

echo "case: SIGKILL of the master (d2 owns the VIP within the master-down interval)"
stamp_ms t0
stop 1 KILL
wait_for_ms $((master_down + margin)) "d2 to own the VIP after d1's SIGKILL" has_vip 2
stamp_ms t1
echo "  d2 owned the VIP $((t1 - t0)) ms after SIGKILL (bound $((master_down + margin)) ms)"
has_vip 1 || fail "test premise: a SIGKILLed tandem cannot remove its VIP"

echo "case: the old master returns without preempt (stays backup; removes the VIP it left behind)"
start_tandem 1 "$(tandem_config 1 150 'preempt = false')"
wait_for_ms 2000 "d1 to remove the VIP its killed predecessor left" lacks_vip 1
sleep 2
only_holder 2 || fail "with preempt = false d1 took over (holders: '$(vip_holders)')"
stop 1 TERM
start_tandem 1 "$(tandem_config 1 150)"
wait_for_ms 3000 "d1 (preempt) to take over" only_holder 1

echo "case: link between the directors cut and healed (split brain, then one master)"
ip netns exec "$sw" bridge link set dev d1 isolated on
ip netns exec "$sw" bridge link set dev d2 isolated on
wait_for_ms $((master_down + margin)) "d2 to become master while split" has_vip 2
has_vip 1 || fail "d1 lost the VIP while split"
# The client is on both sides: d2's gratuitous ARPs win its cache.
wait_for_ms 2000 "the client's ARP entry for the VIP to follow d2 while split" client_mac_is 2
stamp_ms t0
ip netns exec "$sw" bridge link set dev d1 isolated off
ip netns exec "$sw" bridge link set dev d2 isolated off
wait_for_ms $((200 + margin)) "exactly one master after the link healed" only_holder 1
stamp_ms t1
echo "  one master (d1) $((t1 - t0)) ms after the link healed"
# Whichever side's advert crossed first, d1 re-announces the VIP: it heard
# d2's lower advert, or the priority 0 d2 sends as it yields (docs/vrrp.md).
wait_for_ms $((200 + margin)) "the client's ARP entry for the VIP back on d1 after the heal" client_mac_is 1
stamp_ms t2
echo "  the client's ARP entry on d1 $((t2 - t0)) ms after the link healed"
wait_for_ms 1000 "the client to reach d1 after the heal" client_reaches 1

echo "case: interface down on the master (fault; d2 takes over), then up (d1 back)"
stamp_ms t0
ip -n "$d1" link set eth0 down
wait_for_ms $((master_down + margin)) "d2 to own the VIP after d1's link went down" has_vip 2
stamp_ms t1
echo "  d2 owned the VIP $((t1 - t0)) ms after d1's link went down"
wait_for_ms 1000 "d1 to report fault" bash -c "'$tandem' status -s '$work/d1.sock' | grep -q fault"
lacks_vip 1 || fail "d1 kept the VIP in fault"
ip -n "$d1" link set eth0 up
wait_for_ms 3000 "d1 to take the VIP back after its link came up" only_holder 1
wait_for_ms 1000 "the client to reach d1 after the link came up" client_reaches 1

stop 1 TERM
stop 2 TERM
echo "tandem pair: passed"
