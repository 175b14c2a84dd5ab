#!/usr/bin/python3
"""tandem's failover drill: builds a lab (see lab.py), runs scenarios (see
scenarios.py) against real client traffic, and reports what the client saw
and which invariants held (see analyze.py). Runs where the kernel has IPVS;
the `tandem-drill` wrapper puts it there (a network namespace on the host, or
user-mode-linux).

    drill.py --tandem PATH --out DIR [--description FILE] [--scenarios a,b|fast|all]
             [--real-servers N] [--advert-interval D] [--template FILE] [--check-off r1,..]

Writes DIR/report.json, DIR/<scenario>.svg, DIR/<scenario>/ (logs); exit
status 0 when every invariant held, 1 when one broke, 2 on a lab error."""
import argparse
import json
import os
import shutil
import signal
import sys
import time

import analyze
import chart
import report
import scenarios
from lab import Lab
from observe import Observer

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULTS = {
    "subnet": "10.98.0.0", "prefix_len": 24, "vip_host": 100, "port": 80, "vrid": 42,
    "real_servers": 2, "advert_interval": "200ms", "template": os.path.join(HERE, "lab.toml.in"),
    "client": {"interval_ms": 30, "timeout_ms": 500, "max_requests": 2000, "max_seconds": 60},
    "check_off": [],
}


def duration_ms(text):
    text = text.strip()
    for unit, f in (("ms", 1), ("s", 1000)):
        if text.endswith(unit):
            return int(float(text[:-len(unit)]) * f)
    raise ValueError("duration %r: expected e.g. 200ms or 1s" % text)


def progress(out, line):
    stamp = time.strftime("%H:%M:%S")
    print("[%s] %s" % (stamp, line), flush=True)
    with open(os.path.join(out, "progress.log"), "a") as f:
        f.write("[%s] %s\n" % (stamp, line))


def wait_until(what, cond, seconds):
    deadline = time.monotonic() + seconds
    while not cond():
        if time.monotonic() > deadline:
            raise RuntimeError("timed out after %d s waiting for %s" % (seconds, what))
        time.sleep(0.1)


def converged(lab, obs):
    obs.poll()
    vrrp_ok = obs.state("d1", "vrrp") == "master" and obs.state("d2", "vrrp") == "backup"
    vip_ok = obs.state("d1", "vip") and not obs.state("d2", "vip")
    weights = all((obs.state(d, "weight:" + r) or 0) > 0 for d in ("d1", "d2") for r in lab.configured)
    return vrrp_ok and vip_ok and weights


def run_scenario(name, desc, out, tandem):
    work = os.path.join(out, name)
    shutil.rmtree(work, ignore_errors=True)
    lab = Lab(desc, work, tandem)
    ctx = scenarios.Context(lab, duration_ms(desc["advert_interval"]))
    obs = None
    left = ["(teardown did not run)"]
    client_log = os.path.join(work, "client.log")
    stop_file = os.path.join(work, "client.stop")
    try:
        progress(out, "%s: building the lab (%d real servers)" % (name, len(lab.reals)))
        lab.up()
        obs = Observer(lab)
        wait_until("d1 master with the VIP, d2 backup, every real server up on both", lambda: converged(lab, obs), 40)
        obs.events.clear(); obs.last.clear(); obs.samples.clear()
        obs.start()
        lab.start_client(client_log, stop_file)
        time.sleep(2.0)
        progress(out, "%s: converged, client load running; fault" % name)
        scenarios.SCENARIOS[name](ctx, lab)
        ctx.mark("end")
        open(stop_file, "w").close()
        lab.procs["client"].wait(10)
    finally:
        if obs is not None and obs.is_alive():
            obs.stop()
        left = lab.down()
        for n in (1, 2):   # sockets and state, not evidence
            shutil.rmtree(os.path.join(work, "d%d" % n), ignore_errors=True)
    requests = analyze.read_client_log(client_log)
    res = analyze.analyze(ctx, lab, requests, obs.events, obs.samples, left)
    fault = ctx.marks["fault"]
    res["timelines"] = {}
    for d in ("d1", "d2"):
        res["timelines"][d + " vrrp"] = [(t - fault, v) for t, dd, w, v in obs.events if dd == d and w == "vrrp"]
        res["timelines"][d + " vip"] = [(t - fault, v) for t, dd, w, v in obs.events if dd == d and w == "vip"]
        if ctx.affected:
            res["timelines"]["%s %s weight" % (d, ctx.affected)] = [
                (t - fault, v) for t, dd, w, v in obs.events if dd == d and w == "weight:" + ctx.affected]
    res["vip_samples"] = obs.samples
    res["chart"] = os.path.join(out, name + ".svg")
    chart.render("tandem drill: %s (advert %s, %d real servers)" % (name, desc["advert_interval"], len(lab.reals)),
                 requests, obs.events, lab.reals, res, res["chart"])
    del res["vip_samples"]
    return res


def interrupted(signum, _frame):
    """SIGTERM as Ctrl-C: the scenario's teardown runs on the way out."""
    raise KeyboardInterrupt(signal.Signals(signum).name)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--tandem", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--description", help="JSON file overriding the lab's defaults")
    ap.add_argument("--scenarios", default="fast", help="names, comma-separated; 'fast' or 'all'")
    ap.add_argument("--real-servers", type=int)
    ap.add_argument("--advert-interval")
    ap.add_argument("--template")
    ap.add_argument("--check-off", help="real servers whose checks are switched off (to see a drill fail)")
    a = ap.parse_args()
    desc = json.loads(json.dumps(DEFAULTS))
    if a.description:
        with open(a.description) as f:
            desc.update(json.load(f))
    for key, value in (("real_servers", a.real_servers), ("advert_interval", a.advert_interval), ("template", a.template)):
        if value is not None:
            desc[key] = value
    if a.check_off:
        desc["check_off"] = a.check_off.split(",")
    names = {"fast": scenarios.FAST, "all": scenarios.ALL}.get(a.scenarios, a.scenarios.split(","))
    unknown = [n for n in names if n not in scenarios.SCENARIOS]
    if unknown:
        print("unknown scenario(s) %s; known: %s" % (", ".join(unknown), ", ".join(scenarios.SCENARIOS)), file=sys.stderr)
        return 2
    os.makedirs(a.out, exist_ok=True)
    signal.signal(signal.SIGTERM, interrupted)
    results, status = {}, 0
    for name in names:
        try:
            res = run_scenario(name, desc, a.out, a.tandem)
        except KeyboardInterrupt:
            progress(a.out, "%s: interrupted; the lab is torn down" % name)
            return 130
        except (RuntimeError, OSError) as e:
            progress(a.out, "%s: LAB ERROR: %s" % (name, e))
            results[name] = {"ok": False, "error": str(e)}
            status = 2
            continue
        results[name] = res
        if not res["ok"]:
            status = max(status, 1)
        progress(a.out, report.summary(name, res))
        progress(a.out, "  chart: %s" % res["chart"])
    doc = {"description": desc, "kernel": os.environ.get("TANDEM_KERNEL", "?"), "ok": status == 0, "scenarios": results}
    with open(os.path.join(a.out, "report.json"), "w") as f:
        json.dump(doc, f, indent=2)
    passed = sum(1 for r in results.values() if r.get("ok"))
    progress(a.out, "%d of %d scenario(s) passed; report %s" % (passed, len(results), os.path.join(a.out, "report.json")))
    return status


if __name__ == "__main__":
    sys.exit(main())
