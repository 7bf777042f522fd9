# Thin wrapper over meson for the README commands. Build directories:
#   build/       sanitizer build (ASan+UBSan, gcc): what `make test` runs
#   build-rel/   optimised build: `make demo` and the benchmarks
#   build-fuzz/  clang + libFuzzer: `make fuzz`
.PHONY: all deps build test demo fuzz bench bench-wire bench-journal bench-sim bench-link bench-track bench-hash accept-track clean format

MESON ?= meson
FUZZ_SECONDS ?= 60
SAN_OPTS = -Db_sanitize=address,undefined -Db_lundef=false
export UBSAN_OPTIONS ?= halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS ?= detect_leaks=1:abort_on_error=1

all: build

deps:
	@scripts/deps

build/build.ninja: | deps
	$(MESON) setup build $(SAN_OPTS) --buildtype=debug

build-rel/build.ninja: | deps
	$(MESON) setup build-rel --buildtype=release -Dtests=false

build-fuzz/build.ninja: | deps
	CC=clang $(MESON) setup build-fuzz $(SAN_OPTS) -Dfuzz=true -Dtests=false --buildtype=debugoptimized

build: deps build/build.ninja
	ninja -C build

# The release build is compiled too (not run): -O3 and NDEBUG raise
# warnings (format truncation, variables only used in asserts) that the
# debug sanitizer build cannot see, and make demo uses that build.
test: deps build/build.ninja build-rel/build.ninja
	ninja -C build-rel
	ninja -C build
	$(MESON) test -C build --print-errorlogs --num-processes 2 $(TEST_ARGS) ; \
	  rc=$$?; python3 scripts/test-summary build/meson-logs/testlog.json; exit $$rc

demo: deps build-rel/build.ninja
	ninja -C build-rel
	scripts/demo build-rel

fuzz: deps build-fuzz/build.ninja
	ninja -C build-fuzz
	scripts/fuzz build-fuzz $(FUZZ_SECONDS)

# Durable link latency/throughput next to the fdatasync and TLS floors.
bench-link: deps build-rel/build.ninja
	ninja -C build-rel bench/bench_link
	./build-rel/bench/bench_link $(or $(BENCH_DIR),build-rel)


# Batch signing against one signature per envelope (docs/protocol.md).
bench-wire: deps build-rel/build.ninja
	ninja -C build-rel bench/bench-wire
	build-rel/bench/bench-wire
# CPU of the keyed (SipHash) slot functions against the unkeyed ones they replaced.
bench-hash: deps build-rel/build.ninja
	ninja -C build-rel bench/bench_hash
	./build-rel/bench/bench_hash
# Journal commit latency/throughput next to the disk's fdatasync floor.
bench-journal: deps build-rel/build.ninja
	ninja -C build-rel bench/bench_journal
	./build-rel/bench/bench_journal $(BENCH_DIR)
# Simulated seconds per wall second for the mixed exercise against 1,000x (issue 3).
bench-sim: deps build-rel/build.ninja
	ninja -C build-rel bench/bench_sim
	./build-rel/bench/bench_sim examples/scenarios/mixed-exercise.json
# Tracker updates per second at 10..5,000 objects (docs/tracking.md).
bench-track: deps build-rel/build.ninja
	ninja -C build-rel bench/bench_track
	./build-rel/bench/bench_track
# Issue 4's acceptance: the four example scenarios at 100 seeds each, merged
# and checked against its criteria (scripts/track-accept; ~7 min on 2
# cores; exit 1 while a criterion is not met). ACCEPT_OPTS adds options,
# e.g. ACCEPT_OPTS='--scenario irbm-over-japan --seeds 25'.
accept-track: deps build-rel/build.ninja
	ninja -C build-rel src/cli/mwlink
	scripts/track-accept --mwlink build-rel/src/cli/mwlink $(ACCEPT_OPTS)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build build-rel build-fuzz

# Bigger exhaustive SPIN runs of docs/spin/three_nodes.pml than make test's
# (more connection drops, restricted-crash checks); minutes.
.PHONY: spin-full
spin-full:
	tests/unit/spin-check.sh docs/spin/three_nodes.pml --full
