#!/usr/bin/env bash
# End-to-end test of `tandem run` against a real IPVS (issue 5, item 8).
# Runs inside kernel-run.sh: a fresh network namespace on a host with IPVS,
# otherwise user-mode-linux. Topology, all made here and removed on exit:
#
#   client ns c (10.99.0.2) --veth-- director (this ns, 10.99.0.1; VIP 10.99.0.100 on lo)
#   director 10.99.1N.1 --veth-- real ns rN (10.99.1N.2), N = 1..4, each a real HTTP
#   server that answers with its own name.
#
# Steps: start tandem; all three reals up at weight 100; a client sends requests
# through the VIP continuously; kill r2's server: weight 0 in `ipvsadm -Ln` within
# fall x interval + timeout + 100 ms, and no failed request after that;
# restart it: weight back, ramped over slow_start; reload adding r4 and removing r3 during traffic: no
# failed request; reload a broken config: nothing changes, status says why, the
# reload command fails; restart the daemon: zero IPVS writes, same `ipvsadm -Ln`.
set -uo pipefail
tandem=$1
lab=$2   # examples/lab.toml: the first config is the shipped example, paths moved
source "$(dirname "${BASH_SOURCE[0]}")/lab.sh"
lab_up

config() {  # config REALS...: the director's config with these real servers
  cat <<EOT
[director]
name = "lab"
control_socket = "$work/control.sock"
state_dir = "$work/state"
metrics_listen = "127.0.0.1:9469"
reconcile_interval = "2s"

[[service]]
name = "web"
address = "10.99.0.100:80"
scheduler = "rr"
drain_timeout = "5s"
slow_start = "2s"

[service.check]
type = "http"
path = "/index.html"
interval = "500ms"
timeout = "400ms"
rise = 2
fall = 2
EOT
  for n in "$@"; do printf '\n[[service.real]]\naddress = "10.99.1%s.2:80"\nweight = 100\n' "$n"; done
}
mkdir -p "$work/state"
sed -e "s|^control_socket = .*|control_socket = \"$work/control.sock\"|" \
    -e "s|^state_dir = .*|state_dir = \"$work/state\"|" "$lab" > "$work/tandem.toml"
# The reload configs below are generated; they must start from the same service.
# (Temporary files, not <(...): UML's /dev has no /dev/fd.)
normal() { grep -v -e '^#' -e '^$' "$@"; }
config 1 2 3 | normal > "$work/generated.norm"; normal "$work/tandem.toml" > "$work/lab.norm"
diff "$work/generated.norm" "$work/lab.norm" \
  || fail "examples/lab.toml and this test's config() have drifted apart"
"$tandem" check -c "$work/tandem.toml" >/dev/null || fail "config invalid"

start_tandem
wait_for 20 "three reals at weight 100" bash -c "$(declare -f weight_of weight_is); weight_is 1 100 && weight_is 2 100 && weight_is 3 100"
"$tandem" status -s "$work/control.sock" | grep -q "10.99.12.2:80" || fail "status lacks r2"

# --- client load: one request at a time through the VIP, bounded ------------
# One python process (an exec per request is slow in UML): a new connection
# per request, 1 s timeout, at most 20000 requests or 120 s.
ip netns exec c python3 -c '
import http.client, os, sys, time
stop, end = sys.argv[1], time.time() + 120
for i in range(20000):
    if time.time() > end or os.path.exists(stop):
        break
    t = int(time.time() * 1000)
    try:
        c = http.client.HTTPConnection("10.99.0.100", 80, timeout=1)
        c.request("GET", "/index.html")
        r = c.getresponse()
        body = r.read().decode().strip()
        c.close()
        print(t, "ok" if r.status == 200 else "FAIL", body if r.status == 200 else r.status, flush=True)
    except Exception as e:
        print(t, "FAIL", type(e).__name__, flush=True)
    time.sleep(0.01)
' "$work/stop" > "$work/client.log" 2>&1 &
client_pid=$!
pids+=($client_pid)
sleep 2

# --- a real server dies ---------------------------------------------------
stamp_ms killed_at
kill "$server_2"
wait_fast 10 "r2 quiesced" proc_weight_is 2 0
stamp_ms quiesced_at
weight_is 2 0 || fail "ipvsadm disagrees with /proc/net/ip_vs about r2"
took=$((quiesced_at - killed_at))
# fall x interval + timeout = 1400 ms, plus the issue's 100 ms of slack. A
# refused connect fails at once, so detection takes at most fall intervals
# (570-790 ms measured in UML, 2026-12-06). The wait polls /proc without
# forking: with `ipvsadm | awk` and `date` per poll the measurement itself cost
# ~400 ms under a loaded CI.
echo "r2 quiesced ${took} ms after its server was killed (bound 1500 ms)"
[ "$took" -le 1500 ] || fail "r2 quiesced after ${took} ms"
sleep 2
awk -v t="$quiesced_at" '$1 > t && $2 == "FAIL"' "$work/client.log" | head -3 | grep -q . \
  && fail "a client request failed after r2 was quiesced"
