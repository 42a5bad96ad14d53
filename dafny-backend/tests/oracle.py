#!/usr/bin/env python3
"""Differential-test oracle for the Dafny-to-Rust backend.

For a Dafny program, compile and run it with the installed Dafny (2.3, from
Debian) through two of its own backends, JavaScript (run with node) and C#
(run with mono), and report both stdouts and whether they agree.  The agreed
stdout is what the Rust backend's output is compared against.

Python API:
    expected(path)  -> dict(js=str|None, cs=str|None, agree=bool,
                            trust=None|'js'|'cs', reference=str|None,
                            js_result=dict, cs_result=dict)
    reference(path) -> the stdout to compare against (raises OracleError if none)

A program whose backends are known to differ because of a bug in one of them
says so in one of its first lines: `// oracle-trust: cs (reason)`.  Then
`reference` is that backend's output; the CLI still reports DISAGREE, marked
as known.

CLI:
    python3 dafny-backend/tests/oracle.py [--no-cache] [-j N] [-v] [--strict] [FILES...]
One line per program: `agree`, `DISAGREE` or `FAIL` with the reason.  Exits 1
if any program fails to verify/compile/run (with --strict, also on DISAGREE).

Results are cached by content in $SUBSTRATE_CACHE/dafny/oracle/<sha256>.json
(SUBSTRATE_CACHE defaults to ~/.cache/sel4-substrate), one file per program
and backend; the key is sha256 of the program text, the `dafny` version line,
the backend name and ORACLE_REV.  Only successful runs are cached.  The npm
package bignumber.js (needed by Dafny's JS runtime) is installed on first use
into $SUBSTRATE_CACHE/dafny/node.

Standard library only.
"""

import argparse
import concurrent.futures
import fcntl
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PROGRAMS = os.path.join(HERE, "programs")

BIGNUMBER_VERSION = "9.0.0"  # contemporary with Dafny 2.3 (2019); API used by DafnyRuntime.js
ORACLE_REV = "1"              # bump when the way results are produced changes
BACKENDS = ("js", "cs")
MAX_JOBS = 2
DAFNY_TIMEOUT = 300           # seconds, verification + code generation
RUN_TIMEOUT = 120             # seconds, running the compiled program
KEEP = 4000                   # characters of stderr / dafny output kept in results


class OracleError(Exception):
    pass


def cache_root():
    root = os.environ.get("SUBSTRATE_CACHE") or os.path.join(
        os.path.expanduser("~"), ".cache", "sel4-substrate")
    return os.path.join(root, "dafny")


# --------------------------------------------------------------------------
# tools

_version = None


def dafny_version():
    """The first line Dafny prints, e.g. 'Dafny 2.3.0.10506'."""
    global _version
    if _version is None:
        if shutil.which("dafny") is None:
            raise OracleError("dafny not found (run tools/deps.sh)")
        # `dafny /version` prints the banner, then complains about the
        # argument; only the banner matters.
        p = subprocess.run(["dafny", "/version"], stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           universal_newlines=True, timeout=120)
        for line in p.stdout.splitlines():
            if re.match(r"^Dafny \d", line):
                _version = line.strip()
                break
        else:
            raise OracleError("cannot tell dafny's version: %r" % p.stdout[:200])
    return _version


