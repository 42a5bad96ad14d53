"""A server image booted by tools/runner/sel4-run until stopped: what
tests/boot.py's host checks and bench/net/run.py run their clients
against."""

import os
import re
import signal
import socket
import subprocess
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
RUNNER = os.path.join(ROOT, "tools", "runner", "sel4-run")


def free_port(kind=socket.SOCK_STREAM):
    """A port on 127.0.0.1 nothing listens on now."""
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Serving:
    """`sel4-run ARGS...` in a session of its own, its console collected
    line by line; ready once a line matches `ready`."""

    def __init__(self, args, ready):
        self.proc = subprocess.Popen([RUNNER, *args], stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, text=True, errors="replace",
                                     start_new_session=True)
        self.lines = []
        self._ready = threading.Event()
        pattern = re.compile(ready)

        def read():
            for line in self.proc.stdout:
                self.lines.append(line)
                if pattern.search(line):
                    self._ready.set()
            self._ready.set()

        self._reader = threading.Thread(target=read, daemon=True)
        self._reader.start()

    def wait_ready(self, timeout):
        """Whether the ready line came within `timeout` seconds and QEMU
        still runs."""
        return self._ready.wait(timeout) and self.running()

    def running(self):
        return self.proc.poll() is None

    def output(self):
        return "".join(self.lines)

    def stop(self):
        """Stops the runner and QEMU (its whole session)."""
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        self._reader.join(timeout=5)
