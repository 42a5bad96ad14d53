//! Build-script helper for sel4-substrate root tasks.
//!
//! Call [`root_task`] from a binary crate's `build.rs`. It writes the
//! substrate linker script into `OUT_DIR` and passes the link arguments a
//! seL4 root-task image needs on the host target `x86_64-unknown-linux-gnu`:
//! no C start files or libraries, a static non-PIE executable (the kernel's
//! ELF loader applies no relocations), linked at a fixed address with one
//! contiguous loadable segment. [`c_root_task`] does the same for an image
//! whose program is written in C against the C ABI (`substrate.h`), and
//! [`std_program`] for a std program (the host target's precompiled `std`
//! on the std personality, `substrate-std`).

use std::path::PathBuf;

pub mod std_link;

/// The linker script every root-task image is linked with.
pub const LINKER_SCRIPT: &str = include_str!("root-task.ld");

/// The linker-driver arguments of every image: no C start files or
/// libraries, static, non-PIE, unused sections dropped, no build id, no
/// RELRO, no executable stack.
pub const IMAGE_LINK_ARGS: [&str; 8] = [
    "-nostartfiles",
    "-nostdlib",
    "-static",
    "-no-pie",
    "-Wl,--gc-sections",
    "-Wl,--build-id=none",
    "-Wl,-z,norelro",
    "-Wl,-z,noexecstack",
];

/// Emits the `cargo:` directives that link this package's binaries as seL4
/// root-task images. Only binaries are affected, so the package's own host
/// unit tests still link normally.
pub fn root_task() {
    link_bins("substrate-root-task.ld", None, "");
}

/// The entry symbol of a child component (`substrate_component::abi::ENTRY_SYMBOL`).
pub const COMPONENT_ENTRY: &str = "_substrate_component_start";

/// Emits the `cargo:` directives that link this package's binaries as seL4
/// child components (`substrate-component`), to be loaded by a parent with
/// `substrate-loader`.
///
/// A component is linked like a root task (same linker script, static,
/// non-PIE, one contiguous segment) but enters at [`COMPONENT_ENTRY`] and has
/// no `.substrate.stack` section: its stack is mapped by the loader. That
/// missing section is also what tells `tools/runner/sel4-run` that the file
/// is not a bootable root-task image.
pub fn component() {
    link_bins(
        "substrate-component.ld",
        Some(COMPONENT_ENTRY),
        COMPONENT_SCRIPT_EXTRA,
    );
}

/// Appended to a component's linker script: a component never runs the
/// root task's `_start` (it enters at [`COMPONENT_ENTRY`]), but where the
/// linker keeps it (release builds put it in the object file with the
/// `mem*` functions a component needs) its references to the root task's
/// stack and entry must resolve. `PROVIDE` defines them only then, as 0.
/// Where `substrate-root-task` is among the libraries (a std component:
/// `substrate-ffi` depends on it), `_start` pulls in its entry, whose
/// reference to the program's `#[root_task]` main is provided the same way.
pub(crate) const COMPONENT_SCRIPT_EXTRA: &str = "
/* A component has no root-task stack or entry; _start, kept with mem*, is never run. */
PROVIDE(__substrate_stack = 0);
PROVIDE(__substrate_stack_size = 0);
PROVIDE(__substrate_root_task_entry = 0);
PROVIDE(__substrate_main = 0);
";

/// What [`root_task`] and [`component`] share: writes [`LINKER_SCRIPT`] into
/// `OUT_DIR` as `script_name` (with `extra` appended) and emits the link arguments of a static,
/// non-PIE image linked with it, entering at `entry` instead of the script's
/// `_start` if given.
fn link_bins(script_name: &str, entry: Option<&str>, extra: &str) {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR is set by cargo"));
    let script = out.join(script_name);
    if let Err(e) = std::fs::write(&script, format!("{LINKER_SCRIPT}{extra}")) {
        println!("cargo::error=cannot write {}: {e}", script.display());
        return;
    }
    for arg in IMAGE_LINK_ARGS {
        println!("cargo:rustc-link-arg-bins={arg}");
    }
    if let Some(entry) = entry {
        // A command-line entry overrides the script's ENTRY(_start).
        println!("cargo:rustc-link-arg-bins=-Wl,-e,{entry}");
    }
    println!("cargo:rustc-link-arg-bins=-Wl,-T,{}", script.display());
    println!("cargo:rerun-if-changed=build.rs");
}

/// Emits the `cargo:` directives that link every binary of this package
/// (its bins, and its test, example and bench binaries) as a std program
/// on seL4: the host target's precompiled `std` with the std personality
/// (`substrate-std`), static and non-PIE with the substrate's linker
/// script ([`std_link::prepare`], which builds the personality into
/// `<target dir>/substrate-std`). `fn main()` stays an ordinary std
/// `main`; `cargo run` and `cargo test` boot the result through the
/// runner. Build scripts and proc macros are not affected. Under
/// `tools/cargo-sel4` (which sets `SUBSTRATE_STD_LINKED` and links every
/// binary itself) it does nothing. [`StdProgram`] sets options.
pub fn std_program() {
    StdProgram::new().link();
}

