#!/usr/bin/env python3
"""Build (or reuse) newlib 3.3.0 for C programs on sel4-substrate; print its prefix.

Usage: python3 c-newlib/build-newlib.py [--cache DIR] [--force] [--verbose]

Prints exactly one line on stdout: the install prefix

    <cache>/newlib/newlib-3.3.0-x86_64-<key>/
        x86_64-elf/include/      newlib's headers (stdio.h, ...)
        x86_64-elf/lib/libc.a    the C library
        x86_64-elf/lib/libm.a    the maths library

where <cache> is --cache, $SUBSTRATE_CACHE or ~/.cache/sel4-substrate and
<key> is a hash of this script (which holds every flag and patch; so any
edit of it builds a new prefix), the source tarball and the host compiler's
version. A finished prefix is only ever created by an atomic rename of a
complete temporary build, under a lock (tools/substrate_cache.py, shared
with tools/kernel/provision.py), so a second run just prints the path.

The source is Debian's `newlib-source` (/usr/src/newlib/newlib-3.3.0.tar.xz,
installed by tools/deps.sh). It is built freestanding for x86_64 with the
host gcc, binutils and these choices:

* `syscall_dir=syscalls` for `x86_64-*-elf*` in newlib/configure.host: the
  POSIX names (`write`, `sbrk`, ...) are newlib wrappers over `_write_r` ->
  `_write`, so only the underscore names come from us
  (c-newlib/syscalls.c) and an application may use `write` for itself.
* `--enable-newlib-retargetable-locking`: newlib's locks call
  `__retarget_lock_*`, which c-newlib/syscalls.c provides on the
  substrate's mutexes.
* `--enable-newlib-global-stdio-streams`: stdin, stdout and stderr are the
  same three `FILE`s in every thread (and flushed by `exit`).
* `__DYNAMIC_REENT__` (patched into the installed sys/config.h, so every
  program compiled against these headers agrees) with `GETREENT_PROVIDED`:
  `_REENT` is `__getreent()`, which c-newlib/syscalls.c implements with a
  per-thread `struct _reent` in C thread-local storage.
* Flags (NEWLIB_CFLAGS below): -O2 -g -ffreestanding, no stack protector,
  no PIE/PIC (the kernel's loader applies no relocations), the Linux/Unix
  macros the host gcc predefines removed, and only newlib's and gcc's own
  headers (`-nostdinc`), never glibc's. sel4-cc compiles an image's code
  with CODEGEN_CFLAGS (hosted, not -ffreestanding).

Python 3.11, standard library only.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tarfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tools"))
from substrate_cache import (argument_parser, cache_root, ensure_entry, run_logged,  # noqa: E402
                             short_hash)

VERSION = "3.3.0"
TARBALL = Path(f"/usr/src/newlib/newlib-{VERSION}.tar.xz")
TARGET = "x86_64-elf"

# Macros the host gcc predefines for Linux; the image is not Linux, and
# legacy code must not take its Linux paths (#ifdef __linux__ ...).
UNDEF_HOST = ["-U__linux__", "-U__linux", "-Ulinux", "-U__gnu_linux__",
              "-U__unix__", "-U__unix", "-Uunix"]

# Code generation for newlib and for every C file of an image: no stack
# protector (no canary set-up), no PIE/PIC (the kernel's loader applies no
# relocations), frame pointers for backtraces. User mode: the red zone is fine.
CODEGEN_CFLAGS = ["-O2", "-g", "-fno-stack-protector", "-fno-pie", "-fno-pic",
                  "-fno-omit-frame-pointer", *UNDEF_HOST]

# newlib itself is built freestanding (it is the C library; no builtins
# assumed), with its own headers first (the build adds them) and then only
# gcc's (-nostdinc: never glibc's).
NEWLIB_CFLAGS = [*CODEGEN_CFLAGS, "-ffreestanding", "-DGETREENT_PROVIDED",
                 "-ffunction-sections", "-fdata-sections"]

CONFIGURE_ARGS = [
    f"--target={TARGET}",
    "--disable-multilib",
    "--disable-libgloss",
    "--disable-nls",
    "--enable-newlib-io-long-long",
    "--enable-newlib-io-c99-formats",
    "--enable-newlib-register-fini",
    "--enable-newlib-retargetable-locking",
    "--enable-newlib-global-stdio-streams",
]

# newlib/configure.host: give x86_64-*-elf* the reentrant syscall chain
# (inserted in the table's alphabetical place, before xc16x).
CONFIGURE_HOST_ANCHOR = "  xc16x-*)\n"
CONFIGURE_HOST_PATCH = ("  x86_64-*-elf*)\n"
                        "\t# sel4-substrate: POSIX wrappers over _write_r -> _write\n"
                        "\tsyscall_dir=syscalls\n"
                        "\t;;\n")

# newlib/libc/include/sys/config.h: _REENT is __getreent() for everyone.
CONFIG_H_ANCHOR = "#ifdef __AMDGCN__\n"
CONFIG_H_PATCH = ("/* sel4-substrate (c-newlib/build-newlib.py): _REENT is __getreent(),\n"
                  "   which returns the running thread's reentrancy structure. */\n"
                  "#define __DYNAMIC_REENT__\n\n")

VERBOSE = False


class BuildError(Exception):
    pass


def log(msg: str) -> None:
    print(f"build-newlib: {msg}", file=sys.stderr, flush=True)


def gcc_include_dir() -> str:
    """gcc's own headers (stddef.h, stdarg.h, float.h, limits.h, intrinsics)."""
    out = subprocess.run(["gcc", "-print-file-name=include"], capture_output=True, text=True,
                         check=True).stdout.strip()
    if not os.path.isdir(out):
        raise BuildError(f"gcc -print-file-name=include gave {out!r}, not a directory")
    return out


