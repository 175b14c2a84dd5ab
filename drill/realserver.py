#!/usr/bin/python3
"""A drill's real server: a small HTTP server that answers with its own name.

    realserver.py NAME ADDRESS PORT MODE_FILE ACCEPT_LOG

Every request (any path, so the directors' health checks too) gets "NAME\\n".
MODE_FILE, read at each connection, makes it misbehave on purpose:
  "ok"       answer at once (also when the file is missing)
  "hang"     accept, read the request, never answer (the connection is held
             until the peer closes it, at most 60 s)
  "slow S"   answer after S seconds
Each accepted connection appends "<unix ms> <peer address>" to ACCEPT_LOG, so
the drill sees independently of IPVS which clients reached this server.
Runs until killed (the drill kills it by PID)."""
import socket
import socketserver
import sys
import threading
import time

NAME, ADDRESS, PORT, MODE_FILE, ACCEPT_LOG = sys.argv[1:6]
# ADDRESS is the server's own (for the log); it listens on every address, the
# VIP on lo included: with direct routing requests arrive addressed to the VIP.
log_lock = threading.Lock()
log = open(ACCEPT_LOG, "a", buffering=1)


def mode():
    try:
        with open(MODE_FILE) as f:
            return f.read().split() or ["ok"]
    except OSError:
        return ["ok"]


class Handler(socketserver.BaseRequestHandler):
    def handle(self):
        with log_lock:
            log.write("%d %s\n" % (time.time() * 1000, self.client_address[0]))
        m = mode()
        self.request.settimeout(60)
        data = b""
        try:
            while b"\r\n\r\n" not in data and len(data) < 8192:
                chunk = self.request.recv(4096)
                if not chunk:
                    return
                data += chunk
            if m[0] == "hang":
                while self.request.recv(4096):
                    pass
                return
            if m[0] == "slow":
                time.sleep(float(m[1]))
            body = NAME.encode() + b"\n"
            self.request.sendall(b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n"
                                 b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(body), body))
        except OSError:
            pass


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True
    request_queue_size = 128


Server(("0.0.0.0", int(PORT)), Handler).serve_forever()
