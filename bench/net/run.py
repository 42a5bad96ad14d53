#!/usr/bin/env python3
"""The HTTP servers' figures (`make bench`): net-http (Rust) and
mirage-http (OCaml, cohttp-lwt), release builds, each booted with QEMU's
user network forwarding a free port of 127.0.0.1.

* Throughput: `wrk -t2 -c8 -d10s` (Debian's wrk) on `/` (the index
  page, about 700 bytes) and `/blob` (64 KiB): requests per second and
  MB/s as wrk reports them; a run with non-2xx answers or socket errors
  fails.
* Idle: booted again under QEMU `-icount` with `sleep=off`
  (`sel4-run --warp-idle`: the guest's clock jumps over the time every
  component is blocked), `/` is fetched, then again after 5 s of host
  time; the page says the server's uptime (guest time) and how often its
  event loop woke. A server that polled would execute instructions
  all along, which `-icount` counts one nanosecond each, so its clock
  could not run ahead of the host's; a blocked one runs far ahead, woken
  only by its timers.
"""

import os
import re
import subprocess
import sys
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "tests", "net"))
from serving import Serving, free_port  # noqa: E402

TARGET = os.environ.get("CARGO_TARGET_DIR") or os.path.join(ROOT, "target")
SERVERS = [("net-http", "Rust, sel4-net-http"), ("mirage-http", "OCaml, cohttp-lwt")]
READY = r"server: serving http://"


class Boot:
    """A server image running in QEMU, port 80 forwarded, until stopped."""

    def __init__(self, name, extra=()):
        self.port = free_port()
        self.server = Serving(["--timeout", "600", "--forward", f"{self.port}:80", *extra,
                               os.path.join(TARGET, "release", name)], READY)
        if not self.server.wait_ready(120):
            self.stop()
            sys.exit(f"bench/net: {name} did not start serving:\n"
                     f"{''.join(self.server.lines[-20:])}")

    def get(self, path):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=30) as r:
            return r.read().decode("utf-8", "replace")

    def stop(self):
        self.server.stop()


def wrk(port, path):
    """(requests/s, MB/s) of a 10 s wrk run."""
    out = subprocess.run(["wrk", "-t2", "-c8", "-d10s", f"http://127.0.0.1:{port}{path}"],
                         capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in out or "Socket errors" in out:
        sys.exit(f"bench/net: wrk saw errors on {path}:\n{out}")
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    size, unit = re.search(r"Transfer/sec:\s+([\d.]+)(\w+)", out).groups()
    mb = float(size) * {"B": 1e-6, "KB": 1024 / 1e6, "MB": 1024 ** 2 / 1e6, "GB": 1024 ** 3 / 1e6}[unit]
    return rps, mb


def idle(name):
    """(host seconds, guest seconds, wakeups) between two fetches of /."""
    b = Boot(name, ["--warp-idle"])
    try:
        def sample():
            m = re.search(r"up (\d+) ms, \d+ requests answered, woken (\d+) times", b.get("/"))
            return time.monotonic(), int(m.group(1)) / 1000, int(m.group(2))

        h0, g0, w0 = sample()
        time.sleep(5)
        h1, g1, w1 = sample()
        return h1 - h0, g1 - g0, w1 - w0
    finally:
        b.stop()


def main():
    subprocess.run(["cargo", "build", "-q", "--release", *(a for n, _ in SERVERS for a in ("-p", n))],
                   cwd=ROOT, check=True)
    print("| server | `/` req/s | `/` MB/s | `/blob` (64 KiB) req/s | `/blob` MB/s |")
    print("|---|---|---|---|---|")
    for name, what in SERVERS:
        b = Boot(name)
        try:
            b.get("/")
            r1, m1 = wrk(b.port, "/")
            r2, m2 = wrk(b.port, "/blob")
        finally:
            b.stop()
        print(f"| `{name}` ({what}) | {r1:,.0f} | {m1:.2f} | {r2:,.0f} | {m2:.1f} |", flush=True)
    print()
    print("| server, idle | host time | guest time (`-icount`, sleep=off) | guest/host | event-loop wake-ups |")
    print("|---|---|---|---|---|")
    for name, what in SERVERS:
        host, guest, wakeups = idle(name)
        print(f"| `{name}` | {host:.1f} s | {guest:,.1f} s | {guest / host:,.0f} | {wakeups} |",
              flush=True)


if __name__ == "__main__":
    main()
