#!/usr/bin/env bash
# Installs what the build needs from Debian's packages when it is missing:
# liblmdb-dev (the LMDB library and its pkg-config file), and on request lmdb-utils, redis-tools
# (redis-cli, redis-benchmark), redis-server, Python's lmdb, redis (redis-py), icalendar and holidays==0.109. Called by `make run|test|bench`.
set -euo pipefail
missing=()
pkg-config --exists lmdb 2>/dev/null || missing+=(liblmdb-dev)
for tool in "$@"; do
  case "$tool" in
    mdb_stat) command -v mdb_stat >/dev/null 2>&1 || missing+=(lmdb-utils) ;;
    redis-cli) command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools) ;;
    redis-benchmark) command -v redis-benchmark >/dev/null 2>&1 || missing+=(redis-tools) ;;
    redis-server) command -v redis-server >/dev/null 2>&1 || missing+=(redis-server) ;;
    python-lmdb) python3 -c 'import lmdb' >/dev/null 2>&1 || pip_missing=1 ;;
    python-redis) python3 -c 'import redis' >/dev/null 2>&1 || redis_py_missing=1 ;;
    python-icalendar) python3 -c 'import icalendar' >/dev/null 2>&1 || icalendar_missing=1 ;;
    python-holidays)
      python3 -c 'import holidays, sys; sys.exit(holidays.__version__ != "0.109")' >/dev/null 2>&1 || holidays_missing=1 ;;
  esac
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "installing from Debian: ${missing[*]}" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if [ "${pip_missing:-0}" = 1 ]; then
  # Into whichever python3 is first on PATH; Debian's own python refuses pip, so fall back to its package.
  echo "installing Python's lmdb binding" >&2
  if ! python3 -m pip install -q lmdb 2>/dev/null; then
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-lmdb >/dev/null
  fi
  python3 -c 'import lmdb' || { echo "python3 cannot import lmdb; install python3-lmdb or pip install lmdb" >&2; exit 1; }
fi
if [ "${redis_py_missing:-0}" = 1 ]; then
  # redis-py, for the test that a stock Python client talks to agenda-node unchanged; same fallback.
  echo "installing Python's redis client" >&2
  if ! python3 -m pip install -q redis 2>/dev/null; then
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-redis >/dev/null
  fi
  python3 -c 'import redis' || { echo "python3 cannot import redis; install python3-redis or pip install redis" >&2; exit 1; }
fi
if [ "${icalendar_missing:-0}" = 1 ]; then
  # icalendar, an independent RFC 5545 parser the documents' tests read the .ics files back with.
  echo "installing Python's icalendar" >&2
  if ! python3 -m pip install -q icalendar 2>/dev/null; then
    sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3-icalendar >/dev/null
  fi
  python3 -c 'import icalendar' || { echo "python3 cannot import icalendar; install python3-icalendar or pip install icalendar" >&2; exit 1; }
fi
if [ "${holidays_missing:-0}" = 1 ]; then
  # PyPI holidays, pinned: the reference the calendar test compares every province's closed days with.
  echo "installing Python's holidays==0.109" >&2
  python3 -m pip install -q "holidays==0.109" 2>/dev/null \
    || python3 -m pip install -q --break-system-packages "holidays==0.109"
  python3 -c 'import holidays, sys; sys.exit(holidays.__version__ != "0.109")' \
    || { echo "python3 cannot import holidays 0.109; run python3 -m pip install holidays==0.109" >&2; exit 1; }
fi
