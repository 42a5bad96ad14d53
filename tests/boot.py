#!/usr/bin/env python3
"""Boots every root-task image on the real kernel in QEMU and checks how it ends.

Images are the workspace packages with a `[package.metadata.boot-test]`
table in their Cargo.toml:

    [package.metadata.boot-test]
    status = 0                 # runner status to expect (0 success, 1 failure, 124 timeout)
    expect = ["regex", ...]    # patterns the console output must contain
    reject = ["regex", ...]    # patterns it must not contain (optional)
    timeout = 60               # seconds (optional)
    input = "text"             # fed to the serial port (optional, escapes allowed)
    input_after = "regex"      # hold the input back until the output matches (optional)
    toolchain = "nightly"      # build with `cargo +nightly` (optional; e.g. unwinding)
    profile = "unwind"         # cargo profile (optional; default dev, binaries in target/debug)
    features = ["unwind"]      # the package's features to enable (optional)
    kernel = "mcs"             # boot only on such kernels: "mcs" or "non-mcs" (optional;
                               # reported as skipped on others)
    exit_device = false        # boot without QEMU's exit device (optional; the run then
                               # ends at the timeout: status 124)
    icount = true              # boot under QEMU's -icount with sleep=off (the runner's
                               # --warp-idle): guest time counts instructions and jumps
                               # over idle periods (optional)
    max_host_seconds = 5       # the boot must take less host time than this (optional;
                               # with icount, shows that the guest idled rather than spun)
    args = ["a", "b c"]        # the boot command line's arguments (optional; sel4-run
                               # IMAGE ARGS...)
    env = ["NAME=value"]       # its environment entries (optional; sel4-run --env)
    quiet = true               # only the program's own output (optional; sel4-run --quiet)
    virtio_net = true          # a virtio-net-pci device on QEMU's restricted user network
                               # (optional; sel4-run --virtio-net)
    wall_clock = "regex"       # its first group is the image's wall clock in Unix seconds:
                               # within 300 s of the host's when it booted (optional)
    output = "path"            # with quiet: the output must equal this file byte for
                               # byte (optional; relative to the repository root)
    host_check = ["script", "arg", ...]
                               # a network server: boot with virtio_net, TCP port
                               # guest_port (default 80) forwarded from a free port on
                               # 127.0.0.1 (and UDP guest_udp_port, if given), wait for
                               # host_check_after in the output, then run the script
                               # (python3, relative to the repository root) with
                               # `--port P` (and `--fault-udp U`); it must exit 0 while
                               # the image still runs, which is then stopped (its status
                               # is not checked; expect and reject are)

The script builds them all (`cargo build`; one more build for each distinct
toolchain/profile/features combination), boots each through
tools/runner/sel4-run and checks the status and output.

std programs (`examples/std-*`, `tests/std-images`: STD_PACKAGES) are
Cargo packages with a workspace of their own, built into target/std and
booted the same way.

C images (C programs linked with newlib by c-newlib/sel4-cc) are not Cargo
packages: each is described by a `c-newlib/tests/<name>.toml` holding the
command that builds it (`build = [...]`, run in the repository root), the
file to boot (`image`) and a `[boot-test]` table with the keys above (see
c-newlib/tests/cimages.py). They are built after the Cargo images (the
first build of newlib takes a minute or two, then it is cached) and booted
the same way, named `c:<name>`. It also checks the
build's handling of a broken SEL4_PREFIX. `make boot-test` (part of
`make test`) runs it with SEL4_PREFIX set.
"""

import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "c-newlib", "tests"))
import cimages  # noqa: E402  (C images: c-newlib/tests/*.toml)

sys.path.insert(0, os.path.join(ROOT, "tests", "net"))
from serving import Serving, free_port  # noqa: E402  (server images and their host checks)

RUNNER = os.path.join(ROOT, "tools", "runner", "sel4-run")
TARGET = cimages.TARGET


def images():
    """(package, image path, metadata) for every package with boot-test metadata."""
    meta = json.loads(subprocess.run(
        ["cargo", "metadata", "--format-version", "1", "--no-deps"],
        cwd=ROOT, check=True, capture_output=True, text=True).stdout)
    found = []
    for pkg in meta["packages"]:
        bt = (pkg.get("metadata") or {}).get("boot-test")
        if bt is None:
            continue
        bins = [t["name"] for t in pkg["targets"] if "bin" in t["kind"]]
        found.append((pkg["name"], os.path.join(TARGET, profile_dir(bt), bins[0]), bt))
    return sorted(found)


