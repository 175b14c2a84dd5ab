#!/usr/bin/env python3
"""Records when VRRP adverts from one source arrive on an interface, with the
kernel's receive timestamps, and reports the gaps between them.

  advert_gaps.py IFACE SOURCE_IP READY_FILE OUT_FILE MAX_SECONDS

Listens on IFACE with a packet socket (it sees adverts without joining the
group and without a VRRP stack of its own, so it is an independent observer),
touches READY_FILE once listening, and stops on SIGTERM or after MAX_SECONDS.
OUT_FILE then holds one line: "<adverts> <longest gap ms> <mean gap ms>".
"""
import signal
import socket
import struct
import sys
import time

ETH_P_IP = 0x0800
IPPROTO_VRRP = 112
SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)


def main() -> int:
    iface, source, ready_file, out_file, max_seconds = sys.argv[1:6]
    want_source = socket.inet_aton(source)
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, socket.htons(ETH_P_IP))
    sock.bind((iface, 0))
    sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    sock.settimeout(0.2)

    stopping = False

    def stop(_signum, _frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    open(ready_file, "w").close()

    stamps = []
    deadline = time.monotonic() + float(max_seconds)
    while not stopping and time.monotonic() < deadline:
        try:
            data, ancillary, _flags, _addr = sock.recvmsg(2048, socket.CMSG_SPACE(16))
        except socket.timeout:
            continue
        except InterruptedError:
            continue
        if len(data) < 20 or data[9] != IPPROTO_VRRP or data[12:16] != want_source:
            continue
        stamp = None
        for level, kind, payload in ancillary:
            if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                sec, nsec = struct.unpack("qq", payload[:16])
                stamp = sec + nsec / 1e9
        stamps.append(stamp if stamp is not None else time.time())

    gaps = [(b - a) * 1000.0 for a, b in zip(stamps, stamps[1:])]
    longest = max(gaps) if gaps else 0.0
    mean = sum(gaps) / len(gaps) if gaps else 0.0
    with open(out_file, "w") as out:
        out.write(f"{len(stamps)} {longest:.1f} {mean:.1f}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
