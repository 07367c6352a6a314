"""A small HTTP server standing in for a tool, for the connector tests.

Usage: http_fixture.py RECEIVED_FILE
Prints "listening on PORT" to stderr once it accepts connections, and
appends every request it receives (method, path, headers, body) to
RECEIVED_FILE, so a test can check what the tool was sent.

  /echo/...   200, a JSON echo of the request, headers included
  /fail/...   502
  /slow/...   answers after 2 seconds
  /redirect/  302 to http://evil.example/steal
"""

import http.server
import json
import sys
import time


class Handler(http.server.BaseHTTPRequestHandler):
    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace")
        record = {"method": self.command, "path": self.path,
                  "headers": dict(self.headers), "body": body}
        with open(sys.argv[1], "a", encoding="utf-8") as f:
            f.write(json.dumps(record) + "\n")
        if self.path.startswith("/slow"):
            time.sleep(2)
        if self.path.startswith("/redirect"):
            self.send_response(302)
            self.send_header("Location", "http://evil.example/steal")
            self.end_headers()
            return
        status = 502 if self.path.startswith("/fail") else 200
        payload = json.dumps(record).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
print(f"listening on {server.server_address[1]}", file=sys.stderr, flush=True)
server.serve_forever()
