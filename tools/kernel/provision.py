#!/usr/bin/env python3
"""Provision the embedded seL4 5.0.0 kernel as a modern-layout install prefix.

Usage: python3 tools/kernel/provision.py [--cache DIR] [--force] [--verbose]

Builds (or reuses) seL4 5.0.0 for x86_64 pc99 and prints exactly one line on
stdout: the absolute path of the install prefix. Everything else goes to stderr.

seL4 5.0.0 predates the CMake build and its `ninja install` step, so this tool
produces the same layout a current kernel installs, which is what the rest of
sel4-substrate reads (SEL4_PREFIX):

    <prefix>/bin/kernel.elf              the kernel (ELF64, multiboot)
    <prefix>/bin/kernel32.elf            the same as ELF32, which QEMU's -kernel loads
    <prefix>/libsel4/include/            headers: #include <sel4/sel4.h> works with only
                                         -I<prefix>/libsel4/include
        autoconf.h                       the kernel configuration
        api/syscall.xml                  syscall numbers
        interfaces/object-api*.xml       invocation interfaces (generic, arch, sel4_arch)
        sel4/shared_types.pbf            preprocessed bitfield specifications
        sel4/sel4_arch/types.pbf
        kernel/gen_config.json           the configuration as JSON (modern key names)
        sel4/gen_config.json             libsel4's configuration as JSON
    <prefix>/VERSION                     the kernel version ("5.0.0")

Steps of a cold build (all under a lock in the cache):
 1. a Python venv in <cache>/venv with the kernel tools' dependencies
    (tools/kernel/requirements.txt), rebuilt whenever that file changes;
 2. the kernel source from crates.io through cargo (package sel4-sys 0.0.28
    carries the kernel in its seL4/ folder), copied out of the registry;
 3. configuration with kconfiglib from tools/kernel/pc99_x86_64.config;
 4. the kernel's own Makefile, out of tree, with two gcc >= 12 workarounds;
 5. libsel4 header generation with libsel4's own generator scripts;
 6. a syntax check of <sel4/sel4.h>, then an atomic rename into place
    (the cache handling is tools/substrate_cache.py, shared with
    c-newlib/build-newlib.py).

The prefix name carries a hash of this script, the configuration, the Python
requirements and the fetch manifest, so any change to them builds a new prefix
and an unchanged one is reused without running cargo or make.

Python 3.11, standard library only (the kernel tools themselves run in the venv).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tools/
from substrate_cache import argument_parser, cache_root, ensure_entry, short_hash  # noqa: E402

# --------------------------------------------------------------------------
# Fixed facts about the embedded kernel
# --------------------------------------------------------------------------

KERNEL_VERSION = "5.0.0"
SOURCE_PACKAGE = "sel4-sys"
SOURCE_PACKAGE_VERSION = "0.0.28"

ARCH = "x86"
SEL4_ARCH = "x86_64"
PLAT = "pc99"

TOOL_DIR = Path(__file__).resolve().parent
DEFCONFIG = TOOL_DIR / "pc99_x86_64.config"
REQUIREMENTS = TOOL_DIR / "requirements.txt"
FETCH_MANIFEST = TOOL_DIR / "fetch" / "Cargo.toml"
FETCH_LOCK = TOOL_DIR / "fetch" / "Cargo.lock"

# Files whose content decides the prefix; change any of them and a new prefix is built.
KEYED_FILES = (Path(__file__).resolve(), DEFCONFIG, REQUIREMENTS, FETCH_MANIFEST, FETCH_LOCK)

# gcc >= 12 reports these in 5.0's sources; the kernel builds with -Werror.
# They go through the *environment* CFLAGS: the kernel Makefile appends its own
# flags to that, whereas CFLAGS=... on the make command line would replace them.
KERNEL_EXTRA_CFLAGS = "-Wno-error=address-of-packed-member -Wno-error=array-bounds"

# Environment variables that must not leak from the caller into the kernel build.
SCRUBBED_ENV = ("MAKEFLAGS", "MFLAGS", "MAKELEVEL", "CFLAGS", "CPPFLAGS", "ASFLAGS",
                "LDFLAGS", "PYTHONPATH", "PYTHONHOME", "KCONFIG_CONFIG")

# The seL4/ subfolders not needed for building (the manual is LaTeX).
COPY_IGNORE = shutil.ignore_patterns("*.pyc", "__pycache__", "manual", "parsetab.py")

VERBOSE = False


class ProvisionError(Exception):
    """A failure with a one-line explanation for the user."""


def log(msg: str) -> None:
    print(f"provision: {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------
# Small process helpers
# --------------------------------------------------------------------------

def run(cmd: list[str | os.PathLike], *, what: str, logfile: Path | None = None,
        capture: bool = False, **kwargs) -> str:
    """Run a command; on failure show its output and raise ProvisionError.

    Output goes to `logfile` (appended) when given, to stderr when verbose, and is
    returned as text when `capture` is set (stdout only; stderr then goes to the log).
    """
    cmd = [str(c) for c in cmd]
    if VERBOSE:
        log("$ " + " ".join(cmd))
    try:
        if capture:
            proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True, **kwargs)
            out, err = proc.stdout, proc.stderr
        else:
            proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True, **kwargs)
            out, err = "", proc.stdout
    except FileNotFoundError as exc:
        raise ProvisionError(f"{what}: cannot run '{cmd[0]}' ({exc.strerror})") from None
    if logfile is not None:
        with open(logfile, "a") as f:
            f.write("$ " + " ".join(cmd) + "\n" + err)
    if VERBOSE and err:
        sys.stderr.write(err)
    if proc.returncode != 0:
        if not VERBOSE and err:
            tail = err.strip().splitlines()[-40:]
            sys.stderr.write("\n".join(tail) + "\n")
        where = f" (log: {logfile})" if logfile else ""
        raise ProvisionError(f"{what} failed with exit status {proc.returncode}{where}")
    return out


def config_key() -> str:
    """Short hash of every file that decides what gets built."""
    parts = []
    for path in KEYED_FILES:
        parts.append(path.name.encode())
        parts.append(path.read_bytes())
    return short_hash(*parts)


# --------------------------------------------------------------------------
# Step 1: the Python venv for the kernel's tools
# --------------------------------------------------------------------------

def ensure_venv(cache: Path) -> Path:
    """Return the venv's python, (re)creating the venv if the requirements changed."""
    venv = cache / "venv"
    python = venv / "bin" / "python"
    stamp = venv / ".substrate-requirements.sha256"
    # Key on the requirements and the interpreter the venv is made from.
    want = short_hash(REQUIREMENTS.read_bytes(), sys.version.encode(),
                      os.path.realpath(sys.executable).encode(), length=64)
    if stamp.is_file() and stamp.read_text().strip() == want and python.exists():
        probe = subprocess.run([str(python), "-c", "import ply, six, tempita, kconfiglib"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if probe.returncode == 0:
            return python
    log(f"creating Python venv {venv}")
    shutil.rmtree(venv, ignore_errors=True)
    run([sys.executable, "-m", "venv", venv], what="python3 -m venv")
    run([python, "-m", "pip", "install", "--disable-pip-version-check", "--no-input",
         "--quiet", "-r", REQUIREMENTS], what="pip install -r tools/kernel/requirements.txt")
    # The stamp is written last: an interrupted install is redone next time.
    stamp.write_text(want + "\n")
    return python


# --------------------------------------------------------------------------
# Step 2: the kernel source, through cargo
# --------------------------------------------------------------------------

def fetch_kernel_source() -> Path:
    """Download sel4-sys through cargo and return its (read-only to us) seL4/ folder."""
    cargo = os.environ.get("CARGO", "cargo")
    log(f"fetching {SOURCE_PACKAGE} {SOURCE_PACKAGE_VERSION} with cargo")
    # cargo's own progress lines go straight to our stderr.
    fetch = subprocess.run([cargo, "fetch", "--locked", "--manifest-path", str(FETCH_MANIFEST)],
                           stdout=sys.stderr)
    if fetch.returncode != 0:
        raise ProvisionError(f"cargo fetch --manifest-path {FETCH_MANIFEST} failed")
    meta = json.loads(run([cargo, "metadata", "--format-version", "1", "--locked",
                           "--manifest-path", FETCH_MANIFEST],
                          what="cargo metadata", capture=True))
    for pkg in meta["packages"]:
        if pkg["name"] == SOURCE_PACKAGE and pkg["version"] == SOURCE_PACKAGE_VERSION:
            source = Path(pkg["manifest_path"]).parent / "seL4"
            break
    else:
        raise ProvisionError(f"cargo metadata lists no {SOURCE_PACKAGE} {SOURCE_PACKAGE_VERSION}")
    version_file = source / "VERSION"
    if not version_file.is_file():
        raise ProvisionError(f"no seL4 kernel tree at {source}")
    found = version_file.read_text().strip()
    if found != KERNEL_VERSION:
        raise ProvisionError(f"{version_file} says {found!r}, expected {KERNEL_VERSION!r}")
    return source


def copy_kernel_source(source: Path, work: Path) -> None:
    """Copy the seL4 tree into the build dir (the registry copy is never modified)."""
    shutil.copytree(source, work, ignore=COPY_IGNORE)
    for root, dirs, files in os.walk(work):
        for name in dirs + files:
            p = os.path.join(root, name)
            os.chmod(p, os.stat(p).st_mode | 0o200)


def patch_circular_includes(work: Path) -> None:
    """Teach 5.0's tools/circular_includes.py about gcc >= 9 line markers.

    The script reads preprocessor line markers (`# <line> "<file>"`) and treats
    line 1 as "entered a file" and anything else as "returned to a file", popping
    its include stack until it finds that file. Current gcc also emits markers
    with line 0 (`# 0 "kernel_all.c"`, `# 0 "<built-in>"`, `# 0 "<command-line>"`)
    for files it never "entered", which empties the stack and crashes the script.
    Those markers carry no include information, so they are skipped.
    """
    script = work / "tools" / "circular_includes.py"
    text = script.read_text()
    anchor = "        if depth == 1:\n"
    if anchor not in text:
        raise ProvisionError(f"{script}: unexpected content, cannot apply the gcc line-marker fix")
    fix = ("        if depth == 0:\n"
           "            # gcc >= 9: '# 0 \"file\"' markers (sel4-substrate patch)\n"
           "            continue\n\n")
    script.write_text(text.replace(anchor, fix + anchor, 1))


# --------------------------------------------------------------------------
# Step 3: configuration with kconfiglib
# --------------------------------------------------------------------------

# Runs inside the venv: loads the defconfig over the kernel + libsel4 Kconfig,
# checks that every option the defconfig names got the value asked for, writes
# .config and autoconf.h, and dumps all symbols (with types) for gen_config.json.
KCONFIG_SCRIPT = r'''
import json, re, sys
import kconfiglib

kconfig, defconfig, outdir = sys.argv[1:4]
kconf = kconfiglib.Kconfig(kconfig, warn_to_stderr=False)
kconf.load_config(defconfig)

mismatches = []
for line in open(defconfig):
    line = line.strip()
    m = re.fullmatch(r"CONFIG_(\w+)=(.*)", line) or \
        re.fullmatch(r"# CONFIG_(\w+) is not set()", line)
    if not m:
        continue
    name, want = m.group(1), m.group(2) or "n"
    want = want[1:-1] if want.startswith('"') and want.endswith('"') else want
    sym = kconf.syms.get(name)
    if sym is None or not sym.nodes:
        mismatches.append(f"{name}: no such option in this kernel")
    elif sym.str_value != want:
        mismatches.append(f"{name}: asked for {want!r}, got {sym.str_value!r}")
for w in kconf.warnings:
    # 5.0's Kconfig uses the old 'option env' bounce symbol; kconfiglib handles it.
    if "option env" not in w:
        print("kconfig: " + w, file=sys.stderr)
if mismatches:
    print("configuration options not satisfiable: " + "; ".join(mismatches), file=sys.stderr)
    sys.exit(1)

kconf.write_config(outdir + "/.config", header="# seL4 5.0.0 configuration (sel4-substrate)\n")
kconf.write_autoconf(outdir + "/autoconf.h",
                     header="/* seL4 5.0.0 configuration, generated by sel4-substrate */\n")
symbols = []
for sym in kconf.unique_defined_syms:
    symbols.append({
        "name": sym.name,
        "type": kconfiglib.TYPE_TO_STR[sym.orig_type],
        "value": sym.str_value,
        # config_string is empty for symbols without a value (e.g. an int whose
        # dependencies are off); those are not in .config or autoconf.h either.
        "has_value": bool(sym.config_string),
    })
json.dump(symbols, open(outdir + "/symbols.json", "w"), indent=1)
'''


def configure(python: Path, work: Path, cfgdir: Path, logfile: Path) -> None:
    cfgdir.mkdir()
    # One Kconfig tree for the kernel and libsel4 (5.0's top Kconfig omits libsel4).
    (cfgdir / "Kconfig").write_text(
        'mainmenu "seL4 5.0.0 (sel4-substrate)"\n'
        'source "$KERNEL_PATH/Kconfig"\n'
        'source "$KERNEL_PATH/libsel4/Kconfig"\n')
    (cfgdir / "kconfig_run.py").write_text(KCONFIG_SCRIPT)
    env = dict(os.environ, KERNEL_ROOT_PATH=str(work), KERNEL_PATH=str(work), srctree=str(cfgdir))
    run([python, cfgdir / "kconfig_run.py", cfgdir / "Kconfig", DEFCONFIG, cfgdir],
        what="kconfiglib configuration", logfile=logfile, cwd=cfgdir, env=env)
    # Configuration only comes from autoconf.h, and the one shipped for pc99 (a
    # verification build without printing) comes first on the include path.
    shutil.copyfile(cfgdir / "autoconf.h", work / "include" / "plat" / PLAT / "autoconf.h")


# --------------------------------------------------------------------------
# Step 4: the kernel
# --------------------------------------------------------------------------

def build_kernel(python: Path, work: Path, build: Path, logfile: Path) -> Path:
    build.mkdir()
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED_ENV}
    # Some 5.0 tools are run by their '#!/usr/bin/env python' line: put the venv first.
    env["PATH"] = f"{python.parent}{os.pathsep}{env.get('PATH', '')}"
    env["CFLAGS"] = KERNEL_EXTRA_CFLAGS
    # Name sources "seL4/..." rather than by the temporary build path, both in
    # the kernel's messages (__FILE__, expanded when kernel_all.c is preprocessed)
    # and in its debug info.
    env["CPPFLAGS"] = f"-fmacro-prefix-map={work}=seL4"
    env["CFLAGS"] += f" -fdebug-prefix-map={work}=seL4 -fdebug-prefix-map={build}=build"
    cmd = ["make", "-f", work / "Makefile", f"SOURCE_ROOT={work}",
           f"ARCH={ARCH}", f"SEL4_ARCH={SEL4_ARCH}", f"PLAT={PLAT}",
           # DEBUG=1 adds the debug-only sources (capdl.c) and -DDEBUG, which
           # debug.h needs; it also passes -DCONFIG_USER_STACK_TRACE_LENGTH=1,
           # which autoconf.h then redefines (a harmless cpp warning; autoconf wins).
           "DEBUG=1", f"PYTHON={python}"]
    if shutil.which("xmllint") is None:
        # The Makefile only validates syscall.xml against its schema with it.
        log("xmllint not found (Debian: libxml2-utils); skipping syscall.xml schema check")
        cmd.append("XMLLINT_PATH=true")
    # Serial on purpose: parallel bitfield_gen.py runs race on ply's parsetab.py
    # cache, and the kernel is one translation unit (kernel_all.c) anyway.
    log("building the kernel (make)")
    run(cmd, what="kernel build (make)", logfile=logfile, cwd=build, env=env)
    elf = build / "kernel.elf"
    if not elf.is_file():
        raise ProvisionError(f"kernel build produced no {elf}")
    return elf


# --------------------------------------------------------------------------
# Step 5: libsel4 headers and interface files in the modern layout
# --------------------------------------------------------------------------

def copy_headers(src: Path, dst: Path) -> None:
    """Copy every .h under src to the same relative place under dst."""
    for header in sorted(src.rglob("*.h")):
        target = dst / header.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(header, target)


def install_libsel4(python: Path, work: Path, cfgdir: Path, inc: Path, logfile: Path) -> None:
    lib = work / "libsel4"
    tools = lib / "tools"
    generic_xml = lib / "include" / "interfaces" / "sel4.xml"
    arch_xml = lib / "arch_include" / ARCH / "interfaces" / "sel4arch.xml"
    sel4_arch_xml = lib / "sel4_arch_include" / SEL4_ARCH / "interfaces" / "sel4arch.xml"
    syscall_xml = lib / "include" / "api" / "syscall.xml"

    # Static headers, with the arch/sel4_arch/plat folders flattened under sel4/
    # the way a current install lays them out.
    copy_headers(lib / "include", inc)
    copy_headers(lib / "arch_include" / ARCH, inc)
    copy_headers(lib / "sel4_arch_include" / SEL4_ARCH, inc)
    copy_headers(lib / "sel4_plat_include" / PLAT, inc)
    shutil.copyfile(cfgdir / "autoconf.h", inc / "autoconf.h")

    # Interface descriptions under their current names.
    (inc / "api").mkdir(exist_ok=True)
    (inc / "interfaces").mkdir(exist_ok=True)
    shutil.copyfile(syscall_xml, inc / "api" / "syscall.xml")
    shutil.copyfile(generic_xml, inc / "interfaces" / "object-api.xml")
    shutil.copyfile(arch_xml, inc / "interfaces" / "object-api-arch.xml")
    shutil.copyfile(sel4_arch_xml, inc / "interfaces" / "object-api-sel4-arch.xml")

    # bitfield_gen.py imports helper modules (lex.py, umm.py) that live only in
    # the kernel's tools/ folder; the kernel Makefile puts it on PYTHONPATH too.
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED_ENV}
    env["PYTHONPATH"] = str(work / "tools")

    def tool(script: str, *args) -> None:
        run([python, tools / script, *args], what=script, logfile=logfile, cwd=cfgdir, env=env)

    # Syscall numbers and invocation labels.
    tool("syscall_header_gen.py", "--xml", syscall_xml, "--libsel4_header", inc / "sel4" / "syscall.h")
    tool("invocation_header_gen.py", "--xml", generic_xml, "--libsel4",
         "--dest", inc / "sel4" / "invocation.h")
    tool("invocation_header_gen.py", "--xml", arch_xml, "--libsel4", "--arch",
         "--dest", inc / "sel4" / "arch" / "invocation.h")
    tool("invocation_header_gen.py", "--xml", sel4_arch_xml, "--libsel4", "--sel4_arch",
         "--dest", inc / "sel4" / "sel4_arch" / "invocation.h")

    # Bitfield types: preprocess with the configuration (as libsel4's Makefile
    # does: the directory holding autoconf.h, plus arch_include for the
    # sel4_arch file's #include <sel4/arch/shared_types.bf>), then generate C.
    cpp = os.environ.get("CPP", "cpp")
    cpp_flags = ["-nostdinc", "-P", f"-I{cfgdir}", f"-I{lib / 'arch_include' / ARCH}"]
    bitfields = [
        # (source .bf, installed .pbf, generated header)
        (lib / "include" / "sel4" / "shared_types_64.bf",
         inc / "sel4" / "shared_types.pbf", inc / "sel4" / "shared_types_gen.h"),
        (lib / "sel4_arch_include" / SEL4_ARCH / "sel4" / "sel4_arch" / "types.bf",
         inc / "sel4" / "sel4_arch" / "types.pbf", inc / "sel4" / "sel4_arch" / "types_gen.h"),
        # 5.0 only: seL4_CapData (badge/guard words), replaced by plain words later.
        (lib / "include" / "sel4" / "types_64.bf",
         inc / "sel4" / "types.pbf", inc / "sel4" / "types_gen.h"),
    ]
    for bf, pbf, gen_h in bitfields:
        run([cpp, *cpp_flags, bf, "-o", pbf], what=f"cpp {bf.name}", logfile=logfile, cwd=cfgdir)
        tool("bitfield_gen.py", "--environment", "libsel4", pbf, gen_h)

    # Invocation stubs (<interfaces/sel4_client.h>, included by <sel4/sel4.h>).
    tool("syscall_stub_gen.py", "-a", SEL4_ARCH, "-c", cfgdir / ".config",
         "-o", inc / "interfaces" / "sel4_client.h", sel4_arch_xml, arch_xml, generic_xml)


