#!/usr/bin/env python3
"""Verified Dafny, compiled to Rust, on seL4 against Linux; build times.

1. The verified queue of examples/dafny-server (src/queue.dfy), translated
   to Rust by dafny-backend, driven by bench/dafny/src/main.rs: N rounds of
   `Push` and `Pop`. The same program is built as a std program for seL4
   and as an ordinary Linux binary (DAFNY_BENCH_LINUX=1). Instructions of
   N1 and N2 rounds, difference per round, so start-up cancels out: on
   seL4 the loop's nanoseconds under QEMU `-icount shift=0` (one per guest
   instruction, user and kernel); on Linux valgrind's executed instructions
   of the process (`cachegrind --cache-sim=no`, "I refs").
2. The build time of each Dafny example: verification (Dafny 2.3 through
   `sel4-dafny translate`, no cache), translation (dafny-backend), and the
   Rust compile of the example with its dependencies already built.

Usage: bench/dafny/run.py [N1 N2]
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
RUNNER = os.path.join(ROOT, "tools", "runner", "sel4-run")
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
STD_TARGET = os.path.join(ROOT, "target", "std")


def sh(cmd, env=None, **kw):
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          env=dict(os.environ, **(env or {})), **kw)
    if proc.returncode != 0:
        sys.exit(f"bench-dafny: {' '.join(cmd)} failed:\n{proc.stdout}")
    return proc.stdout


def timed(cmd, env=None, **kw):
    start = time.monotonic()
    sh(cmd, env, **kw)
    return time.monotonic() - start


def sel4_count(image, n):
    out = sh([RUNNER, "--quiet", "--icount", "0", "--timeout", "600", image, str(n)])
    m = re.search(rf"bench queue {n}: (\d+) ns", out)
    if not m:
        sys.exit(f"bench-dafny: no result from seL4:\n{out}")
    return int(m.group(1))


def linux_count(exe, n, tmp):
    out = sh(["valgrind", "--tool=cachegrind", "--cache-sim=no",
              f"--cachegrind-out-file={tmp}/cg.out", exe, str(n)])
    m = re.search(r"I\s+refs:\s+([\d,]+)", out)
    if not m:
        sys.exit(f"bench-dafny: no count from valgrind:\n{out}")
    return int(m.group(1).replace(",", ""))


def queue(n1, n2, tmp):
    manifest = os.path.join(HERE, "Cargo.toml")
    sh(["cargo", "build", "-q", "--release", "--manifest-path", manifest],
       env={"CARGO_TARGET_DIR": STD_TARGET})
    linux_target = os.path.join(TARGET, "dafny-bench-linux")
    sh(["cargo", "build", "-q", "--release", "--manifest-path", manifest],
       env={"CARGO_TARGET_DIR": linux_target, "DAFNY_BENCH_LINUX": "1"})
    image = os.path.join(STD_TARGET, "release", "dafny-bench")
    exe = os.path.join(linux_target, "release", "dafny-bench")
    s = (sel4_count(image, n2) - sel4_count(image, n1)) / (n2 - n1)
    l = (linux_count(exe, n2, tmp) - linux_count(exe, n1, tmp)) / (n2 - n1)
    print("| workload | seL4 instructions/round | Linux instructions/round | seL4/Linux |")
    print("|---|---|---|---|")
    print(f"| verified queue: `Push` + `Pop` (capacity 64, half full) | {s:.0f} | {l:.0f} | {s / l:.3f} |",
          flush=True)


def build_times(tmp):
    translate = os.path.join(TARGET, "debug", "examples", "translate")
    sh(["cargo", "build", "-q", "-p", "dafny-backend", "--example", "translate"])
    sel4_dafny = os.path.join(ROOT, "dafny-backend", "sel4-dafny")
    print("\n| example | verify | translate | compile |")
    print("|---|---|---|---|")
    examples = [("dafny-hello", "examples/dafny-hello/dafny-hello.dfy", None),
                ("dafny-from-rust", "examples/dafny-from-rust/src/sort.dfy", "dafny-from-rust"),
                ("dafny-server", "examples/dafny-server/src/server.dfy", "dafny-server")]
    for name, dfy, package in examples:
        src = os.path.join(ROOT, dfy)
        # Verification and translation as sel4-dafny does them (includes
        # joined into one program by dafny-build), with an empty cache;
        # then the translation alone, of the program the cache now holds.
        cache = os.path.join(tmp, "cache-" + name)
        both = timed([sel4_dafny, "translate", src, "-o", os.path.join(tmp, name + ".rs")],
                     env={"SUBSTRATE_CACHE": cache})
        [printed] = [os.path.join(d, f) for d, _, fs in os.walk(cache) for f in fs if f.endswith(".dfy")]
        trans = timed([translate, printed])
        verify = both - trans
        if package:
            manifest = os.path.join(ROOT, "examples", name, "Cargo.toml")
            env = {"CARGO_TARGET_DIR": STD_TARGET}
            sh(["cargo", "build", "-q", "--manifest-path", manifest], env=env)
            sh(["cargo", "clean", "-q", "-p", package, "--manifest-path", manifest], env=env)
            # The build script's verification is cached: what is left is
            # the Rust compile (and the link).
            compile_s = timed(["cargo", "build", "-q", "--manifest-path", manifest], env=env)
        else:
            image = os.path.join(tmp, name + ".elf")
            sh([sel4_dafny, "build", src, "-o", image])
            # Add a function so that the program's Rust changes and its
            # package rebuilds; its verification is then not cached
            # either: subtract it.
            edited = os.path.join(tmp, name + ".edited.dfy")
            shutil.copy(src, edited)
            with open(edited, "a") as f:
                f.write(f"function method Unused{int(time.time())}(): int {{ 0 }}\n")
            total = timed([sel4_dafny, "build", edited, "-o", image])
            compile_s = max(total - verify - trans, 0.0)
        print(f"| `{name}` | {verify:.1f} s | {trans:.2f} s | {compile_s:.1f} s |", flush=True)


def main():
    n1, n2 = (int(a) for a in sys.argv[1:3]) if len(sys.argv) > 2 else (10_000, 110_000)
    with tempfile.TemporaryDirectory(prefix="bench-dafny-") as tmp:
        queue(n1, n2, tmp)
        build_times(tmp)


if __name__ == "__main__":
    main()
