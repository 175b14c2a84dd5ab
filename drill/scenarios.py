"""The drill's scenarios, each selectable by name. A scenario acts on a
converged lab (d1 master, d2 backup, every configured real server up) while
the client load runs, and declares what it expects:

  windows      [(start ms, end ms)]: when failed requests are allowed
  affected     the real server it breaks (its weight timeline is charted; it
               must be quiesced within its window and get no new client
               connection while quiesced)
  final_master the director that must hold the VIP at the end
  split        (start, end): two masters allowed in between (split brain)

Expected windows come from the protocol with slack for a slow guest:
VRRP's master-down interval is 3 adverts plus the skew (under one advert), a
failed check needs `fall` probes of interval + timeout; SLACK_MS covers
gratuitous ARP, a reconcile and the client's own request timeout."""
import signal
import time

SLACK_MS = 1500


def now_ms():
    return int(time.time() * 1000)


class Context:
    def __init__(self, lab, advert_ms):
        self.lab = lab
        self.advert_ms = advert_ms
        self.marks = {}
        self.labels = {}
        self.windows = []
        self.affected = None
        self.final_master = "d1"
        self.split = None
        self.expect_quiesce = False
        self.unplugged = {}   # director -> ms it was cut off the LAN: its VIP reaches nobody since

    def mark(self, name, label=None):
        """A moment of the scenario: "fault", "heal" or another; LABEL is
        what the chart calls it."""
        self.marks[name] = now_ms()
        self.labels[name] = label or name
        return self.marks[name]

    def allow(self, start, length_ms):
        self.windows.append((start, start + length_ms))

    def failover_ms(self):   # master down interval + skew + slack
        return 4 * self.advert_ms + SLACK_MS + self.lab.d["client"]["timeout_ms"]

    def check_ms(self):      # fall probes of interval + timeout, plus slack
        return 2 * (300 + 250) + SLACK_MS + self.lab.d["client"]["timeout_ms"]


def master_crash(ctx, lab):
    """SIGKILL d1's tandem: it sends nothing more, d2 takes over after the
    master-down interval. d1's VIP stays on its interface (a crashed daemon
    cleans nothing), so its cable is pulled too, as a dead machine's would be."""
    ctx.mark("fault", "d1 killed, unplugged")
    master_crash_act(ctx, lab)
    time.sleep(5)


def master_crash_act(ctx, lab):
    from lab import sh
    t = int(time.time() * 1000)
    lab.stop("d1", signal.SIGKILL)
    sh("ip", "-n", lab.ns("sw"), "link", "set", lab.port_of("d1"), "down")
    ctx.unplugged["d1"] = int(time.time() * 1000)
    ctx.allow(t, ctx.failover_ms())
    ctx.final_master = "d2"


def master_stop(ctx, lab):
    """SIGTERM d1's tandem: it hands over (priority 0 advert) and removes the VIP."""
    t = ctx.mark("fault", "d1 SIGTERM")
    lab.stop("d1", signal.SIGTERM)
    ctx.allow(t, ctx.failover_ms())
    ctx.final_master = "d2"
    time.sleep(4)


def real_crash(ctx, lab):
    """SIGKILL r1's HTTP server: connections are refused until r1 is
    quiesced; restarted 4 s later, it must come back."""
    ctx.affected, ctx.expect_quiesce = "r1", True
    t = ctx.mark("fault", "r1 killed")
    lab.stop("r1", signal.SIGKILL)
    ctx.allow(t, ctx.check_ms())
    time.sleep(4)
    ctx.mark("heal", "r1 restarted")
    lab.start_real("r1")
    time.sleep(4)


def _real_misbehaves(ctx, lab, mode, fault_label, heal_label, heal_after_s):
    """r1 switches to `mode` for 5 s, then back to answering; its checks must
    quiesce it within the check bound."""
    ctx.affected, ctx.expect_quiesce = "r1", True
    t = ctx.mark("fault", fault_label)
    lab.set_mode("r1", mode)
    ctx.allow(t, ctx.check_ms())
    time.sleep(5)
    ctx.mark("heal", heal_label)
    lab.set_mode("r1", "ok")
    time.sleep(heal_after_s)


