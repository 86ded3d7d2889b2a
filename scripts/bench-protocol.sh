#!/usr/bin/env bash
# The protocol benchmark of `make bench`: redis-benchmark against agenda-node (BOOK of random
# demo pratiche, 50 clients, -P 1 and -P 16) and against Debian's redis-server with
# appendonly yes + appendfsync always (SET), in one run, on loopback; prints both and the ratio.
# Numbers only: nothing here passes or fails on a timing.
set -euo pipefail
cd "$(dirname "$0")/.."
NODE=.build/release/agenda-node
WORK=.build/bench-protocol
PRATICHE=${AGENDA_BENCH_PRATICHE:-1000000}
REQUESTS_P1=${AGENDA_BENCH_REQUESTS_P1:-100000}
REQUESTS_P16=${AGENDA_BENCH_REQUESTS_P16:-400000}
CLIENTS=50
mkdir -p "$WORK"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

wait_for() { # port
  for _ in $(seq 1 600); do
    redis-cli -p "$1" PING >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "nothing answered on port $1" >&2; return 1
}

# One seeded directory (fixtures + demo), made once and copied for each run so every run
# starts from the same state.
TEMPLATE="$WORK/template-$PRATICHE"
if [ ! -f "$TEMPLATE/data.mdb" ]; then
  echo "seeding $TEMPLATE with $PRATICHE demo pratiche (once)..." >&2
  rm -rf "$TEMPLATE"
  PORT=$(free_port)
  "$NODE" --demo --demo-pratiche "$PRATICHE" --data "$TEMPLATE" --port "$PORT" >"$WORK/seed.log" 2>&1 &
  PID=$!
  wait_for "$PORT"
  kill -TERM "$PID"; wait "$PID" || true
fi

# csv: "test","rps","avg","min","p50","p95","p99","max"
run_benchmark() { # port pipeline requests [auth...] -- command...
  local port=$1 pipeline=$2 requests=$3; shift 3
  redis-benchmark -h 127.0.0.1 -p "$port" -c "$CLIENTS" -P "$pipeline" -n "$requests" -r "$PRATICHE" --csv "$@" \
    | tail -1 | tr -d '"' | awk -F, '{printf "%.0f %.3f %.3f\n", $2, $5, $7}'
}

declare -A AGENDA REDIS
for pipeline in 1 16; do
  requests=$REQUESTS_P1; [ "$pipeline" = 16 ] && requests=$REQUESTS_P16
  RUN="$WORK/run"
  rm -rf "$RUN"; cp -a "$TEMPLATE" "$RUN"; rm -f "$RUN/writer.lock"
  PORT=$(free_port)
  "$NODE" --data "$RUN" --port "$PORT" --log-level warning >"$WORK/node.log" 2>&1 &
  PID=$!
  wait_for "$PORT"
  # INFO past its server section needs AUTH (docs/protocol.md).
  info() { redis-cli -p "$PORT" --user sui.roma --pass demo --no-auth-warning INFO "$1"; }
  before=$(info persistence | grep log_head_seq | cut -d: -f2 | tr -d '\r')
  AGENDA[$pipeline]=$(run_benchmark "$PORT" "$pipeline" "$requests" --user sui.roma -a demo \
    BOOK DEMO-Q fotosegnalamento P-DEMO-__rand_int__ EXISTING)
  after=$(info persistence | grep log_head_seq | cut -d: -f2 | tr -d '\r')
  booked=$(info Agenda | grep '^appointments' | cut -d: -f2 | tr -d '\r')
  rss=$(awk '/^RssAnon/ {printf "%.0f MB", $2 / 1024}' "/proc/$PID/status")
  kill -TERM "$PID"; wait "$PID" || true
  echo "agenda-node -P $pipeline: $((after - before)) records appended, $booked appointments booked; RssAnon after: $rss" >&2

  RDIR="$WORK/redis"; rm -rf "$RDIR"; mkdir -p "$RDIR"
  RPORT=$(free_port)
  redis-server --port "$RPORT" --bind 127.0.0.1 --dir "$RDIR" --appendonly yes --appendfsync always --save "" \
    --daemonize no >"$WORK/redis.log" 2>&1 &
  RPID=$!
  wait_for "$RPORT"
  REDIS[$pipeline]=$(run_benchmark "$RPORT" "$pipeline" "$requests" SET key:__rand_int__ value)
  kill -TERM "$RPID"; wait "$RPID" || true
done

printf '\n%-40s %12s %10s %10s\n' "protocol benchmark (50 clients, loopback)" "ops/s" "p50 ms" "p99 ms"
for pipeline in 1 16; do
  read -r a_ops a_p50 a_p99 <<<"${AGENDA[$pipeline]}"
  read -r r_ops r_p50 r_p99 <<<"${REDIS[$pipeline]}"
  printf '%-40s %12s %10s %10s\n' "agenda-node BOOK -P $pipeline" "$a_ops" "$a_p50" "$a_p99"
  printf '%-40s %12s %10s %10s\n' "redis-server AOF always SET -P $pipeline" "$r_ops" "$r_p50" "$r_p99"
  printf '%-40s %12s\n' "ratio agenda/redis -P $pipeline" "$(python3 -c "print(f'{$a_ops/$r_ops:.2f}')")"
done
