#!/usr/bin/env bash
# make fuzz: runs each libFuzzer harness built in .build-fuzz for FUZZ_SECONDS (default 300),
# from the seed corpus in Fuzz/corpus/<name>/ and the inputs earlier runs found
# (.build-fuzz/corpus/<name>/, kept between runs), then prints one line of figures per harness.
# Exits 1 if a harness failed; its input is saved under .build-fuzz/crashes/<name>/.
# FUZZ_ONLY=resp (or record) runs one harness.
set -uo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-${FUZZ_SECONDS:-300}}"
bin=".build-fuzz/release"
status=0
summary=()
for name in ${FUZZ_ONLY:-resp record}; do
  work=".build-fuzz/corpus/$name"
  crashes=".build-fuzz/crashes/$name"
  log=".build-fuzz/fuzz-$name.log"
  mkdir -p "$work" "$crashes"
  options=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
           -artifact_prefix="$crashes/")
  # The decoder's limits (4 KiB lines) are only reached by longer inputs than libFuzzer's default.
  [ "$name" = resp ] && options+=(-max_len=9000 -dict=Fuzz/resp.dict)
  echo "fuzzing the $name decoder for $seconds s (log: $log)"
  # Swift's own backtracer would catch a failed check's trap before libFuzzer, which then never
  # saves the input; libFuzzer prints the stack itself.
  SWIFT_BACKTRACE=enable=no "$bin/agenda-fuzz-$name" "${options[@]}" "$work" "Fuzz/corpus/$name" >"$log" 2>&1
  code=$?
  done_line=$(grep -E '^#[0-9]+[[:space:]]+(DONE|INITED|pulse|NEW|REDUCE)' "$log" | tail -1)
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  rss=$(sed -n 's/^stat::peak_rss_mb: *//p' "$log")
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$done_line")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$done_line")
  corp=$(sed -n 's/.* corp: \([0-9]*\/[0-9]*[a-zA-Z]*\).*/\1/p' <<<"$done_line")
  found=$(find "$crashes" -type f | wc -l)
  line="$name: execs ${execs:-?} (${rate:-?}/s), cov ${cov:-?}, ft ${ft:-?}, corpus ${corp:-?} (files/bytes), peak RSS ${rss:-?} MB, crashes saved $found, exit $code"
  summary+=("$line")
  if [ "$code" -ne 0 ]; then
    status=1
    echo "the $name harness failed (exit $code); the stack:" >&2
    grep -E '^(==|    #|Fatal error|.*precondition|SUMMARY|artifact_prefix|Test unit written)' "$log" | head -40 >&2
  fi
done
printf '%s\n' "${summary[@]}"
exit $status
