#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A webhook receiver for the integration tier: an HTTP server on 127.0.0.1
(a free port, written to PORTFILE once it listens) that appends the body of
every POST as one line to OUT (flushed at once) and answers STATUS
(default 200).

Usage: webhook.py PORTFILE OUT [STATUS]"""
import http.server, os, sys


class Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(n).decode("utf-8", "replace").replace("\n", " ")
        with open(sys.argv[2], "a") as f:
            f.write(body + "\n")
        status = int(sys.argv[3]) if len(sys.argv) > 3 else 200
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, fmt, *args):
        pass


def main():
    srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    tmp = sys.argv[1] + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, sys.argv[1])
    srv.serve_forever()


if __name__ == "__main__":
    main()
