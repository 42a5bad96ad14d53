"""The build cache shared by tools/kernel/provision.py and c-newlib/build-newlib.py.

Both tools build something slow once (the seL4 kernel prefix, newlib) into a
cache and print its path. They share the way the cache is kept:

* the cache root: --cache, else $SUBSTRATE_CACHE, else ~/.cache/sel4-substrate;
* a finished entry is a directory named after a content key (`short_hash`),
  created only by an atomic rename of a complete build, so its existence
  alone means "done" and a later run just prints it;
* building happens under an exclusive lock file, in a temporary directory
  `.build-*` beside the entries; leftovers of interrupted runs are removed
  by the next run that holds the lock.

The name avoids `cachelib` (a PyPI package). Each tool puts this folder
(tools/) first on sys.path, so it runs as `python3 <path>` from anywhere.
What is built is decided by each tool's own key; this module only moves
finished builds into place, so it is not part of any key.

Python 3.11, standard library only.
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path


def cache_root(arg: Path | None = None) -> Path:
    """The cache root: `arg`, else $SUBSTRATE_CACHE, else ~/.cache/sel4-substrate."""
    root = arg or Path(os.environ.get("SUBSTRATE_CACHE")
                       or Path.home() / ".cache" / "sel4-substrate")
    return Path(root).expanduser().resolve()


def argument_parser(description: str, verbose_help: str) -> argparse.ArgumentParser:
    """The command line both tools take: --cache DIR, --force, -v/--verbose."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--cache", type=Path, default=None,
                        help="cache root (default: $SUBSTRATE_CACHE or ~/.cache/sel4-substrate)")
    parser.add_argument("--force", action="store_true", help="rebuild even if the prefix exists")
    parser.add_argument("-v", "--verbose", action="store_true", help=verbose_help)
    return parser


def short_hash(*parts: bytes, length: int = 12) -> str:
    """The first `length` hex digits of the SHA-256 of `parts`, each prefixed
    with its length (so that moving bytes between parts changes the hash)."""
    h = hashlib.sha256()
    for p in parts:
        h.update(len(p).to_bytes(8, "little"))
        h.update(p)
    return h.hexdigest()[:length]


class CacheLock:
    """An exclusive advisory lock (flock) on a file in the cache, held while
    building; `log` is told when another run holds it."""

    def __init__(self, path: Path, log: Callable[[str], None], what: str = "another build"):
        self.path = path
        self.log = log
        self.what = what
        self.fd = -1

    def __enter__(self):
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.log(f"waiting for {self.what} (lock {self.path})")
            fcntl.flock(self.fd, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        os.close(self.fd)


def ensure_entry(entry: Path, build: Callable[[Path], Path], *, lock: Path,
                 log: Callable[[str], None], force: bool = False,
                 waiting_for: str = "another build", keep_failed: bool = False) -> Path:
    """Returns the cache entry `entry`, building it first when it is missing
    (or always with `force`).

    `build(tmp)` runs under the lock `lock` with a fresh temporary directory
    `tmp` (`<entry's folder>/.build-<entry name>-*`) and returns the complete
    build, a directory inside `tmp`, which is then renamed to `entry`. With
    `force`, an existing entry is swapped out only once the new one is
    complete. On failure `tmp` is removed,
    or kept for its logs when `keep_failed` is set (the next run removes it).
    """
    if entry.is_dir() and not force:
        return entry
    base = entry.parent
    base.mkdir(parents=True, exist_ok=True)
    with CacheLock(lock, log, waiting_for):
        # Another run may have finished it while we waited for the lock.
        if entry.is_dir() and not force:
            return entry
        # Leftovers of interrupted or failed runs (we hold the lock).
        for stale in base.glob(".build-*"):
            shutil.rmtree(stale, ignore_errors=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".build-{entry.name}-", dir=base))
        try:
            staged = build(tmp)
            if entry.is_dir():  # force: swap the old entry out only now
                os.rename(entry, tmp / ".old-entry")
            os.rename(staged, entry)  # atomic: the entry is either complete or absent
        except BaseException:
            if not keep_failed:
                shutil.rmtree(tmp, ignore_errors=True)
            raise
        shutil.rmtree(tmp, ignore_errors=True)
    return entry


def run_logged(cmd: list[str], cwd: Path, logfile: Path, env: dict[str, str] | None = None, *,
               error: type[Exception] = RuntimeError,
               echo: Callable[[str], None] | None = None) -> None:
    """Runs `cmd` with its output appended to `logfile`; on failure raises
    `error` with the last 30 lines of the log. `echo` is told each command
    (verbose builds)."""
    import subprocess

    if echo:
        echo("$ " + " ".join(cmd))
    with open(logfile, "ab") as out:
        out.write(("\n$ " + " ".join(cmd) + "\n").encode())
        out.flush()
        proc = subprocess.run(cmd, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        tail = logfile.read_text(errors="replace").splitlines()[-30:]
        raise error(f"{cmd[0]} failed ({proc.returncode}); last lines of {logfile}:\n"
                    + "\n".join(tail))
