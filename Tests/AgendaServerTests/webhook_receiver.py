#!/usr/bin/env python3
"""A webhook receiver for the outbox tests: HTTP on 127.0.0.1, on the given port or one the kernel picks.

Each POST is appended as one JSON line to DIRECTORY/received.jsonl: the path, the Agenda headers
(idempotency key, timestamp, signature) and the body as text. Prints "ready PORT" once it listens,
then serves until SIGTERM. With --fail-first N it answers the first N requests 503 (a receiver
that is down for a while) and does not record them.

  webhook_receiver.py DIRECTORY [--port PORT] [--fail-first N]
"""
import argparse
import json
import os
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("directory")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--fail-first", type=int, default=0)
    args = parser.parse_args()
    lock = threading.Lock()
    state = {"failed": 0}
    path = os.path.join(args.directory, "received.jsonl")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            with lock:
                if state["failed"] < args.fail_first:
                    state["failed"] += 1
                    self.send_response(503)
                    self.end_headers()
                    self.wfile.write(b"down for maintenance")
                    return
                line = {"path": self.path,
                        "key": self.headers.get("X-Agenda-Idempotency-Key"),
                        "timestamp": self.headers.get("X-Agenda-Timestamp"),
                        "signature": self.headers.get("X-Agenda-Signature"),
                        "contentType": self.headers.get("Content-Type"),
                        "body": body.decode("utf-8")}
                with open(path, "a") as f:
                    f.write(json.dumps(line) + "\n")
                    f.flush()
                    os.fsync(f.fileno())
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    # Each delivery is on disk (fsync) before its 200, so stopping at once loses nothing.
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    # The test runner's threads may block SIGTERM, and a child inherits the mask: unblock it.
    signal.pthread_sigmask(signal.SIG_UNBLOCK, [signal.SIGTERM])
    print("ready", server.server_address[1], flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
