#!/usr/bin/env python3
"""Runs the boot suite (tests/boot.py) and OCaml's test suite
(ocaml-mirage/testsuite.py) on several seL4 kernels and prints a table.

Usage: python3 tools/test-kernels.py [PREFIX ...]   (or SEL4_PREFIXES="PREFIX ...")

Each PREFIX is the install prefix of a seL4 build (`ninja install`, x86_64
pc99); the embedded kernel (tools/kernel/provision.py) is always tested
first. Every kernel gets a target directory of its own under
target/kernels/, so switching between them rebuilds nothing twice. The
table has one row per kernel: its version (where the install records one),
MCS or not, debug/printing or release, FPU method and FS/GS base method,
all read from the prefix's gen_config.json, the boot suite's
passed/failed/skipped counts and the OCaml test suite's passed/failed
counts (logs: target/kernels/<kernel>/boot.log and ocaml-test.log). Exits 1
if any kernel had a failure.

`make test-kernels SEL4_PREFIXES="..."` runs this.
"""

import json
import os
import re
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PROVISION = os.path.join(ROOT, "tools", "kernel", "provision.py")
BOOT = os.path.join(ROOT, "tests", "boot.py")
OCAML_TESTS = os.path.join(ROOT, "ocaml-mirage", "testsuite.py")


def describe(prefix):
    """(version, MCS, build kind, FPU, FS/GS base) from the prefix's files."""
    path = os.path.join(prefix, "libsel4", "include", "kernel", "gen_config.json")
    with open(path) as f:
        cfg = json.load(f)

    def on(key):
        v = cfg.get(key, False)
        return v.upper() in ("1", "ON", "TRUE") if isinstance(v, str) else bool(v)

    version = cfg.get("KERNEL_VERSION")
    if not version and os.path.exists(os.path.join(prefix, "VERSION")):
        with open(os.path.join(prefix, "VERSION")) as f:
            version = f.read().strip()
    kind = "debug" if on("DEBUG_BUILD") else "release"
    if on("PRINTING"):
        kind += "+printing"
    return (
        version or "not recorded",
        "MCS" if on("KERNEL_MCS") else "non-MCS",
        kind,
        str(cfg.get("KERNEL_X86_FPU", "?")),
        str(cfg.get("KERNEL_FSGS_BASE", "?")),
    )


def target_dir(prefix):
    """A target directory per kernel, named after the prefix."""
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", os.path.abspath(prefix).strip("/"))
    return os.path.join(ROOT, "target", "kernels", name[-80:])


def run_suite(prefix):
    """(passed, failed, skipped, seconds, log path) of tests/boot.py on `prefix`."""
    tdir = target_dir(prefix)
    os.makedirs(tdir, exist_ok=True)
    log = os.path.join(tdir, "boot.log")
    env = dict(os.environ, SEL4_PREFIX=prefix, CARGO_TARGET_DIR=tdir)
    start = time.monotonic()
    with open(log, "w") as out:
        proc = subprocess.run([sys.executable, BOOT], cwd=ROOT, env=env,
                              stdout=out, stderr=subprocess.STDOUT)
    secs = time.monotonic() - start
    with open(log, errors="replace") as f:
        text = f.read()
    m = None
    for m in re.finditer(r"^(\d+) passed, (\d+) failed(?:, (\d+) skipped)?$", text, re.MULTILINE):
        pass
    if m is None:
        return 0, 1, 0, secs, log  # the suite did not get as far as its summary
    passed, failed, skipped = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    if proc.returncode != 0 and failed == 0:
        failed = 1
    return passed, failed, skipped, secs, log


def run_ocaml_suite(prefix):
    """(passed, failed, log path) of OCaml's test suite (ocaml-mirage/testsuite.py) on `prefix`."""
    tdir = target_dir(prefix)
    log = os.path.join(tdir, "ocaml-test.log")
    env = dict(os.environ, SEL4_PREFIX=prefix, CARGO_TARGET_DIR=tdir)
    with open(log, "w") as out:
        proc = subprocess.run([sys.executable, OCAML_TESTS], cwd=ROOT, env=env,
                              stdout=out, stderr=subprocess.STDOUT)
    with open(log, errors="replace") as f:
        m = re.search(r"^ocaml testsuite: (\d+) passed, (\d+) failed", f.read(), re.MULTILINE)
    if m is None:
        return 0, 1, log
    passed, failed = int(m.group(1)), int(m.group(2))
    return passed, failed or (1 if proc.returncode else 0), log


def main():
    prefixes = sys.argv[1:] or os.environ.get("SEL4_PREFIXES", "").split()
    for p in prefixes:
        if not os.path.exists(os.path.join(p, "libsel4", "include", "kernel", "gen_config.json")):
            sys.exit(f"test-kernels: {p}: not a seL4 install prefix (no libsel4/include/kernel/gen_config.json)")
    embedded = subprocess.run([sys.executable, PROVISION], check=True,
                              stdout=subprocess.PIPE, text=True).stdout.strip()
    rows = []
    for prefix in [embedded] + prefixes:
        print(f"test-kernels: booting the suite on {prefix}", flush=True)
        start = time.monotonic()
        passed, failed, skipped, _, log = run_suite(prefix)
        o_passed, o_failed, o_log = run_ocaml_suite(prefix)
        secs = time.monotonic() - start
        for path in (log, o_log):
            for line in open(path, errors="replace"):
                if line.startswith("FAIL"):
                    print("  " + line.rstrip())
        rows.append((prefix, describe(prefix), passed, failed, skipped, o_passed, o_failed, secs))
    print()
    print("| kernel | version | scheduler | build | FPU | FS/GS base | passed | failed | skipped "
          "| OCaml tests passed | OCaml tests failed | time |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        prefix, (version, mcs, kind, fpu, fsgs), passed, failed, skipped, o_passed, o_failed, secs = row
        name = "embedded" if prefix == embedded else os.path.basename(prefix.rstrip("/"))
        print(f"| {name} | {version} | {mcs} | {kind} | {fpu} | {fsgs} | {passed} | {failed} "
              f"| {skipped} | {o_passed} | {o_failed} | {secs:.0f} s |")
    total_failed = sum(r[3] + r[6] for r in rows)
    print(f"test-kernels: {len(rows)} kernels, {sum(r[2] for r in rows)} passed, {total_failed} failed")
    sys.exit(1 if total_failed else 0)


if __name__ == "__main__":
    main()