def check_headers(inc: Path, logfile: Path) -> None:
    """<sel4/sel4.h> must compile with only -I<prefix>/libsel4/include."""
    cc = os.environ.get("SUBSTRATE_HOST_CC", "gcc")
    run([cc, "-x", "c", "-fsyntax-only", "-ffreestanding", "-m64", "-Wall", "-Werror",
         f"-I{inc}", "-"], what="syntax check of <sel4/sel4.h>", logfile=logfile,
        input="#include <sel4/sel4.h>\n")


# --------------------------------------------------------------------------
# gen_config.json in the shape of a current install
# --------------------------------------------------------------------------

def config_json(symbols: list[dict]) -> dict:
    """Kconfig symbols as {name: true/false or "string"}, in Kconfig order."""
    out: dict[str, object] = {}
    for sym in symbols:
        if sym["type"] in ("bool", "tristate"):
            out[sym["name"]] = sym["value"] in ("y", "m")
        elif sym["has_value"]:
            out[sym["name"]] = sym["value"]
    return out


def modern_equivalents(cfg: dict) -> dict:
    """Keys a current kernel's gen_config.json has and 5.0's Kconfig lacks.

    Each is derived from the 5.0 configuration (or states a feature 5.0 does
    not have), so code written against current kernels can ask the same
    questions. Only added where 5.0 has no key of that name.
    """
    def on(name: str) -> bool:
        return cfg.get(name) is True

    def pick(choices: dict[str, str], default: str) -> str:
        return next((v for k, v in choices.items() if on(k)), default)

    opt_levels = {f"OPTIMISATION_{lvl}": f"-{lvl}" for lvl in ("Os", "O0", "O1", "O2", "O3")}
    extra: dict[str, object] = {
        "ARCH": ARCH,
        "SEL4_ARCH": SEL4_ARCH,
        "PLAT": PLAT,
        # Not in 5.0: mixed-criticality scheduling, the SetTLSBase syscall,
        # Spectre/Meltdown mitigations, the kernel log buffer, etc.
        "KERNEL_MCS": False,
        "SET_TLS_BASE_SELF": False,
        "ENABLE_SMP_SUPPORT": cfg.get("MAX_NUM_NODES", "1") != "1",
        "KERNEL_X86_SYSCALL": "syscall" if on("SYSCALL") else "sysenter",
        "KERNEL_X86_FPU": "XSAVE" if on("XSAVE") else "FXSAVE",
        "KERNEL_FSGS_BASE": pick({"FSGSBASE_INST": "inst", "FSGSBASE_MSR": "msr",
                                  "FSGSBASE_GDT": "gdt"}, "msr"),
        "KERNEL_IRQ_CONTROLLER": "IOAPIC" if on("IRQ_IOAPIC") else "PIC",
        "KERNEL_LAPIC_MODE": "X2APIC" if on("X2APIC") else "XAPIC",
        "KERNEL_MUTLTIBOOT_GFX_MODE": pick({"MULTIBOOT_GRAPHICS_MODE_TEXT": "text",
                                            "MULTIBOOT_GRAPHICS_MODE_LINEAR": "linear"}, "none"),
        "MULTIBOOT1_HEADER": True,
        "MULTIBOOT2_HEADER": False,
        "KERNEL_SKIM_WINDOW": False,
        "KERNEL_X86_DANGEROUS_MSR": False,
        "KERNEL_X86_IBRS": "ibrs_none",
        "KERNEL_X86_IBRS_NONE": True,
        "KERNEL_X86_IBPB_ON_CONTEXT_SWITCH": False,
        "KERNEL_X86_RSB_ON_CONTEXT_SWITCH": False,
        "EXPORT_PMC_USER": False,
        "X86_64_VTX_64BIT_GUESTS": False,
        "EXCEPTION_FASTPATH": False,
        "SIGNAL_FASTPATH": False,
        "KERNEL_INVOCATION_REPORT_ERROR_IPC": False,
        "BINARY_VERIFICATION_BUILD": False,
        "ENABLE_BENCHMARKS": not on("NO_BENCHMARKS"),
        "KERNEL_BENCHMARK": pick({"BENCHMARK_GENERIC": "generic",
                                  "BENCHMARK_TRACK_KERNEL_ENTRIES": "track_kernel_entries",
                                  "BENCHMARK_TRACEPOINTS": "tracepoints",
                                  "BENCHMARK_TRACK_UTILISATION": "track_utilisation"}, "none"),
        "KERNEL_LOG_BUFFER": False,
        "KERNEL_OPT_LEVEL": pick(opt_levels, "-O2"),
    }
    for old, flag in opt_levels.items():
        extra[f"KERNEL_OPT_LEVEL_{flag[1:].upper()}"] = on(old)  # ..._OS, ..._O2
    return {k: v for k, v in extra.items() if k not in cfg}