/// The options of a std program's link (see [`std_program`]):
///
/// ```ignore
/// substrate_build::StdProgram::new().main_stack_size(64 << 20).link();
/// ```
#[derive(Debug, Clone, Default)]
pub struct StdProgram {
    main_stack_size: Option<usize>,
    component: bool,
}

impl StdProgram {
    /// The defaults: an 8 MiB main thread stack.
    pub fn new() -> Self {
        Self::default()
    }

    /// The main thread's stack (the one that runs `fn main`), in bytes,
    /// instead of 8 MiB; from 2 MiB on it is mapped in 2 MiB frames with a
    /// 2 MiB unmapped guard below. Passed to the runtime as the absolute
    /// symbol `substrate_main_stack_bytes` (`-Wl,--defsym`).
    pub fn main_stack_size(mut self, bytes: usize) -> Self {
        self.main_stack_size = Some(bytes);
        self
    }

    /// Links the program as a component of a system (`sel4-system-build`)
    /// instead of a bootable root task: it enters at [`COMPONENT_ENTRY`],
    /// reaches its channels through the C ABI's `substrate_system_*`
    /// functions and runs `main` on the stack its description gives (the
    /// main stack size does not apply). The std personality is built with
    /// its feature `component` into `<target dir>/substrate-std-component`.
    pub fn component(mut self) -> Self {
        self.component = true;
        self
    }

    /// Emits the directives (see [`std_program`]).
    pub fn link(self) {
        println!("cargo:rerun-if-changed=build.rs");
        if let Some(bytes) = self.main_stack_size {
            println!("cargo:rustc-link-arg=-Wl,--defsym=substrate_main_stack_bytes={bytes}");
        }
        println!("cargo:rerun-if-env-changed=SUBSTRATE_STD_LINKED");
        if std::env::var_os("SUBSTRATE_STD_LINKED").is_some() {
            // tools/cargo-sel4 passes the same link to every binary already.
            return;
        }
        let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR is set by cargo"));
        // OUT_DIR = <target dir>[/<triple>]/<profile>/build/<package>-<hash>/out
        // (a relative CARGO_TARGET_DIR would be relative to where cargo ran,
        // which a build script does not know: OUT_DIR is absolute).
        let Some(target) = out.ancestors().nth(4) else {
            println!(
                "cargo::error=cannot find the target directory above {}",
                out.display()
            );
            return;
        };
        let (dir, personality) = if self.component {
            ("substrate-std-component", std_link::Personality::Component)
        } else {
            ("substrate-std", std_link::Personality::RootTask)
        };
        match std_link::prepare_as(&target.join(dir), personality) {
            Ok(link) => {
                println!(
                    "cargo:rustc-link-search=native={}",
                    link.search_dir.display()
                );
                for arg in &link.link_args {
                    println!("cargo:rustc-link-arg={arg}");
                }
            }
            Err(e) => println!("cargo::error={e}"),
        }
        let root = std_link::workspace_root();
        for dir in ["substrate", "ffi", "sel4"] {
            println!("cargo:rerun-if-changed={}", root.join(dir).display());
        }
        println!("cargo:rerun-if-env-changed=SEL4_PREFIX");
    }
}

/// Links this package's binaries as root-task images ([`root_task`]) and
/// compiles the freestanding C program `sources` (no C library) against the
/// C ABI's `substrate.h` into the static library `lib_name`, linked whole
/// (the runtime references the program's `main` only weakly).
///
/// The package must depend on `substrate-ffi`, which publishes the header's
/// directory to this build script as `DEP_SUBSTRATE_FFI_INCLUDE`. The C
/// flags are `-std=c11 -ffreestanding -fno-stack-protector -fno-pic`, then
/// `extra_flags`, then `-Wall -Wextra -Werror`.
pub fn c_root_task(sources: &[&str], lib_name: &str, extra_flags: &[&str]) {
    root_task();
    let include = std::env::var("DEP_SUBSTRATE_FFI_INCLUDE").expect("substrate-ffi publishes it");
    let mut build = cc::Build::new();
    for source in sources {
        println!("cargo:rerun-if-changed={source}");
        build.file(source);
    }
    build.include(include);
    let (first, last) = (
        [
            "-std=c11",
            "-ffreestanding",
            "-fno-stack-protector",
            "-fno-pic",
        ],
        ["-Wall", "-Wextra", "-Werror"],
    );
    for flag in first.iter().chain(extra_flags).chain(&last) {
        build.flag(flag);
    }
    build.link_lib_modifier("+whole-archive").compile(lib_name);
}

/// The target directory that builds started from a build script use
/// (`<target dir>/child-images`: the outer build holds the lock on its own
/// target directory), found from `OUT_DIR`.
pub fn child_images_dir() -> Result<PathBuf, String> {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").ok_or("OUT_DIR is not set")?);
    // OUT_DIR = <target dir>[/<triple>]/<profile>/build/<package>-<hash>/out
    out.ancestors()
        .nth(4)
        .map(|t| t.join("child-images"))
        .ok_or_else(|| format!("cannot find the target directory above {}", out.display()))
}

