//! Generator for the `sel4-sys` bindings.
//!
//! Reads a seL4 install prefix (`<prefix>/libsel4/include/...`) and emits Rust source:
//!
//! | file (see [`Generated::files`]) | contents | included by sel4-sys as |
//! |---|---|---|
//! | `config.rs` | every `gen_config.json` key as a const | body of `pub mod config` |
//! | `syscalls.rs` | `pub const seL4_Sys<Name>: isize` | crate root |
//! | `invocation_labels.rs` | `InvalidInvocation`, ..., `nArchInvocationLabels` | body of `pub mod invocation_label` |
//! | `invocations.rs` | capability type aliases, result structs, one `unsafe fn` per method | crate root |
//! | `bitfield.rs` | bitfield types of every `.pbf` file ([`bitfield`]), one private module each, glob re-exported | crate root |
//! | `bindings.rs` | bindgen over `sel4/sel4.h` (empty without headers) | a private module with `use super::*`, glob re-exported |
//!
//! Nothing version specific is built in: numbers, labels and layouts come from the
//! prefix's files. The only built-in facts are C ABI facts (the widths of
//! `seL4_Uint8` ... `seL4_Word`, `seL4_Bool` packed as one bit) and the number of
//! message registers passed in CPU registers per architecture.

pub mod bitfield;
pub mod conditions;
pub mod config;
mod error;
pub mod headers;
pub mod invocations;
pub mod pbf;
pub mod syscalls;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use proc_macro2::TokenStream;

pub use config::{Config, Value};
pub use error::Error;
pub use invocations::Interfaces;
pub use syscalls::Syscall;

/// Generator options.
#[derive(Clone, Debug)]
pub struct Options {
    /// Run bindgen over the C headers (`sel4/sel4.h`). Without it, `bindings.rs` is
    /// empty and the C-only types (`seL4_Word`, `seL4_Error`, `seL4_IPCBuffer`,
    /// `seL4_UserContext`, ...) must come from elsewhere.
    pub with_headers: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options { with_headers: true }
    }
}

/// The input files below `<prefix>/libsel4/include`.
#[derive(Clone, Debug)]
pub struct Inputs {
    /// `<prefix>/libsel4/include`
    pub include_dir: PathBuf,
}

impl Inputs {
    /// Relative paths of the required files.
    pub const REQUIRED: [&'static str; 8] = [
        "kernel/gen_config.json",
        "sel4/gen_config.json",
        "api/syscall.xml",
        "interfaces/object-api.xml",
        "interfaces/object-api-sel4-arch.xml",
        "interfaces/object-api-arch.xml",
        "sel4/shared_types.pbf",
        "sel4/sel4_arch/types.pbf",
    ];

    /// The file at a path relative to the include directory.
    pub fn file(&self, rel: &str) -> PathBuf {
        self.include_dir.join(rel)
    }

    /// Every `.pbf` file below `sel4/`, sorted (`shared_types.pbf` and
    /// `sel4_arch/types.pbf` at least; a prefix may add more, e.g. 5.0's `types.pbf`).
    pub fn pbf_files(&self) -> Vec<PathBuf> {
        fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
            let Ok(rd) = std::fs::read_dir(dir) else {
                return;
            };
            for e in rd.flatten() {
                let p = e.path();
                if p.is_dir() {
                    walk(&p, out);
                } else if p.extension().is_some_and(|x| x == "pbf") {
                    out.push(p);
                }
            }
        }
        let mut out = Vec::new();
        walk(&self.include_dir.join("sel4"), &mut out);
        out.sort();
        out
    }

    /// Checks that the directory and every required file exist.
    pub fn check(&self) -> Result<(), Error> {
        if !self.include_dir.is_dir() {
            return Err(Error::NoSuchDirectory(self.include_dir.clone()));
        }
        for rel in Self::REQUIRED {
            let p = self.file(rel);
            if !p.is_file() {
                return Err(Error::MissingFile(p));
            }
        }
        Ok(())
    }
}

/// Everything generated from one prefix.
#[derive(Debug)]
pub struct Generated {
    /// The merged kernel configuration.
    pub config: Config,
    /// Every syscall listed for this configuration (numbered; enabled or not).
    pub syscalls: Vec<Syscall>,
    /// The parsed interfaces.
    pub interfaces: Interfaces,
    /// Output files: name and formatted Rust source.
    pub files: Vec<(String, String)>,
    /// Every input file read (for `cargo:rerun-if-changed`).
    pub inputs: Vec<PathBuf>,
    /// What this kernel's interface defines, for dependents' conditional
    /// compilation: every enabled invocation (`TCB_SetPriority`) and its
    /// parameters (`TCB_SetPriority.authority`), every bitfield type
    /// (`seL4_CapRights`) and its fields or union members
    /// (`seL4_CapRights.capAllowGrantReply`, `seL4_Fault.VMFault`).
    pub features: BTreeSet<String>,
}

