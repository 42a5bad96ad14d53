# sel4-substrate: the two commands a new user needs.
#
#   make run [EXAMPLE=<name>]   boot an example (default: hello) on the embedded seL4 5.0 kernel
#   make test                   the whole suite: lints, host tests, generator tests, every image booted in QEMU,
#                               OCaml's test suite and crates' test suites on seL4
#   make bench                  benchmarks under QEMU -icount (not part of make test)
#   make fuzz [FUZZ_CALLS=n] [FUZZ_SEED=x]
#                               the C ABI fuzzer, a long run (make test runs a short one)
#   make test-kernels SEL4_PREFIXES="<prefix> ..."
#                               the boot suite and OCaml's test suite on the embedded kernel
#                               and each install, as a table
#
# Both install what the machine lacks (tools/deps.sh) and build the kernel
# once into the cache (tools/kernel/provision.py). Set SEL4_PREFIX to the
# install prefix of your own seL4 build to use that kernel instead.

EXAMPLE ?= hello
# A network example (virtio_net in its boot-test table): the host port
# forwarded to its port 80, and how long it serves.
HTTP_PORT ?= 8080
SERVE_SECONDS ?= 3600
CARGO ?= cargo
export SUBSTRATE_CACHE ?= $(HOME)/.cache/sel4-substrate

# The kernel install to build against: the user's, or the embedded one.
PREFIX_CMD = $${SEL4_PREFIX:-$$(python3 tools/kernel/provision.py)}
WITH_PREFIX = prefix="$(PREFIX_CMD)" && [ -n "$$prefix" ] && export SEL4_PREFIX="$$prefix" &&


# std programs: packages with a workspace of their own (they unwind), built
# into target/std.
STD_MANIFESTS = examples/std-hello/Cargo.toml examples/std-threads/Cargo.toml examples/dafny-from-rust/Cargo.toml examples/dafny-server/Cargo.toml bench/dafny/Cargo.toml tests/std-images/Cargo.toml bench/std/Cargo.toml system/c-component/Cargo.toml
STD_TARGET = CARGO_TARGET_DIR=$(CURDIR)/target/std

.PHONY: all deps kernel run build test lint host-test boot-test ocaml-test crates-test doc bench fuzz clean-cache test-kernels

all: build

deps:
	@tools/deps.sh

kernel: deps
	@$(WITH_PREFIX) echo "seL4 prefix: $$SEL4_PREFIX"

# A Cargo package, or a C or OCaml program described by
# c-newlib/tests/$(EXAMPLE).toml (c-hello, c-legacy) or
# ocaml-mirage/tests/$(EXAMPLE).toml (ocaml-hello, mirage-hello, ...), built
# as its boot test builds it.
run: deps
	@$(WITH_PREFIX) if [ -f examples/$(EXAMPLE)/$(EXAMPLE).dfy ]; \
		then dafny-backend/sel4-dafny build examples/$(EXAMPLE)/$(EXAMPLE).dfy -o target/dafny/$(EXAMPLE).elf && \
		tools/runner/sel4-run target/dafny/$(EXAMPLE).elf; \
		elif [ -f c-newlib/tests/$(EXAMPLE).toml ] || [ -f ocaml-mirage/tests/$(EXAMPLE).toml ]; \
		then python3 c-newlib/tests/cimages.py $(EXAMPLE); \
		elif grep -qs '^\[workspace\]' examples/$(EXAMPLE)/Cargo.toml; \
		then $(STD_TARGET) $(CARGO) run -q --manifest-path examples/$(EXAMPLE)/Cargo.toml; \
		elif grep -qs '^virtio_net = true' examples/$(EXAMPLE)/Cargo.toml; \
		then echo "make run: $(EXAMPLE) serves on 127.0.0.1:$(HTTP_PORT) for $(SERVE_SECONDS) s (Ctrl-A X stops QEMU; the time running out is no error)"; \
		SUBSTRATE_FORWARD=$(HTTP_PORT):80 SUBSTRATE_TIMEOUT=$(SERVE_SECONDS) $(CARGO) run -q -p $(EXAMPLE) \
			|| [ $$? = 124 ]; \
		else $(CARGO) run -q -p $(EXAMPLE); fi

build: deps
	@$(WITH_PREFIX) $(CARGO) build --workspace

lint: deps
	$(CARGO) fmt --all --check
	@for m in $(STD_MANIFESTS); do $(CARGO) fmt --manifest-path $$m --all --check || exit 1; done
	@$(WITH_PREFIX) $(CARGO) clippy --workspace --all-targets -- -D warnings
	@# The std personality of a system's components (sel4-dafny --component).
	@$(WITH_PREFIX) $(CARGO) clippy -q -p substrate-std --no-default-features --features component -- -D warnings
	@$(WITH_PREFIX) for m in $(STD_MANIFESTS); do \
		$(STD_TARGET) $(CARGO) clippy -q --manifest-path $$m --workspace --all-targets -- -D warnings || exit 1; done