def cache_key() -> str:
    st = TARBALL.stat()
    gcc = subprocess.run(["gcc", "--version"], capture_output=True, text=True, check=True)
    # The tarball is 5.7 MB; its name, size and mtime identify it cheaply.
    return short_hash(Path(__file__).resolve().read_bytes(),
                      f"{TARBALL}:{st.st_size}:{int(st.st_mtime)}".encode(),
                      gcc.stdout.splitlines()[0].encode())


def run(cmd: list[str], cwd: Path, logfile: Path, env: dict[str, str] | None = None) -> None:
    run_logged(cmd, cwd, logfile, env, error=BuildError, echo=log if VERBOSE else None)


def patch(path: Path, anchor: str, text: str) -> None:
    src = path.read_text()
    if anchor not in src:
        raise BuildError(f"cannot patch {path}: {anchor.strip()!r} not found")
    path.write_text(src.replace(anchor, text + anchor, 1))


def build(work: Path, staging: Path) -> None:
    """Configure, build and install newlib into `staging`."""
    logfile = work / "build.log"
    log(f"unpacking {TARBALL}")
    with tarfile.open(TARBALL) as tar:
        tar.extractall(work, filter="tar")
    src = work / "newlib-salsa"
    if not src.is_dir():
        raise BuildError(f"{TARBALL} did not unpack as newlib-salsa/")
    patch(src / "newlib" / "configure.host", CONFIGURE_HOST_ANCHOR, CONFIGURE_HOST_PATCH)
    patch(src / "newlib" / "libc" / "include" / "sys" / "config.h", CONFIG_H_ANCHOR,
          CONFIG_H_PATCH)

    objdir = work / "build"
    objdir.mkdir()
    cflags = " ".join([*NEWLIB_CFLAGS, "-nostdinc", "-isystem", gcc_include_dir()])
    env = dict(os.environ, CFLAGS_FOR_TARGET=cflags, CC_FOR_TARGET="gcc",
               AR_FOR_TARGET="ar", AS_FOR_TARGET="as", LD_FOR_TARGET="ld",
               NM_FOR_TARGET="nm", RANLIB_FOR_TARGET="ranlib",
               OBJDUMP_FOR_TARGET="objdump", READELF_FOR_TARGET="readelf",
               STRIP_FOR_TARGET="strip")
    for var in ("CFLAGS", "CPPFLAGS", "LDFLAGS", "MAKEFLAGS", "MFLAGS", "MAKELEVEL"):
        env.pop(var, None)
    log(f"configuring ({', '.join(a for a in CONFIGURE_ARGS if 'newlib' in a)})")
    run([str(src / "configure"), f"--prefix={staging}", *CONFIGURE_ARGS], objdir, logfile, env)
    jobs = str(os.cpu_count() or 2)
    log(f"building with {jobs} jobs (log: {logfile})")
    run(["make", f"-j{jobs}", "all-target-newlib"], objdir, logfile, env)
    run(["make", "install-target-newlib"], objdir, logfile, env)
    for lib in ("libc.a", "libm.a"):
        if not (staging / TARGET / "lib" / lib).is_file():
            raise BuildError(f"the install has no {TARGET}/lib/{lib}")
    config_h = staging / TARGET / "include" / "sys" / "config.h"
    if "__DYNAMIC_REENT__" not in config_h.read_text():
        raise BuildError(f"{config_h} lacks the __DYNAMIC_REENT__ patch")


def ensure(cache: Path | None = None, force: bool = False) -> Path:
    """The newlib prefix, built first if the cache has none for this key."""
    if not TARBALL.is_file():
        raise BuildError(f"{TARBALL} is missing: install Debian's newlib-source (tools/deps.sh)")
    prefix = cache_root(cache) / "newlib" / f"newlib-{VERSION}-x86_64-{cache_key()}"

    def build_into(work: Path) -> Path:
        started = time.monotonic()
        staging = work / "prefix"
        build(work, staging)
        log(f"built {prefix.name} in {time.monotonic() - started:.1f} s")
        return staging

    return ensure_entry(prefix, build_into, lock=prefix.parent / ".build.lock", log=log,
                        force=force)


def main(argv: list[str] | None = None) -> int:
    global VERBOSE
    args = argument_parser("Build (or reuse) newlib for sel4-substrate and print its install "
                           "prefix.", "show build commands").parse_args(argv)
    VERBOSE = args.verbose
    try:
        print(ensure(args.cache, args.force))
        return 0
    except (BuildError, OSError, subprocess.CalledProcessError) as exc:
        print(f"build-newlib.py: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
