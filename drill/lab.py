"""The drill's lab: network namespaces on one bridge, two `tandem run`
directors, a client and N real HTTP servers, and its complete teardown.

    switch namespace  <prefix>-sw: bridge "lan", one port per namespace below
    client            <prefix>-c   .10
    directors         <prefix>-d1  .1 (priority 200), <prefix>-d2 .2 (100)
    real servers      <prefix>-r1.. .21, .22, ...: HTTP on the service port,
                      the VIP on lo (direct routing), ARP for it off
    VIP               .100 on the master's eth0

Every process the lab starts is recorded with its PID and killed by it;
every namespace carries the drill's PID in its name."""
import os
import signal
import string
import subprocess
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def sh(*argv, check=True):
    r = subprocess.run(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if check and r.returncode != 0:
        raise RuntimeError("%s: %s" % (" ".join(argv), r.stdout.strip()))
    return r.stdout


class Lab:
    def __init__(self, desc, work, tandem):
        self.d = desc
        self.work = work
        self.tandem = tandem
        self.prefix = "dr%d" % os.getpid()
        self.procs = {}          # role -> Popen
        self.namespaces = []
        self.net = desc["subnet"].rsplit(".", 1)[0]   # "10.98.0"
        self.vip = "%s.%d" % (self.net, desc["vip_host"])
        self.reals = ["r%d" % i for i in range(1, desc["real_servers"] + 1)]
        self.check_off = set(desc.get("check_off", []))
        self.configured = list(self.reals)

    # --- names and addresses ---------------------------------------------
    def ns(self, role):
        return "%s-%s" % (self.prefix, role)

    def addr(self, role):
        if role == "c":
            return "%s.10" % self.net
        if role.startswith("d"):
            return "%s.%s" % (self.net, role[1:])
        return "%s.%d" % (self.net, 20 + int(role[1:]))

    def real_endpoint(self, role):
        return "%s:%d" % (self.addr(role), self.d["port"])

    def port_of(self, role):   # the switch end of ROLE's cable
        return "p-" + role

    # --- build -----------------------------------------------------------
    def up(self):
        os.makedirs(self.work, exist_ok=True)
        sw = self.ns("sw")
        self._netns(sw)
        sh("ip", "-n", sw, "link", "add", "lan", "type", "bridge", "forward_delay", "0")
        sh("ip", "-n", sw, "link", "set", "lan", "up")
        for role in ["c", "d1", "d2"] + self.reals:
            self._plug(role)
        for role in self.reals:
            ns = self.ns(role)
            # Direct routing: the VIP is local on lo, and this server neither
            # answers nor announces ARP for it.
            sh("ip", "-n", ns, "addr", "add", self.vip + "/32", "dev", "lo")
            for key, value in (("arp_ignore", "1"), ("arp_announce", "2")):
                for dev in ("all", "eth0"):
                    sh("ip", "netns", "exec", ns, "sysctl", "-qw", "net.ipv4.conf.%s.%s=%s" % (dev, key, value))
            self.start_real(role)
        for n in (1, 2):
            self.write_config(n)
            self.start_director(n)

    def _netns(self, ns):
        sh("ip", "netns", "add", ns)
        self.namespaces.append(ns)
        sh("ip", "-n", ns, "link", "set", "lo", "up")

    def _plug(self, role):
        ns, sw = self.ns(role), self.ns("sw")
        self._netns(ns)
        sh("ip", "-n", sw, "link", "add", self.port_of(role), "type", "veth", "peer", "name", "eth0", "netns", ns)
        sh("ip", "-n", sw, "link", "set", self.port_of(role), "master", "lan", "up")
        sh("ip", "-n", ns, "addr", "add", "%s/%d" % (self.addr(role), self.d["prefix_len"]), "dev", "eth0")
        sh("ip", "-n", ns, "link", "set", "eth0", "up")

    def _spawn(self, role, ns, argv, log):
        out = open(os.path.join(self.work, log), "a")
        p = subprocess.Popen(["ip", "netns", "exec", ns] + argv, stdout=out, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL, start_new_session=True)
        out.close()
        self.procs[role] = p
        with open(os.path.join(self.work, "pids"), "a") as f:   # for whoever checks the teardown
            f.write("%d %s\n" % (p.pid, role))
        return p

    def start_real(self, role):
        self._spawn(role, self.ns(role),
                    ["python3", os.path.join(HERE, "realserver.py"), role, self.addr(role), str(self.d["port"]),
                     self.mode_file(role), self.accept_log(role)], role + ".log")

    def mode_file(self, role):
        return os.path.join(self.work, role + ".mode")

    def accept_log(self, role):
        return os.path.join(self.work, role + ".accepts")

    def set_mode(self, role, mode):
        with open(self.mode_file(role) + ".new", "w") as f:
            f.write(mode + "\n")
        os.replace(self.mode_file(role) + ".new", self.mode_file(role))

    def control_socket(self, n):
        return os.path.join(self.work, "d%d" % n, "control.sock")

    def config_path(self, n):
        return os.path.join(self.work, "d%d.toml" % n)

    def write_config(self, n):
        os.makedirs(os.path.join(self.work, "d%d" % n), exist_ok=True)
        reals = []
        for role in self.configured:
            block = '[[service.real]]\naddress = "%s"\n' % self.real_endpoint(role)
            if role in self.check_off:
                block += "check = []   # switched off by the drill (--check-off)\n"
            reals.append(block)
        with open(self.d["template"]) as f:
            text = string.Template(f.read()).substitute(
                control_socket=self.control_socket(n), state_dir=os.path.join(self.work, "d%d" % n),
                priority=200 if n == 1 else 100, interface="eth0", vrid=self.d["vrid"],
                advert_interval=self.d["advert_interval"], vip=self.vip, prefix_len=self.d["prefix_len"],
                port=self.d["port"], reals="\n".join(reals))
        with open(self.config_path(n), "w") as f:
            f.write(text)
        sh(self.tandem, "check", "-c", self.config_path(n))

    def start_director(self, n):
        sock = self.control_socket(n)
        if os.path.exists(sock):
            os.unlink(sock)
        self._spawn("d%d" % n, self.ns("d%d" % n), [self.tandem, "run", "-c", self.config_path(n)], "d%d.log" % n)
        deadline = time.monotonic() + 30
        while not os.path.exists(sock):
            if self.procs["d%d" % n].poll() is not None:
                raise RuntimeError("d%d's tandem exited at start; see %s" % (n, os.path.join(self.work, "d%d.log" % n)))
            if time.monotonic() > deadline:
                raise RuntimeError("d%d's control socket did not appear within 30 s" % n)
            time.sleep(0.05)

    def stop(self, role, sig, wait=10.0):
        """SIG to ROLE's process (by PID); wait for it to exit. Its exit time in ms."""
        p = self.procs.get(role)
        if p is None or p.poll() is not None:
            return None
        p.send_signal(sig)
        try:
            p.wait(wait)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
            raise RuntimeError("%s did not exit within %.0f s of %s" % (role, wait, signal.Signals(sig).name))
        return int(time.time() * 1000)

    def start_client(self, log, stop_file):
        c = self.d["client"]
        return self._spawn("client", self.ns("c"),
                           ["python3", os.path.join(HERE, "client.py"), self.vip, str(self.d["port"]),
                            str(c["interval_ms"]), str(c["timeout_ms"]), str(c["max_requests"]),
                            str(c["max_seconds"]), log, stop_file], "client.out")

    def reload(self, n):
        return sh(self.tandem, "reload", "-s", self.control_socket(n), check=False)

    # --- teardown ---------------------------------------------------------
    def down(self):
        """Kills every process it started (each by PID, then its process
        group, which `ip netns exec` leads), deletes every namespace. Returns
        what it found left behind afterwards (empty when clean)."""
        for role, p in list(self.procs.items()):
            if p.poll() is None:
                try:
                    os.killpg(p.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            p.wait()
        for ns in reversed(self.namespaces):
            subprocess.run(["ip", "netns", "del", ns], stderr=subprocess.DEVNULL)
        left = []
        listed = sh("ip", "netns", "list", check=False)
        left += ["namespace " + l.split()[0] for l in listed.splitlines() if l.startswith(self.prefix + "-")]
        for role, p in self.procs.items():
            try:
                os.killpg(p.pid, 0)
                left.append("process group %d (%s)" % (p.pid, role))
            except ProcessLookupError:
                pass
        self.procs.clear()
        self.namespaces.clear()
        return left
