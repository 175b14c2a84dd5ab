"""The drill's observer: a thread that polls, every period, each director's
VRRP state (its control socket), whether it holds the VIP (netlink, in its
namespace) and its kernel IPVS table (/proc/net/ip_vs, in its namespace), and
records only the changes, each with its time in unix ms."""
import json
import threading
import time

import netns


def now_ms():
    return int(time.time() * 1000)


class Observer(threading.Thread):
    def __init__(self, lab, period=0.1):
        super().__init__(daemon=True)
        self.lab = lab
        self.period = period
        self.stopping = threading.Event()
        self.events = []       # (ms, director, what, value): what in vrrp, vip, weight:<real>
        self.last = {}
        self.samples = []      # (ms, {director: (vrrp, holds_vip)}) every poll
        self.addr = {n: netns.AddressWatch(lab.ns("d%d" % n)) for n in (1, 2)}
        self.ipvs = {n: netns.IpvsWatch(lab.ns("d%d" % n)) for n in (1, 2)}

    def _note(self, t, director, what, value):
        key = (director, what)
        if self.last.get(key, object()) != value:
            self.last[key] = value
            self.events.append((t, director, what, value))

    def poll(self):
        t = now_ms()
        sample = {}
        for n in (1, 2):
            d = "d%d" % n
            status = netns.control_request(self.lab.control_socket(n), {"command": "status", "json": True}, 0.5)
            state = "down"
            if status:
                try:
                    v = [i for i in json.loads(status).get("vrrp", [])]
                    state = v[0]["state"] if v else "none"
                except (ValueError, KeyError, IndexError):
                    state = "?"
            holds = self.lab.vip in self.addr[n].addresses()
            self._note(t, d, "vrrp", state)
            self._note(t, d, "vip", holds)
            table = self.ipvs[n].table()
            for role in self.lab.reals:
                w = table.get(("%s:%d" % (self.lab.vip, self.lab.d["port"]), self.lab.real_endpoint(role)))
                self._note(t, d, "weight:" + role, None if w is None else w[0])
            sample[d] = (state, holds)
        self.samples.append((t, sample))

    def run(self):
        while not self.stopping.is_set():
            started = time.monotonic()
            try:
                self.poll()
            except OSError:
                pass   # a namespace going away at teardown
            self.stopping.wait(max(0.0, self.period - (time.monotonic() - started)))

    def stop(self):
        self.stopping.set()
        self.join(5)
        for w in list(self.addr.values()):
            w.close()
        for w in list(self.ipvs.values()):
            w.close()

    def state(self, director, what):
        return self.last.get((director, what))