def write_gen_configs(cfgdir: Path, inc: Path) -> None:
    symbols = json.loads((cfgdir / "symbols.json").read_text())
    cfg = config_json(symbols)
    kernel_cfg = dict(cfg)
    kernel_cfg.update(modern_equivalents(cfg))
    # Not a Kconfig option: the kernel release, so consumers can tell 5.0 apart.
    kernel_cfg["KERNEL_VERSION"] = KERNEL_VERSION

    # Every CONFIG_ that autoconf.h defines must be in the JSON.
    defined = re.findall(r"^#define CONFIG_(\w+) ", (cfgdir / "autoconf.h").read_text(), re.M)
    missing = [name for name in defined if name not in kernel_cfg]
    if missing:
        raise ProvisionError(f"gen_config.json lacks autoconf.h options: {', '.join(missing)}")

    # libsel4's options, named and valued as a current libsel4 install has them.
    lib_cfg = {k: v for k, v in cfg.items() if k.startswith("LIB_SEL4_")}
    lib_cfg.setdefault("LIB_SEL4_FUNCTION_ATTRIBUTE",
                       "inline" if cfg.get("LIB_SEL4_INLINE_INVOCATIONS")
                       else "public" if cfg.get("LIB_SEL4_PUBLIC_SYMBOLS") else "default")
    # 5.0 has no invocation-error printing in its stubs.
    lib_cfg.setdefault("LIB_SEL4_PRINT_INVOCATION_ERRORS", "0")
    # 5.0 finds the IPC buffer through the GS segment, not a thread-local variable.
    lib_cfg.setdefault("LIB_SEL4_USE_THREAD_LOCALS", False)

    for sub, data in (("kernel", kernel_cfg), ("sel4", lib_cfg)):
        (inc / sub).mkdir(exist_ok=True)
        (inc / sub / "gen_config.json").write_text(json.dumps(data, indent=4) + "\n")


