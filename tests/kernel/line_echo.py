#!/usr/bin/env python3
"""A real server for the connection-sync drill (director_sync_test.sh).

    line_echo.py NAME ADDRESS PORT

Answers every line it reads with "NAME LINE", so the client sees which real
server holds its connection and that the answer belongs to its question.
Each connection gets its own thread; the server runs until it is killed (the
test kills it by PID)."""
import socketserver
import sys


class Echo(socketserver.StreamRequestHandler):
    def handle(self):
        for line in self.rfile:
            self.wfile.write(b"%s %s\n" % (NAME, line.strip()))


class Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


NAME = sys.argv[1].encode()
Server((sys.argv[2], int(sys.argv[3])), Echo).serve_forever()