def node_modules():
    """NODE_PATH entry holding bignumber.js; installs it with npm if missing."""
    base = os.path.join(cache_root(), "node")
    mods = os.path.join(base, "node_modules")
    marker = os.path.join(mods, "bignumber.js", "package.json")

    def installed():
        try:
            with open(marker) as f:
                return json.load(f).get("version") == BIGNUMBER_VERSION
        except (OSError, ValueError):
            return False

    if installed():
        return mods
    os.makedirs(base, exist_ok=True)
    with open(os.path.join(base, ".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not installed():
            if shutil.which("npm") is None:
                raise OracleError("npm not found (run tools/deps.sh)")
            p = subprocess.run(
                ["npm", "install", "--prefix", base, "--no-audit", "--no-fund",
                 "--loglevel=error", "bignumber.js@" + BIGNUMBER_VERSION],
                stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT, universal_newlines=True, timeout=600)
            if p.returncode != 0 or not installed():
                raise OracleError("npm install bignumber.js@%s failed:\n%s"
                                  % (BIGNUMBER_VERSION, p.stdout[-KEEP:]))
    return mods


# --------------------------------------------------------------------------
# dafny's output

_NOISE_HEAD = re.compile(r"^Prover error: .*unknown parameter 'model_compress'")
_NOISE_PARAM = re.compile(r"^  [A-Za-z0-9_]+ \(.*\)")
_FINISHED = re.compile(r"^Dafny program verifier finished with (\d+) verified, (\d+) errors?")


def filter_dafny_output(text):
    """Drop the harmless noise Debian's z3 4.8 provokes: Dafny 2.3 passes it
    the option model_compress, z3 answers with the list of legal parameters."""
    out = []
    skipping = False
    for line in text.splitlines():
        if _NOISE_HEAD.match(line):
            skipping = True
            continue
        if skipping and (line == "Legal parameters are:" or _NOISE_PARAM.match(line)):
            continue
        skipping = False
        out.append(line)
    return "\n".join(out)


_ERROR = re.compile(r"\w*(Error|Exception)\b|\berror CS\d+|Errors compiling|Stack overflow")


def first_error(text):
    for line in text.splitlines():
        if _ERROR.search(line) and not _FINISHED.match(line):
            return line.strip()
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return ""


# --------------------------------------------------------------------------
# one backend

def dafny_command(backend, src, out):
    """The dafny command line producing the artifact `out` for `backend`."""
    if backend == "js":
        # /compile:1 and /compile:2 with /compileTarget:js also run the
        # program under node; /compile:0 /spillTargetCode:2 only writes the
        # .js file, and only if the program verifies.
        return ["dafny", "/nologo", "/compile:0", "/spillTargetCode:2",
                "/compileTarget:js", "/out:" + out, src]
    if backend == "cs":
        # /compile:1: verify, then compile the C# to an .exe (with mcs).
        return ["dafny", "/nologo", "/compile:1", "/compileTarget:cs",
                "/out:" + out, src]
    raise ValueError(backend)


def run_command(backend, out):
    if backend == "js":
        return ["node", out]
    return ["mono", out]


def _trim(s):
    return s if len(s) <= KEEP else s[:KEEP] + "\n...[%d more characters]" % (len(s) - KEEP)


def _run(cmd, cwd, env, timeout):
    """(exit code or None on timeout, stdout, stderr).  The command runs in
    its own process group, killed whole on timeout (dafny leaves z3 behind
    otherwise)."""
    p = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                         start_new_session=True)
    try:
        so, se = p.communicate(timeout=timeout)
        rc = p.returncode
    except subprocess.TimeoutExpired:
        try:
            os.killpg(p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        so, _ = p.communicate()
        rc, se = None, b"timeout after %ds" % timeout
    return rc, so.decode("utf-8", "replace"), se.decode("utf-8", "replace")


def run_backend(path, backend):
    """Compile and run one program with one backend (no cache)."""
    src = os.path.abspath(path)
    t0 = time.time()
    res = dict(backend=backend, ok=False, stage=None, stdout=None,
               stderr="", exit=None, dafny="", seconds=None,
               version=dafny_version())
    env = dict(os.environ)
    # mono writes non-ASCII as '?' unless the locale is UTF-8.
    env["LC_ALL"] = env["LANG"] = "C.UTF-8"
    if backend == "js":
        env["NODE_PATH"] = node_modules()
    else:
        env.pop("NODE_PATH", None)
    tool = {"js": "node", "cs": "mono"}[backend]
    if shutil.which(tool) is None:
        raise OracleError("%s not found (run tools/deps.sh)" % tool)
    base = re.sub(r"[^A-Za-z0-9_]", "_", os.path.splitext(os.path.basename(src))[0])
    if not base or not base[0].isalpha():
        base = "p" + base
    with tempfile.TemporaryDirectory(prefix="dafny-oracle-") as tmp:
        out = os.path.join(tmp, base + (".js" if backend == "js" else ".exe"))
        cmd = dafny_command(backend, src, out)
        rc, so, se = _run(cmd, tmp, env, DAFNY_TIMEOUT)
        dout = filter_dafny_output(so + se)
        res["dafny"] = _trim(dout)
        m = None
        for line in dout.splitlines():
            m = _FINISHED.match(line) or m
        if rc is None:
            res["stage"] = "dafny-timeout"
        elif m is None:
            res["stage"] = "resolve"      # parse or type errors: no verifier summary
        elif int(m.group(2)) != 0:
            res["stage"] = "verify"
        elif not os.path.exists(out):
            res["stage"] = "compile"
        else:
            rc, so, se = _run(run_command(backend, out), tmp, env, RUN_TIMEOUT)
            res["stdout"] = so
            res["stderr"] = _trim(se)
            res["exit"] = rc
            if rc is None:
                res["stage"] = "run-timeout"
            elif rc != 0:
                res["stage"] = "run"
            else:
                res["stage"] = "ok"
                res["ok"] = True
    res["seconds"] = round(time.time() - t0, 2)
    return res


def cache_key(text, backend):
    h = hashlib.sha256()
    for part in (text, dafny_version(), backend, ORACLE_REV):
        h.update(part.encode("utf-8"))
        h.update(b"\0")
    return h.hexdigest()


def backend_result(path, backend, use_cache=True):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    cdir = os.path.join(cache_root(), "oracle")
    cfile = os.path.join(cdir, cache_key(text, backend) + ".json")
    if use_cache:
        try:
            with open(cfile) as f:
                r = json.load(f)
            r["cached"] = True
            return r
        except (OSError, ValueError):
            pass
    r = run_backend(path, backend)
    r["program"] = os.path.basename(path)
    if r["ok"]:
        os.makedirs(cdir, exist_ok=True)
        fd, tmpf = tempfile.mkstemp(dir=cdir, suffix=".tmp")
        with os.fdopen(fd, "w") as f:
            json.dump(r, f, indent=1, sort_keys=True)
        os.replace(tmpf, cfile)
    r["cached"] = False
    return r


# --------------------------------------------------------------------------
# API

_TRUST = re.compile(r"^//\s*oracle-trust:\s*(js|cs)\b\s*(.*)$")


def trusted_backend(text):
    """(backend, reason) from an `// oracle-trust: cs (reason)` line among the
    program's first 5 lines, or (None, None)."""
    for line in text.splitlines()[:5]:
        m = _TRUST.match(line.strip())
        if m:
            return m.group(1), m.group(2).strip() or None
    return None, None


def expected(path, use_cache=True):
    """Both backends' stdout for the program at `path` and whether they agree.

    js / cs are None when that backend failed to verify, compile or run
    (details in js_result / cs_result).  reference is the agreed output, or,
    when they differ, the output of the backend the program names with
    `// oracle-trust:`; otherwise None."""
    with open(path, encoding="utf-8") as f:
        trust, why = trusted_backend(f.read())
    rs = {b: backend_result(path, b, use_cache) for b in BACKENDS}
    js = rs["js"]["stdout"] if rs["js"]["ok"] else None
    cs = rs["cs"]["stdout"] if rs["cs"]["ok"] else None
    agree = js is not None and js == cs
    ref = js if agree else None
    if not agree and trust is not None and js is not None and cs is not None:
        ref = {"js": js, "cs": cs}[trust]
    return dict(js=js, cs=cs, agree=agree, trust=trust, trust_reason=why,
                reference=ref, js_result=rs["js"], cs_result=rs["cs"])


def reference(path, use_cache=True):
    """The stdout a correct compiler produces for the program: the one both
    backends agree on, or the trusted backend's; OracleError otherwise."""
    e = expected(path, use_cache)
    if e["reference"] is None:
        raise OracleError("%s: %s" % (path, describe(e)[1]))
    return e["reference"]


def describe(e):
    """(status, reason) for an expected() result."""
    fails = []
    for b in BACKENDS:
        r = e[b + "_result"]
        if not r["ok"]:
            if r["stage"] in ("run", "run-timeout"):
                why = first_error(r["stderr"]) or "exit %s" % r["exit"]
                fails.append("%s: %s failed (exit %s): %s" % (b, r["stage"], r["exit"], why))
            else:
                fails.append("%s: %s failed: %s" % (b, r["stage"], first_error(r["dafny"])))
    if fails:
        return "FAIL", "; ".join(fails)
    if e["agree"]:
        n = e["js"].count("\n")
        return "agree", "%d lines" % n
    known = ("known, trusting %s: " % e["trust"]) if e.get("trust") else ""
    a, b = e["js"].splitlines(), e["cs"].splitlines()
    for i in range(max(len(a), len(b))):
        x = a[i] if i < len(a) else "<none>"
        y = b[i] if i < len(b) else "<none>"
        if x != y:
            return "DISAGREE", "%sline %d: js %r, cs %r" % (known, i + 1, x[:120], y[:120])
    return "DISAGREE", known + "outputs differ in trailing characters"


def default_programs():
    return sorted(os.path.join(PROGRAMS, f) for f in os.listdir(PROGRAMS)
                  if f.endswith(".dfy"))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("files", nargs="*", help="Dafny programs (default: all in programs/)")
    ap.add_argument("--no-cache", action="store_true", help="ignore cached results")
    ap.add_argument("-j", "--jobs", type=int, default=MAX_JOBS,
                    help="programs run at once (at most %d)" % MAX_JOBS)
    ap.add_argument("-v", "--verbose", action="store_true",
                    help="show both outputs for DISAGREE and details for FAIL")
    ap.add_argument("--strict", action="store_true",
                    help="exit 1 on DISAGREE too (unless marked oracle-trust)")
    args = ap.parse_args(argv)
    files = args.files or default_programs()
    jobs = max(1, min(args.jobs, MAX_JOBS))
    try:
        dafny_version()
        node_modules()
    except OracleError as e:
        print("oracle: %s" % e, file=sys.stderr)
        return 2
    t0 = time.time()
    counts = {"agree": 0, "DISAGREE": 0, "FAIL": 0}
    unknown = 0

    def one(f):
        try:
            return f, expected(f, use_cache=not args.no_cache), None
        except OracleError as err:
            return f, None, str(err)

    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as ex:
        for f, e, err in ex.map(one, files):
            af = os.path.abspath(f)
            name = os.path.basename(af) if os.path.dirname(af) == PROGRAMS else os.path.relpath(af)
            if err is not None:
                status, reason = "FAIL", err
            else:
                status, reason = describe(e)
            counts[status] += 1
            if status == "DISAGREE" and not e.get("trust"):
                unknown += 1
            print("%-8s %s: %s" % (status, name, reason), flush=True)
            if args.verbose and e is not None and status != "agree":
                for b in BACKENDS:
                    r = e[b + "_result"]
                    print("  --- %s (%s, exit %s) ---" % (b, r["stage"], r["exit"]))
                    body = r["stdout"] if r["ok"] or r["stdout"] else (r["stderr"] or r["dafny"])
                    for line in (body or "").splitlines()[:60]:
                        print("  | " + line)
                    if not r["ok"] and r["stderr"]:
                        for line in r["stderr"].splitlines()[:10]:
                            print("  ! " + line)
    print("oracle: %d programs, %d agree, %d disagree (%d known), %d fail (%.1fs, %s)"
          % (len(files), counts["agree"], counts["DISAGREE"],
             counts["DISAGREE"] - unknown, counts["FAIL"],
             time.time() - t0, dafny_version()))
    if counts["FAIL"] or (args.strict and unknown):
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