# std programs (the host target's precompiled std on the std personality,
# substrate-std): Cargo packages with a workspace of their own each (they
# unwind; the main workspace's images abort), built into target/std.
STD_PACKAGES = ["examples/std-hello", "examples/std-threads", "examples/dafny-from-rust", "examples/dafny-server", "tests/std-images"]
STD_TARGET = os.path.join(TARGET, "std")


def std_images():
    """(package, image path, metadata, manifest) for the std packages with boot-test metadata."""
    found = []
    for d in STD_PACKAGES:
        manifest = os.path.join(ROOT, d, "Cargo.toml")
        meta = json.loads(subprocess.run(
            ["cargo", "metadata", "--format-version", "1", "--no-deps", "--manifest-path",
             manifest], cwd=ROOT, check=True, capture_output=True, text=True).stdout)
        for pkg in meta["packages"]:
            bt = (pkg.get("metadata") or {}).get("boot-test")
            if bt is None:
                continue
            bins = [t["name"] for t in pkg["targets"] if "bin" in t["kind"]]
            found.append((pkg["name"], os.path.join(STD_TARGET, "debug", bins[0]), bt, manifest))
    return sorted(found)


def build_std(std_cases):
    """Builds the std packages, one `cargo build` per workspace; the names of those that failed."""
    failed = []
    env = dict(os.environ, CARGO_TARGET_DIR=STD_TARGET)
    for manifest in sorted({m for _, _, _, m in std_cases}):
        names = [n for n, _, _, m in std_cases if m == manifest]
        cmd = ["cargo", "build", "-q", "--manifest-path", manifest]
        cmd += [a for n in names for a in ("-p", n)]
        if subprocess.run(cmd, cwd=ROOT, env=env).returncode != 0:
            failed += names
    return failed


def profile_dir(bt):
    """The target subdirectory of an image's cargo profile."""
    profile = bt.get("profile", "dev")
    return "debug" if profile == "dev" else profile


def build_commands(cases):
    """One `cargo build` per toolchain/profile/features combination."""
    groups = {}
    for name, _, bt in cases:
        key = (bt.get("toolchain"), bt.get("profile"), tuple(bt.get("features", [])))
        groups.setdefault(key, []).append(name)
    commands = []
    for (toolchain, profile, features), names in sorted(groups.items(), key=str):
        cmd = ["cargo"] + ([f"+{toolchain}"] if toolchain else []) + ["build", "-q"]
        if profile:
            cmd += ["--profile", profile]
        if features:
            cmd += ["--features", ",".join(f"{n}/{f}" for n in names for f in features)]
        commands.append(cmd + [a for n in names for a in ("-p", n)])
    return commands


def boot(path, bt):
    """Boots the image at `path` as its boot-test table `bt` says: (status, output,
    seconds); with a host check, the status is whether it passed (True/False)."""
    args = ["--timeout", str(bt.get("timeout", 60))]
    if "input" in bt:
        args += ["--input", bt["input"]]
    if "input_after" in bt:
        args += ["--input-after", bt["input_after"]]
    if not bt.get("exit_device", True):
        args += ["--no-exit-device"]
    if bt.get("icount"):
        args += ["--warp-idle"]
    for e in bt.get("env", []):
        args += ["--env", e]
    if bt.get("quiet"):
        args += ["--quiet"]
    if bt.get("virtio_net"):
        args += ["--virtio-net"]
    if "host_check" in bt:
        return boot_with_host_check(path, bt, args)
    start = time.monotonic()
    proc = subprocess.run([RUNNER, *args, path, *bt.get("args", [])], capture_output=True,
                          text=True, errors="replace")
    return proc.returncode, proc.stdout + proc.stderr, time.monotonic() - start


