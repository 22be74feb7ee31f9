# Wharf's entry points. Everything runs on the Node 24 pinned in node_modules, never the host's node.
#
#   make deps      Debian packages + node_modules (quiet and quick when already there)
#   make build     bundle wharfd into dist/wharfd.mjs (faster start; bin/wharfd uses it only while
#                  it matches the sources, else runs src/)
#   make lint      type-check (tsc --noEmit) + biome lint
#   make unit      unit tests next to the code (src/**/*.test.ts)
#   make e2e       end-to-end tests against a live wharfd (test/e2e/*.test.ts; root)
#   make test      deps + lint + unit + e2e (what .ci/run runs)
#   make demo      start wharfd, walk through images, containers, networks, volumes, build, push/pull
#   make bench     wharfd vs dockerd vs podman (installs docker.io and podman if missing)
#   make fixtures  build the cached test images (busybox and Debian rootfs tars)

NODE := node_modules/node/bin/node
NODE_FLAGS := --disable-warning=ExperimentalWarning
# Two cores here: two test files at a time keeps both busy without starving the daemons under test.
TEST_CONCURRENCY ?= 2
UNIT_TIMEOUT_MS ?= 120000
E2E_TIMEOUT_MS ?= 600000
# Narrow a run: make unit TESTS='src/image/**/*.test.ts', make e2e TESTS=test/e2e/images.test.ts
UNIT_TESTS ?= 'src/**/*.test.ts'
E2E_TESTS ?= 'test/e2e/*.test.ts'
ifdef TESTS
UNIT_TESTS := $(TESTS)
E2E_TESTS := $(TESTS)
endif

.PHONY: all deps deps-npm build lint typecheck biome unit e2e test demo bench fixtures

all: test

deps:
	@scripts/deps.sh

deps-npm:
	@scripts/deps.sh --npm

build: deps-npm
	@$(NODE) scripts/build.mjs

typecheck: deps-npm
	@echo '== tsc --noEmit'
	@node_modules/.bin/tsc --noEmit -p .

biome: deps-npm
	@echo '== biome lint'
	@node_modules/.bin/biome lint --diagnostic-level=warn src test bench

lint: typecheck biome

unit: deps-npm
	@echo '== unit tests'
	@$(NODE) $(NODE_FLAGS) --test --test-concurrency=$(TEST_CONCURRENCY) \
		--test-timeout=$(UNIT_TIMEOUT_MS) $(UNIT_TESTS)

e2e: deps build
	@echo '== e2e tests'
	@$(NODE) $(NODE_FLAGS) --test --test-concurrency=$(TEST_CONCURRENCY) \
		--test-timeout=$(E2E_TIMEOUT_MS) $(E2E_TESTS)

# -k: a lint failure still runs the tests, so one CI run shows every failure; the exit code
# is still non-zero when any step failed.
test: deps
	@start=$$(date +%s); $(MAKE) --no-print-directory -k lint unit e2e; rc=$$?; \
		echo "== make test: $$(( $$(date +%s) - start ))s, exit $$rc"; exit $$rc

fixtures: deps
	@$(NODE) $(NODE_FLAGS) test/fixtures/build.ts all

demo: deps build
	@scripts/demo.sh

bench: deps build
	@scripts/deps.sh --bench
	@$(NODE) $(NODE_FLAGS) bench/run.ts $(BENCH_ARGS)