impl Generated {
    /// The source of one output file.
    pub fn file(&self, name: &str) -> Option<&str> {
        self.files
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, s)| s.as_str())
    }

    /// Writes every output file into `dir`.
    pub fn write_to(&self, dir: &Path) -> Result<(), Error> {
        for (name, text) in &self.files {
            let p = dir.join(name);
            std::fs::write(&p, text).map_err(|e| Error::Io(p.clone(), e))?;
        }
        Ok(())
    }
}

/// Formats a token stream as a Rust file.
pub fn format(tokens: TokenStream) -> Result<String, Error> {
    let file: syn::File = syn::parse2(tokens)
        .map_err(|e| Error::Unsupported(format!("generated code does not parse: {e}")))?;
    Ok(prettyplease::unparse(&file))
}

/// Names of the top-level items a token stream defines.
fn item_names(tokens: &TokenStream) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    if let Ok(file) = syn::parse2::<syn::File>(tokens.clone()) {
        for item in file.items {
            let id = match item {
                syn::Item::Const(i) => Some(i.ident),
                syn::Item::Static(i) => Some(i.ident),
                syn::Item::Fn(i) => Some(i.sig.ident),
                syn::Item::Struct(i) => Some(i.ident),
                syn::Item::Enum(i) => Some(i.ident),
                syn::Item::Union(i) => Some(i.ident),
                syn::Item::Type(i) => Some(i.ident),
                syn::Item::Mod(i) => Some(i.ident),
                _ => None,
            };
            if let Some(id) = id {
                out.insert(id.to_string());
            }
        }
    }
    out
}

/// Number of message registers passed in CPU registers (libsel4's
/// `seL4_FastMessageRegisters`) for an architecture.
pub fn fast_message_registers(sel4_arch: &str, mcs: bool) -> Option<usize> {
    Some(match sel4_arch {
        "x86_64" | "aarch64" | "aarch32" | "arm_hyp" | "riscv32" | "riscv64" => 4,
        "ia32" if mcs => 1,
        "ia32" => 2,
        _ => return None,
    })
}

/// The value of `seL4_FastMessageRegisters` in bindgen's output, if the
/// headers define it.
pub fn header_fast_message_registers(bindings: &str) -> Option<u64> {
    let file = syn::parse_file(bindings).ok()?;
    file.items.iter().find_map(|item| match item {
        syn::Item::Const(c) if c.ident == "seL4_FastMessageRegisters" => match &*c.expr {
            syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Int(i),
                ..
            }) => i.base10_parse().ok(),
            _ => None,
        },
        _ => None,
    })
}

/// Generates everything from an install prefix (`<prefix>/libsel4/include/...`).
pub fn generate(prefix: &Path, opts: &Options) -> Result<Generated, Error> {
    if !prefix.is_dir() {
        return Err(Error::NoSuchDirectory(prefix.to_path_buf()));
    }
    generate_from_include_dir(&prefix.join("libsel4").join("include"), opts)
}

