# Agenda — the whole set-up is `make run` and `make test` on a fresh Debian machine.
SWIFT ?= swift
DATA ?= data

.PHONY: run test bench build deps clean

deps:
	@scripts/ensure-deps.sh

build: deps
	$(SWIFT) build -c release --product agenda-node
	$(SWIFT) build -c release --product replay

# The main job: the demo node on 127.0.0.1:7878 (metrics on :9464), its directory seeded on first start.
run: build
	.build/release/agenda-node --demo --data $(DATA) --metrics-port 9464

# The log-format test runs tools/verify_log.py, which needs Python's lmdb binding; the process tests
# run redis-cli, redis-benchmark and redis-py against a real agenda-node; the calendar test
# compares every province's closed days with PyPI holidays==0.109. check-imports names any module a
# target imports without depending on it (it builds here only when the build order is lucky).
test:
	@scripts/ensure-deps.sh python-lmdb python-redis python-icalendar python-holidays redis-cli redis-benchmark
	@python3 scripts/check-imports.py --swift "$(SWIFT)"
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# Prints numbers; asserts no timing.
bench: deps
	@scripts/ensure-deps.sh redis-benchmark redis-server valgrind
	$(SWIFT) build -c release --product agenda-bench
	$(SWIFT) build -c release --product agenda-node
	.build/release/agenda-bench
	scripts/bench-instructions.sh
	scripts/bench-node.sh
	scripts/bench-protocol.sh

clean:
	rm -rf .build
