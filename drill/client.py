#!/usr/bin/python3
"""A drill's client: steady, bounded HTTP load through the VIP.

    client.py VIP PORT INTERVAL_MS TIMEOUT_MS MAX_REQUESTS MAX_SECONDS LOG STOP_FILE

One request (a new TCP connection, GET /) starts every INTERVAL_MS (or as soon
as the previous one ends, when it took longer). Each appends to LOG:
  "<start unix ms> <end unix ms> ok <server name>"  or
  "<start unix ms> <end unix ms> fail <reason>"
Stops after MAX_REQUESTS, MAX_SECONDS, or when STOP_FILE exists."""
import os
import socket
import sys
import time

vip, port, interval_ms, timeout_ms, max_requests, max_seconds, log_path, stop_file = sys.argv[1:9]
interval = int(interval_ms) / 1000
timeout = int(timeout_ms) / 1000
ms = lambda: int(time.time() * 1000)


def request():
    with socket.create_connection((vip, int(port)), timeout=timeout) as s:
        s.settimeout(timeout)
        s.sendall(b"GET / HTTP/1.0\r\nHost: drill\r\n\r\n")
        data = b""
        deadline = time.monotonic() + timeout
        while True:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
            if time.monotonic() > deadline:
                raise TimeoutError("answer incomplete")
    head, _, body = data.partition(b"\r\n\r\n")
    if not head.startswith(b"HTTP/1.0 200"):
        raise ValueError("bad answer %r" % head[:40])
    return body.decode().strip() or "?"


end = time.monotonic() + float(max_seconds)
with open(log_path, "a", buffering=1) as log:
    for _ in range(int(max_requests)):
        if time.monotonic() > end or os.path.exists(stop_file):
            break
        started = time.monotonic()
        t0 = ms()
        try:
            log.write("%d %d ok %s\n" % (t0, ms(), request()))
        except (OSError, ValueError) as e:
            reason = type(e).__name__ if not str(e) else str(e).replace(" ", "_")[:60]
            if isinstance(e, (socket.timeout, TimeoutError)):
                reason = "timeout"
            log.write("%d %d fail %s\n" % (t0, ms(), reason))
        rest = interval - (time.monotonic() - started)
        if rest > 0:
            time.sleep(rest)
