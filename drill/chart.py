"""One scenario's timeline as a hand-written SVG: the client's requests
(coloured by the real server that answered, red when failed), the VIP owner,
each director's VRRP state, the affected real server's IPVS weight on each
director, the fault and heal marks and the expected windows."""
from xml.sax.saxutils import escape

W, LEFT, RIGHT, ROW, TOP = 1000, 150, 20, 26, 50
SERVER_COLOURS = ["#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#17becf", "#bcbd22"]
STATE_COLOURS = {"master": "#2ca02c", "backup": "#aec7e8", "init": "#ffdd57", "fault": "#d62728",
                 "down": "#444444", "stopped": "#888888", "none": "#cccccc", "?": "#cccccc"}


def segments(tl, t0, t1):
    """[(start, end, value)] from a change timeline, clipped to t0..t1."""
    out = []
    for i, (t, v) in enumerate(tl):
        end = tl[i + 1][0] if i + 1 < len(tl) else t1
        s, e = max(t, t0), min(end, t1)
        if e > s:
            out.append((s, e, v))
    return out


def render(title, requests, events, reals, res, path):
    if not requests:
        return
    t0 = min(r[0] for r in requests) - 200
    t1 = max(r[1] for r in requests) + 200
    fault = res["marks"].get("fault", t0)
    x = lambda t: LEFT + (t - t0) * (W - LEFT - RIGHT) / max(1, t1 - t0)
    rows = ["client", "VIP owner", "d1 VRRP", "d2 VRRP"]
    if res.get("affected"):
        rows += ["%s weight d1" % res["affected"], "%s weight d2" % res["affected"]]
    height = TOP + ROW * len(rows) + 90
    o = ['<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" font-family="sans-serif" font-size="12">' % (W, height),
         '<rect width="100%" height="100%" fill="white"/>',
         '<text x="10" y="20" font-size="15" font-weight="bold">%s</text>' % escape(title)]
    verdict = "PASS" if res["ok"] else "FAIL: " + "; ".join(i["name"] for i in res["invariants"] if not i["ok"])
    o.append('<text x="10" y="38" fill="%s">%s; outage %s ms; %d/%d requests failed</text>'
             % ("#2ca02c" if res["ok"] else "#d62728", escape(verdict), res["outage_ms"], res["failed"], res["requests"]))
    bottom = TOP + ROW * len(rows)
    for s, e in res["windows"]:
        o.append('<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="#ffe9a8" opacity="0.6"/>' % (x(s), TOP, max(1, x(min(e, t1)) - x(s)), bottom - TOP))
    for i, name in enumerate(rows):
        y = TOP + i * ROW
        o.append('<text x="10" y="%d">%s</text>' % (y + 17, escape(name)))
        o.append('<line x1="%d" x2="%d" y1="%d" y2="%d" stroke="#eee"/>' % (LEFT, W - RIGHT, y + ROW, y + ROW))
    colour = {r: SERVER_COLOURS[i % len(SERVER_COLOURS)] for i, r in enumerate(reals)}
    for start, end, ok, who in requests:   # row 0
        c = colour.get(who, "#7f7f7f") if ok else "#d62728"
        o.append('<rect x="%.1f" y="%d" width="%.1f" height="%d" fill="%s"/>' % (x(start), TOP + 4 if ok else TOP + 2, max(1.2, x(end) - x(start)), 18 if ok else 22, c))

    def lane(row, tl, fill, label):
        y = TOP + row * ROW
        for s, e, v in segments(tl, t0, t1):
            o.append('<rect x="%.1f" y="%d" width="%.1f" height="18" fill="%s"><title>%s</title></rect>' % (x(s), y + 4, x(e) - x(s), fill(v), escape(label(v))))
            if x(e) - x(s) > 40:
                o.append('<text x="%.1f" y="%d" fill="black">%s</text>' % (x(s) + 3, y + 17, escape(label(v))))

    owner = []
    for t, s in res["vip_samples"]:
        unplugged = [d for d, at in res.get("unplugged", {}).items() if t >= at]
        v = "+".join(d for d, (_, h) in sorted(s.items()) if h and d not in unplugged) or "nobody"
        v += "".join(" (%s unplugged)" % d for d, (_, h) in sorted(s.items()) if h and d in unplugged)
        if not owner or owner[-1][1] != v:
            owner.append((t, v))
    lane(1, owner, lambda v: {"d1": "#ff9896", "d2": "#98df8a", "nobody": "#dddddd"}.get(v.split(" ")[0], "#d62728"), str)
    for n in (1, 2):
        lane(1 + n, [(t, v) for t, d, w, v in events if d == "d%d" % n and w == "vrrp"], lambda v: STATE_COLOURS.get(v, "#ccc"), str)
    if res.get("affected"):
        for n in (1, 2):
            tl = [(t, v) for t, d, w, v in events if d == "d%d" % n and w == "weight:" + res["affected"]]
            lane(3 + n, tl, lambda v: "#dddddd" if v is None else ("#d62728" if v == 0 else "#2ca02c"),
                 lambda v: "absent" if v is None else "weight %d" % v)
    for name, t in res["marks"].items():
        o.append('<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="black" stroke-dasharray="4,3"/>' % (x(t), x(t), TOP - 4, bottom + 4))
        o.append('<text x="%.1f" y="%d">%s</text>' % (x(t) + 3, TOP - 6, escape(res.get("labels", {}).get(name, name))))
    # time axis, seconds relative to the fault
    s = int((t0 - fault) / 1000)
    while fault + s * 1000 <= t1:
        if fault + s * 1000 >= t0:
            xx = x(fault + s * 1000)
            o.append('<line x1="%.1f" x2="%.1f" y1="%d" y2="%d" stroke="#999"/>' % (xx, xx, bottom, bottom + 5))
            o.append('<text x="%.1f" y="%d" text-anchor="middle">%+ds</text>' % (xx, bottom + 18, s))
        s += 1
    ly = bottom + 40
    items = [(colour[r], "answered by " + r) for r in reals] + [("#d62728", "failed"), ("#ffe9a8", "expected window")]
    lx = LEFT
    for c, label in items:
        o.append('<rect x="%d" y="%d" width="12" height="12" fill="%s"/><text x="%d" y="%d">%s</text>' % (lx, ly, c, lx + 16, ly + 11, escape(label)))
        lx += 30 + 7 * len(label)
    ly += 22
    lx = LEFT
    for st in ("master", "backup", "init", "fault", "down"):
        o.append('<rect x="%d" y="%d" width="12" height="12" fill="%s"/><text x="%d" y="%d">%s</text>' % (lx, ly, STATE_COLOURS[st], lx + 16, ly + 11, st))
        lx += 90
    o.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(o) + "\n")
