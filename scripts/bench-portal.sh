#!/usr/bin/env bash
# The web portal's benchmark of `make bench` (after the release build of agenda-node): wrk against
# a demo node's portal on loopback — a public page (GET /it/offices/DEMO-Q), the public status check
# (POST /api/v1/status), and BOOK through the JSON API (POST /api/v1/appointments, HTTP Basic as
# sui.roma) beside the same BOOK through RESP (redis-benchmark, as scripts/bench-protocol.sh drives
# it) at the same concurrency; prints requests a second, p99, and what HTTP costs over RESP
# (RESP req/s ÷ HTTP req/s; the target is at most 2×).
# Numbers only: nothing here passes or fails on a timing.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/ensure-deps.sh wrk redis-cli redis-benchmark
NODE=${AGENDA_NODE:-.build/release/agenda-node}
PRATICHE=${AGENDA_BENCH_PRATICHE:-100000}
CLIENTS=${AGENDA_BENCH_CLIENTS:-50}
SECONDS_EACH=${AGENDA_BENCH_PORTAL_SECONDS:-10}
# wrk's threads share the machine's cores with the node: two, as this machine has.
THREADS=${AGENDA_BENCH_WRK_THREADS:-2}
LUA=scripts/bench-portal
export AGENDA_BENCH_PRATICHE=$PRATICHE

"$NODE" serve --help 2>/dev/null | grep -q -- --http-port \
  || { echo "$NODE has no --http-port (build the portal: swift build -c release --product agenda-node)" >&2; exit 1; }

WORK=$(mktemp -d -t agenda-bench-portal.XXXXXX)
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true; done
  rm -rf "$WORK"
}
trap cleanup EXIT

# Starts a node on DIR (seeding it with --demo when new) and sets PID, RESP_PORT and HTTP_PORT from
# the lines it prints first: `protocol on 127.0.0.1:PORT` and `portal on http://127.0.0.1:PORT/`.
start_node() { # dir
  local dir=$1 out=$1.stdout
  "$NODE" serve --demo --demo-pratiche "$PRATICHE" --data "$dir" --port 0 --http-port 0 --log-level warning \
    >"$out" 2>"$dir.stderr" &
  PID=$!
  PIDS+=("$PID")
  RESP_PORT="" HTTP_PORT=""
  for _ in $(seq 1 1500); do
    RESP_PORT=$(sed -n 's|^protocol on 127\.0\.0\.1:\([0-9]*\).*|\1|p' "$out" | head -1)
    HTTP_PORT=$(sed -n 's|^portal on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$out" | head -1)
    [ -n "$RESP_PORT" ] && [ -n "$HTTP_PORT" ] && return 0
    kill -0 "$PID" 2>/dev/null || break
    sleep 0.2
  done
  echo "the node on $dir printed no ports; its stderr:" >&2; tail -20 "$dir.stderr" >&2; return 1
}

stop_node() {
  kill -TERM "$PID"; wait "$PID" || true
}

# wrk's --latency output → "requests req/s p99-ms" (and its Lua done() line, if any, on stderr).
run_wrk() { # label url [wrk options...]
  local label=$1 url=$2; shift 2
  local out="$WORK/wrk-$label.txt"
  wrk -t "$THREADS" -c "$CLIENTS" -d "${SECONDS_EACH}s" --latency "$@" "$url" >"$out"
  grep '^replies:' "$out" | sed "s/^/$label /" >&2 || true
  grep -E '^ +Non-2xx' "$out" | sed "s/^ */$label: /" >&2 || true
  awk '
    /requests in/ { requests = $1 }
    /^ +99%/ { value = $2; unit = value; sub(/[0-9.]+/, "", unit); sub(/[a-z]+$/, "", value)
               p99 = (unit == "us") ? value / 1000 : (unit == "s") ? value * 1000 : value }
    /^Requests\/sec:/ { rps = $2 }
    END { printf "%d %.0f %.3f\n", requests, rps, p99 }' "$out"
}

# One seeded directory, copied for each BOOK run so both start from the same state.
TEMPLATE="$WORK/template"
echo "seeding $PRATICHE demo pratiche..." >&2
start_node "$TEMPLATE"
stop_node
copy() { rm -rf "$WORK/$1"; cp -a "$TEMPLATE" "$WORK/$1"; rm -f "$WORK/$1/writer.lock"; echo "$WORK/$1"; }

# --- the public pages and the status check, on one node --------------------------------------
start_node "$(copy public)"
BASE="http://127.0.0.1:$HTTP_PORT"
read -r _ page_rps page_p99 <<<"$(run_wrk page "$BASE/it/offices/DEMO-Q")"
# One status check alone: its answer leaves a fixed time after the question (portal-spec, ~250 ms).
status_single=$(curl -s -o /dev/null -w '%{http_code} %{time_total}' -H 'Content-Type: application/json' \
  -d '{"surname":"Nessuno","name":"Mario","birthDate":"1970-01-01","fingerprintDate":"2026-01-05"}' \
  "$BASE/api/v1/status")
# The status check is paced by design: every answer leaves the fixed reply time after the question
# (Limits.statusReplyMilliseconds: a wrong guess and a right one cannot be told apart by timing), and
# one address gets Limits.statusPerMinuteMax answers a minute (portal-spec: ten; counted with RESP
# STATUS), then 429 LIMIT at once. wrk on loopback is one address, so its req/s is how fast the
# portal refuses a flood from one address, and its p99 is the refusal's; the handful of real answers
# in the run each took the fixed reply time. Not a capacity to raise: a person sees the fixed reply
# time, and a guesser gets those few answers a minute per address, however fast it asks.
read -r _ status_rps status_p99 <<<"$(run_wrk status "$BASE/api/v1/status" -s "$LUA/status.lua")"
stop_node

# --- BOOK through the JSON API ------------------------------------------------------------------
start_node "$(copy book-http)"
read -r http_requests http_rps http_p99 <<<"$(run_wrk book-http "http://127.0.0.1:$HTTP_PORT/api/v1/appointments" \
  -s "$LUA/book.lua")"
