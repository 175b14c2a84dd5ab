#!/usr/bin/env python3
"""The receiving end of the sd_notify(3) protocol, as systemd runs it for a
Type=notify service: a Unix datagram socket whose path goes to the service in
NOTIFY_SOCKET. Each datagram is one message of newline-separated KEY=VALUE
assignments.

  notify_peer.py SOCKET_PATH OUT_FILE MAX_SECONDS

Appends every message to OUT_FILE as one line (the assignments joined by
"|"), flushed at once so a test can follow it; stops on SIGTERM or after
MAX_SECONDS.
"""
import os
import signal
import socket
import sys
import time


def main() -> int:
    path, out_file, max_seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(0.1)
    stopping = False

    def stop(_signum, _frame):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, stop)
    deadline = time.monotonic() + max_seconds
    with open(out_file, "a") as out:
        while not stopping and time.monotonic() < deadline:
            try:
                data = sock.recv(4096)
            except socket.timeout:
                continue
            except InterruptedError:
                continue
            out.write(data.decode("utf-8", "replace").strip().replace("\n", "|") + "\n")
            out.flush()
    os.unlink(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
