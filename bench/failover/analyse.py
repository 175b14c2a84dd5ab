#!/usr/bin/env python3
"""Turns one failover-benchmark run into per-trial figures and the summary tables.

  analyse.py RUN_DIR [--priority P]

RUN_DIR holds what run-failover-bench.sh recorded:
  trials.tsv  impl interval_ms failure trial t0_us end_us old new runq_us
              (t0: the failure was injected on director `old`; end: the next
              trial may start; `new` is the backup expected to take over;
              runq: how long new's VRRP process waited for a CPU from the
              injection until it held the VIP, schedstat(5))
  probe.log   the client's answers, udp_probe.py watch
  wire.log    adverts and gratuitous ARPs as they left the directors, wire_capture.py

Per trial, from the client's side (udp_probe: a numbered probe every ms):
  takeover  injection -> sending of the first probe the new master answered
  outage    the longest run of unanswered probes, as the time between the
            answered probes around it (sent at or before the injection,
            and before `end`); 0 when no probe went unanswered
  jitter    the longest time between two consecutive probes that were both
            answered: the prober's own scheduling delay, the resolution
            of the two figures above
From the wire (kernel timestamps, same clock):
  garp_late first gratuitous ARP of the new master minus the RFC's transition
            instant: the old master's last advert + the backup's
            Master_Down_Interval (SIGKILL, link down), or its priority-0 advert
            + Skew_Time (SIGTERM), RFC 5798 6.4.2. It adds up everything after
            the protocol's deadline: the backup's receive path for that last
            advert, its timer's lateness, adding the VIP, sending the ARP.
  adv_gap   the new master's first advert minus its first gratuitous ARP
  phase     injection minus the old master's last advert before it
  zero      SIGTERM: injection -> the old master's priority-0 advert
Writes RUN_DIR/trials.csv and prints the tables (markdown) on stdout.
"""
import argparse
import bisect
import math
import statistics
import sys
from collections import defaultdict

FAILURES = ["kill", "term", "link"]
FAILURE_TITLE = {"kill": "SIGKILL", "term": "SIGTERM", "link": "link down"}
IMPLS = ["tandem", "keepalived"]
SLACK_MS = 20


def director_ip(n):
    return f"10.98.0.{n}"


def skew_ms(interval_ms, priority):
    return (256 - priority) * interval_ms / 256


def master_down_ms(interval_ms, priority):
    return 3 * interval_ms + skew_ms(interval_ms, priority)


def read_probe(path):
    """(seqs, names, sent us), in the order the probes were sent."""
    answers = {}
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 4 and parts[2].isdigit() and parts[3].isdigit():
                answers.setdefault(int(parts[2]), (parts[1], int(parts[3])))
    seqs = sorted(answers)
    return seqs, [answers[s][0] for s in seqs], [answers[s][1] for s in seqs]


def read_wire(path):
    events = []    # (us, port, kind, source ip, priority or None)
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) < 4 or not parts[0].isdigit():
                continue
            us, port, kind, ip = int(parts[0]), parts[1], parts[2], parts[3]
            prio = int(parts[4]) if kind == "advert" and len(parts) > 4 else None
            events.append((us, port, kind, ip, prio))
    events.sort()
    return events


def first(seq, pred):
    return next((x for x in seq if pred(x)), None)


