#!/usr/bin/env python3
"""Unit tests of drill/analyze.py: the invariants and the outage arithmetic,
on hand-made client logs and observer timelines (no lab: analyze is pure)."""
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "drill"))
import analyze  # noqa: E402

FAULT = 100_000


class Ctx:
    def __init__(self, windows, affected=None, final_master="d1", unplugged=None, heal=None):
        self.marks = {"fault": FAULT}
        self.labels = {}
        if heal:
            self.marks["heal"] = heal
        self.windows = windows
        self.affected = affected
        self.expect_quiesce = affected is not None
        self.final_master = final_master
        self.split = None
        self.unplugged = unplugged or {}


class Lab:
    def __init__(self, accepts):
        self.dir = tempfile.mkdtemp()
        with open(self.accept_log("r1"), "w") as f:
            f.writelines("%d 10.98.0.10\n" % t for t in accepts)

    def addr(self, role):
        return "10.98.0.10"

    def accept_log(self, role):
        return os.path.join(self.dir, role + ".accepts")


def requests(fails=()):
    """A request every 100 ms from FAULT-1000 to FAULT+5000, answered by r2,
    except those starting at the times in FAILS."""
    return [(t, t + 10, t not in fails, "r2" if t not in fails else "timeout") for t in range(FAULT - 1000, FAULT + 5000, 100)]


def samples(holders=("d1",), masters=("d1",), until=FAULT + 5000):
    return [(t, {d: ("master" if d in masters else "backup", d in holders) for d in ("d1", "d2")})
            for t in range(FAULT - 1000, until, 100)]


def verdict(res, name):
    return [i for i in res["invariants"] if i["name"] == name][0]


class AnalyzeTest(unittest.TestCase):
    def test_outage_is_first_failure_to_next_success(self):
        r = requests(fails=(FAULT, FAULT + 100, FAULT + 200))
        self.assertEqual(analyze.outages(r), [(FAULT, FAULT + 300)])
        res = analyze.analyze(Ctx([(FAULT, FAULT + 1000)]), Lab([]), r, [], samples(), [])
        self.assertEqual((res["outage_ms"], res["failed"]), (300, 3))
        self.assertTrue(res["ok"], res["invariants"])

    def test_failure_outside_the_window_breaks(self):
        r = requests(fails=(FAULT + 2000,))
        res = analyze.analyze(Ctx([(FAULT, FAULT + 1000)]), Lab([]), r, [], samples(), [])
        self.assertFalse(verdict(res, "no failed request outside the expected window")["ok"])
        self.assertIn("first at +2000 ms", verdict(res, "no failed request outside the expected window")["detail"])
        self.assertFalse(res["ok"])

    def test_two_masters_after_convergence_break_unless_unplugged(self):
        both = samples(holders=("d1", "d2"), masters=("d1", "d2"))
        res = analyze.analyze(Ctx([(FAULT, FAULT + 1000)]), Lab([]), requests(), [], both, [])
        self.assertFalse(verdict(res, "at most one master after convergence")["ok"])
        ctx = Ctx([(FAULT, FAULT + 1000)], final_master="d2", unplugged={"d1": FAULT})
        res = analyze.analyze(ctx, Lab([]), requests(), [], both, [])
        self.assertTrue(verdict(res, "at most one master after convergence")["ok"], res["invariants"])

    def test_quiesced_server_must_get_no_new_connection(self):
        events = [(FAULT - 1000, d, "weight:r1", 1) for d in ("d1", "d2")] + \
                 [(FAULT + 500, d, "weight:r1", 0) for d in ("d1", "d2")]
        ctx = Ctx([(FAULT, FAULT + 3000)], affected="r1", heal=FAULT + 4000)
        clean = analyze.analyze(ctx, Lab([FAULT - 500, FAULT + 100]), requests(), events, samples(), [])
        self.assertTrue(verdict(clean, "a quiesced server gets no new connections")["ok"], clean["invariants"])
        self.assertEqual(clean["quiesced_after_ms"], 500)
        late = analyze.analyze(ctx, Lab([FAULT + 1000]), requests(), events, samples(), [])
        self.assertFalse(verdict(late, "a quiesced server gets no new connections")["ok"])

    def test_never_quiesced_is_reported_as_such(self):
        events = [(FAULT - 1000, d, "weight:r1", 1) for d in ("d1", "d2")]
        ctx = Ctx([(FAULT, FAULT + 3000)], affected="r1", heal=FAULT + 4000)
        res = analyze.analyze(ctx, Lab([FAULT + 1000, FAULT + 2000]), requests(), events, samples(), [])
        v = verdict(res, "a quiesced server gets no new connections")
        self.assertFalse(v["ok"])
        self.assertIn("r1 was never quiesced", v["detail"])
        self.assertIn("2 new client connections", v["detail"])

    def test_something_left_behind_breaks(self):
        res = analyze.analyze(Ctx([]), Lab([]), requests(), [], samples(), ["namespace dr1-c"])
        self.assertFalse(verdict(res, "nothing left behind")["ok"])


if __name__ == "__main__":
    unittest.main()
