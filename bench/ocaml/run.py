#!/usr/bin/env python3
"""The OCaml runtime's cost on seL4 against Linux for the same work.

Builds bench/ocaml/work.ml twice from the same source with Debian's
ocamlopt 4.13.1: for seL4 (ocaml-mirage/sel4-ocamlfind, the runtime built
against newlib) and for Linux (ocamlfind ocamlopt, Debian's runtime on
glibc). For each workload it counts the instructions of N1 and of N2
iterations and prints the difference per iteration, so start-up and the
clock reads cancel out:

* seL4: the loop's nanoseconds as the program measures them under QEMU
  `-icount shift=0` (one nanosecond per guest instruction, user and
  kernel), one boot per run;
* Linux: valgrind's count of executed instructions (`--tool=cachegrind
  --cache-sim=no`, "I refs") of the whole process.

The ratio seL4/Linux is the substrate's effect on OCaml's own code paths
(the goal is 1.0). Usage: bench/ocaml/run.py [N1 N2]
"""

import os
import re
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
RUNNER = os.path.join(ROOT, "tools", "runner", "sel4-run")


def sh(cmd, **kw):
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, **kw)
    if proc.returncode != 0:
        sys.exit(f"bench-ocaml: {' '.join(cmd)} failed:\n{proc.stdout}")
    return proc.stdout


def sel4_count(image, work, n):
    out = sh([RUNNER, "--quiet", "--icount", "0", "--timeout", "600", image, work, str(n)])
    m = re.search(rf"bench {work} {n}: (\d+) ns", out)
    if not m:
        sys.exit(f"bench-ocaml: no result from seL4:\n{out}")
    return int(m.group(1))


def linux_count(exe, work, n, tmp):
    out = sh(["valgrind", "--tool=cachegrind", "--cache-sim=no",
              f"--cachegrind-out-file={tmp}/cg.out", exe, work, str(n)])
    m = re.search(r"I\s+refs:\s+([\d,]+)", out)
    if not m:
        sys.exit(f"bench-ocaml: no count from valgrind:\n{out}")
    return int(m.group(1).replace(",", ""))


def main():
    n1, n2 = (int(a) for a in sys.argv[1:3]) if len(sys.argv) > 2 else (100_000, 1_100_000)
    with tempfile.TemporaryDirectory(prefix="bench-ocaml-") as tmp:
        for f in ("work.ml", "clock_sel4.c", "clock_linux.c"):
            sh(["cp", os.path.join(HERE, f), tmp])
        image = os.path.join(tmp, "work.elf")
        sh([os.path.join(ROOT, "ocaml-mirage", "sel4-ocamlfind"), "ocamlopt", "-O3", "-o", image,
            "clock_sel4.c", "work.ml"], cwd=tmp)
        # Debian's ocamlopt is not flambda: -O3 is accepted and ignored on both.
        sh(["rm", "-f", "work.cmx", "work.o", "work.cmi"], cwd=tmp)
        exe = os.path.join(tmp, "work.linux")
        sh(["ocamlfind", "ocamlopt", "-O3", "-o", exe, "clock_linux.c", "work.ml"], cwd=tmp)
        print(f"| workload | seL4 instructions/iteration | Linux instructions/iteration | seL4/Linux |")
        print("|---|---|---|---|")
        for work in ("alloc", "hashtbl"):
            s = (sel4_count(image, work, n2) - sel4_count(image, work, n1)) / (n2 - n1)
            l = (linux_count(exe, work, n2, tmp) - linux_count(exe, work, n1, tmp)) / (n2 - n1)
            print(f"| {work} | {s:.2f} | {l:.2f} | {s / l:.3f} |", flush=True)


if __name__ == "__main__":
    main()
