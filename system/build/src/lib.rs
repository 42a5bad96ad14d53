//! The build-script side of a system image: from a `system.toml` to the
//! plan `sel4-system-initializer` runs.
//!
//! A system image is a root-task crate whose `build.rs` says
//!
//! ```ignore
//! fn main() {
//!     substrate_build::root_task();
//!     sel4_system_build::system("system.toml");
//! }
//! ```
//!
//! and whose `main` runs the initializer on the plan
//! (`sel4_system_initializer::include_system!()`). [`system`]:
//!
//! 1. reads and checks the description (`sel4-system-description`); every
//!    error becomes a `cargo::error` line `system.toml:LINE: reason`, so
//!    nothing is built from a wrong description;
//! 2. builds each component: a `package` with `cargo build -p` (as
//!    `substrate_build::embed_component` does, into the target directory's
//!    `child-images`), an `elf` as it is, relative to the description;
//! 3. checks every image against the system's layout (it must start above
//!    the information page and end, with its stack, below the mapping
//!    window), naming the component's line;
//! 4. writes `sel4-system-plan.rs` into `OUT_DIR`: a `static SYSTEM` of
//!    `sel4_system_initializer::plan::Plan`, generated with `quote` and
//!    formatted with `prettyplease`, which `include_bytes!`s every image.

use std::path::{Path, PathBuf};

use object::{Object, ObjectSegment};
use proc_macro2::TokenStream;
use quote::quote;
use sel4_system_description::{Error, Source, System};

/// The plan file's name in `OUT_DIR`.
pub const PLAN_FILE: &str = "sel4-system-plan.rs";

/// Builds the system `description` names (a path relative to the
/// package's directory) and writes its plan; reports errors as
/// `cargo::error` lines. Returns whether it succeeded.
pub fn system(description: impl AsRef<Path>) -> bool {
    let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo"));
    let path = dir.join(description);
    println!("cargo:rerun-if-changed={}", path.display());
    match build(&path) {
        Ok(plan) => {
            write_plan(&plan);
            true
        }
        Err(errors) => {
            for e in errors {
                println!("cargo::error={e}");
            }
            false
        }
    }
}

/// [`system`] for the description whose path the environment variable
/// `var` holds (`sel4-system build` sets it); without it, an empty plan,
/// which the initializer refuses to run, so that workspace builds work.
pub fn system_from_env(var: &str) -> bool {
    println!("cargo:rerun-if-env-changed={var}");
    match std::env::var_os(var) {
        Some(path) => system(PathBuf::from(path)),
        None => {
            write_plan(&quote! {
                pub static SYSTEM: ::sel4_system_initializer::plan::Plan =
                    ::sel4_system_initializer::plan::EMPTY;
            });
            true
        }
    }
}

fn write_plan(plan: &TokenStream) {
    let file: syn::File = syn::parse2(plan.clone()).expect("the generated plan parses");
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo")).join(PLAN_FILE);
    std::fs::write(&out, prettyplease::unparse(&file))
        .unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
}

