"""Fork-free looks into a lab's network namespaces (in user-mode-linux every
fork costs tens of ms of the one CPU the directors share): a thread enters a
namespace with setns(2) only to open a socket or a /proc/net file there, which
stay bound to that namespace afterwards."""
import contextlib
import ctypes
import os
import socket
import struct

CLONE_NEWNET = 0x40000000
_libc = ctypes.CDLL(None, use_errno=True)


@contextlib.contextmanager
def entered(name):
    """The calling thread inside /run/netns/NAME for the block."""
    home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
    target = os.open("/run/netns/" + name, os.O_RDONLY)
    try:
        if _libc.setns(target, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns into " + name)
        try:
            yield
        finally:
            if _libc.setns(home, CLONE_NEWNET) != 0:
                raise OSError(ctypes.get_errno(), "setns back from " + name)
    finally:
        os.close(target)
        os.close(home)


class AddressWatch:
    """IPv4 addresses of one namespace, by an RTM_GETADDR dump on a netlink
    socket opened inside it."""
    RTM_NEWADDR, RTM_GETADDR, NLMSG_DONE, NLMSG_ERROR = 20, 22, 3, 2
    IFA_LOCAL = 2

    def __init__(self, ns):
        with entered(ns):
            self.sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
        self.sock.settimeout(1.0)
        self.seq = 0

    def addresses(self):
        self.seq += 1
        req = struct.pack("=IHHII", 24, self.RTM_GETADDR, 0x301, self.seq, 0) + struct.pack("=BBBBI", socket.AF_INET, 0, 0, 0, 0)
        self.sock.send(req)
        found = set()
        while True:
            data = self.sock.recv(65536)
            off = 0
            while off + 16 <= len(data):
                length, kind, _, seq, _ = struct.unpack_from("=IHHII", data, off)
                if length < 16:
                    return found
                if kind in (self.NLMSG_DONE, self.NLMSG_ERROR):
                    return found
                if kind == self.RTM_NEWADDR and seq == self.seq:
                    a = off + 16 + 8
                    while a + 4 <= off + length:
                        alen, atype = struct.unpack_from("=HH", data, a)
                        if alen < 4:
                            break
                        if atype == self.IFA_LOCAL and alen == 8:
                            found.add(socket.inet_ntoa(data[a + 4:a + 8]))
                        a += (alen + 3) & ~3
                off += (length + 3) & ~3

    def close(self):
        self.sock.close()


class IpvsWatch:
    """The kernel's IPVS table of one namespace, from its /proc/net/ip_vs:
    {(service "a.b.c.d:port", real "a.b.c.d:port"): (weight, active, inactive)}."""

    def __init__(self, ns):
        with entered(ns):
            self.fd = os.open("/proc/thread-self/net/ip_vs", os.O_RDONLY)

    @staticmethod
    def _endpoint(hexed):
        addr, port = hexed.split(":")
        return "%s:%d" % (socket.inet_ntoa(bytes.fromhex(addr)), int(port, 16))

    def table(self):
        os.lseek(self.fd, 0, os.SEEK_SET)
        chunks = []
        while True:
            c = os.read(self.fd, 65536)
            if not c:
                break
            chunks.append(c)
        out, service = {}, None
        for line in b"".join(chunks).decode().splitlines():
            f = line.split()
            if len(f) >= 3 and f[0] in ("TCP", "UDP", "SCTP"):
                service = self._endpoint(f[1])
            elif len(f) >= 6 and f[0] == "->" and service and ":" in f[1] and not f[1].startswith("Remote"):
                out[(service, self._endpoint(f[1]))] = (int(f[3]), int(f[4]), int(f[5]))
        return out

    def close(self):
        os.close(self.fd)


def control_request(path, request, timeout=1.0):
    """One request on a tandem control socket; the reply's output, or None."""
    import json
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.settimeout(timeout)
            s.connect(path)
            s.sendall((json.dumps(request) + "\n").encode())
            data = b""
            while not data.endswith(b"\n"):
                c = s.recv(65536)
                if not c:
                    break
                data += c
        reply = json.loads(data)
        return reply.get("output") if reply.get("ok") else None
    except (OSError, ValueError):
        return None
