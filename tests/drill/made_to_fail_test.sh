#!/usr/bin/env bash
# made_to_fail_test.sh DRILL TANDEM OUT: real-hang with r1's checks switched
# off must fail with the two invariants a hanging, unchecked server breaks
# named in the report; with the checks on, the same drill must pass.
set -uo pipefail
drill=$1 tandem=$2 out=$3
here=$(dirname "${BASH_SOURCE[0]}")
"$here/drill_test.sh" fail "$drill" "$tandem" "$out/check-off" --scenarios real-hang --check-off r1 || exit 1
python3 - "$out/check-off/report.json" <<'PY' || exit 1
import json, sys
res = json.load(open(sys.argv[1]))["scenarios"]["real-hang"]
broken = {i["name"]: i["detail"] for i in res["invariants"] if not i["ok"]}
assert "a quiesced server gets no new connections" in broken, broken
assert "never quiesced" in broken["a quiesced server gets no new connections"], broken
assert "no failed request outside the expected window" in broken, broken
print("made to fail, reported:", "; ".join("%s (%s)" % kv for kv in broken.items()))
PY
"$here/drill_test.sh" pass "$drill" "$tandem" "$out/check-on" --scenarios real-hang || exit 1
echo "drill made to fail: passed"