doc: deps
	@$(WITH_PREFIX) RUSTDOCFLAGS="-D warnings" $(CARGO) doc --workspace --no-deps

# Host unit tests and generator tests (seL4 components have `test = false`).
host-test: deps
	@$(WITH_PREFIX) $(CARGO) test --workspace

# Every image with [package.metadata.boot-test], booted in QEMU.
boot-test: deps
	@$(WITH_PREFIX) python3 tests/boot.py

# OCaml's own test suite (ocaml-mirage/testsuite.list) booted on seL4, each
# program's output compared with its reference.
ocaml-test: deps
	@$(WITH_PREFIX) python3 ocaml-mirage/testsuite.py

# Dafny programs (dafny-backend/tests/programs, examples/dafny-*) verified,
# translated to Rust, booted in one image; each one's output compared with
# Dafny 2.3's own JavaScript and C# backends on the host.
dafny-test: deps
	@$(WITH_PREFIX) python3 dafny-backend/tests/run.py

# The test suites of widely used crates from crates.io (pinned versions,
# fetched by cargo), unmodified, on seL4 (tools/cargo-sel4 test) and on the
# host: the same number of tests must pass.
crates-test: deps
	@$(WITH_PREFIX) python3 tests/crates/run.py

# The parts in order, stopping at the first failure; the time of each is
# printed at the end (tools/test-parts.py).
test: deps
	@python3 tools/test-parts.py lint doc host-test boot-test ocaml-test dafny-test crates-test

# The boot suite and OCaml's test suite on several kernels: the embedded one
# plus every install prefix in SEL4_PREFIXES; prints kernel x passed/failed.
test-kernels: deps
	@python3 tools/test-kernels.py $(SEL4_PREFIXES)

# Benchmarks (not part of `make test`): the release hello's section sizes,
# then one QEMU run with -icount, so the counts repeat, then std on seL4
# against the substrate's primitives (bench/std, -icount), then OCaml's
# instructions per iteration on seL4 against Linux (bench/ocaml/run.py,
# valgrind), Dafny, then the start-up cost of the example systems (kernel
# objects and instructions until every component's init returned); see
# BENCHMARKS.md.
# SEL4_PREFIX=<install> benchmarks that kernel.
bench: deps
	@$(WITH_PREFIX) $(CARGO) build -q --release -p substrate-bench -p hello && \
		size -A $${CARGO_TARGET_DIR:-target}/release/hello | awk '/^\.(text|rodata|data|bss) / { printf "%s%s %s", sep, $$1, $$2; sep = ", " } \
			END { print " bytes: image size of the release hello" }' && \
		tools/runner/sel4-run --icount 0 --timeout 300 $${CARGO_TARGET_DIR:-target}/release/substrate-bench && \
		$(STD_TARGET) $(CARGO) build -q --release --manifest-path bench/std/Cargo.toml && \
		tools/runner/sel4-run --quiet --icount 0 --timeout 300 target/std/release/std-bench && \
		python3 bench/ocaml/run.py && \
		python3 bench/dafny/run.py && \
		python3 bench/net/run.py && \
		$(CARGO) build -q --release -p system-pingpong -p system-restart -p system-polyglot && \
		for s in system-pingpong system-restart system-polyglot; do \
			tools/runner/sel4-run --icount 0 --timeout 300 $${CARGO_TARGET_DIR:-target}/release/$$s | grep 'components initialized' || exit 1; done

# The C ABI fuzzer (c-newlib/tests/fuzz-abi.c) for FUZZ_CALLS calls from
# FUZZ_SEED, booted once; make test boots a short run of it (c:fuzz-abi).
FUZZ_CALLS ?= 1000000
FUZZ_SEED ?= 0x5eed0f5ab5f00d
FUZZ_TIMEOUT ?= 3600
fuzz: deps
	@$(WITH_PREFIX) image=$${CARGO_TARGET_DIR:-target}/c-images/fuzz-abi-long.elf && \
		mkdir -p $$(dirname $$image) && \
		c-newlib/sel4-cc -O2 -Wall -Wextra -Werror -DFUZZ_CALLS=$(FUZZ_CALLS) -DFUZZ_SEED=$(FUZZ_SEED) \
			-o $$image c-newlib/tests/fuzz-abi.c && \
		tools/runner/sel4-run --timeout $(FUZZ_TIMEOUT) $$image

clean-cache:
	rm -rf "$(SUBSTRATE_CACHE)"