/// Removes from `cmd`'s environment the variables `cargo clippy` and
/// `cargo fix` set to wrap the outer compiler, so that a cargo build it
/// runs compiles rather than lints.
pub fn unwrap_nested_cargo(cmd: &mut std::process::Command) {
    for (key, _) in std::env::vars_os() {
        let k = key.to_string_lossy();
        if k == "RUSTC_WORKSPACE_WRAPPER"
            || k == "CLIPPY_ARGS"
            || k == "CARGO_PRIMARY_PACKAGE"
            || k.starts_with("__CARGO_FIX")
        {
            cmd.env_remove(&key);
        }
    }
}

/// Builds the child component `package` (a workspace package whose build
/// script calls [`component`] and whose binary has the package's name) and
/// makes its ELF image available to this package's code: the path is set as
/// the compile-time environment variable `SUBSTRATE_COMPONENT_<NAME>`
/// (`<NAME>` = the package name upper-cased, `-` as `_`), so
///
/// ```ignore
/// static CHILD: &[u8] = include_bytes!(env!("SUBSTRATE_COMPONENT_MY_CHILD"));
/// ```
///
/// embeds it. Returns the path, or `None` after reporting a failed build
/// with `cargo::error`.
///
/// Cargo's own way to depend on another package's binary (artifact
/// dependencies) is nightly-only, so this runs `cargo build -p <package>`
/// from the build script, with the same profile, into a target directory
/// of its own (`<target dir>/child-images`: the outer build holds the lock on
/// its own target directory). `SEL4_PREFIX` and the jobserver pass through;
/// the variables `cargo clippy`/`cargo fix` set to wrap the outer
/// compiler are removed, so the child is compiled, not linted. The build
/// script reruns when a source file the child's dep-info lists changes or
/// `SEL4_PREFIX` does; cargo then decides what in the child is stale.
pub fn embed_component(package: &str) -> Option<PathBuf> {
    use std::process::Command;
    let env = |k: &str| std::env::var_os(k).map(PathBuf::from);
    let target = match child_images_dir() {
        Ok(t) => t,
        Err(e) => {
            println!("cargo::error={e}");
            return None;
        }
    };
    let release = std::env::var("PROFILE").as_deref() == Ok("release");
    let profile_dir = target.join(if release { "release" } else { "debug" });
    let cargo = env("CARGO").unwrap_or_else(|| PathBuf::from("cargo"));
    let mut cmd = Command::new(cargo);
    cmd.args(["build", "-p", package, "--target-dir"])
        .arg(&target)
        .current_dir(env("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR is set by cargo"));
    if release {
        cmd.arg("--release");
    }
    unwrap_nested_cargo(&mut cmd);
    let output = match cmd.output() {
        Ok(o) => o,
        Err(e) => {
            println!("cargo::error=cannot run cargo to build component {package}: {e}");
            return None;
        }
    };
    if !output.status.success() {
        eprintln!("{}", String::from_utf8_lossy(&output.stderr));
        println!(
            "cargo::error=building component {package} failed ({}); its cargo output is above",
            output.status
        );
        return None;
    }
    let elf = profile_dir.join(package);
    let dep_info = profile_dir.join(format!("{package}.d"));
    match std::fs::read_to_string(&dep_info) {
        Ok(text) => {
            for path in dep_info_paths(&text) {
                println!("cargo:rerun-if-changed={path}");
            }
        }
        // Without dep-info, rebuild every time rather than miss a change.
        Err(_) => println!("cargo:rerun-if-changed={}", dep_info.display()),
    }
    println!("cargo:rerun-if-env-changed=SEL4_PREFIX");
    let name = package.to_uppercase().replace('-', "_");
    println!(
        "cargo:rustc-env=SUBSTRATE_COMPONENT_{name}={}",
        elf.display()
    );
    Some(elf)
}

/// The prerequisites listed in a Makefile-style dep-info file as cargo
/// writes it (`target: dep dep ...`, spaces in paths escaped with `\`).
fn dep_info_paths(text: &str) -> Vec<String> {
    let mut paths = Vec::new();
    for line in text.lines() {
        let Some((_, deps)) = line.split_once(": ") else {
            continue;
        };
        let mut current = String::new();
        let mut chars = deps.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => current.extend(chars.next()),
                ' ' => {
                    if !current.is_empty() {
                        paths.push(std::mem::take(&mut current));
                    }
                }
                c => current.push(c),
            }
        }
        if !current.is_empty() {
            paths.push(current);
        }
    }
    paths
}

#[cfg(test)]
mod tests {
    use super::dep_info_paths;

    #[test]
    fn dep_info_paths_unescape_spaces() {
        let text = "/t/debug/child: /src/main.rs /a\\ b/lib.rs\n\n/src/main.rs:\n";
        assert_eq!(dep_info_paths(text), ["/src/main.rs", "/a b/lib.rs"]);
    }
}
