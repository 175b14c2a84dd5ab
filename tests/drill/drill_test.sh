#!/usr/bin/env bash
# drill_test.sh pass|fail DRILL TANDEM OUT [DRILL ARGS...]: runs tandem-drill
# into OUT and checks its verdict: "pass" wants exit 0, a report whose every
# scenario held every invariant, and one chart per scenario; "fail" wants
# exit 1 (an invariant broke). The report stays in OUT for a look afterwards.
set -uo pipefail
want=$1 drill=$2 tandem=$3 out=$4
shift 4
rm -rf "$out"
"$drill" --tandem "$tandem" --out "$out" "$@"
status=$?
case $want in
  pass) [ "$status" = 0 ] || { echo "FAIL: tandem-drill exited $status, expected 0"; exit 1; } ;;
  fail) [ "$status" = 1 ] || { echo "FAIL: tandem-drill exited $status, expected 1 (an invariant broken)"; exit 1; } ;;
esac
python3 - "$out" "$want" <<'PY' || exit 1
import json, os, sys
out, want = sys.argv[1], sys.argv[2]
doc = json.load(open(os.path.join(out, "report.json")))
assert doc["scenarios"], "the report lists no scenario"
for name, res in doc["scenarios"].items():
    assert "invariants" in res, "%s: no invariants in the report (lab error? %s)" % (name, res.get("error"))
    assert os.path.getsize(os.path.join(out, name + ".svg")) > 1000, "%s: no chart" % name
    assert res["requests"] >= 50, "%s: only %d client requests" % (name, res["requests"])
    if want == "pass":
        assert res["ok"], "%s: broken: %s" % (name, [i for i in res["invariants"] if not i["ok"]])
    left = [i for i in res["invariants"] if i["name"] == "nothing left behind"]
    assert left and left[0]["ok"], "%s: teardown left something: %s" % (name, left)
print("report checked: %d scenario(s)" % len(doc["scenarios"]))
PY
