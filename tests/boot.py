#!/usr/bin/env python3
"""Boots every root-task image on the real kernel in QEMU and checks how it ends.

Images are the workspace packages with a `[package.metadata.boot-test]`
table in their Cargo.toml:

    [package.metadata.boot-test]
    status = 0                 # runner status to expect (0 success, 1 failure, 124 timeout)
    expect = ["regex", ...]    # patterns the console output must contain
    timeout = 60               # seconds (optional)
    input = "text"             # fed to the serial port (optional, escapes allowed)

The script builds them all (`cargo build`), boots each through
tools/runner/sel4-run and checks the status and output. It also checks the
build's handling of a broken SEL4_PREFIX. `make boot-test` (part of
`make test`) runs it with SEL4_PREFIX set.
"""

import json
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNNER = os.path.join(ROOT, "tools", "runner", "sel4-run")
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))


def images():
    """(package, binary, metadata) for every package with boot-test metadata."""
    meta = json.loads(subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--no-deps"],
        cwd=ROOT, check=True, capture_output=True, text=True).stdout)
    found = []
    for pkg in meta["packages"]:
        bt = (pkg.get("metadata") or {}).get("boot-test")
        if bt is None:
            continue
        bins = [t["name"] for t in pkg["targets"] if "bin" in t["kind"]]
        found.append((pkg["name"], bins[0], bt))
    return sorted(found)


def boot(image, args):
    path = os.path.join(TARGET, "debug", image)
    start = time.monotonic()
    proc = subprocess.run([RUNNER, *args, path], capture_output=True, text=True, errors="replace")
    return proc.returncode, proc.stdout + proc.stderr, time.monotonic() - start


def check_bad_prefix(prefix, expected):
    """A broken SEL4_PREFIX gives one clear error line naming the problem, no backtrace."""
    env = dict(os.environ, SEL4_PREFIX=prefix,
               CARGO_TARGET_DIR=os.path.join(TARGET, "bad-prefix"))
    proc = subprocess.run(["cargo", "build", "-q", "-p", "sel4-sys"], cwd=ROOT, env=env,
                          capture_output=True, text=True)
    errors = [l for l in proc.stderr.splitlines() if l.startswith("error") and prefix in l]
    ok = (proc.returncode != 0 and len(errors) == 1 and expected in errors[0]
          and "panicked" not in proc.stderr and "RUST_BACKTRACE" not in proc.stderr)
    return ok, proc.stderr


def main():
    cases = images()
    build = ["cargo", "build", "-q"] + [a for name, _, _ in cases for a in ("-p", name)]
    subprocess.run(build, cwd=ROOT, check=True)
    failed = 0
    for name, binary, bt in cases:
        args = ["--timeout", str(bt.get("timeout", 60))]
        if "input" in bt:
            args += ["--input", bt["input"]]
        want_status = bt.get("status", 0)
        status, output, secs = boot(binary, args)
        missing = [p for p in bt.get("expect", []) if not re.search(p, output)]
        if status == want_status and not missing:
            print(f"ok   {name} (status {status}, {secs:.1f} s)")
            continue
        failed += 1
        print(f"FAIL {name}: status {status} (want {want_status}); missing {missing}")
        print("\n".join("     | " + l for l in output.splitlines()[-40:]))
    with tempfile.TemporaryDirectory() as empty:
        checks = [
            ("/nonexistent/sel4-prefix", "no such directory"),
            (empty, "missing"),
        ]
        for prefix, expected in checks:
            ok, stderr = check_bad_prefix(prefix, expected)
            if ok:
                print(f"ok   SEL4_PREFIX={prefix}: one clear error ({expected})")
            else:
                failed += 1
                print(f"FAIL SEL4_PREFIX={prefix}: want one error line with {expected!r}:\n{stderr}")
    total = len(cases) + len(checks)
    print(f"{total - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
