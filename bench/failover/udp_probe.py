#!/usr/bin/env python3
"""The client's view of the failover benchmark: who answers for the VIP, to the ms.

  udp_probe.py serve NAME PORT
      In a director namespace: answer every datagram on UDP PORT with
      "NAME SEQ" (SEQ copied from the request). Whoever holds the VIP answers.
  udp_probe.py watch ADDR PORT SECONDS LOG
      In the client namespace: send one datagram to ADDR:PORT every millisecond
      for at most SECONDS and append one line per answer to LOG:
      "<receive time, unix us> <name> <seq> <send time of seq, unix us>".
      Probes are numbered from 1, so a missing seq is a probe nobody answered.

Why UDP and not the lab's TCP connect probe (tests/vrrp/failover/probe.py): a
connect that goes to the dead master's MAC blocks until its timeout (50 ms
there), so the first answer after the ARP switchover can be that late; a
datagram a millisecond costs no connection state, never waits for an earlier
one, and a lost one is simply not answered. Resolution: 1 ms plus the
scheduling delay of this process.
Bounded: watch stops after SECONDS, or when LOG's directory disappears.
"""
import array
import os
import select
import signal
import socket
import sys
import time


def serve(name, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(("0.0.0.0", int(port)))
    prefix = name.encode() + b" "
    while True:
        data, peer = s.recvfrom(64)
        try:
            s.sendto(prefix + data, peer)
        except OSError:
            pass


def watch(addr, port, seconds, log):
    period = 0.001
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setblocking(False)
    end = time.monotonic() + float(seconds)
    directory = os.path.dirname(log) or "."
    seq = 0
    sent = array.array("q", [0])   # sent[seq]: unix us
    next_send = time.monotonic()
    # A write per answer would be a system call a millisecond: buffer, and
    # flush on SIGTERM (the benchmark stops the probe with it) and at exit.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    with open(log, "a") as out:
        while time.monotonic() < end:
            now = time.monotonic()
            if now >= next_send:
                seq += 1
                sent.append(time.time_ns() // 1000)
                try:
                    s.sendto(str(seq).encode(), (addr, int(port)))
                except OSError:
                    pass   # no route or neighbour yet: this one is unanswered
                next_send += period
                if next_send < now:  # we were descheduled: do not send a burst
                    next_send = now + period
                if seq % 1000 == 0 and not os.path.isdir(directory):
                    return
            # select(2) takes a timeval (us); poll(2) would round up to a ms.
            readable, _, _ = select.select([s], [], [], max(0.0, next_send - time.monotonic()))
            if readable:
                while True:
                    try:
                        data = s.recv(64)
                    except OSError:   # BlockingIOError: drained
                        break
                    received = time.time_ns() // 1000
                    parts = data.decode(errors="replace").split()
                    if len(parts) == 2 and parts[1].isdigit() and 0 < int(parts[1]) <= seq:
                        out.write(f"{received} {parts[0]} {parts[1]} {sent[int(parts[1])]}\n")


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"serve": serve, "watch": watch}[cmd](*args)