/// Reads, builds and checks; the plan's tokens, or every error as
/// `path:line: reason`.
fn build(path: &Path) -> Result<TokenStream, Vec<String>> {
    let shown = path.display().to_string();
    let at = |e: Error| format!("{shown}:{}: {}", e.line, e.message);
    let text =
        std::fs::read_to_string(path).map_err(|e| vec![format!("cannot read {shown}: {e}")])?;
    let system = System::parse(&text).map_err(|es| es.into_iter().map(at).collect::<Vec<_>>())?;
    let base = path.parent().unwrap_or(Path::new("."));
    let mut errors = Vec::new();
    let mut images = Vec::new();
    for (i, c) in system.components.iter().enumerate() {
        let elf = match &c.source {
            Source::Package(p) => match substrate_build::embed_component(p) {
                Some(elf) => elf,
                None => {
                    errors.push(format!(
                        "{shown}:{}: component `{}`: package `{p}` did not build (cargo's output is above)",
                        c.line, c.name
                    ));
                    continue;
                }
            },
            Source::Elf(e) => {
                let elf = base.join(e);
                println!("cargo:rerun-if-changed={}", elf.display());
                elf
            }
            Source::OCaml { sources, packages } => {
                match build_ocaml(&c.name, base, sources, packages) {
                    Ok(elf) => elf,
                    Err(e) => {
                        errors.push(format!("{shown}:{}: component `{}`: {e}", c.line, c.name));
                        continue;
                    }
                }
            }
            Source::Dafny { sources, flags } => match build_dafny(&c.name, base, sources, flags) {
                Ok(elf) => elf,
                Err(e) => {
                    errors.push(format!("{shown}:{}: component `{}`: {e}", c.line, c.name));
                    continue;
                }
            },
            Source::C { sources, cflags } => match build_c(&c.name, base, sources, cflags) {
                Ok(elf) => elf,
                Err(e) => {
                    errors.push(format!("{shown}:{}: component `{}`: {e}", c.line, c.name));
                    continue;
                }
            },
        };
        match image_range(&elf) {
            Ok((range, tls)) => {
                let runtime = 4096
                    + c.stack.div_ceil(4096) * 4096
                    + 4096
                    + (tls + 4096).div_ceil(4096) * 4096;
                if let Err(e) = system.check_image(i, range, runtime) {
                    errors.push(at(e));
                }
            }
            Err(e) => errors.push(format!(
                "{shown}:{}: component `{}`: {}: {e}",
                c.line,
                c.name,
                elf.display()
            )),
        }
        images.push(elf);
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let images: Vec<PathBuf> = system
        .components
        .iter()
        .zip(&images)
        .map(|(c, elf)| stripped(&c.name, elf))
        .collect();
    Ok(plan_tokens(&system, &images))
}

/// Builds an OCaml component with `ocaml-mirage/sel4-ocamlfind
/// --component ocamlopt` in `OUT_DIR/<name>/` (the sources are copied
/// there: ocamlopt writes its objects beside them) into
/// `OUT_DIR/<name>.elf`.
fn build_ocaml(
    name: &str,
    base: &Path,
    sources: &[PathBuf],
    packages: &[String],
) -> Result<PathBuf, String> {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"));
    let work = out.join(name);
    std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    let mut files = Vec::new();
    for s in sources {
        let from = base.join(s);
        println!("cargo:rerun-if-changed={}", from.display());
        let file = s
            .file_name()
            .ok_or(format!("{}: not a file", s.display()))?;
        std::fs::copy(&from, work.join(file)).map_err(|e| format!("{}: {e}", from.display()))?;
        files.push(PathBuf::from(file));
    }
    rerun_on_component_runtime();
    let root = substrate_build::std_link::workspace_root();
    for dir in ["ocaml-mirage/mirage-sel4", "ocaml-mirage/sel4-ocamlfind"] {
        println!("cargo:rerun-if-changed={}", root.join(dir).display());
    }
    let elf = out.join(format!("{name}.elf"));
    let mut cmd = std::process::Command::new(root.join("ocaml-mirage/sel4-ocamlfind"));
    cmd.args(["--component", "ocamlopt"]);
    if !packages.is_empty() {
        cmd.arg("-package").arg(packages.join(",")).arg("-linkpkg");
    }
    cmd.arg("-o").arg(&elf).args(&files);
    run_tool(cmd, &work, "sel4-ocamlfind --component ocamlopt")?;
    Ok(elf)
}

/// What a guest tool's build of component `name` starts from: the
/// workspace root, the image to write (`OUT_DIR/<name>.elf`) and `sources`
/// resolved against `base`; the build script reruns when a source or the
/// component runtime changes.
fn guest_build(name: &str, base: &Path, sources: &[PathBuf]) -> (PathBuf, PathBuf, Vec<PathBuf>) {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"));
    let sources: Vec<PathBuf> = sources.iter().map(|s| base.join(s)).collect();
    for s in &sources {
        println!("cargo:rerun-if-changed={}", s.display());
    }
    rerun_on_component_runtime();
    (
        substrate_build::std_link::workspace_root(),
        out.join(format!("{name}.elf")),
        sources,
    )
}

/// Builds a Dafny component with `dafny-backend/sel4-dafny build
/// --component` (verified by Dafny first: a failed proof fails the build
/// with Dafny's messages) into `OUT_DIR/<name>.elf`; its Cargo package and
/// build go to the target directory's `child-images/dafny`.
fn build_dafny(
    name: &str,
    base: &Path,
    sources: &[PathBuf],
    flags: &[String],
) -> Result<PathBuf, String> {
    let (root, elf, sources) = guest_build(name, base, sources);
    for dir in ["dafny-backend", "system/dafny-component"] {
        println!("cargo:rerun-if-changed={}", root.join(dir).display());
    }
    // Its runtime (substrate-std's component personality) reads the
    // information page as system/abi lays it out.
    rerun_on_component_runtime();
    let mut cmd = std::process::Command::new(root.join("dafny-backend/sel4-dafny"));
    cmd.args(["build", "--component"]);
    for f in flags {
        cmd.arg("--dafny-flag").arg(f);
    }
    cmd.arg("-o").arg(&elf).args(&sources);
    run_tool(cmd, base, "sel4-dafny build --component")?;
    Ok(elf)
}

/// Runs a guest tool in `dir` with the nested cargo builds it makes in
/// the target directory's `child-images` (the outer build holds the main
/// one); its first error line, if it fails.
fn run_tool(mut cmd: std::process::Command, dir: &Path, what: &str) -> Result<(), String> {
    cmd.current_dir(dir)
        .env("CARGO_TARGET_DIR", substrate_build::child_images_dir()?);
    substrate_build::unwrap_nested_cargo(&mut cmd);
    // The outer build's Rust flags are not the guest tools' (as for the
    // std personality's nested build, substrate_build::std_link).
    cmd.env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS");
    let output = cmd
        .output()
        .map_err(|e| format!("cannot run {what}: {e}"))?;
    if output.status.success() {
        return Ok(());
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    eprintln!("{stderr}");
    Err(format!(
        "{what} failed ({}): {}",
        output.status,
        stderr
            .lines()
            .find(|l| l.contains("rror"))
            .unwrap_or("its output is above")
            .trim()
    ))
}

/// Reruns the build script when the sources of the component runtimes
/// change (`sel4-cc --component` rebuilds the C library then, but only if
/// this script runs again); C and OCaml components link it, Dafny
/// components build on the same crates.
fn rerun_on_component_runtime() {
    let root = substrate_build::std_link::workspace_root();
    for dir in [
        "ffi",
        "system/c-component",
        "system/component",
        "system/abi",
        "substrate",
        "sel4",
        "c-newlib",
    ] {
        println!("cargo:rerun-if-changed={}", root.join(dir).display());
    }
}

/// Builds a C component with `c-newlib/sel4-cc --component` into
/// `OUT_DIR/<name>.elf`; its Rust runtime goes to the target directory's
/// `child-images` (the outer build holds the main one).
fn build_c(
    name: &str,
    base: &Path,
    sources: &[PathBuf],
    cflags: &[String],
) -> Result<PathBuf, String> {
    let (root, elf, sources) = guest_build(name, base, sources);
    let mut cmd = std::process::Command::new(root.join("c-newlib/sel4-cc"));
    cmd.arg("--component")
        .arg("-o")
        .arg(&elf)
        .args(cflags)
        .args(&sources);
    run_tool(cmd, base, "sel4-cc --component")?;
    Ok(elf)
}

/// A copy of `elf` without its debug information (`strip --strip-debug`),
/// which is what the initializer embeds: every 4 KiB of the initializer's
/// image costs a slot of the root CNode (the kernel gives the root task a
/// capability to each frame of its image), and debug information is most
/// of a debug build. The original if `strip` fails.
fn stripped(name: &str, elf: &Path) -> PathBuf {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("set by cargo"));
    let copy = out.join(format!("{name}.load.elf"));
    let ok = std::process::Command::new("strip")
        .arg("--strip-debug")
        .arg("-o")
        .arg(&copy)
        .arg(elf)
        .status()
        .is_ok_and(|s| s.success());
    if ok {
        copy
    } else {
        println!(
            "cargo::warning=strip --strip-debug failed for {}: embedding it whole",
            elf.display()
        );
        elf.to_path_buf()
    }
}

/// The range the image's `PT_LOAD` segments occupy, and its TLS
/// segment's size.
fn image_range(path: &Path) -> Result<(std::ops::Range<u64>, u64), String> {
    let data = std::fs::read(path).map_err(|e| format!("cannot read it: {e}"))?;
    let file = object::File::parse(&*data).map_err(|e| format!("not an ELF image: {e}"))?;
    let mut start = u64::MAX;
    let mut end = 0;
    for s in file.segments() {
        if s.size() == 0 {
            continue;
        }
        start = start.min(s.address());
        end = end.max(s.address() + s.size());
    }
    if start >= end {
        return Err("it has no loadable segments".into());
    }
    let tls = match &file {
        object::File::Elf64(elf) => {
            use object::read::elf::ProgramHeader;
            let endian = elf.endian();
            elf.elf_program_headers()
                .iter()
                .find(|p| p.p_type(endian) == object::elf::PT_TLS)
                .map(|p| p.p_memsz(endian))
                .unwrap_or(0)
        }
        _ => return Err("not a 64-bit ELF image".into()),
    };
    Ok((start..end.div_ceil(4096) * 4096, tls))
}

fn plan_tokens(system: &System, images: &[PathBuf]) -> TokenStream {
    let p = quote!(::sel4_system_initializer::plan);
    let name = &system.name;
    let components = system.components.iter().zip(images).map(|(c, elf)| {
        let name = &c.name;
        let elf = elf.display().to_string();
        let priority = c.priority;
        let stack = c.stack as usize;
        let heap = c.heap as usize;
        let budget = c.budget_us;
        let period = c.period_us;
        let restart = c.restart;
        let timer = c.timer;
        let supervisor = match c.supervisor {
            Some(s) => quote!(Some(#s)),
            None => quote!(None),
        };
        let maps = c.maps.iter().map(|m| {
            let region = m.region;
            let vaddr = m.vaddr as usize;
            let flags = m.flags;
            quote!(#p::Map { region: #region, vaddr: #vaddr, flags: #flags })
        });
        let ioports = c.ioports.iter().map(|r| {
            let (first, last) = (r.first, r.last);
            quote!(#p::IoPorts { first: #first, last: #last })
        });
        let irqs = c.irqs.iter().map(|q| {
            let (ioapic, pin, level, low, channel) = (q.ioapic, q.pin, q.level, q.active_low, q.channel);
            quote!(#p::Irq { ioapic: #ioapic, pin: #pin, level: #level, active_low: #low, channel: #channel })
        });
        quote! {
            #p::Component {
                name: #name,
                elf: include_bytes!(#elf),
                priority: #priority,
                stack: #stack,
                heap: #heap,
                budget_us: #budget,
                period_us: #period,
                restart: #restart,
                timer: #timer,
                supervisor: #supervisor,
                maps: &[#(#maps),*],
                ioports: &[#(#ioports),*],
                irqs: &[#(#irqs),*],
            }
        }
    });
    let regions = system.regions.iter().map(|r| {
        let name = &r.name;
        let size = r.size as usize;
        let phys = match r.phys {
            Some(a) => {
                let a = a as usize;
                quote!(Some(#a))
            }
            None => quote!(None),
        };
        let dma = r.dma;
        quote!(#p::Region { name: #name, size: #size, phys: #phys, dma: #dma })
    });
    let channels = system.channels.iter().map(|ch| {
        let (fc, fi, tc, ti, prot) = (
            ch.from.component,
            ch.from.id,
            ch.to.component,
            ch.to.id,
            ch.protected,
        );
        quote!(#p::Channel { from: (#fc, #fi), to: (#tc, #ti), protected: #prot })
    });
    let wait_for = &system.wait_for;
    quote! {
        /// The system described by its `system.toml` (generated by sel4-system-build).
        pub static SYSTEM: #p::Plan = #p::Plan {
            name: #name,
            components: &[#(#components),*],
            regions: &[#(#regions),*],
            channels: &[#(#channels),*],
            wait_for: &[#(#wait_for),*],
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SYSTEM: &str = r#"
[system]
name = "t"
wait_for = ["a"]

[[component]]
name = "a"
elf = "a.elf"
restart = true
timer = true

[[component.map]]
memory = "m"
vaddr = 0x1_0000_0000
perms = "r"

[[component]]
name = "b"
elf = "b.elf"
supervisor = "a"

[[memory]]
name = "m"
size = "8 KiB"

[[channel]]
from = { component = "a", id = 1 }
to = { component = "b", id = 2 }
protected = true
"#;

    #[test]
    fn the_plan_is_rust_with_every_part_of_the_description() {
        let system = System::parse(SYSTEM).unwrap();
        let images = [PathBuf::from("/x/a.elf"), PathBuf::from("/x/b.elf")];
        let tokens = plan_tokens(&system, &images);
        let file: syn::File = syn::parse2(tokens).expect("the plan parses as Rust");
        let text = prettyplease::unparse(&file);
        for needle in [
            "pub static SYSTEM: ::sel4_system_initializer::plan::Plan",
            "include_bytes!(\"/x/a.elf\")",
            "include_bytes!(\"/x/b.elf\")",
            "restart: true",
            "timer: true",
            "timer: false",
            "supervisor: Some(0usize)",
            "region: 0usize",
            "vaddr: 4294967296usize",
            "from: (0usize, 1u8)",
            "to: (1usize, 2u8)",
            "protected: true",
            "wait_for: &[0usize]",
            "size: 8192usize",
        ] {
            assert!(text.contains(needle), "{needle:?} not in\n{text}");
        }
    }

    #[test]
    fn an_unreadable_image_is_an_error_with_the_component_line() {
        let dir = std::env::temp_dir().join(format!("sel4-system-build-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("system.toml");
        std::fs::write(&path, SYSTEM).unwrap();
        std::fs::write(dir.join("a.elf"), b"not an ELF file").unwrap();
        let errors = build(&path).unwrap_err();
        let shown = path.display().to_string();
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with(&format!("{shown}:6: component `a`:"))
                    && e.contains("not an ELF image")),
            "{errors:?}"
        );
        assert!(
            errors
                .iter()
                .any(|e| e.starts_with(&format!("{shown}:17: component `b`:"))
                    && e.contains("cannot read it")),
            "{errors:?}"
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
