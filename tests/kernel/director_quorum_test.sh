#!/usr/bin/env bash
# Quorum end to end (issue 5, item 1), against a real IPVS: a service with two
# real servers and quorum 2. Losing one puts the sorry server into IPVS and runs
# on_quorum_lost; its return takes the sorry server out and runs
# on_quorum_restored. A fresh start, while the checks still settle, runs neither.
set -uo pipefail
tandem=$1
source "$(dirname "${BASH_SOURCE[0]}")/lab.sh"
lab_up
mkdir -p "$work/state" "$work/hooks" && chmod 711 "$work" && chmod 1777 "$work/hooks"   # the hooks run as nobody
cat > "$work/tandem.toml" <<EOT
[director]
control_socket = "$work/control.sock"
state_dir = "$work/state"
check_user = "nobody"

[[service]]
name = "web"
address = "10.99.0.100:80"
scheduler = "rr"
quorum = 2
sorry_server = "10.99.14.2:80"
sorry_weight = 3
# mkdir, not touch: in UML the files of /tmp live on the host (hostfs), owned by
# the host's user, and touch's setting of the times is refused to nobody.
on_quorum_lost = ["/usr/bin/mkdir", "$work/hooks/lost"]
on_quorum_restored = ["/usr/bin/mkdir", "$work/hooks/restored"]

[service.check]
type = "tcp"
interval = "300ms"
timeout = "200ms"
rise = 2
fall = 2

[[service.real]]
address = "10.99.11.2:80"
weight = 10

[[service.real]]
address = "10.99.12.2:80"
weight = 10
EOT
start_tandem
wait_for 20 "both reals at weight 10" bash -c "$(declare -f weight_of weight_is); weight_is 1 10 && weight_is 2 10"
sleep 1
weight_is 4 absent || fail "the sorry server is in while quorum holds"
[ -e "$work/hooks/lost" ] && fail "on_quorum_lost ran at start-up"

kill "$server_1"
wait_for 10 "r1 quiesced" weight_is 1 0
wait_for 5 "the sorry server in at weight 3" weight_is 4 3
wait_for 5 "on_quorum_lost" test -d "$work/hooks/lost"
wait_for 5 "on_quorum_lost to exit 0" grep -q "hook web on_quorum_lost: exec exited 0" "$work/tandem.log"
"$tandem" status -s "$work/control.sock" | grep -q "QUORUM LOST, sorry server active" || fail "status: quorum"

serve 1
wait_for 10 "r1 back" weight_is 1 10
wait_for 5 "the sorry server out" weight_is 4 absent
wait_for 5 "on_quorum_restored" test -d "$work/hooks/restored"
wait_for 5 "on_quorum_restored to exit 0" grep -q "hook web on_quorum_restored: exec exited 0" "$work/tandem.log"
echo "director quorum: passed (sorry server in and out, both hooks ran as nobody)"
