#!/usr/bin/env bash
# make soak: the abuse tests of make test (protocol fuzz, crash loop, full disk) and the engine's
# deterministic simulation, long, against
# the agenda-node that `swift build --build-tests` builds, then their figures. Every parameter
# is an environment variable (docs/reliability.md); the defaults run for some minutes.
set -uo pipefail
cd "$(dirname "$0")/.."
export AGENDA_ABUSE_FUZZ_INPUTS="${AGENDA_ABUSE_FUZZ_INPUTS:-1000000}"
export AGENDA_ABUSE_FUZZ_BATCHES="${AGENDA_ABUSE_FUZZ_BATCHES:-40}"
export AGENDA_ABUSE_FUZZ_CONNECTIONS="${AGENDA_ABUSE_FUZZ_CONNECTIONS:-8}"
export AGENDA_ABUSE_CRASH_ROUNDS="${AGENDA_ABUSE_CRASH_ROUNDS:-20}"
export AGENDA_ABUSE_CRASH_CLIENTS="${AGENDA_ABUSE_CRASH_CLIENTS:-8}"
export AGENDA_ABUSE_CRASH_ACKS="${AGENDA_ABUSE_CRASH_ACKS:-1000}"
export AGENDA_ABUSE_PRATICHE="${AGENDA_ABUSE_PRATICHE:-80000}"
# The engine's deterministic simulation (EngineSimulationTests): steps per seed, and the seeds.
export AGENDA_SIM_STEPS="${AGENDA_SIM_STEPS:-20000}"
swift="${SWIFT:-swift}"
log=".build/soak.log"
mkdir -p .build
echo "soak: $(env | grep '^AGENDA_ABUSE_' | sort | tr '\n' ' ')(log: $log)"
"$swift" test --skip-build --filter 'ProtocolFuzzTests|CrashLoopTests|FullDiskTests|EngineSimulationTests' 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
echo
echo "soak figures:"
grep -h 'abuse figures:' "$log" | sed 's/^.*abuse figures: /  /'
grep -h 'full-disk test skipped' "$log" | head -1 | sed 's/^/  /'
exit "$status"