def measure(trial, answers, wire, priority):
    impl, interval_ms, failure, n, t0, end, old, new, runq_us = trial
    out = {"impl": impl, "interval_ms": interval_ms, "failure": failure, "trial": n, "runq_ms": runq_us / 1000}
    new_name, old_ip, new_ip = f"d{new}", director_ip(old), director_ip(new)

    seqs, names, sent = answers
    lo, hi = bisect.bisect_right(sent, t0), bisect.bisect_right(sent, end)
    taken = next((sent[i] for i in range(lo, hi) if names[i] == new_name), None)
    out["takeover_ms"] = (taken - t0) / 1000 if taken else None
    out["outage_ms"] = out["jitter_ms"] = None
    if lo > 0 and hi > lo:
        idx = range(lo - 1, hi)   # the last answered probe sent at or before t0, then the rest
        pairs = [(sent[j] - sent[i], seqs[j] - seqs[i]) for i, j in zip(idx, idx[1:])]
        out["outage_ms"] = max((gap for gap, d in pairs if d > 1), default=0) / 1000
        out["jitter_ms"] = max((gap for gap, d in pairs if d == 1), default=0) / 1000

    # Where in the advert cycle the failure struck: since the master's last advert.
    prior = [e[0] for e in wire if e[0] <= t0 and e[2] == "advert" and e[3] == old_ip and e[4]]
    out["phase_ms"] = (t0 - prior[-1]) / 1000 if prior else None

    garp = first(wire, lambda e: t0 < e[0] <= end and e[2] == "garp" and e[1] == new_name)
    adv = first(wire, lambda e: t0 < e[0] <= end and e[2] == "advert" and e[3] == new_ip and e[4])
    out["garp_late_ms"] = out["adv_gap_ms"] = out["zero_ms"] = None
    zero = first(wire, lambda e: t0 < e[0] <= end and e[2] == "advert" and e[3] == old_ip and e[4] == 0)
    if failure == "term" and zero:
        out["zero_ms"] = (zero[0] - t0) / 1000
    if garp:
        if failure == "term":
            nominal = zero[0] + skew_ms(interval_ms, priority) * 1000 if zero else None
        else:
            last = [e for e in wire if e[0] < garp[0] and e[2] == "advert" and e[3] == old_ip]
            nominal = last[-1][0] + master_down_ms(interval_ms, priority) * 1000 if last else None
        if nominal is not None:
            out["garp_late_ms"] = (garp[0] - nominal) / 1000
        if adv:
            out["adv_gap_ms"] = (adv[0] - garp[0]) / 1000
    return out


def pct(values, p):
    s = sorted(values)
    return s[max(0, math.ceil(p * len(s)) - 1)]


def fmt_ms(v):
    return "-" if v is None else (f"{v:.0f}" if abs(v) >= 100 else f"{v:.1f}")


def stats(values):
    v = [x for x in values if x is not None]
    if not v:
        return None
    return {"n": len(v), "min": min(v), "med": statistics.median(v), "p90": pct(v, 0.9), "max": max(v)}


