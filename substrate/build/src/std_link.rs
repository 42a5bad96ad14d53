//! The link of a std program: the host target's precompiled `std`, linked
//! static and non-PIE with the substrate's start files, linker script and
//! std personality (`substrate-std`).
//!
//! [`prepare`] builds `substrate-std` (release, in a target directory of
//! its own: its rlibs, not the program's crate graph, so that a crate's
//! sources and `Cargo.toml` stay untouched) and returns the link
//! arguments:
//!
//! - no C start files or libraries, static, non-PIE, the substrate linker
//!   script, `.eh_frame_hdr` for the unwinder;
//! - `_start` and the C library's weakly referenced entry points
//!   (`exit`, `__libc_init_array`, `environ`) kept;
//! - in one group: the personality's rlibs and those it depends on, the
//!   toolchain's own `core`, `alloc` and `compiler_builtins` rlibs again
//!   (the personality refers to them, and rustc has passed them already,
//!   before these arguments), gcc's `libgcc_eh.a` (`_Unwind_*`) and
//!   `libgcc.a`;
//! - a library directory ([`StdLink::search_dir`]) with empty `libc.a`,
//!   `libm.a`, `libpthread.a`, ... for std's `#[link]` attributes, which
//!   would otherwise find the host's glibc.

use std::path::{Path, PathBuf};
use std::process::Command;

/// What [`prepare`] found: the link arguments and the library directory.
#[derive(Debug, Clone)]
pub struct StdLink {
    /// Arguments for the linker driver (`-C link-arg=...` each).
    pub link_args: Vec<String>,
    /// The directory of empty C libraries (`-L native=...`).
    pub search_dir: PathBuf,
    /// Files whose change should rebuild the program (the personality's
    /// rlibs).
    pub inputs: Vec<PathBuf>,
}

/// The target of std programs (the host's own, with its precompiled std).
pub const TARGET: &str = "x86_64-unknown-linux-gnu";

/// The libraries std's `#[link]` attributes name on `x86_64-unknown-linux-gnu`.
const STD_LIBS: [&str; 8] = ["c", "m", "rt", "pthread", "gcc_s", "util", "dl", "gcc_eh"];

/// The sel4-substrate workspace (this crate lives in `substrate/build`).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Variables that cargo sets for build scripts or that wrap the compiler,
/// which must not reach the nested build of the personality.
const SCRUB: [&str; 8] = [
    "RUSTFLAGS",
    "CARGO_ENCODED_RUSTFLAGS",
    "CARGO_BUILD_RUSTFLAGS",
    "RUSTC_WORKSPACE_WRAPPER",
    "CLIPPY_ARGS",
    "CARGO_PRIMARY_PACKAGE",
    "CARGO_TARGET_DIR",
    "CARGO_BUILD_TARGET",
];

/// Builds `substrate-std` into `target_dir` and returns the link of a std
/// program (see the module documentation). `SEL4_PREFIX` chooses the
/// kernel, as for every build. The error is a one-line reason.
pub fn prepare(target_dir: &Path) -> Result<StdLink, String> {
    prepare_as(target_dir, Personality::RootTask)
}

/// What a std program is linked as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Personality {
    /// A bootable root task (`_start`, its own stack section).
    RootTask,
    /// A component of a system, entered by the loader at
    /// [`crate::COMPONENT_ENTRY`] on the stack the initializer maps
    /// (`substrate-std`'s feature `component`).
    Component,
}

