#!/usr/bin/env python3
"""Runs the unmodified test suites of widely used crates from crates.io on
seL4 (tools/cargo-sel4 test) and on the host (cargo test), and checks that
the same number of tests passed on both.

    python3 tests/crates/run.py [NAME ...]     # all of CRATES, or those named

Each crate is fetched by cargo at its pinned version (a throwaway package
depending on `NAME = "=VERSION"`, `cargo fetch`), and its source, as
published, is copied out of cargo's registry into the cache
($SUBSTRATE_CACHE or ~/.cache/sel4-substrate, `crates/src/NAME-VERSION`):
outside this repository, so that it is a workspace of its own, and never
edited. Both runs build its unit and integration test binaries (`--tests`;
doc-tests stay a host affair) into target/crates. A crate passes when both
runs succeed and the numbers of passed tests (summed over libtest's `test
result:` lines) are equal and not zero. Prints a table and exits 1 if any
crate failed.

Both runs build with `opt-level = 1` in cargo's dev profile
(CARGO_PROFILE_DEV_OPT_LEVEL), keeping its debug assertions and overflow
checks: unoptimised, the heavier suites (ryu's, hashbrown's) spend minutes
in QEMU's software emulation.
"""

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
CARGO_SEL4 = ROOT / "tools" / "cargo-sel4"
CACHE = Path(os.environ.get("SUBSTRATE_CACHE") or Path.home() / ".cache" / "sel4-substrate") / "crates"
TARGET = ROOT / "target" / "crates"

# (crate, pinned version): tests that need no files or network.
CRATES = [
    ("itoa", "1.0.15"),
    ("ryu", "1.0.20"),
    ("smallvec", "1.15.1"),
    ("bitflags", "2.9.1"),
    ("semver", "1.0.26"),
    ("either", "1.15.0"),
    ("arrayvec", "0.7.6"),
    ("hashbrown", "0.15.4"),
    ("num-bigint", "0.4.6"),
]

RESULT = re.compile(r"test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored")


def fetch(crates):
    """The source directories of `crates`, fetched by cargo and copied into the cache."""
    proj = CACHE / "fetch"
    (proj / "src").mkdir(parents=True, exist_ok=True)
    (proj / "src" / "lib.rs").write_text("")
    deps = "\n".join(f'{name} = "={version}"' for name, version in crates)
    (proj / "Cargo.toml").write_text(
        '[package]\nname = "substrate-crates-fetch"\nversion = "0.0.0"\nedition = "2021"\n'
        f"[dependencies]\n{deps}\n[workspace]\n")
    subprocess.run(["cargo", "fetch", "-q", "--manifest-path", str(proj / "Cargo.toml")],
                   check=True)
    cargo_home = Path(os.environ.get("CARGO_HOME") or Path.home() / ".cargo")
    dirs = {}
    for name, version in crates:
        dest = CACHE / "src" / f"{name}-{version}"
        if not dest.is_dir():
            found = sorted((cargo_home / "registry" / "src").glob(f"*/{name}-{version}"))
            if not found:
                raise SystemExit(f"crates: cargo fetched no {name}-{version}")
            tmp = dest.with_suffix(".tmp")
            shutil.rmtree(tmp, ignore_errors=True)
            shutil.copytree(found[0], tmp)
            tmp.rename(dest)
        dirs[name] = dest
    return dirs


def passed(output):
    """(passed, failed) summed over libtest's summary lines."""
    p = f = 0
    for m in RESULT.finditer(output):
        p += int(m.group(1))
        f += int(m.group(2))
    return p, f


def run(cmd, cwd):
    env = dict(os.environ, CARGO_TARGET_DIR=str(TARGET), CARGO_PROFILE_DEV_OPT_LEVEL="1")
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                          errors="replace")
    return proc.returncode, proc.stdout + proc.stderr


def main():
    names = sys.argv[1:]
    crates = [c for c in CRATES if not names or c[0] in names]
    dirs = fetch(crates)
    rows = []
    failed = 0
    for name, version in crates:
        src = dirs[name]
        manifest = str(src / "Cargo.toml")
        t0 = time.monotonic()
        host_rc, host_out = run(["cargo", "test", "--manifest-path", manifest, "--tests",
                                 "--", "-q"], src)
        t1 = time.monotonic()
        sel4_rc, sel4_out = run([str(CARGO_SEL4), "test", "--manifest-path", manifest,
                                 "--tests", "--", "-q"], src)
        t2 = time.monotonic()
        (hp, hf), (sp, sf) = passed(host_out), passed(sel4_out)
        ok = host_rc == 0 and sel4_rc == 0 and hp == sp and hp > 0
        rows.append((name, version, hp, sp, sf, t1 - t0, t2 - t1, ok))
        print(f"{'ok  ' if ok else 'FAIL'} crate {name} {version}: host {hp} passed "
              f"({host_rc}), seL4 {sp} passed, {sf} failed ({sel4_rc}); "
              f"{t1 - t0:.0f} s + {t2 - t1:.0f} s", flush=True)
        if not ok:
            failed += 1
            for label, out in (("host", host_out), ("seL4", sel4_out)):
                tail = out.splitlines()[-30:]
                print("\n".join(f"     | {label}: {line}" for line in tail))
    print("| crate | version | tests passed on the host | tests passed on seL4 |")
    print("|---|---|---|---|")
    for name, version, hp, sp, sf, _, _, ok in rows:
        print(f"| `{name}` | {version} | {hp} | {sp}{'' if ok else ' (FAILED)'} |")
    print(f"crates: {len(rows) - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
