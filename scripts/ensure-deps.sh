#!/usr/bin/env bash
# Installs what the build needs from Debian's packages when it is missing:
# liblmdb-dev (the LMDB library and its pkg-config file), libqrencode-dev (the notes' QR code), and on request lmdb-utils, redis-tools
# (redis-cli, redis-benchmark), redis-server, valgrind, wrk, zbar-tools (zbarimg, the QR test's reader), chromium with chromium-driver (the
# portal's browser tests), openssl (the mail test's self-signed certificate), and Python's lmdb, redis (redis-py), icalendar,
# holidays==0.109, selenium, axe-selenium-python, schemathesis and aiosmtpd (the mail test's SMTP server). Called by `make run|test|bench`.
set -euo pipefail
missing=()
pypi_missing=()
pypi_modules=()
updated=0
pkg-config --exists lmdb 2>/dev/null || missing+=(liblmdb-dev)
# libqrencode: the QR code on the printed convocation note (linked as a system library, as LMDB is).
pkg-config --exists libqrencode 2>/dev/null || missing+=(libqrencode-dev)
for tool in "$@"; do
  case "$tool" in
    mdb_stat) command -v mdb_stat >/dev/null 2>&1 || missing+=(lmdb-utils) ;;
    redis-cli) command -v redis-cli >/dev/null 2>&1 || missing+=(redis-tools) ;;
    redis-benchmark) command -v redis-benchmark >/dev/null 2>&1 || missing+=(redis-tools) ;;
    redis-server) command -v redis-server >/dev/null 2>&1 || missing+=(redis-server) ;;
    valgrind) command -v valgrind >/dev/null 2>&1 || missing+=(valgrind) ;;
    wrk) command -v wrk >/dev/null 2>&1 || missing+=(wrk) ;;
    zbarimg) command -v zbarimg >/dev/null 2>&1 || missing+=(zbar-tools) ;;
    openssl) command -v openssl >/dev/null 2>&1 || missing+=(openssl) ;;
    chromium)
      command -v chromium >/dev/null 2>&1 || missing+=(chromium)
      command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver) ;;
    python-lmdb) python3 -c 'import lmdb' >/dev/null 2>&1 || pip_missing=1 ;;
    python-redis) python3 -c 'import redis' >/dev/null 2>&1 || redis_py_missing=1 ;;
    python-icalendar) python3 -c 'import icalendar' >/dev/null 2>&1 || icalendar_missing=1 ;;
    python-selenium) python3 -c 'import selenium' >/dev/null 2>&1 || { pypi_missing+=(selenium); pypi_modules+=(selenium); } ;;
    python-axe) python3 -c 'import axe_selenium_python' >/dev/null 2>&1 || { pypi_missing+=(axe-selenium-python); pypi_modules+=(axe_selenium_python); } ;;
    python-schemathesis) python3 -c 'import schemathesis' >/dev/null 2>&1 || { pypi_missing+=(schemathesis); pypi_modules+=(schemathesis); } ;;
    python-aiosmtpd) python3 -c 'import aiosmtpd' >/dev/null 2>&1 || { pypi_missing+=(aiosmtpd); pypi_modules+=(aiosmtpd); } ;;
    python-holidays)
      python3 -c 'import holidays, sys; sys.exit(holidays.__version__ != "0.109")' >/dev/null 2>&1 || holidays_missing=1 ;;
  esac
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "installing from Debian: ${missing[*]}" >&2
  $sudo apt-get update -qq
  updated=1
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# A Python module into whichever python3 is first on PATH, with pip; Debian's own python refuses
# pip, so fall back to its package (apt-get update once, as above).
python_module() {  # module, pip name, Debian package, what it is for
  echo "installing Python's $1 ($4)" >&2
  if ! python3 -m pip install -q "$2" 2>/dev/null; then
    local sudo=""
    [ "$(id -u)" -ne 0 ] && sudo="sudo"
    [ "$updated" = 1 ] || { $sudo apt-get update -qq; updated=1; }
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$3" >/dev/null
  fi
  python3 -c "import $1" || { echo "python3 cannot import $1; install $3 or pip install $2" >&2; exit 1; }
}
[ "${pip_missing:-0}" = 1 ] && python_module lmdb lmdb python3-lmdb "the log-format test's verifier"
[ "${redis_py_missing:-0}" = 1 ] && python_module redis redis python3-redis "redis-py, a stock client for the process tests"
[ "${icalendar_missing:-0}" = 1 ] && python_module icalendar icalendar python3-icalendar \
  "an independent RFC 5545 parser the documents' tests read the .ics files back with"
if [ "${holidays_missing:-0}" = 1 ]; then
  # PyPI holidays, pinned: the reference the calendar test compares every province's closed days with.
  echo "installing Python's holidays==0.109" >&2
  python3 -m pip install -q "holidays==0.109" 2>/dev/null \
    || python3 -m pip install -q --break-system-packages "holidays==0.109"
  python3 -c 'import holidays, sys; sys.exit(holidays.__version__ != "0.109")' \
    || { echo "python3 cannot import holidays 0.109; run python3 -m pip install holidays==0.109" >&2; exit 1; }
fi
if [ ${#pypi_missing[@]} -gt 0 ]; then
  # From PyPI only (the portal's tests: a browser driver, the axe accessibility rules, the API's
  # property tests; the mail test's SMTP server); Debian's python refuses pip unless told it may.
  echo "installing Python's ${pypi_missing[*]}" >&2
  python3 -m pip install -q "${pypi_missing[@]}" 2>/dev/null \
    || python3 -m pip install -q --break-system-packages "${pypi_missing[@]}"
  for module in "${pypi_modules[@]}"; do
    python3 -c "import $module" || { echo "python3 cannot import $module; run python3 -m pip install ${pypi_missing[*]}" >&2; exit 1; }
  done
fi
