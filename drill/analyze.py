"""What a client and the observer saw during one scenario, and the invariants
checked against it. Pure: reads parsed logs, returns plain data."""

QUIESCE_SLACK_MS = 150   # a connection scheduled just before the weight change lands this much later


def read_client_log(path):
    out = []
    try:
        with open(path) as f:
            for line in f:
                p = line.split()
                if len(p) == 4:
                    out.append((int(p[0]), int(p[1]), p[2] == "ok", p[3]))
    except OSError:
        pass
    return out


def read_accepts(path, peer):
    try:
        with open(path) as f:
            return [int(l.split()[0]) for l in f if len(l.split()) == 2 and l.split()[1] == peer]
    except OSError:
        return []


def in_windows(start, end, windows):
    return any(end >= ws and start <= we for ws, we in windows)


def outages(requests):
    """Each run of failed requests: (first failed start, first success after it start)."""
    runs, first_fail = [], None
    for start, _, ok, _ in requests:
        if not ok and first_fail is None:
            first_fail = start
        elif ok and first_fail is not None:
            runs.append((first_fail, start))
            first_fail = None
    if first_fail is not None:
        runs.append((first_fail, None))
    return runs


def timeline(events, director, what):
    return [(t, v) for t, d, w, v in events if d == director and w == what]


def value_at(tl, t):
    v = None
    for at, val in tl:
        if at > t:
            break
        v = val
    return v


def analyze(ctx, lab, requests, events, samples, left_behind):
    fault = ctx.marks.get("fault")
    windows_end = max([we for _, we in ctx.windows] + [fault])
    heal = ctx.marks.get("heal")
    phase_end = heal if heal else windows_end

    def servers(sel):
        seen = []
        for r in requests:
            if r[2] and sel(r) and r[3] not in seen:
                seen.append(r[3])
        return sorted(seen)

    runs = outages(requests)
    failed = [r for r in requests if not r[2]]
    res = {
        "requests": len(requests),
        "failed": len(failed),
        "outages_ms": [(e - s) if e else None for s, e in runs],
        "outage_ms": max([(e - s) if e else -1 for s, e in runs], default=0),
        "servers_before": servers(lambda r: r[0] < fault),
        "servers_during": servers(lambda r: fault <= r[0] < phase_end),
        "servers_after": servers(lambda r: r[0] >= phase_end),
        "marks": ctx.marks,
        "labels": ctx.labels,
        "windows": ctx.windows,
        "affected": ctx.affected,
        "unplugged": dict(ctx.unplugged),
        "invariants": [],
    }
    if res["outage_ms"] == -1:
        res["outage_ms"] = None   # never recovered

    def live(sample, t):   # without the directors unplugged by then
        return {d: sv for d, sv in sample.items() if not (d in ctx.unplugged and t >= ctx.unplugged[d])}

    def invariant(name, ok, detail):
        res["invariants"].append({"name": name, "ok": bool(ok), "detail": detail})

    # 1. No failed request outside the expected window(s).
    outside = [r for r in failed if not in_windows(r[0], r[1], ctx.windows)]
    invariant("no failed request outside the expected window", not outside,
              "%d failed outside %s" % (len(outside), ", ".join("+%d..+%d ms" % (s - fault, e - fault) for s, e in ctx.windows) or "no window (none may fail)")
              + ("; first at +%d ms (%s)" % (outside[0][0] - fault, outside[0][3]) if outside else ""))

    # 2. At most one master after convergence: from the end of the last
    # window (or of the split) on, every poll sees at most one director in
    # state master and at most one holding the VIP; at the end exactly the
    # expected one holds it.
    settle = max(windows_end, ctx.split[1] if ctx.split else 0)
    bad = [(t, s) for t, s in samples if t >= settle
           and (sum(1 for st, _ in live(s, t).values() if st == "master") > 1 or sum(1 for _, v in live(s, t).values() if v) > 1)]
    final = live(samples[-1][1], samples[-1][0]) if samples else {}
    holders = sorted(d for d, (_, v) in final.items() if v)
    invariant("at most one master after convergence", not bad and holders == [ctx.final_master],
              ("%d polls after +%d ms saw two masters or two VIP holders" % (len(bad), settle - fault) if bad else "one master from +%d ms on" % (settle - fault))
              + "; VIP finally on %s (expected %s)" % (",".join(holders) or "nobody", ctx.final_master))

    # 3. A quiesced server gets no new connections: once the VIP holder's
    # kernel has the affected server at weight 0 (or removed), the server's
    # own accept log shows no connection from the client.
    if ctx.affected:
        client = lab.addr("c")
        accepts = read_accepts(lab.accept_log(ctx.affected), client)
        quiesced_at = None
        for t, s in samples:
            if t < fault:
                continue
            holder = [d for d, (_, v) in live(s, t).items() if v]
            if len(holder) != 1:
                continue
            w = value_at(timeline(events, holder[0], "weight:" + ctx.affected), t)
            if w in (0, None):
                quiesced_at = t
                break
        until = heal or windows_end
        if ctx.expect_quiesce and quiesced_at is None:
            late = [a for a in accepts if fault + 300 < a <= until]
            invariant("a quiesced server gets no new connections", False,
                      "%s was never quiesced (its weight stayed up on the VIP holder) and got %d new client connections after the fault" % (ctx.affected, len(late)))
        elif quiesced_at is not None:
            end = until if ctx.expect_quiesce else None
            late = [a for a in accepts if a > quiesced_at + QUIESCE_SLACK_MS and (end is None or a < end)]
            res["quiesced_after_ms"] = quiesced_at - fault
            in_time = not ctx.windows or quiesced_at <= windows_end
            invariant("a quiesced server gets no new connections", not late and in_time,
                      "%s quiesced +%d ms after the fault%s; %d client connections reached it afterwards"
                      % (ctx.affected, quiesced_at - fault, "" if in_time else " (after its window)", len(late)))

    # 4. Nothing left behind by the teardown.
    invariant("nothing left behind", not left_behind, ", ".join(left_behind) or "no namespace or process left")
    res["ok"] = all(i["ok"] for i in res["invariants"])
    return res
