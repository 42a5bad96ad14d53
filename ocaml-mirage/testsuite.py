#!/usr/bin/env python3
"""OCaml's own test suite on seL4: build, boot, compare with the references.

    python3 ocaml-mirage/testsuite.py [--list FILE] [--jobs N] [TEST ...]

The tests are the single-file programs of OCaml 4.13.1's `testsuite/tests`
(from Debian's `ocaml-source`, unpacked into the cargo target directory)
named in ocaml-mirage/testsuite.list (or the TESTs given, as
`dir/name.ml`). Each is compiled by ocaml-mirage/sel4-ocamlfind with the
flags of its `(* TEST ... *)` header (`flags`, `ocamlopt_flags`, `include
testing`), under its own name (some print their file name), booted on seL4
with `sel4-run --quiet`, and its output (stdout and stderr, as ocamltest
collects them) must equal its reference file byte for byte:
`<name>.native.reference` or `<name>.opt.reference` where the test has
one, else `<name>.reference`; no reference file means no output. The exit
status must be success unless the reference ends with OCaml's "Fatal
error: exception" line (then failure). A failure prints the diff.

Grouping, to keep the suite fast: tests that leave no global state behind
are linked several to one image, in sequence (OCaml initialises the
modules of a program in link order), each after a small module that
flushes stdout, stderr and the Format formatters and prints a boundary
line; the output is cut at the boundaries. When such an image fails, each
of its tests is booted alone, so the failure is blamed on its test. A test runs in an image of its
own when it calls `exit` or `at_exit`, uses `Random`, `Gc`, `Printexc`,
`Sys.argv` or the `testing` library (whose `at_exit` prints a summary),
expects a fatal error, or has a module name another test of the group
has. Images build and boot in parallel (--jobs, default the number of
CPUs).

Exit status: 0 when every test passed, 1 otherwise.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import difflib
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tools"))
from substrate_cache import short_hash  # noqa: E402

SOURCE_TAR = Path("/usr/src/ocaml-source-4.13.1.tar")
ORIG = "ocaml-4.13.1/ocaml_4.13.1.orig.tar.gz"
SEL4_OCAMLFIND = HERE / "sel4-ocamlfind"
RUNNER = ROOT / "tools" / "runner" / "sel4-run"
TARGET = Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")
BOUNDARY = "\x02sel4-testsuite boundary\x03\n"
GROUP_SIZE = 16
# What makes a test leave state behind for the next one in its image.
SOLO_PATTERNS = re.compile(r"\b(exit|at_exit|Random|Gc|Printexc|Sys\.argv|Stdlib\.exit)\b")
FATAL = "Fatal error: exception "


class Failure(Exception):
    pass


def unpack() -> Path:
    """testsuite/ from the source tarball, once per tarball."""
    st = SOURCE_TAR.stat()
    key = short_hash(f"{SOURCE_TAR}:{st.st_size}:{int(st.st_mtime)}".encode())
    dest = TARGET / "ocaml-testsuite" / f"src-{key}"
    if (dest / "ok").is_file():
        return dest / "ocaml-4.13.1" / "testsuite"
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    with tarfile.open(SOURCE_TAR) as outer:
        inner = outer.extractfile(outer.getmember(ORIG))
        with tarfile.open(fileobj=inner, mode="r:gz") as tar:
            members = [m for m in tar.getmembers()
                       if m.name.startswith("ocaml-4.13.1/testsuite/")]
            tar.extractall(dest, members=members, filter="tar")
    (dest / "ok").write_text("")
    return dest / "ocaml-4.13.1" / "testsuite"


class Test:
    def __init__(self, suite: Path, rel: str):
        self.rel = rel
        self.path = suite / "tests" / rel
        if not self.path.is_file():
            raise Failure(f"no test {rel} in {suite / 'tests'}")
        self.source = self.path.read_text(errors="replace")
        self.module = self.path.stem
        self.flags, self.testing = header_flags(self.source, rel)
        base = self.path.with_suffix("")
        self.reference_file = next(
            (p for p in (Path(f"{base}.native.reference"), Path(f"{base}.opt.reference"),
                         Path(f"{base}.reference")) if p.is_file()), None)
        self.reference = (self.reference_file.read_text(errors="replace")
                          if self.reference_file else "")
        self.fatal = FATAL in self.reference
        self.solo = self.testing or self.fatal or bool(SOLO_PATTERNS.search(self.source))


def header_flags(source: str, rel: str) -> tuple[list, bool]:
    m = re.match(r"\s*\(\*\s*TEST(.*?)\*\)", source, re.S)
    if not m:
        raise Failure(f"{rel}: no (* TEST *) header")
    flags, testing = [], False
    for line in m.group(1).splitlines():
        line = line.strip()
        if not line or line in ("* native", "** native", "*native", "* bytecode"):
            continue
        if line == "include testing":
            testing = True
            continue
        fm = re.fullmatch(r'(flags|ocamlopt_flags|ocamlc_flags)\s*(\+?=)\s*"([^"]*)"', line)
        if not fm:
            raise Failure(f"{rel}: header line {line!r} is not supported here")
        if fm.group(1) != "ocamlc_flags":
            flags += fm.group(3).split()
    return flags, testing


def ocamlfind(args: list, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SEL4_OCAMLFIND), "ocamlopt", *args], cwd=cwd,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          errors="replace")


def build_image(name: str, tests: list, suite: Path, workdir: Path) -> tuple[Path | None, str]:
    """Compiles `tests` (each in a directory of its own, under its own name)
    and links them, with boundary modules between, into one image."""
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    objs = []
    if any(t.testing for t in tests):
        tdir = workdir / "testing"
        tdir.mkdir()
        srcs = [f for f in ("testing.mli", "testing.ml") if (suite / "lib" / f).is_file()]
        for f in srcs:
            shutil.copy(suite / "lib" / f, tdir / f)
        proc = ocamlfind(["-c", *srcs], tdir)
        if proc.returncode != 0:
            return None, f"compiling testing.ml failed:\n{proc.stdout}"
        objs.append(tdir / "testing.cmx")
    for i, t in enumerate(tests):
        sep = workdir / f"sel4_boundary_{i}.ml"
        sep.write_text(boundary_module())
        proc = ocamlfind(["-c", sep.name], workdir)
        if proc.returncode != 0:
            return None, f"compiling the boundary failed:\n{proc.stdout}"
        objs.append(workdir / f"sel4_boundary_{i}.cmx")
        tdir = workdir / f"t{i}"
        tdir.mkdir()
        shutil.copy(t.path, tdir / t.path.name)
        inc = ["-I", str(workdir / "testing")] if t.testing else []
        proc = ocamlfind(["-c", *t.flags, *inc, t.path.name], tdir)
        if proc.returncode != 0:
            return None, f"compiling {t.rel} failed:\n{proc.stdout}"
        objs.append(tdir / (t.module + ".cmx"))
    image = workdir / f"{name}.elf"
    link_flags = sorted({f for t in tests for f in t.flags if f in ("-g", "-unsafe")})
    inc = ["-I", str(workdir / "testing")] if any(t.testing for t in tests) else []
    dirs = [a for i in range(len(tests)) for a in ("-I", str(workdir / f"t{i}"))]
    proc = ocamlfind([*link_flags, *inc, *dirs, "-o", str(image), *map(str, objs)], workdir)
    if proc.returncode != 0:
        return None, f"linking failed:\n{proc.stdout}"
    return image, proc.stdout


def boundary_module() -> str:
    return ("let () =\n"
            "  Format.pp_print_flush Format.std_formatter ();\n"
            "  Format.pp_print_flush Format.err_formatter ();\n"
            "  flush stdout; flush stderr;\n"
            f"  print_string {ocaml_string(BOUNDARY)}; flush stdout\n")


def ocaml_string(s: str) -> str:
    return '"' + "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else f"\\{ord(c):03d}"
                         for c in s) + '"'


def boot(image: Path, timeout: int) -> tuple[int, str]:
    proc = subprocess.run([str(RUNNER), "--quiet", "--timeout", str(timeout), str(image)],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          errors="replace")
    return proc.returncode, proc.stdout


def run_group(index: int, tests: list, suite: Path) -> list:
    """[(test, ok, detail)] for one image's tests. When a group of several
    fails, each of its tests runs again in an image of its own, so that a
    failure (a fault, an early end) is blamed on the test that caused it."""
    results = run_image(f"{index:03d}", tests, suite)
    if len(tests) > 1 and not all(ok for _, ok, _ in results):
        results = [r for i, t in enumerate(tests)
                   for r in run_image(f"{index:03d}-{i:02d}", [t], suite)]
    return results


def run_image(tag: str, tests: list, suite: Path) -> list:
    name = "group" if len(tests) > 1 else tests[0].module
    workdir = TARGET / "ocaml-testsuite" / "images" / f"{tag}-{name}"
    image, log = build_image(name, tests, suite, workdir)
    if image is None:
        return [(t, False, f"build failed: {log}") for t in tests]
    status, output = boot(image, 60 + 10 * len(tests))
    # Before the first boundary: nothing (the runtime prints nothing under
    # --quiet). A test's part runs to the next boundary, the last one's to the
    # end (its at_exit handlers and the final flush included).
    parts = output.split(BOUNDARY)
    results = []
    want_status = 1 if any(t.fatal for t in tests) else 0
    for i, t in enumerate(tests):
        got = parts[i + 1] if i + 1 < len(parts) else None
        if got is None:
            results.append((t, False, f"no output (image ended, status {status}):\n{output[-2000:]}"))
            continue
        if got == t.reference:
            results.append((t, True, ""))
            continue
        diff = "".join(difflib.unified_diff(t.reference.splitlines(True), got.splitlines(True),
                                            "reference", "seL4"))
        results.append((t, False, diff or repr(got)))
    if status != want_status:
        results = [(t, False, (d + "\n" if d else "") + f"exit status {status}, want "
                    f"{want_status}") for t, _, d in results]
    return results


def groups_of(tests: list) -> list:
    """Solo tests alone; the others in groups of distinct module names."""
    out, current = [], []
    for t in tests:
        if t.solo:
            out.append([t])
            continue
        if len(current) == GROUP_SIZE or any(c.module == t.module for c in current):
            out.append(current)
            current = []
        current.append(t)
    if current:
        out.append(current)
    return out


def read_list(path: Path) -> list:
    names = []
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            names.append(line)
    return names


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--list", type=Path, default=HERE / "testsuite.list")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("tests", nargs="*")
    opts = ap.parse_args()
    started = time.monotonic()
    suite = unpack()
    names = opts.tests or read_list(opts.list)
    tests = [Test(suite, n) for n in names]
    groups = groups_of(tests)
    passed = failed = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=opts.jobs) as pool:
        futures = [pool.submit(run_group, i, g, suite) for i, g in enumerate(groups)]
        for fut in futures:
            for t, ok, detail in fut.result():
                if ok:
                    passed += 1
                    print(f"ok   ocaml-test {t.rel}")
                else:
                    failed += 1
                    print(f"FAIL ocaml-test {t.rel}")
                    print("\n".join("     | " + l for l in detail.splitlines()[-60:]))
    print(f"ocaml testsuite: {passed} passed, {failed} failed ({len(groups)} images, "
          f"{time.monotonic() - started:.0f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Failure as exc:
        print(f"testsuite: error: {exc}", file=sys.stderr)
        sys.exit(1)
