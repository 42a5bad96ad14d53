#!/usr/bin/env python3
"""Boots every root-task image on the real kernel in QEMU and checks how it ends.

Each case names an image (built by `make build` into target/debug/), the
runner status it must end with, and patterns its console output must contain.
Also checks the build's handling of a broken SEL4_PREFIX. Run through
`make boot-test` (part of `make test`), which sets SEL4_PREFIX.
"""

import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RUNNER = os.path.join(ROOT, "tools", "runner", "sel4-run")
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))

# (image, runner arguments, expected runner status, patterns in the output)
CASES = [
    ("hello", [], 0, [
        r"Hello from Rust on seL4!",
        r"kernel: seL4 \d+\.\d+\.\d+",
        r"untyped RAM regions: [1-9]\d*, free memory: [1-9]\d* KiB",
        r"squares: 1 4 9 16 25 36 49 64 81 100",
        r"substrate: exit success",
    ]),
    ("test-panicking", [], 1, [
        r"about to panic",
        r"panicked at tests/images/panicking/src/main\.rs:\d+:\d+:",
        r"deliberate panic, answer = 42",
    ]),
    ("test-hang", ["--timeout", "8"], 124, [r"hanging on purpose"]),
]


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
    failed = 0
    for image, args, want_status, patterns in CASES:
        status, output, secs = boot(image, args)
        missing = [p for p in patterns if not re.search(p, output)]
        if status == want_status and not missing:
            print(f"ok   {image} (status {status}, {secs:.1f} s)")
            continue
        failed += 1
        print(f"FAIL {image}: status {status} (want {want_status}); missing {missing}")
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
    total = len(CASES) + len(checks)
    print(f"{total - failed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