/// Generates everything from an include directory laid out like `<prefix>/libsel4/include`.
pub fn generate_from_include_dir(include_dir: &Path, opts: &Options) -> Result<Generated, Error> {
    let inputs = Inputs {
        include_dir: include_dir.to_path_buf(),
    };
    inputs.check()?;
    let mut read_files: Vec<PathBuf> = Inputs::REQUIRED
        .iter()
        .filter(|r| !r.ends_with(".pbf"))
        .map(|r| inputs.file(r))
        .collect();
    let read = |rel: &str| -> Result<(PathBuf, String), Error> {
        let p = inputs.file(rel);
        let t = error::read(&p)?;
        Ok((p, t))
    };

    // Configuration.
    let kcfg = inputs.file("kernel/gen_config.json");
    let lcfg = inputs.file("sel4/gen_config.json");
    let config = Config::load(&[&kcfg, &lcfg])?;
    let sel4_arch = config.sel4_arch().ok_or_else(|| {
        Error::parse(
            &kcfg,
            "cannot tell the architecture (no SEL4_ARCH or ARCH_* key)",
        )
    })?;
    let word_bits = config
        .word_size()
        .ok_or_else(|| Error::parse(&kcfg, "cannot tell the word size (no WORD_SIZE key)"))?;
    let fast_mrs = fast_message_registers(&sel4_arch, config.mcs())
        .ok_or_else(|| Error::Unsupported(format!("architecture {sel4_arch}")))?;

    // Syscalls.
    let (sp, stext) = read("api/syscall.xml")?;
    let syscalls = syscalls::parse(&sp, &stext, &config)?;

    // Bitfields.
    let mut pbf = pbf::PbfTypes::default();
    let mut bitfield_tokens = Vec::new();
    for p in inputs.pbf_files() {
        let t = error::read(&p)?;
        let file = bitfield::parse(&t).map_err(|e| Error::parse(&p, e))?;
        pbf.add(&file);
        bitfield_tokens.push(file.generate());
        read_files.push(p);
    }

    // Interfaces: generic, then sel4_arch, then arch (the label order).
    let mut interfaces = Interfaces {
        word_bits,
        fast_mrs,
        ipc_buffer_only: config.is_defined("LIB_SEL4_STUBS_USE_IPC_BUFFER_ONLY"),
        ..Default::default()
    };
    interfaces.set_bitfields(&pbf);
    for (rel, layer) in [
        ("interfaces/object-api.xml", invocations::Layer::Generic),
        (
            "interfaces/object-api-sel4-arch.xml",
            invocations::Layer::Sel4Arch,
        ),
        ("interfaces/object-api-arch.xml", invocations::Layer::Arch),
    ] {
        let (p, t) = read(rel)?;
        interfaces.add_file(&p, &t, layer, &config)?;
    }

    let config_ts = config.generate();
    let syscalls_ts = syscalls::generate(&syscalls);
    let labels_ts = interfaces.generate_labels();
    let stubs_ts = interfaces.generate_stubs()?;

    // Names defined by the generator itself: bindgen must not define them again.
    let mut own = BTreeSet::new();
    for ts in bitfield_tokens.iter().chain([&syscalls_ts, &stubs_ts]) {
        own.extend(item_names(ts));
    }
    own.extend(interfaces.labels().0.into_iter().map(|(l, _)| l));
    for m in &interfaces.methods {
        own.insert(m.label.clone());
        own.insert(m.fn_name());
        own.insert(format!("{}_t", m.fn_name()));
        own.insert(format!("{}_", m.fn_name()));
    }
    for s in &syscalls {
        own.insert(format!("seL4_Sys{}", s.name));
    }
    for n in pbf.all_names.iter() {
        own.insert(format!("{n}_t"));
        own.insert(n.clone());
    }
    for n in [
        "nInvocationLabels",
        "nSeL4ArchInvocationLabels",
        "nArchInvocationLabels",
    ] {
        own.insert(n.to_string());
    }

    let bindings = if opts.with_headers {
        let (ts, headers) = headers::generate(&inputs.include_dir, &own)?;
        read_files.extend(headers);
        // The stubs' register count is known per architecture (5.0's headers do
        // not define it); where the headers do, they must agree.
        if let Some(n) = header_fast_message_registers(&ts) {
            if n != fast_mrs as u64 {
                return Err(Error::Unsupported(format!(
                    "the headers define seL4_FastMessageRegisters = {n}, but the generator \
                     passes {fast_mrs} message registers in CPU registers on {sel4_arch}{}",
                    if config.mcs() { " (MCS)" } else { "" }
                )));
            }
        }
        ts
    } else {
        String::new()
    };

    let mut files = vec![
        ("config.rs".to_string(), format(config_ts)?),
        ("syscalls.rs".to_string(), format(syscalls_ts)?),
        ("invocation_labels.rs".to_string(), format(labels_ts)?),
        ("invocations.rs".to_string(), format(stubs_ts)?),
    ];
    let mods = bitfield_tokens.into_iter().enumerate().map(|(i, ts)| {
        let m = quote::format_ident!("bitfield_{}", i);
        quote::quote! {
            mod #m { #ts }
            pub use #m::*;
        }
    });
    files.push(("bitfield.rs".to_string(), format(quote::quote!(#(#mods)*))?));
    files.push(("bindings.rs".to_string(), bindings));

    let mut features: BTreeSet<String> = pbf.types.keys().cloned().collect();
    features.extend(pbf.fields.iter().cloned());
    for m in interfaces.methods.iter().filter(|m| m.enabled) {
        let name = m.fn_name();
        let name = name.strip_prefix("seL4_").unwrap_or(&name).to_string();
        for p in m.inputs.iter().chain(&m.outputs) {
            features.insert(format!("{name}.{}", p.name));
        }
        for e in &m.errors {
            features.insert(format!("{name}.error.{e}"));
        }
        features.insert(name);
    }

    Ok(Generated {
        config,
        syscalls,
        interfaces,
        files,
        inputs: read_files,
        features,
    })
}
