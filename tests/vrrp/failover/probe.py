#!/usr/bin/env python3
"""The client's view of a failover, and the listener it probes.

  probe.py serve NAME PORT
      Answer every TCP connection on PORT with NAME and close (runs in a director
      namespace; whoever holds the VIP answers).
  probe.py watch ADDR PORT SECONDS LOG
      Connect to ADDR:PORT every 5 ms (50 ms timeout) for at most SECONDS, and
      append one line per attempt to LOG: "<unix time in ms> <name or ->".
  probe.py gaps LOG [FROM_MS]
      Print the longest time between two answers that ends after FROM_MS, in
      ms, and the names that answered from FROM_MS on, in order of first answer.
Bounded: watch stops after SECONDS, or when LOG's directory disappears.
"""
import os
import socket
import sys
import time


def serve(name, port):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", int(port)))
    s.listen(128)
    while True:
        c, _ = s.accept()
        try:
            c.sendall(name.encode() + b"\n")
        except OSError:
            pass
        c.close()


def watch(addr, port, seconds, log):
    end = time.monotonic() + float(seconds)
    with open(log, "a", buffering=1) as out:
        while time.monotonic() < end and os.path.isdir(os.path.dirname(log) or "."):
            started = time.time()
            answer = "-"
            try:
                with socket.create_connection((addr, int(port)), timeout=0.05) as c:
                    c.settimeout(0.05)
                    answer = c.recv(64).decode().strip() or "-"
            except OSError:
                pass
            out.write(f"{int(started * 1000)} {answer}\n")
            rest = 0.005 - (time.time() - started)
            if rest > 0:
                time.sleep(rest)


def gaps(log, from_ms=0):
    from_ms = int(from_ms)
    last_ok = None
    longest = 0
    names = []
    with open(log) as f:
        for line in f:
            parts = line.split()
            if len(parts) != 2:
                continue
            t, name = int(parts[0]), parts[1]
            if name == "-":
                continue
            # A gap that spans FROM_MS counts: it starts at the last answer before.
            if t >= from_ms:
                if last_ok is not None:
                    longest = max(longest, t - last_ok)
                if name not in names:
                    names.append(name)
            last_ok = t
    print(longest, " ".join(names))


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"serve": serve, "watch": watch, "gaps": gaps}[cmd](*args)