def real_hang(ctx, lab):
    """r1 accepts and reads but never answers (its checks time out too);
    answers again after 5 s."""
    _real_misbehaves(ctx, lab, "hang", "r1 hangs", "r1 answers", 4)


def real_slow(ctx, lab):
    """r1 answers after 2 s: beyond the check's timeout and the client's."""
    _real_misbehaves(ctx, lab, "slow 2", "r1 slow", "r1 fast", 5)


def master_link_down(ctx, lab):
    """d1's eth0 goes down (in d1's namespace), then up again 5 s later:
    d2 takes over, d1 takes the VIP back (preempt)."""
    from lab import sh
    t = ctx.mark("fault", "d1 eth0 down")
    sh("ip", "-n", lab.ns("d1"), "link", "set", "eth0", "down")
    ctx.allow(t, ctx.failover_ms())
    time.sleep(5)
    h = ctx.mark("heal", "d1 eth0 up")
    sh("ip", "-n", lab.ns("d1"), "link", "set", "eth0", "up")
    sh("ip", "-n", lab.ns("d1"), "addr", "replace", "%s/%d" % (lab.addr("d1"), lab.d["prefix_len"]), "dev", "eth0")
    ctx.allow(h, ctx.failover_ms())
    time.sleep(5)


def split_brain(ctx, lab):
    """The directors stop hearing each other (their bridge ports isolated
    from each other; both still reach client and real servers) for 5 s:
    d2 becomes master too. Healed, d1 (higher priority) must stay the only master."""
    from lab import sh
    t = ctx.mark("fault", "directors cut")
    for d in ("d1", "d2"):
        sh("bridge", "-n", lab.ns("sw"), "link", "set", "dev", lab.port_of(d), "isolated", "on")
    ctx.allow(t, ctx.failover_ms())
    time.sleep(5)
    h = ctx.mark("heal", "healed")
    for d in ("d1", "d2"):
        sh("bridge", "-n", lab.ns("sw"), "link", "set", "dev", lab.port_of(d), "isolated", "off")
    ctx.split = (t, h + ctx.failover_ms())
    ctx.allow(h, ctx.failover_ms())
    time.sleep(5)


def reload(ctx, lab):
    """Both directors reloaded without the last real server (it drains:
    weight 0, then removed), then with it again. No request may fail."""
    last = lab.reals[-1]
    ctx.affected, ctx.expect_quiesce = last, True
    ctx.mark("fault", "reload without %s" % last)
    lab.configured = [r for r in lab.reals if r != last]
    for n in (1, 2):
        lab.write_config(n)
        lab.reload(n)
    time.sleep(4)
    ctx.mark("heal", "reload with it")
    lab.configured = list(lab.reals)
    for n in (1, 2):
        lab.write_config(n)
        lab.reload(n)
    time.sleep(4)


def master_restart(ctx, lab):
    """d1's tandem stopped (SIGTERM) and started again at once: d2 takes
    over, then d1 preempts."""
    t = ctx.mark("fault", "d1 restarted")
    lab.stop("d1", signal.SIGTERM)
    lab.start_director(1)
    ctx.allow(t, 2 * ctx.failover_ms())
    time.sleep(6)


def demo(ctx, lab):
    """The README's demo: r1's HTTP server crashes (it is quiesced, the
    client goes on with r2), then the master dies (the VIP moves to d2)."""
    ctx.affected, ctx.expect_quiesce = "r1", True
    t = ctx.mark("fault", "r1 killed")
    lab.stop("r1", signal.SIGKILL)
    ctx.allow(t, ctx.check_ms())
    time.sleep(4)
    ctx.mark("master dies", "d1 killed, unplugged")
    master_crash_act(ctx, lab)
    time.sleep(4)


SCENARIOS = {
    "master-crash": master_crash,
    "master-stop": master_stop,
    "real-crash": real_crash,
    "master-link-down": master_link_down,
    "split-brain": split_brain,
    "real-hang": real_hang,
    "real-slow": real_slow,
    "reload": reload,
    "master-restart": master_restart,
    "demo": demo,
}
FAST = ["master-crash", "master-stop", "real-crash"]
ALL = [n for n in SCENARIOS if n != "demo"]   # demo repeats real-crash then master-crash
