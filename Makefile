# Agenda — the whole set-up is `make run` and `make test` on a fresh Debian machine.
SWIFT ?= swift
DATA ?= data

.PHONY: run test bench build deps clean

deps:
	@scripts/ensure-deps.sh

build: deps
	$(SWIFT) build -c release --product agenda-node
	$(SWIFT) build -c release --product replay

# The main job: agenda-node with $(DATA), created and seeded from fixtures on first start.
run: build
	.build/release/agenda-node --data $(DATA)

# The log-format test runs tools/verify_log.py, which needs Python's lmdb binding.
test:
	@scripts/ensure-deps.sh python-lmdb
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# Prints numbers; asserts no timing.
bench: deps
	$(SWIFT) build -c release --product agenda-bench
	.build/release/agenda-bench

clean:
	rm -rf .build
