"""C root-task images for tests/boot.py: discovery and building.

Each `c-newlib/tests/<name>.toml` describes one image built by a command
(not by cargo), then booted and checked like a Cargo image:

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
(newlib into the cache, libsubstrate_ffi.a with cargo).
"""

import os
import subprocess
import tomllib

HERE = os.path.dirname(os.path.abspath(__file__))


def discover(root, target):
    """(name, build argv, image path, build dir, boot-test table) for every
    description that is not skipped (a skipped one is reported on stdout)."""
    found = []
    outdir = os.path.join(target, "c-images")
    for entry in sorted(os.listdir(HERE)):
        if not entry.endswith(".toml"):
            continue
        name = "c:" + entry[: -len(".toml")]
        with open(os.path.join(HERE, entry), "rb") as f:
            desc = tomllib.load(f)
        if "skip" in desc:
            print(f"skip {name}: {desc['skip']}")
            continue
        stem = entry[: -len(".toml")]
        subst = {"image": os.path.join(outdir, stem + ".elf"),
                 "dir": os.path.join(outdir, stem), "root": root}
        argv = [a.format(**subst) for a in desc["build"]]
        image = os.path.join(root, desc.get("image", "{image}").format(**subst))
        found.append((name, argv, image, subst["dir"], desc.get("boot-test", {})))
    return found


def build(root, argv, workdir):
    """Runs one image's build command; (ok, output)."""
    os.makedirs(workdir, exist_ok=True)
    proc = subprocess.run(argv, cwd=root, capture_output=True, text=True, errors="replace")
    return proc.returncode == 0, proc.stdout + proc.stderr