/// [`prepare`] for either [`Personality`]: a component's personality is
/// built with the feature `component` and linked with the component's
/// entry and linker script (as [`crate::component`] links a `no_std`
/// one). Use a target directory per personality: the two builds of
/// `substrate-std` differ.
pub fn prepare_as(target_dir: &Path, personality: Personality) -> Result<StdLink, String> {
    let component = personality == Personality::Component;
    let root = workspace_root();
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(&cargo);
    cmd.args([
        "build",
        "--release",
        "-p",
        "substrate-std",
        "--message-format=json-render-diagnostics",
        // Explicit, so that the rlibs for the program are told apart from
        // those of build scripts and proc macros (host artifacts).
        "--target",
        TARGET,
        "--target-dir",
    ])
    .arg(target_dir)
    .current_dir(&root);
    if component {
        cmd.args(["--no-default-features", "--features", "component"]);
    }
    for (key, _) in std::env::vars_os() {
        let k = key.to_string_lossy();
        if SCRUB.contains(&k.as_ref())
            || k.starts_with("__CARGO_FIX")
            || k.starts_with("CARGO_CFG_")
        {
            cmd.env_remove(&key);
        }
    }
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run cargo to build substrate-std: {e}"))?;
    if !out.status.success() {
        eprintln!("{}", String::from_utf8_lossy(&out.stderr));
        return Err(format!(
            "building substrate-std failed ({}); its cargo output is above",
            out.status
        ));
    }
    let mut rlibs = Vec::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if msg["reason"] != "compiler-artifact" {
            continue;
        }
        let kinds = msg["target"]["kind"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if !kinds.iter().any(|k| k == "lib" || k == "rlib") {
            continue;
        }
        for f in msg["filenames"].as_array().into_iter().flatten() {
            // One rlib per artifact (for the package built, the copy
            // without the hash; its `deps/` twin is named as `.rmeta`).
            if let Some(f) = f.as_str().filter(|f| f.ends_with(".rlib")) {
                rlibs.push(PathBuf::from(f));
            }
        }
    }
    if !rlibs.iter().any(|r| {
        r.file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("libsubstrate_std"))
    }) {
        return Err("cargo built no libsubstrate_std rlib".into());
    }
    let sysroot = sysroot_rlibs()?;
    let gcc_libs = ["libgcc_eh.a", "libgcc.a"]
        .iter()
        .map(|l| gcc_file(l))
        .collect::<Result<Vec<_>, _>>()?;

    let search_dir = target_dir.join("std-link");
    std::fs::create_dir_all(&search_dir)
        .map_err(|e| format!("cannot create {}: {e}", search_dir.display()))?;
    for lib in STD_LIBS {
        let path = search_dir.join(format!("lib{lib}.a"));
        std::fs::write(&path, b"!<arch>\n")
            .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    }
    let (script, text, entry) = if component {
        (
            search_dir.join("substrate-component.ld"),
            format!("{}{}", crate::LINKER_SCRIPT, crate::COMPONENT_SCRIPT_EXTRA),
            crate::COMPONENT_ENTRY,
        )
    } else {
        (
            search_dir.join("substrate-root-task.ld"),
            crate::LINKER_SCRIPT.to_string(),
            "_start",
        )
    };
    std::fs::write(&script, text).map_err(|e| format!("cannot write {}: {e}", script.display()))?;

    let mut link_args: Vec<String> = crate::IMAGE_LINK_ARGS.map(String::from).to_vec();
    link_args.extend(
        [
            "-Wl,--eh-frame-hdr",
            "-Wl,-u,exit",
            "-Wl,-u,__libc_init_array",
            "-Wl,-u,environ",
        ]
        .map(String::from),
    );
    link_args.push(format!("-Wl,-u,{entry}"));
    if component {
        // A command-line entry overrides the script's ENTRY(_start).
        link_args.push(format!("-Wl,-e,{entry}"));
    }
    link_args.push(format!("-Wl,-T,{}", script.display()));
    link_args.push("-Wl,--start-group".into());
    link_args.extend(
        rlibs
            .iter()
            .chain(&sysroot)
            .chain(&gcc_libs)
            .map(|p| p.display().to_string()),
    );
    link_args.push("-Wl,--end-group".into());
    Ok(StdLink {
        link_args,
        search_dir,
        inputs: rlibs,
    })
}

/// The toolchain's `core`, `alloc` and `compiler_builtins` rlibs for the
/// host target.
fn sysroot_rlibs() -> Result<Vec<PathBuf>, String> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let out = Command::new(&rustc)
        .args(["--print", "sysroot"])
        .output()
        .map_err(|e| format!("cannot run rustc --print sysroot: {e}"))?;
    let sysroot = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    let dir = sysroot.join("lib/rustlib/x86_64-unknown-linux-gnu/lib");
    let entries =
        std::fs::read_dir(&dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut found: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let n = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            n.ends_with(".rlib")
                && ["libcore-", "liballoc-", "libcompiler_builtins-"]
                    .iter()
                    .any(|prefix| n.starts_with(prefix))
        })
        .collect();
    found.sort();
    if found.len() != 3 {
        return Err(format!(
            "expected the core, alloc and compiler_builtins rlibs in {}, found {}",
            dir.display(),
            found.len()
        ));
    }
    Ok(found)
}

/// A library of gcc's (`gcc -print-file-name=NAME`).
fn gcc_file(name: &str) -> Result<PathBuf, String> {
    let out = Command::new("gcc")
        .arg(format!("-print-file-name={name}"))
        .output()
        .map_err(|e| format!("cannot run gcc -print-file-name={name}: {e}"))?;
    let path = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    if !path.is_absolute() || !path.is_file() {
        return Err(format!("gcc has no {name} (install gcc)"));
    }
    Ok(path)
}