http_booked=$(redis-cli -p "$RESP_PORT" --user sui.roma --pass demo --no-auth-warning INFO Agenda \
  | grep '^appointments' | cut -d: -f2 | tr -d '\r')
stop_node
echo "book-http: $http_requests requests, $http_booked appointments booked" >&2

# --- BOOK through RESP: as many requests as the HTTP run made, so both draw as many repeats --------
# csv: "test","rps","avg","min","p50","p95","p99","max". EXISTING: a repeated pratica answers its
# appointment, since redis-benchmark stops at the first error reply (docs/protocol.md).
start_node "$(copy book-resp)"
read -r resp_rps resp_p99 <<<"$(redis-benchmark -h 127.0.0.1 -p "$RESP_PORT" -c "$CLIENTS" -P 1 -n "$http_requests" \
  -r "$PRATICHE" --csv --user sui.roma -a demo BOOK DEMO-Q fotosegnalamento P-DEMO-__rand_int__ EXISTING \
  | tail -1 | tr -d '"' | awk -F, '{printf "%.0f %.3f\n", $2, $7}')"
resp_booked=$(redis-cli -p "$RESP_PORT" --user sui.roma --pass demo --no-auth-warning INFO Agenda \
  | grep '^appointments' | cut -d: -f2 | tr -d '\r')
stop_node
echo "book-resp: $http_requests requests, $resp_booked appointments booked" >&2

printf '\n%-52s %12s %10s\n' "portal benchmark ($CLIENTS connections, loopback)" "req/s" "p99 ms"
printf '%-52s %12s %10s\n' "GET /it/offices/DEMO-Q" "$page_rps" "$page_p99"
printf '%-52s %12s %10s\n' "POST /api/v1/status (paced: mostly 429 LIMIT)" "$status_rps" "$status_p99"
printf '%-52s %12s %10s\n' "  one check alone, before the flood (HTTP ${status_single% *})" "" \
  "$(python3 -c "print(f'{${status_single#* } * 1000:.1f}')")"
printf '%-52s %12s %10s\n' "BOOK via POST /api/v1/appointments" "$http_rps" "$http_p99"
printf '%-52s %12s %10s\n' "BOOK via RESP (redis-benchmark -P 1)" "$resp_rps" "$resp_p99"
printf '%-52s %12s\n' "HTTP cost / RESP cost (RESP ÷ HTTP req/s; target ≤ 2)" \
  "$(python3 -c "print(f'{$resp_rps/$http_rps:.2f}×')")"
