# Agenda — the whole set-up is `make run` and `make test` on a fresh Debian machine.
SWIFT ?= swift
DATA ?= data

.PHONY: run test bench build deps clean fuzz soak

deps:
	@scripts/ensure-deps.sh

build: deps
	$(SWIFT) build -c release --product agenda-node
	$(SWIFT) build -c release --product replay

# The main job: the demo node on 127.0.0.1:7878 (RESP), the web portal on http://127.0.0.1:8080/
# (metrics on :9464), its directory seeded on first start; it prints the demo accounts.
run: build
	.build/release/agenda-node --demo --data $(DATA) --metrics-port 9464 --http-port 8080

# The log-format test runs tools/verify_log.py, which needs Python's lmdb binding; the process tests
# run redis-cli, redis-benchmark and redis-py against a real agenda-node; the calendar test
# compares every province's closed days with PyPI holidays==0.109; the QR test reads the notes' code
# back with Debian's zbarimg. check-imports names any module a
# target imports without depending on it (it builds here only when the build order is lucky).
#
# Tests/Portal/run.py drives the web portal in Debian's chromium (selenium, axe-core) and runs
# schemathesis against docs/openapi.yaml, on a node it starts on a free loopback port.
test:
	@scripts/ensure-deps.sh python-lmdb python-redis python-icalendar python-holidays redis-cli redis-benchmark \
		chromium python-selenium python-axe python-schemathesis python-aiosmtpd openssl zbarimg mdb_stat
	@python3 scripts/check-imports.py --swift "$(SWIFT)"
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	python3 Tests/Portal/run.py

# Prints numbers; asserts no timing.
bench: deps
	@scripts/ensure-deps.sh redis-benchmark redis-server valgrind wrk
	$(SWIFT) build -c release --product agenda-bench
	$(SWIFT) build -c release --product agenda-node
	.build/release/agenda-bench
	scripts/bench-instructions.sh
	scripts/bench-node.sh
	scripts/bench-protocol.sh
	scripts/bench-portal.sh

# The abuse tests of `make test` (protocol fuzz, crash loop, full disk), long, printing their
# figures: minutes by default, AGENDA_ABUSE_* to change them (docs/reliability.md).
soak:
	@scripts/ensure-deps.sh redis-cli
	$(SWIFT) build --build-tests
	SWIFT="$(SWIFT)" scripts/soak.sh

# Coverage-guided fuzzing of the request decoder and the record decoder (libFuzzer, in .build-fuzz):
# FUZZ_SECONDS each (default 300), from the seeds in Fuzz/corpus/; prints execs, cov, ft, corpus
# size and crashes per harness. -DFUZZING makes each harness's @main hand its check to libFuzzer's
# driver (SwiftPM links main to the module's entry point; plainly built, a harness checks saved
# inputs). Linked with the toolchain's lld: -sanitize=fuzzer links all of libFuzzer, its main too,
# which gold cannot reconcile with SwiftPM's --defsym main=… (it stops with an internal error).
# docs/reliability.md has the figures and how to read a crash.
FUZZ_SECONDS ?= 300
FUZZ_BUILD = $(SWIFT) build -c release --scratch-path .build-fuzz --toolset .build-fuzz/lld-toolset.json \
	-Xswiftc -sanitize=fuzzer -Xswiftc -parse-as-library -Xswiftc -DFUZZING
fuzz: deps
	@mkdir -p .build-fuzz
	@printf '{"schemaVersion": "1.0", "linker": {"path": "%s/ld.lld"}}\n' \
		"$$(dirname "$$(readlink -f "$$(command -v swiftc)")")" > .build-fuzz/lld-toolset.json
	$(FUZZ_BUILD) --product agenda-fuzz-resp
	$(FUZZ_BUILD) --product agenda-fuzz-record
	scripts/fuzz.sh $(FUZZ_SECONDS)

clean:
	rm -rf .build .build-fuzz
