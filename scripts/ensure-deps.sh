#!/usr/bin/env bash
# Installs what the build needs from Debian's packages when it is missing:
# liblmdb-dev (the LMDB library and its pkg-config file). Called by `make run|test|bench`.
set -euo pipefail
missing=()
pkg-config --exists lmdb 2>/dev/null || missing+=(liblmdb-dev)
for tool in "$@"; do
  case "$tool" in
    mdb_stat) command -v mdb_stat >/dev/null 2>&1 || missing+=(lmdb-utils) ;;
    redis-cli) command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools) ;;
    python-lmdb) python3 -c 'import lmdb' >/dev/null 2>&1 || pip_missing=1 ;;
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
  echo "installing from PyPI: lmdb" >&2
  python3 -m pip install -q lmdb
fi