def summary_table(rows, key, title, bound_of, priority):
    cells = defaultdict(list)
    for r in rows:
        cells[(r["impl"], r["interval_ms"], r["failure"])].append(r[key])
    intervals = sorted({r["interval_ms"] for r in rows}, reverse=True)
    lines = [f"### {title}", "",
             "| interval | failure | bound | tandem n | min | median | p90 | max | over bound "
             "| keepalived n | min | median | p90 | max | over bound | tandem/keepalived (medians) |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for interval in intervals:
        for failure in FAILURES:
            bound = bound_of(interval, failure)
            row = [f"{interval} ms", FAILURE_TITLE[failure], "-" if bound is None else f"{bound:.0f}"]
            medians = {}
            for impl in IMPLS:
                s = stats(cells.get((impl, interval, failure), []))
                if s is None:
                    row += ["0", "-", "-", "-", "-", "-"]
                    continue
                over = sum(1 for x in cells[(impl, interval, failure)] if x is not None and bound is not None and x > bound)
                row += [str(s["n"]), fmt_ms(s["min"]), fmt_ms(s["med"]), fmt_ms(s["p90"]), fmt_ms(s["max"]),
                        "-" if bound is None else str(over)]
                medians[impl] = s["med"]
            ratio = "-"
            if len(medians) == 2 and medians["keepalived"] > 0:
                ratio = f"{medians['tandem'] / medians['keepalived']:.2f}"
            lines.append("| " + " | ".join(row + [ratio]) + " |")
    return "\n".join(lines)


def garp_table(rows):
    cells = defaultdict(lambda: ([], [], [], []))
    for r in rows:
        late, gap, runq, zero = cells[(r["impl"], r["interval_ms"], r["failure"])]
        late.append(r["garp_late_ms"])
        gap.append(r["adv_gap_ms"])
        runq.append(r["runq_ms"])
        zero.append(r["zero_ms"])
    lines = ["### First gratuitous ARP after the RFC transition instant (wire, ms)", "",
             "| implementation | interval | failure | n | late: min | median | p90 | max "
             "| first advert after first GARP: median | max | waited for a CPU: median | max "
             "| SIGTERM -> priority 0 sent: median | max |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for (impl, interval, failure) in sorted(cells, key=lambda k: (IMPLS.index(k[0]), -k[1], FAILURES.index(k[2]))):
        late, gap, runq, zero = cells[(impl, interval, failure)]
        s, g, q, z = stats(late), stats(gap), stats(runq), stats(zero)
        lines.append(f"| {impl} | {interval} ms | {FAILURE_TITLE[failure]} | {s['n'] if s else 0} | "
                     + (" | ".join(fmt_ms(s[k]) for k in ("min", "med", "p90", "max")) if s else "- | - | - | -")
                     + " | " + (f"{g['med']:.3f} | {g['max']:.3f}" if g else "- | -")
                     + " | " + (f"{q['med']:.1f} | {q['max']:.1f}" if q else "- | -")
                     + " | " + (f"{z['med']:.1f} | {z['max']:.1f}" if z else "- | -") + " |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("run_dir")
    ap.add_argument("--priority", type=int, default=100, help="the backups' priority (both directors)")
    args = ap.parse_args()
    trials = []
    with open(f"{args.run_dir}/trials.tsv") as f:
        for line in f:
            p = line.split()
            if len(p) == 9:
                trials.append((p[0], int(p[1]), p[2], *map(int, p[3:])))
    answers = read_probe(f"{args.run_dir}/probe.log")
    wire = read_wire(f"{args.run_dir}/wire.log")
    rows = [measure(t, answers, wire, args.priority) for t in trials]
    keys = ["impl", "interval_ms", "failure", "trial", "phase_ms", "takeover_ms", "outage_ms", "jitter_ms",
            "garp_late_ms", "adv_gap_ms", "runq_ms", "zero_ms"]
    with open(f"{args.run_dir}/trials.csv", "w") as f:
        f.write(",".join(keys) + "\n")
        for r in rows:
            f.write(",".join("" if r[k] is None else (f"{r[k]:.3f}" if isinstance(r[k], float) else str(r[k]))
                             for k in keys) + "\n")

    p = args.priority

    def takeover_bound(interval, failure):
        # RFC 5798 6.4.2: Master_Down_Interval (SIGKILL, link down) or
        # Skew_Time after a priority-0 advert (SIGTERM), + the 20 ms.
        base = skew_ms(interval, p) if failure == "term" else master_down_ms(interval, p)
        return base + SLACK_MS

    def outage_bound(interval, failure):
        return SLACK_MS if failure == "term" else None

    print(summary_table(rows, "takeover_ms",
                        "Takeover: failure injected -> first answer from the new master (client, ms)",
                        takeover_bound, p))
    print()
    print(summary_table(rows, "outage_ms", "Client outage: longest time without an answer (client, ms)",
                        outage_bound, p))
    jitter = stats([r["jitter_ms"] for r in rows])
    if jitter:
        print(f"\nThe prober's resolution: the longest wait between two consecutive probes in a trial "
              f"was {jitter['med']:.1f} ms in the median trial, {jitter['p90']:.1f} ms at p90, "
              f"{jitter['max']:.1f} ms at most.")
    print()
    print(garp_table(rows))
    missing = [r for r in rows if r["takeover_ms"] is None]
    if missing:
        print(f"\n{len(missing)} trial(s) without an answer from the new master", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
