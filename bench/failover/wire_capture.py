#!/usr/bin/env python3
"""What the directors put on the wire, timed by the kernel, for the failover benchmark.

  wire_capture.py PORT[,PORT...] SECONDS LOG

Runs in the switch namespace of tests/vrrp/failover/lab.sh and watches the
bridge ports named (the switch side of each director's veth). Each frame a
director sends is received on its port in this namespace the moment it leaves
the director (a veth hands it over synchronously), and the kernel stamps it
then (SO_TIMESTAMPNS, CLOCK_REALTIME: the same clock as the benchmark's
injection stamps). One line per frame of interest:

  <unix us> <port> advert <source ip> <priority>      VRRP (IP protocol 112)
  <unix us> <port> garp <sender ip>                   ARP with sender ip = target ip

A classic BPF filter keeps everything else (the client's probes) in the
kernel. Bounded: stops after SECONDS, on SIGTERM, or when LOG's directory
disappears.
"""
import ctypes
import os
import select
import signal
import socket
import struct
import sys
import time

ETH_P_ALL = 0x0003
SO_ATTACH_FILTER = 26
SO_TIMESTAMPNS = 35     # also SCM_TIMESTAMPNS (asm-generic/socket.h)
PACKET_OUTGOING = 4     # linux/if_packet.h: a frame this namespace sends

# ldh [12]; ARP -> accept; not IPv4 -> drop; ldb [23] (IP protocol); 112 -> accept
BPF_ARP_OR_VRRP = [
    (0x28, 0, 0, 12),
    (0x15, 3, 0, 0x0806),
    (0x15, 0, 3, 0x0800),
    (0x30, 0, 0, 23),
    (0x15, 0, 1, 112),
    (0x06, 0, 0, 0xFFFF),
    (0x06, 0, 0, 0),
]


def attach_filter(sock):
    code = b"".join(struct.pack("HBBI", *insn) for insn in BPF_ARP_OR_VRRP)
    buf = ctypes.create_string_buffer(code)
    prog = struct.pack("HL", len(BPF_ARP_OR_VRRP), ctypes.addressof(buf))
    sock.setsockopt(socket.SOL_SOCKET, SO_ATTACH_FILTER, prog)


def describe(frame):
    """(kind, fields) for a frame of interest, else None."""
    if len(frame) < 14:
        return None
    ethertype = struct.unpack("!H", frame[12:14])[0]
    body = frame[14:]
    if ethertype == 0x0806 and len(body) >= 28:
        sender, target = body[14:18], body[24:28]
        if sender == target:
            return "garp", socket.inet_ntoa(sender)
        return None
    if ethertype == 0x0800 and len(body) >= 20 and body[9] == 112:
        header = (body[0] & 0x0F) * 4
        vrrp = body[header:]
        if len(vrrp) >= 4:
            return "advert", f"{socket.inet_ntoa(body[12:16])} {vrrp[2]}"
    return None


def capture(ports, seconds, log):
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    attach_filter(sock)
    sock.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
    names = {socket.if_nametoindex(p): p for p in ports.split(",")}
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    end = time.monotonic() + float(seconds)
    directory = os.path.dirname(log) or "."
    with open(log, "a", buffering=1) as out:
        print("capturing", file=out)
        while time.monotonic() < end and os.path.isdir(directory):
            readable, _, _ = select.select([sock], [], [], 0.5)
            if not readable:
                continue
            frame, ancillary, _, address = sock.recvmsg(2048, socket.CMSG_SPACE(16))
            # address: (ifname, proto, pkttype, hatype, addr); the ifindex is not
            # in it, so match by name.
            port = address[0]
            if address[2] == PACKET_OUTGOING or port not in names.values():
                continue
            what = describe(frame)
            if what is None:
                continue
            stamp = None
            for level, kind, data in ancillary:
                if level == socket.SOL_SOCKET and kind == SO_TIMESTAMPNS:
                    sec, nsec = struct.unpack("qq", data[:16])
                    stamp = sec * 1_000_000 + nsec // 1000
            if stamp is None:
                stamp = time.time_ns() // 1000
            out.write(f"{stamp} {port} {what[0]} {what[1]}\n")


if __name__ == "__main__":
    capture(*sys.argv[1:])
