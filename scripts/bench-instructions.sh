#!/usr/bin/env bash
# Instructions per decided BOOK, counted by valgrind's callgrind (repeatable where seconds are
# not): agenda-bench's `engineBookLoop` (decide, seal, fold, and the changed views' bytes per
# 1,024) over AGENDA_BENCH_BOOKS books, collecting only inside that loop. Prints numbers only.
set -euo pipefail
cd "$(dirname "$0")/.."
BOOKS=${AGENDA_BENCH_BOOKS:-20000}
if ! command -v valgrind >/dev/null 2>&1; then
  echo "instructions per book: valgrind is not installed; skipped" >&2
  exit 0
fi
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
# Debian's valgrind 3.19 cannot read the DWARF Swift 6 writes ("possibly corrupted debuginfo"):
# count a copy without it (the symbol table, which --toggle-collect needs, stays).
objcopy --strip-debug .build/release/agenda-bench "$OUT/agenda-bench"
AGENDA_BENCH_ONLY=instructions AGENDA_BENCH_BOOKS=$BOOKS valgrind --tool=callgrind --collect-atstart=no \
  --toggle-collect='*engineBookLoop*' --callgrind-out-file="$OUT/callgrind.out" "$OUT/agenda-bench" \
  2>"$OUT/valgrind.log" >/dev/null
COLLECTED=$(grep -o 'Collected : [0-9]*' "$OUT/valgrind.log" | awk '{print $3}')
echo "  instructions per decided book (callgrind, $BOOKS books, decide + seal + fold + view bytes): $((COLLECTED / BOOKS))"
echo "  target: about 1 µs a book, a few thousand instructions"
