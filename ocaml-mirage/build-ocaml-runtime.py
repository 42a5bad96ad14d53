#!/usr/bin/env python3
"""Build (or reuse) OCaml 4.13.1's native runtime for seL4; print its prefix.

Usage: python3 ocaml-mirage/build-ocaml-runtime.py [--cache DIR] [--force] [--verbose]

Prints exactly one line on stdout: the install prefix

    <cache>/ocaml/ocaml-runtime-4.13.1-x86_64-<key>/
        lib/libasmrun.a      the native runtime, on newlib and the C ABI
        lib/caml/            its headers (m.h and s.h as configured here),
                             for C stubs compiled for seL4
        VERSION              "4.13.1": what sel4-ocamlfind checks ocamlopt against

where <cache> is --cache, $SUBSTRATE_CACHE or ~/.cache/sel4-substrate and
<key> is a hash of this script, the source tarball, the host compiler's
version, the newlib prefix and what OCaml's configure probes of the C layer
(c-newlib/syscalls.c and the headers of c-newlib/include), so a change to
any of them builds a new runtime. A finished prefix is only ever created by
an atomic rename of a complete build, under a lock
(tools/substrate_cache.py, shared with the kernel and newlib builds).

The source is Debian's `ocaml-source` (/usr/src/ocaml-source-4.13.1.tar,
which holds `ocaml_4.13.1.orig.tar.gz`; installed by tools/deps.sh). The
compiler and standard library are Debian's `ocaml-nox` of the same version:
the runtime must match them exactly, which sel4-ocamlfind checks.

Steps:

* OCaml's own `configure`, with `CC` = c-newlib/sel4-cc: every probe
  compiles against newlib's headers and links a real seL4 image, so what it
  finds (`HAS_*` in runtime/caml/s.h) is what the C layer has. Options:
  CONFIGURE_ARGS below (no shared libraries, no otherlibs: Unix, Str,
  threads and bigarray need an OS; newlib's `fma` is not exact, hence the
  imprecise C99 float operations).
* runtime/caml/s.h: HAS_STACK_OVERFLOW_DETECTION off (it needs signals on
  an alternate stack: on seL4 an overflow is a fault in the main stack's
  guard, reported by the substrate), HAS_SYSTEM off (there is no shell:
  `Sys.command` raises `Sys_error`).
* `make -C runtime SYSTEM=freestanding libasmrun.a`: no Linux-specific
  code (ucontext, signal frames) is compiled.

Python 3.11, standard library only.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tools"))
from substrate_cache import (argument_parser, cache_root, ensure_entry, run_logged,  # noqa: E402
                             short_hash)

VERSION = "4.13.1"
SOURCE_TAR = Path(f"/usr/src/ocaml-source-{VERSION}.tar")
ORIG_TARBALL = f"ocaml-{VERSION}/ocaml_{VERSION}.orig.tar.gz"
SEL4_CC = ROOT / "c-newlib" / "sel4-cc"

CONFIGURE_ARGS = [
    # Configure's probes link seL4 images, which cannot run here: a
    # cross build for the same triple keeps it from trying.
    "--host=x86_64-pc-linux-gnu",
    "--disable-shared",
    "--disable-systhreads",
    "--disable-unix-lib",
    "--disable-str-lib",
    "--disable-bigarray-lib",
    "--disable-debugger",
    "--disable-ocamldoc",
    "--disable-ocamltest",
    "--disable-instrumented-runtime",
    "--disable-debug-runtime",
    "--enable-imprecise-c99-float-ops",
]

# Turned off in runtime/caml/s.h after configure (see the docstring).
S_H_OFF = ["HAS_STACK_OVERFLOW_DETECTION", "HAS_SYSTEM"]

VERBOSE = False


class BuildError(Exception):
    pass


def log(msg: str) -> None:
    print(f"build-ocaml-runtime: {msg}", file=sys.stderr, flush=True)


def newlib_prefix() -> Path:
    proc = subprocess.run([sys.executable, str(SEL4_CC), "--newlib-prefix"],
                          stdout=subprocess.PIPE, text=True)
    if proc.returncode != 0:
        raise BuildError("c-newlib/sel4-cc --newlib-prefix failed")
    return Path(proc.stdout.strip())


def cache_key(newlib: Path) -> str:
    st = SOURCE_TAR.stat()
    gcc = subprocess.run(["gcc", "--version"], capture_output=True, text=True, check=True)
    probed = [ROOT / "c-newlib" / "syscalls.c",
              *sorted((ROOT / "c-newlib" / "include").rglob("*.h"))]
    return short_hash(Path(__file__).resolve().read_bytes(),
                      f"{SOURCE_TAR}:{st.st_size}:{int(st.st_mtime)}".encode(),
                      gcc.stdout.splitlines()[0].encode(), str(newlib).encode(),
                      *(p.read_bytes() for p in probed))


def run(cmd: list[str], cwd: Path, logfile: Path, env: dict[str, str] | None = None) -> None:
    run_logged(cmd, cwd, logfile, env, error=BuildError, echo=log if VERBOSE else None)


def unpack(work: Path) -> Path:
    with tarfile.open(SOURCE_TAR) as outer:
        member = outer.getmember(ORIG_TARBALL)
        inner = outer.extractfile(member)
        if inner is None:
            raise BuildError(f"{SOURCE_TAR} has no file {ORIG_TARBALL}")
        with tarfile.open(fileobj=inner, mode="r:gz") as tar:
            tar.extractall(work, filter="tar")
    src = work / f"ocaml-{VERSION}"
    if not (src / "VERSION").is_file():
        raise BuildError(f"{ORIG_TARBALL} did not unpack as ocaml-{VERSION}/")
    found = (src / "VERSION").read_text().split()[0]
    if found != VERSION:
        raise BuildError(f"{SOURCE_TAR} holds OCaml {found}, not {VERSION}")
    return src


def switch_off(s_h: Path, names: list[str]) -> None:
    text = s_h.read_text()
    for name in names:
        line = f"#define {name} 1\n"
        if line in text:
            text = text.replace(line, f"/* sel4-substrate: no {name} */\n")
    s_h.write_text(text)


def build(work: Path, staging: Path) -> None:
    logfile = work / "build.log"
    log(f"unpacking {SOURCE_TAR}")
    src = unpack(work)
    env = dict(os.environ)
    for var in ("CFLAGS", "CPPFLAGS", "LDFLAGS", "MAKEFLAGS", "MFLAGS", "MAKELEVEL"):
        env.pop(var, None)
    log(f"configuring with CC=c-newlib/sel4-cc (each probe links a seL4 image; about a "
        f"minute; log: {logfile})")
    run(["./configure", f"CC={SEL4_CC}", *CONFIGURE_ARGS], src, logfile, env)
    config = (src / "Makefile.config").read_text()
    if "ARCH=amd64" not in config:
        raise BuildError("configure did not choose the amd64 native-code back end")
    switch_off(src / "runtime" / "caml" / "s.h", S_H_OFF)
    jobs = str(os.cpu_count() or 2)
    log(f"building runtime/libasmrun.a with {jobs} jobs")
    run(["make", "-C", "runtime", f"-j{jobs}", "SYSTEM=freestanding", "libasmrun.a"], src,
        logfile, env)
    (staging / "lib" / "caml").mkdir(parents=True)
    shutil.copy2(src / "runtime" / "libasmrun.a", staging / "lib" / "libasmrun.a")
    # The headers and the tables they include (domain_state.tbl).
    for header in (src / "runtime" / "caml").iterdir():
        if header.is_file():
            shutil.copy2(header, staging / "lib" / "caml" / header.name)
    (staging / "VERSION").write_text(VERSION + "\n")
    shutil.copy2(logfile, staging / "build.log")


def ensure(cache: Path | None = None, force: bool = False) -> Path:
    """The runtime prefix, built first if the cache has none for this key."""
    if not SOURCE_TAR.is_file():
        raise BuildError(f"{SOURCE_TAR} is missing: install Debian's ocaml-source "
                         "(tools/deps.sh)")
    newlib = newlib_prefix()
    entry = cache_root(cache) / "ocaml" / f"ocaml-runtime-{VERSION}-x86_64-{cache_key(newlib)}"

    def build_into(work: Path) -> Path:
        started = time.monotonic()
        staging = work / "prefix"
        build(work, staging)
        log(f"built in {time.monotonic() - started:.0f} s: {entry}")
        return staging

    return ensure_entry(entry, build_into, lock=entry.parent / ".lock", log=log, force=force,
                        waiting_for="another OCaml runtime build", keep_failed=True)


def main() -> int:
    global VERBOSE
    parser = argument_parser("Build OCaml's native runtime for seL4 (cached).",
                             "print every command")
    args = parser.parse_args()
    VERBOSE = args.verbose
    try:
        print(ensure(args.cache, args.force))
    except BuildError as exc:
        print(f"build-ocaml-runtime: error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
