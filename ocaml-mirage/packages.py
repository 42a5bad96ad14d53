"""The OCaml packages of ocaml-mirage/ (mirage-sel4), built for seL4 on demand.

`ensure()` returns a directory for OCAMLPATH holding `mirage-sel4/` (META,
`mirage_sel4.cmxa`/`.a`/`.cmi`/`.cmx` and the C stubs'
`libmirage_sel4_stubs.a`), built by sel4-ocamlfind and c-newlib/sel4-cc
into `<cargo target>/ocaml-packages/<key>/`, where <key> hashes the
sources, the OCaml runtime's prefix and the C ABI's header; sel4-ocamlfind
puts it on OCAMLPATH.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT / "tools"))
from substrate_cache import short_hash  # noqa: E402

SOURCES = HERE / "mirage-sel4"
TARGET = Path(os.environ.get("CARGO_TARGET_DIR") or ROOT / "target")


class BuildError(Exception):
    pass


def run(cmd: list, cwd: Path, env: dict) -> None:
    proc = subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True, errors="replace")
    if proc.returncode != 0:
        raise BuildError(f"{' '.join(str(c) for c in cmd)} failed:\n{proc.stdout}")


def ensure() -> Path:
    runtime = os.environ["SEL4_OCAML_RUNTIME"]
    files = sorted(p for p in SOURCES.iterdir() if p.is_file())
    key = short_hash(*(p.name.encode() + p.read_bytes() for p in files), runtime.encode(),
                     (ROOT / "ffi" / "include" / "substrate.h").read_bytes(),
                     Path(__file__).read_bytes())
    dest = TARGET / "ocaml-packages" / key
    if (dest / "mirage-sel4" / "META").is_file():
        return dest
    env = dict(os.environ, SEL4_OCAMLFIND_NO_PACKAGES="1")
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent) as tmp:
        work = Path(tmp) / "mirage-sel4"
        shutil.copytree(SOURCES, work)
        run([sys.executable, ROOT / "c-newlib" / "sel4-cc", "-Wall", "-Wextra", "-Werror",
             "-I", Path(runtime) / "lib", "-c", "mirage_sel4_stubs.c", "-o",
             "mirage_sel4_stubs.o"], work, env)
        run(["ar", "rcs", "libmirage_sel4_stubs.a", "mirage_sel4_stubs.o"], work, env)
        run([sys.executable, HERE / "sel4-ocamlfind", "ocamlopt", "-package",
             "lwt,logs,fmt,cstruct", "-a", "-o", "mirage_sel4.cmxa", "mirage_sel4.ml",
             "-cclib", "-lmirage_sel4_stubs"], work, env)
        for junk in ("mirage_sel4_stubs.o", "mirage_sel4.o", "mirage_sel4_stubs.c"):
            (work / junk).unlink(missing_ok=True)
        staged = Path(tmp) / "out"
        staged.mkdir()
        shutil.move(str(work), staged / "mirage-sel4")
        if not dest.exists():
            os.replace(staged, dest)
    return dest