"$tandem" status -s "$work/control.sock" | grep "10.99.12.2:80" | grep -q "down" || fail "status: r2 not down"
"$tandem" status --json -s "$work/control.sock" | grep -q '"reason": "connect refused"' || fail "status --json: no reason"
curl -s -m 5 127.0.0.1:9469/metrics > "$work/metrics.txt"
grep -q 'tandem_real_up{service="web",real="10.99.12.2:80"} 0' "$work/metrics.txt" || { grep tandem_real_up "$work/metrics.txt"; fail "metrics: r2 not down"; }

# --- it comes back, its weight ramped over slow_start (2 s in 20 steps) -------
serve 2
seen=() last=0
stamp_ms limit
limit=$((limit + 10000))
until [ "$last" = 100 ]; do
  proc_weight 2 w
  if [ "$w" != absent ] && [ "$w" != "$last" ]; then
    [ "$w" -gt "$last" ] || fail "r2's weight went down while ramping: ${seen[*]} $w"
    seen+=("$w")
    last=$w
  fi
  stamp_ms now
  [ "$now" -lt "$limit" ] || fail "r2 not back at weight 100 (weights seen: ${seen[*]})"
  sleep 0.02
done
echo "r2 came back through weights ${seen[*]}"
[ "${#seen[@]}" -ge 4 ] || fail "r2 jumped back to full weight instead of ramping: ${seen[*]}"
weight_is 2 100 || fail "ipvsadm disagrees with /proc/net/ip_vs about r2's weight"

# --- reload during traffic: add r4, remove r3 ---------------------------------
stamp_ms mark
config 1 2 4 > "$work/tandem.toml"
"$tandem" reload -s "$work/control.sock" >/dev/null || fail "reload refused"
wait_for 10 "r4 in at weight 100" weight_is 4 100
wait_for 15 "r3 removed" weight_is 3 absent
sleep 1
awk -v t="$mark" '$1 > t && $2 == "FAIL"' "$work/client.log" | head -3 | grep -q . \
  && fail "a client request failed during the reload"

# --- a broken config changes nothing ----------------------------------------
before=$(table)
echo 'this is = = not toml' >> "$work/tandem.toml"
"$tandem" reload -s "$work/control.sock" > "$work/reload.out" 2>&1 && fail "broken reload accepted"
grep -q "TOML syntax error" "$work/reload.out" || fail "broken reload: no error shown"
"$tandem" status -s "$work/control.sock" | grep -q "reload   FAILED" || fail "status does not show the failed reload"
[ "$(table)" = "$before" ] || fail "IPVS changed after a broken reload"
config 1 2 4 > "$work/tandem.toml"

# --- a manual drain, and a request that is not one ----------------------------
"$tandem" drain -s "$work/control.sock" web 10.99.11.2:80 >/dev/null || fail "drain refused"
wait_for 5 "r1 drained" weight_is 1 0
"$tandem" drain -s "$work/control.sock" web 10.99.99.2:80 2>/dev/null && fail "drain of an unknown real accepted"
reply=$(python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(sys.argv[1])
s.sendall(b"\xff\x00 not json\n"); print(s.recv(4096).decode(errors="replace"))' "$work/control.sock")
grep -q '"ok":false' <<<"$reply" || fail "garbage on the control socket: $reply"

# --- restart: zero IPVS changes, the drain survives ---------------------------
touch "$work/stop"; wait "$client_pid"
before=$(table)
kill -TERM "$tandem_pid"; wait "$tandem_pid"; tandem_pid=
[ "$(table)" = "$before" ] || fail "SIGTERM changed the IPVS table"
rm -f "$work/control.sock"
start_tandem
sleep 3   # several check intervals and a periodic reconcile
writes=$("$tandem" status --json -s "$work/control.sock" | python3 -c 'import json,sys; print(json.load(sys.stdin)["ipvs"]["total_writes"])')
[ "$writes" = 0 ] || fail "restart sent $writes IPVS writes (want 0)"
[ "$(table)" = "$before" ] || fail "IPVS changed across the restart"
weight_is 1 0 || fail "the drain did not survive the restart"
"$tandem" status -s "$work/control.sock" | grep "10.99.11.2:80" | grep -q "yes" || fail "status: r1 not shown drained"
"$tandem" undrain -s "$work/control.sock" web 10.99.11.2:80 >/dev/null || fail "undrain refused"
wait_for 5 "r1 undrained" weight_is 1 100

total=$(wc -l < "$work/client.log"); failed=$(grep -c FAIL "$work/client.log")
# A request already in flight when r2 dies may fail too: the window opens one
# client timeout (1 s) before the kill.
outside=$(awk -v a="$((killed_at - 1000))" -v b="$quiesced_at" '$2 == "FAIL" && ($1 < a || $1 > b)' "$work/client.log" | wc -l)
if [ "$outside" -ne 0 ]; then
  echo "r2 killed at $killed_at, quiesced at $quiesced_at; failed requests:"
  grep -v " ok " "$work/client.log" | head -20
  fail "$outside client requests failed outside r2's detection window"
fi
[ "$total" -ge 200 ] || fail "only $total client requests: the load did not run"
for n in 1 2 3 4; do grep -q " ok r$n\$" "$work/client.log" || fail "r$n never answered the client"; done
echo "director e2e: passed ($total client requests; $failed failed, all in the $took ms between r2's death and its quiescing)"
