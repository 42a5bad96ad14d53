#!/usr/bin/env python3
"""Differential test of the Dafny backend on seL4.

Every program in dafny-backend/tests/programs is verified by Dafny 2.3,
translated to Rust, and linked with the others into one std image
(`sel4-dafny batch`), booted once under QEMU. Each program's output (between
the image's `==> <name>` markers) must equal what the same program prints
when Dafny 2.3 compiles it to JavaScript (node) and to C# (mono) on the host,
where those two agree (oracle.py, cached by content hash). There is no
hand-written expected output. Programs the two oracles disagree on are
listed and not counted.

    python3 dafny-backend/tests/run.py [PROGRAM.dfy ...]
"""
import os
import re
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import oracle  # noqa: E402


def stem(path):
    """The name sel4-dafny batch prints before a program's output."""
    return os.path.basename(path)[:-4]


def main():
    start = time.monotonic()
    programs = sorted(sys.argv[1:]) or sorted(
        os.path.join(HERE, "programs", f)
        for f in os.listdir(os.path.join(HERE, "programs"))
        if f.endswith(".dfy")) + sorted(
        os.path.join(ROOT, "examples", d, d + ".dfy")
        for d in os.listdir(os.path.join(ROOT, "examples"))
        if os.path.exists(os.path.join(ROOT, "examples", d, d + ".dfy")))
    expected = {}
    disagree = []
    for p in programs:
        r = oracle.expected(p)
        if r.get("agree"):
            expected[p] = r["js"]
        else:
            disagree.append(p)
    target = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    image = os.path.join(target, "dafny", "tests.elf")
    os.makedirs(os.path.dirname(image), exist_ok=True)
    build = subprocess.run(
        [os.path.join(ROOT, "dafny-backend", "sel4-dafny"), "batch",
         "--keep-going", *expected, "-o", image],
        cwd=ROOT)
    if build.returncode != 0:
        print("FAIL dafny: sel4-dafny batch did not build the test image")
        return 1
    boot = subprocess.run(
        [os.path.join(ROOT, "tools", "runner", "sel4-run"), "--quiet", "--timeout", "600", image],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    # The image prints `==> <stem>` before each program.
    # A program's output need not end with a newline: split at the markers
    # wherever they are.
    outputs = {}
    parts = re.split(r"==> (\S+)\n", boot.stdout)
    for name, text in zip(parts[1::2], parts[2::2]):
        outputs[name] = text
    # Programs the backend is known to get wrong, with the reason: reported
    # as xfail; one that starts to pass is an error until it is taken off.
    known = {}
    with open(os.path.join(HERE, "known-failures")) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                name, reason = line.split(":", 1)
                known[name.strip()] = reason.strip()
    passed = failed = xfailed = 0
    for p, want in expected.items():
        got = outputs.get(stem(p))
        name = os.path.basename(p)
        if name in known:
            if got == want:
                failed += 1
                print(f"XPASS dafny {name}: passes now; take it off dafny-backend/tests/known-failures")
            else:
                xfailed += 1
                print(f"xfail dafny {name}: {known[name]}")
            continue
        if got == want:
            passed += 1
            print(f"ok   dafny {name}")
        else:
            failed += 1
            print(f"FAIL dafny {name}")
            print("  expected (JavaScript and C# agree):")
            print("".join(f"    {l}\n" for l in want.splitlines()), end="")
            print("  got on seL4:" if got is not None else "  no output on seL4 (the image stopped before it)")
            print("".join(f"    {l}\n" for l in (got or "").splitlines()), end="")
    if boot.returncode != 0:
        print(f"FAIL dafny: the test image ended with status {boot.returncode}")
        print(boot.stderr[-2000:])
        failed += 1
    for p in disagree:
        print(f"skip dafny {os.path.basename(p)}: Dafny 2.3's JavaScript and C# backends disagree")
    print(f"dafny tests: {passed} passed, {failed} failed, {xfailed} known failures, {len(disagree)} skipped "
          f"(oracles disagree), {time.monotonic() - start:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