# --------------------------------------------------------------------------
# Driver
# --------------------------------------------------------------------------

def build_prefix(tmp: Path, python: Path) -> Path:
    """Builds the prefix inside the temporary directory `tmp`; returns it."""
    logfile = tmp / "build.log"
    work, cfgdir, build, stage = tmp / "seL4", tmp / "config", tmp / "build", tmp / "prefix"

    source = fetch_kernel_source()
    log(f"kernel source: {source}")
    copy_kernel_source(source, work)
    patch_circular_includes(work)
    configure(python, work, cfgdir, logfile)
    elf = build_kernel(python, work, build, logfile)

    log("installing into the prefix")
    (stage / "bin").mkdir(parents=True)
    shutil.copyfile(elf, stage / "bin" / "kernel.elf")
    # QEMU's -kernel (multiboot) refuses ELF64 images: give it an ELF32 copy.
    run([os.environ.get("OBJCOPY", "objcopy"), "-O", "elf32-i386", elf, stage / "bin" / "kernel32.elf"],
        what="objcopy -O elf32-i386", logfile=logfile)
    inc = stage / "libsel4" / "include"
    inc.mkdir(parents=True)
    install_libsel4(python, work, cfgdir, inc, logfile)
    write_gen_configs(cfgdir, inc)
    check_headers(inc, logfile)
    (stage / "VERSION").write_text((work / "VERSION").read_text().strip() + "\n")
    return stage


def main(argv: list[str] | None = None) -> int:
    global VERBOSE
    args = argument_parser(
        "Build (or reuse) the embedded seL4 5.0.0 kernel and print its install prefix.",
        "show build commands and output").parse_args(argv)
    VERBOSE = args.verbose

    try:
        cache = cache_root(args.cache)
        name = f"sel4-{KERNEL_VERSION}-{SEL4_ARCH}-{PLAT}-{config_key()}"

        def build(tmp: Path) -> Path:
            started = time.monotonic()
            stage = build_prefix(tmp, ensure_venv(cache))
            log(f"built {name} in {time.monotonic() - started:.1f} s")
            return stage

        # A failed build's directory is kept for its log (the error names it);
        # the next run removes it.
        prefix = ensure_entry(cache / "kernel" / name, build, lock=cache / ".provision.lock",
                              log=log, force=args.force, keep_failed=True,
                              waiting_for="another provisioning run")
        print(prefix)
        return 0
    except ProvisionError as exc:
        print(f"provision.py: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"provision.py: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
