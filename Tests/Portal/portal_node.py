"""A demo agenda-node with its web portal, for the portal's tests (portal-spec: how the node prints its ports).

    with PortalNode(pratiche=200) as node:
        requests.get(node.base + "/it/")
        node.redis("questura.demo").execute_command("READY", "P-DEMO-000000000005")

Each node gets its own temporary data directory, seeded by `--demo` on start, and listens on free
ports of 127.0.0.1 only (`--port 0 --http-port 0`), so modules can run one node each side by side.
"""
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time

import redis

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
# The debug build is what `make test` builds; AGENDA_NODE points elsewhere (a release build, say).
NODE = os.environ.get("AGENDA_NODE", os.path.join(ROOT, ".build", "debug", "agenda-node"))
# Seeding the fixtures' offices and the demo pratiche in a debug build takes tens of seconds.
START_SECONDS_MAX = 120
# After SIGTERM the node finishes the batch in flight and closes the store; more means it hangs.
STOP_SECONDS_MAX = 15
PROTOCOL_PREFIX = "protocol on 127.0.0.1:"
PORTAL_PREFIX = "portal on http://127.0.0.1:"


class PortalNodeError(RuntimeError):
    pass


class PortalNode:
    def __init__(self, pratiche=200, extra_args=()):
        self.pratiche = pratiche
        self.extra_args = list(extra_args)
        self.data = None
        self.base = None
        self.resp_port = None
        self.http_port = None
        self._process = None
        self._reader = None
        self._stdout_lines = []
        self._ports_found = threading.Event()

    def __enter__(self):
        self._root = tempfile.mkdtemp(prefix="agenda-portal-")
        self.data = os.path.join(self._root, "data")
        # stderr goes to a file, not a pipe: the node logs on every request and a full pipe would stall it.
        self._stderr_path = os.path.join(self._root, "node.stderr")
        self._stderr = open(self._stderr_path, "wb")
        command = [NODE, "serve", "--demo", "--demo-pratiche", str(self.pratiche), "--data", self.data,
                   "--port", "0", "--http-port", "0", *self.extra_args]
        try:
            self._process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                             stderr=self._stderr, cwd=ROOT)
        except OSError as error:
            self._cleanup()
            raise PortalNodeError(f"cannot start {NODE}: {error} (build it with `swift build`)") from error
        # One reader for the node's whole life: it finds the ports, then keeps draining the banner and
        # anything later, so stdout's pipe never fills.
        self._reader = threading.Thread(target=self._read_stdout, daemon=True)
        self._reader.start()
        deadline = time.monotonic() + START_SECONDS_MAX
        while not self._ports_found.wait(0.1):
            if self._process.poll() is not None or time.monotonic() > deadline:
                why = (f"exited with {self._process.returncode}" if self._process.poll() is not None
                       else f"printed no ports within {START_SECONDS_MAX} s")
                stdout = "".join(self._stdout_lines)
                stderr = self.stderr_text()[-4000:]
                self.__exit__(None, None, None)
                raise PortalNodeError(f"{' '.join(command)} {why}\n--- stdout\n{stdout}\n--- stderr (tail)\n{stderr}")
        return self

    def _read_stdout(self):
        for raw in self._process.stdout:
            line = raw.decode("utf-8", "replace")
            self._stdout_lines.append(line)
            text = line.strip()
            if text.startswith(PROTOCOL_PREFIX):
                self.resp_port = int(text[len(PROTOCOL_PREFIX):])
            elif text.startswith(PORTAL_PREFIX):
                self.http_port = int(text[len(PORTAL_PREFIX):].rstrip("/"))
                self.base = f"http://127.0.0.1:{self.http_port}"
            if self.resp_port is not None and self.base is not None:
                self._ports_found.set()

    def __exit__(self, *exc):
        process = self._process
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(STOP_SECONDS_MAX)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._cleanup()
        return False

    def _cleanup(self):
        if self._reader is not None:
            # The node has exited, so its stdout ends: let the reader see the end before it is closed.
            self._reader.join(STOP_SECONDS_MAX)
        if self._process is not None and self._process.stdout is not None:
            self._process.stdout.close()
        self._stderr.close()
        # Kept past the directory's removal, for a failure reported after the node stopped.
        with open(self._stderr_path, "rb") as log:
            self._stderr_final = log.read().decode("utf-8", "replace")
        shutil.rmtree(self._root, ignore_errors=True)

    def redis(self, user, password="demo"):
        """A redis-py client signed in as `user`, speaking RESP3 so replies come back as dicts."""
        client = redis.Redis(host="127.0.0.1", port=self.resp_port, username=user, password=password,
                             decode_responses=True, protocol=3)
        client.ping()  # redis-py AUTHs on first use; do it now, so a wrong account fails here.
        return client

    def stderr_text(self):
        """What the node has logged so far (its stderr), for a failing test's message."""
        if self._stderr.closed:
            return self._stderr_final
        with open(self._stderr_path, "rb") as log:
            return log.read().decode("utf-8", "replace")
