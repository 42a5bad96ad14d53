//! Generates the bindings from the seL4 install prefix named by `SEL4_PREFIX`.
//!
//! Outputs (for dependents' build scripts, through `links = "sel4"`):
//! `DEP_SEL4_PREFIX`, `DEP_SEL4_INCLUDE`, `DEP_SEL4_MCS` (`1`/`0`), `DEP_SEL4_SEL4_ARCH`,
//! `DEP_SEL4_WORD_SIZE`, `DEP_SEL4_CONFIG_JSON` (the merged configuration as a JSON file),
//! `DEP_SEL4_SYSCALLS` (the kernel's system calls, comma-separated) and `DEP_SEL4_FEATURES`
//! (its invocations, their parameters, bitfield types and fields; see `sel4-build-cfg`)
//! and `DEP_SEL4_CONFIG` (the options that are on and `KEY=value` for string options).

use std::path::PathBuf;

fn fail(msg: &str) -> ! {
    // One clear line, no backtrace: cargo shows it as an error and fails the build.
    println!("cargo::error={msg}");
    std::process::exit(0);
}

fn main() {
    println!("cargo::rerun-if-env-changed=SEL4_PREFIX");
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rustc-check-cfg=cfg(sel4_mcs)");
    println!("cargo::rustc-check-cfg=cfg(sel4_syscall, values(any()))");

    let prefix = match std::env::var_os("SEL4_PREFIX") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => fail(
            "SEL4_PREFIX is not set: run `make` (which provisions a kernel and sets it) \
             or set SEL4_PREFIX to a seL4 install prefix (containing libsel4/include)",
        ),
    };
    let shown = prefix.display().to_string();
    if !prefix.is_dir() {
        fail(&format!("SEL4_PREFIX={shown}: no such directory"));
    }
    let include = prefix.join("libsel4").join("include");
    let opts = sel4_sys_gen::Options { with_headers: true };
    let generated = match sel4_sys_gen::generate(&prefix, &opts) {
        Ok(g) => g,
        Err(sel4_sys_gen::Error::MissingFile(p)) => {
            let rel = p.strip_prefix(&prefix).unwrap_or(&p);
            fail(&format!("SEL4_PREFIX={shown}: missing {}", rel.display()))
        }
        Err(sel4_sys_gen::Error::NoSuchDirectory(p)) => {
            let rel = p.strip_prefix(&prefix).unwrap_or(&p);
            fail(&format!(
                "SEL4_PREFIX={shown}: missing directory {}",
                rel.display()
            ))
        }
        Err(e) => fail(&format!("SEL4_PREFIX={shown}: {e}")),
    };

    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").unwrap_or_default());
    if let Err(e) = generated.write_to(&out_dir) {
        fail(&format!("cannot write the generated bindings: {e}"));
    }
    for p in &generated.inputs {
        println!("cargo::rerun-if-changed={}", p.display());
    }

    let cfg = &generated.config;
    let mcs = cfg.mcs();
    if mcs {
        println!("cargo::rustc-cfg=sel4_mcs");
    }
    for s in generated.syscalls.iter().filter(|s| s.enabled) {
        println!("cargo::rustc-cfg=sel4_syscall=\"{}\"", s.name);
    }

    // The merged configuration for dependents.
    let json = cfg.to_json();
    let json_path = out_dir.join("sel4_config.json");
    if let Err(e) = std::fs::write(&json_path, json) {
        fail(&format!("cannot write {}: {e}", json_path.display()));
    }
    println!("cargo::metadata=prefix={}", prefix.display());
    println!("cargo::metadata=include={}", include.display());
    println!("cargo::metadata=mcs={}", if mcs { 1 } else { 0 });
    println!(
        "cargo::metadata=sel4_arch={}",
        cfg.sel4_arch().unwrap_or_default()
    );
    println!(
        "cargo::metadata=word_size={}",
        cfg.word_size().unwrap_or_default()
    );
    println!("cargo::metadata=config_json={}", json_path.display());
    // For sel4-build-cfg: the syscalls and interface features this kernel has.
    let syscalls: Vec<&str> = generated
        .syscalls
        .iter()
        .filter(|s| s.enabled)
        .map(|s| s.name.as_str())
        .collect();
    println!("cargo::metadata=syscalls={}", syscalls.join(","));
    let features: Vec<&str> = generated.features.iter().map(String::as_str).collect();
    println!("cargo::metadata=features={}", features.join(","));
    // The kernel configuration's switches: options that are on, and the
    // values of the string-valued ones (`KERNEL_FSGS_BASE=inst`).
    let config: Vec<String> = cfg
        .values
        .iter()
        .filter_map(|(k, v)| match v {
            sel4_sys_gen::config::Value::Bool(true) => Some(k.clone()),
            sel4_sys_gen::config::Value::Str(s) if !s.contains([',', '"']) => {
                Some(format!("{k}={s}"))
            }
            _ => None,
        })
        .collect();
    println!("cargo::metadata=config={}", config.join(","));
    let version = cfg.string("KERNEL_VERSION");
    let version_rs = format!(
        "/// The kernel's version, when its install records one (`KERNEL_VERSION` in\n\
         /// `gen_config.json`, as `tools/kernel` writes for the embedded kernel).\n\
         pub const KERNEL_VERSION: Option<&str> = {:?};\n",
        version
    );
    if let Err(e) = std::fs::write(out_dir.join("version.rs"), version_rs) {
        fail(&format!("cannot write the generated bindings: {e}"));
    }
}