def boot_with_host_check(path, bt, args):
    """Boots a server image and runs its host check against it (see the
    module documentation): (check passed, output, seconds)."""
    port = free_port()
    args = args + ["--forward", f"{port}:{bt.get('guest_port', 80)}"]
    check = [sys.executable, os.path.join(ROOT, bt["host_check"][0]), *bt["host_check"][1:],
             "--port", str(port)]
    if "guest_udp_port" in bt:
        udp = free_port(socket.SOCK_DGRAM)
        args += ["--forward", f"udp:{udp}:{bt['guest_udp_port']}"]
        check += ["--fault-udp", str(udp)]
    timeout = bt.get("timeout", 60)
    start = time.monotonic()
    server = Serving([*args, path], bt.get("host_check_after", "."))
    notes = []
    ok = False
    try:
        if not server.wait_ready(timeout):
            notes.append(f"boot.py: the image did not get ready for its host check "
                         f"({bt.get('host_check_after')!r})\n")
        else:
            left = max(10, timeout - (time.monotonic() - start))
            try:
                c = subprocess.run(check, capture_output=True, text=True, timeout=left)
                notes.append(c.stdout + c.stderr)
                ok = c.returncode == 0
            except subprocess.TimeoutExpired as e:
                notes.append(f"{e.stdout or ''}boot.py: the host check timed out after {left:.0f} s\n")
            time.sleep(0.5)
            if not server.running():
                notes.append("boot.py: the image ended during its host check\n")
                ok = False
    finally:
        server.stop()
    return ok, server.output() + "".join(notes), time.monotonic() - start


def output_diff(reference, output):
    """A unified diff of `output` against the file `reference`; empty when equal."""
    import difflib

    with open(reference, encoding="utf-8", errors="replace") as f:
        want = f.read()
    if want == output:
        return ""
    return "".join(difflib.unified_diff(want.splitlines(True), output.splitlines(True),
                                        "reference", "output"))


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


def kernel_is_mcs():
    """Whether the kernel at $SEL4_PREFIX is an MCS kernel (its gen_config.json)."""
    path = os.path.join(os.environ.get("SEL4_PREFIX", ""), "libsel4", "include", "kernel",
                        "gen_config.json")
    with open(path) as f:
        v = json.load(f).get("KERNEL_MCS", False)
    return v.upper() in ("1", "ON", "TRUE") if isinstance(v, str) else bool(v)


def skip_reason(bt, mcs):
    """Why an image does not boot on this kernel, or None."""
    want = bt.get("kernel")
    if want == "mcs" and not mcs:
        return "needs an MCS kernel"
    if want == "non-mcs" and mcs:
        return "needs a non-MCS kernel"
    return None


def main():
    mcs = kernel_is_mcs()
    cases = images()
    for build in build_commands(cases):
        subprocess.run(build, cwd=ROOT, check=True)
    failed = 0
    build_failures = 0
    std_cases = std_images()
    std_failed = build_std(std_cases)
    for name, image, bt, _ in std_cases:
        if name in std_failed:
            build_failures += 1
            print(f"FAIL {name}: build failed (cargo build --manifest-path, output above)")
        else:
            cases.append((name, image, bt))
    for name, argv, image, workdir, bt in cimages.discover():
        ok, output = cimages.build(argv, workdir, image)
        if ok:
            cases.append((name, image, bt))
            continue
        build_failures += 1
        print(f"FAIL {name}: build failed: {' '.join(argv)}")
        print("\n".join("     | " + l for l in output.splitlines()[-40:]))
    failed += build_failures
    skipped = 0
    for name, path, bt in cases:
        reason = skip_reason(bt, mcs)
        if reason:
            skipped += 1
            print(f"skip {name}: {reason}")
            continue
        want_status = bt.get("status", 0)
        started = time.time()
        status, output, secs = boot(path, bt)
        if "host_check" in bt:
            status, want_status = ("host check passed" if status else "host check failed",
                                   "host check passed")
        missing = [p for p in bt.get("expect", []) if not re.search(p, output)]
        missing += [f"not {p}" for p in bt.get("reject", []) if re.search(p, output)]
        if "wall_clock" in bt:
            m = re.search(bt["wall_clock"], output)
            if not m or abs(int(m.group(1)) - started) > 300:
                missing.append(f"a wall clock within 300 s of the host's ({started:.0f}) in "
                               f"{bt['wall_clock']!r}")
        if "output" in bt:
            diff = output_diff(os.path.join(ROOT, bt["output"]), output)
            if diff:
                missing.append(f"the output of {bt['output']} (diff below)")
                output = diff
        if "max_host_seconds" in bt and secs >= bt["max_host_seconds"]:
            missing.append(f"host time {secs:.1f} s < {bt['max_host_seconds']} s")
        if status == want_status and not missing:
            print(f"ok   {name} (status {status}, {secs:.1f} s)")
            continue
        failed += 1
        print(f"FAIL {name}: status {status} (want {want_status}); missing {missing}")
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
    total = len(cases) + build_failures + len(checks) - skipped
    print(f"{total - failed} passed, {failed} failed, {skipped} skipped")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
