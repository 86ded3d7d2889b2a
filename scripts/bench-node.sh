#!/usr/bin/env bash
# The start-up benchmark of `make bench`: agenda-node over an existing data directory (the
# replay benchmark's 10M-record history unless AGENDA_BENCH_NODE_DIRECTORY says otherwise),
# from exec to the first answered PING, then its memory once serving: RssAnon, RSS and the
# peak (VmHWM) from /proc/PID/status. Numbers only: nothing here passes or fails on a timing.
set -euo pipefail
cd "$(dirname "$0")/.."
NODE=.build/release/agenda-node
DIRECTORY=${AGENDA_BENCH_NODE_DIRECTORY:-.build/agenda-bench-replay-${AGENDA_BENCH_REPLAY_RECORDS:-10000000}}
if [ ! -f "$DIRECTORY/data.mdb" ]; then
  echo "node start-up: no data directory at $DIRECTORY (the replay benchmark writes it); skipped" >&2
  exit 0
fi
python3 - "$NODE" "$DIRECTORY" <<'PY'
import os, signal, socket, subprocess, sys, time
node, directory = sys.argv[1], sys.argv[2]
probe = socket.socket(); probe.bind(("127.0.0.1", 0)); port = probe.getsockname()[1]; probe.close()
started = time.monotonic()
process = subprocess.Popen([node, "--data", directory, "--port", str(port), "--log-level", "warning"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
answered = None
while answered is None and process.poll() is None and time.monotonic() - started < 600:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1) as connection:
            connection.sendall(b"PING\r\n")
            if connection.recv(64).startswith(b"+PONG"):
                answered = time.monotonic() - started
    except OSError:
        time.sleep(0.005)
if answered is None:
    print("  node start-up: the node never answered PING (exit %s): %s" % (process.poll(), process.stderr.read()[-400:]))
    sys.exit(1)
status = dict(line.split(":", 1) for line in open(f"/proc/{process.pid}/status") if ":" in line)
megabytes = lambda key: int(status[key].split()[0]) / 1024
size = os.path.getsize(os.path.join(directory, "data.mdb")) / (1 << 30)
print(f"  node start-up over {directory} ({size:.1f} GiB): PING answered after {answered:.2f} s; "
      f"RssAnon {megabytes('RssAnon'):,.0f} MB, RSS {megabytes('VmRSS'):,.0f} MB, peak {megabytes('VmHWM'):,.0f} MB")
print("  targets: serving in < 2 s with RssAnon < 256 MB")
process.send_signal(signal.SIGTERM)
process.wait(timeout=120)
PY
