//! `sel4-system`: the command-line tool for systems of components.
//!
//! ```text
//! sel4-system check system.toml              # every error as `system.toml:LINE: reason`; status 1 if any
//! sel4-system build system.toml -o sys.elf   # build every component and link one bootable image
//! sel4-system run system.toml                # build it and boot it in QEMU (tools/runner/sel4-run)
//! ```
//!
//! `check` reads and checks a description (`sel4-system-description`) and
//! prints a one-line summary of a good one. `build` checks it too, then
//! builds the workspace package `sel4-system-image` (the system
//! initializer) with `SEL4_SYSTEM_DESCRIPTION` naming the description:
//! its build script (`sel4-system-build`) builds each component (a
//! `package` of this workspace, or a prebuilt `elf`) and includes them in
//! the image. `run` builds into `target/sel4-system/<name>.elf` and boots
//! it with the runner; its exit status is the runner's.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use sel4_system_description::System;

const USAGE: &str = "usage: sel4-system check <system.toml>
       sel4-system build <system.toml> -o <image.elf>
       sel4-system run <system.toml>";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["check", path] => match check(path) {
            Some(_) => ExitCode::SUCCESS,
            None => ExitCode::FAILURE,
        },
        ["build", path, "-o", out] | ["build", "-o", out, path] => {
            match check(path).map(|s| build(path, &s, Path::new(out))) {
                Some(Ok(())) => ExitCode::SUCCESS,
                Some(Err(e)) => {
                    eprintln!("sel4-system: {e}");
                    ExitCode::FAILURE
                }
                None => ExitCode::FAILURE,
            }
        }
        ["run", path] => run(path),
        ["--help" | "-h"] => {
            println!("{USAGE}");
            ExitCode::SUCCESS
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// The workspace this tool belongs to (the image package is one of its
/// members).
fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Checks the description at `path`, printing a summary or every error.
fn check(path: &str) -> Option<System> {
    let text = match std::fs::read_to_string(path) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("sel4-system: cannot read {path}: {e}");
            return None;
        }
    };
    match System::parse(&text) {
        Ok(s) => {
            println!(
                "{path}: system `{}`: {} components, {} channels, {} memory regions; {} KiB of stacks, heaps and shared memory",
                s.name,
                s.components.len(),
                s.channels.len(),
                s.regions.len(),
                s.ram_asked() >> 10
            );
            Some(s)
        }
        Err(errors) => {
            for e in errors {
                eprintln!("{path}:{}: {}", e.line, e.message);
            }
            None
        }
    }
}

/// Builds the image of the (checked) description at `path` into `out`.
fn build(path: &str, system: &System, out: &Path) -> Result<(), String> {
    let description = std::fs::canonicalize(path).map_err(|e| format!("{path}: {e}"))?;
    let root = workspace();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "-q", "-p", "sel4-system-image", "--manifest-path"])
        .arg(root.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target)
        .env("SEL4_SYSTEM_DESCRIPTION", &description)
        .status()
        .map_err(|e| format!("cannot run cargo: {e}"))?;
    if !status.success() {
        return Err(format!(
            "building the image of {path} failed ({status}); cargo's output is above"
        ));
    }
    let built = target.join("debug").join("sel4-system-image");
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::copy(&built, out)
        .map_err(|e| format!("copying {} to {}: {e}", built.display(), out.display()))?;
    println!("{}: the image of system `{}`", out.display(), system.name);
    Ok(())
}

/// Builds the image and boots it with the runner.
fn run(path: &str) -> ExitCode {
    let Some(system) = check(path) else {
        return ExitCode::FAILURE;
    };
    let root = workspace();
    let out = root
        .join("target")
        .join("sel4-system")
        .join(format!("{}.elf", system.name));
    if let Err(e) = build(path, &system, &out) {
        eprintln!("sel4-system: {e}");
        return ExitCode::FAILURE;
    }
    match Command::new(root.join("tools/runner/sel4-run"))
        .arg(&out)
        .status()
    {
        Ok(s) => ExitCode::from(s.code().unwrap_or(1).clamp(0, 255) as u8),
        Err(e) => {
            eprintln!("sel4-system: cannot run tools/runner/sel4-run: {e}");
            ExitCode::FAILURE
        }
    }
}
