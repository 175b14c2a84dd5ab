"""The drill's human-readable summary of one scenario."""


def summary(name, res):
    lines = ["%s %s" % ("PASS" if res["ok"] else "FAIL", name),
             "  client: %d requests, %d failed; outage %s%s" % (
                 res["requests"], res["failed"],
                 "none" if not res["outages_ms"] else ("never recovered" if res["outage_ms"] is None else "%d ms" % res["outage_ms"]),
                 " (%d failure runs)" % len(res["outages_ms"]) if len(res["outages_ms"]) > 1 else ""),
             "  answered by: before %s | during %s | after %s" % tuple(
                 ",".join(res[k]) or "-" for k in ("servers_before", "servers_during", "servers_after"))]
    for who, tl in sorted(res["timelines"].items()):
        if tl:
            lines.append("  %-14s %s" % (who + ":", "  ".join("%+d ms %s" % (t, v) for t, v in tl[:12])))
    for inv in res["invariants"]:
        lines.append("  [%s] %s: %s" % ("ok" if inv["ok"] else "BROKEN", inv["name"], inv["detail"]))
    return "\n".join(lines)
