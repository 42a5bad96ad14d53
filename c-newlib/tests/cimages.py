"""Images built by a command (not by cargo) for tests/boot.py: discovery and building.

Each `c-newlib/tests/<name>.toml` (C programs, named `c:<name>`) and
`ocaml-mirage/tests/<name>.toml` (OCaml programs, `ocaml:<name>`)
describes one image built by a command, then booted and checked like a
Cargo image:

    build = ["c-newlib/sel4-cc", "-o", "{image}", "c-newlib/tests/errno.c"]
    image = "{image}"          # the file to boot (optional; default "{image}")
    skip = "reason"            # not built or booted, reported as skipped (optional)

    [boot-test]                # the same keys as [package.metadata.boot-test]
    status = 0
    expect = ["regex", ...]
    reject = ["regex", ...]

The command runs in the repository root. Placeholders in `build` and
`image`: `{image}` = <target>/c-images/<name>.elf, `{dir}` =
<target>/c-images/<name>/ (a build directory of its own, created first),
`{root}` = the repository root. sel4-cc builds what the image needs
(newlib into the cache, libsubstrate_c_runtime.a with cargo).

`python3 c-newlib/tests/cimages.py NAME` builds the image of NAME.toml (in
either directory) and boots it with tools/runner/sel4-run
(`make run EXAMPLE=c-hello`, `make run EXAMPLE=ocaml-hello`).
"""

import os
import subprocess
import sys
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))


# Where descriptions live, and the prefix of their images' names.
DIRS = [(HERE, "c:"), (os.path.join(ROOT, "ocaml-mirage", "tests"), "ocaml:"),
        (os.path.join(ROOT, "system", "tests"), "system:")]


def discover():
    """(name, build argv, image path, build dir, boot-test table) for every
    description that is not skipped (a skipped one is reported on stdout)."""
    found = []
    for directory, prefix in DIRS:
        found += discover_in(directory, prefix)
    return found


def discover_in(directory, prefix):
    found = []
    outdir = os.path.join(TARGET, "c-images")
    for entry in sorted(os.listdir(directory)):
        if not entry.endswith(".toml"):
            continue
        name = prefix + entry[: -len(".toml")]
        with open(os.path.join(directory, entry), "rb") as f:
            desc = tomllib.load(f)
        if "skip" in desc:
            print(f"skip {name}: {desc['skip']}")
            continue
        stem = entry[: -len(".toml")]
        subst = {"image": os.path.join(outdir, stem + ".elf"),
                 "dir": os.path.join(outdir, stem), "root": ROOT}
        argv = [a.format(**subst) for a in desc["build"]]
        image = os.path.join(ROOT, desc.get("image", "{image}").format(**subst))
        found.append((name, argv, image, subst["dir"], desc.get("boot-test", {})))
    return found


def build(argv, workdir, image):
    """Runs one image's build command; (ok, output). The image is removed
    first, so that a build whose own rules do not depend on the C runtime
    (an ordinary Makefile) still links it anew against the current one."""
    os.makedirs(workdir, exist_ok=True)
    if os.path.exists(image):
        os.remove(image)
    proc = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, errors="replace")
    return proc.returncode == 0, proc.stdout + proc.stderr


def main(name):
    """Builds <name>.toml's image and boots it (the runner's exit status)."""
    found = [c for c in discover() if c[0] in [p + name for _, p in DIRS]]
    if not found:
        sys.exit(f"cimages.py: no c-newlib/tests/{name}.toml or ocaml-mirage/tests/{name}.toml "
                 "to run")
    _, argv, image, workdir, _ = found[0]
    ok, output = build(argv, workdir, image)
    if not ok:
        sys.exit(f"{output}cimages.py: building {name} failed: {' '.join(argv)}")
    runner = os.path.join(ROOT, "tools", "runner", "sel4-run")
    os.execv(runner, [runner, image])


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: cimages.py NAME   (boots c-newlib/tests/NAME.toml's image)")
    main(sys.argv[1])
