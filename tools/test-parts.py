#!/usr/bin/env python3
"""`make test`: runs the suite's parts in order (`make lint`, `doc`,
`host-test`, `boot-test`, `ocaml-test`, `dafny-test`, `crates-test`), stops at the first that fails, and
prints the time each part took at the end, whatever happened.

Usage: tools/test-parts.py [PART ...]   (default: all six)
"""

import os
import subprocess
import sys
import time

# The suite builds each crate once, for a test, and never steps through it in
# a debugger: no incremental-compilation state (over a GiB), and line tables
# rather than full debug information (addr2line still names the file and line
# of a backtrace's addresses). Together they shrink the suite's target
# directory by more than half; a clean run otherwise needs about 15 GiB.
SUITE_ENV = {
    "CARGO_INCREMENTAL": "0",
    "CARGO_PROFILE_DEV_DEBUG": "line-tables-only",
    "CARGO_PROFILE_RELEASE_DEBUG": "line-tables-only",
}

PARTS = ["lint", "doc", "host-test", "boot-test", "ocaml-test", "dafny-test", "crates-test"]


def main(parts):
    times = []
    failed = None
    for part in parts:
        start = time.monotonic()
        rc = subprocess.run(["make", "--no-print-directory", part],
                            env={**SUITE_ENV, **os.environ}).returncode
        times.append((part, time.monotonic() - start))
        if rc != 0:
            failed = part
            break
    total = sum(t for _, t in times)
    print("make test: time per part: "
          + ", ".join(f"{p} {t:.0f} s" for p, t in times)
          + f"; total {total / 60:.1f} min")
    if failed:
        print(f"make test: {failed} failed")
        return 1
    print("make test: all passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or PARTS))
