//! The Cargo package an image is built from.
//!
//! Each image gets a package of its own, written to
//! `<target>/dafny/pkg/dafny-<stem>-<hash>/` (`<target>`:
//! `$CARGO_TARGET_DIR`, else this repository's `target/`; `<hash>`: of the
//! image's absolute path, so that rebuilding an image reuses its package
//! and two images never share one). It is shaped like `examples/std-hello`:
//! a `[workspace]` of its own (std programs unwind; the main workspace's
//! images abort on panic), the build-dependency `substrate-build` whose
//! `std_program()` links it as a std program on seL4, and a path dependency
//! on `dafny-backend/support`. `src/main.rs` declares one module per
//! program, which `include!`s its translation and its extern Rust.
//!
//! Why there and not in the cache: the package names this checkout's
//! crates by path, and it is build output, which `cargo clean` removes with
//! the rest; the cache holds what is keyed by content and shared between
//! checkouts (verified programs). Files are rewritten only when their
//! content changes, so a rebuild recompiles only what changed.
//!
//! Every package is built with the same target directory,
//! `<target>/dafny/target`, so that `dafny-runtime`, `num`, the std
//! personality (`substrate-std`, built by `std_program()` into
//! `<target>/dafny/target/substrate-std`) and the build script's
//! dependencies are compiled once for all images. A package's
//! `Cargo.lock` starts as a copy of the repository's, so every package
//! resolves to the same versions (and needs no registry look-up).
//!
//! The profile is cargo's `release` (`--debug`: `dev`, as `tests/boot.py`
//! builds the std examples), because it is clearly better for Dafny
//! programs, whose integers are `dafny-runtime`'s big integers: measured on
//! 30 programs in one batch image (each a 300 000-step loop on `int`, 2 000
//! sequence appends and a recursive `Fib(22)`), the release image is
//! 0.9 MB instead of 10.8 MB and runs in 36 s instead of 222 s under QEMU,
//! for 5.3 s of compiling instead of 3.3 s (dependencies compiled already).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use sha2::{Digest, Sha256};

use crate::{say, Args, Failure};

/// This repository (the driver lives in `dafny-backend/driver`).
fn repository() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    dir.canonicalize().unwrap_or(dir)
}

/// `<target>/dafny`: `$CARGO_TARGET_DIR/dafny`, else the repository's
/// `target/dafny`.
fn work_dir() -> PathBuf {
    match std::env::var_os("CARGO_TARGET_DIR").filter(|v| !v.is_empty()) {
        Some(dir) => absolute(Path::new(&dir)).join("dafny"),
        None => repository().join("target").join("dafny"),
    }
}

/// `path` made absolute against the current directory (without resolving
/// links: the file may not exist yet).
fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// `text` as a Rust identifier's tail: ASCII letters, digits and `_`.
pub(crate) fn identifier(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// A TOML basic string.
fn toml_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Writes `contents` to `path` whole (a temporary file beside it, renamed).
pub(crate) fn write_atomic(path: &Path, contents: &[u8]) -> Result<(), Failure> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        path.file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default(),
        std::process::id()
    ));
    std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::write(&tmp, contents))
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            Failure::new(format!("cannot write {}: {e}", path.display()))
        })
}

/// Writes `contents` to `path` unless it holds them already (so that cargo
/// sees no change).
fn write_if_changed(path: &Path, contents: &str) -> Result<(), Failure> {
    if std::fs::read(path).is_ok_and(|old| old == contents.as_bytes()) {
        return Ok(());
    }
    write_atomic(path, contents.as_bytes())
}

/// A Rust file copied into the package.
#[derive(Debug, Clone)]
pub(crate) struct Source {
    /// Where it came from (for comments and messages).
    pub origin: PathBuf,
    /// Its text.
    pub text: String,
}

impl Source {
    pub(crate) fn new(origin: &Path, text: String) -> Self {
        Source {
            origin: origin.to_path_buf(),
            text,
        }
    }
}

/// A program of the image: a module of `src/main.rs`.
#[derive(Debug, Clone)]
pub(crate) struct Module {
    /// The module's name (`dafny`, `p_<stem>`).
    pub name: String,
    /// The program's name (its first file's stem): the batch marker.
    pub stem: String,
    /// The translation, or why there is none (batch --keep-going).
    pub rust: Result<String, String>,
    /// The extern Rust included after the translation.
    pub externs: Vec<Source>,
}

impl Module {
    /// The translation's file in `src/`.
    fn file(&self) -> String {
        format!("{}.rs", self.name)
    }

    /// The `i`th extern file's name in `src/`.
    fn extern_file(&self, i: usize, source: &Source) -> String {
        let stem = source
            .origin
            .file_stem()
            .map(|s| identifier(&s.to_string_lossy()))
            .unwrap_or_default();
        format!("{}_extern{i}_{stem}.rs", self.name)
    }

    /// Whether `file` (a path from a compiler message) is one of this
    /// module's files.
    fn owns(&self, file: &str) -> bool {
        let name = Path::new(file)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        name == self.file()
            || self
                .externs
                .iter()
                .enumerate()
                .any(|(i, s)| name == self.extern_file(i, s))
    }
}

/// A package (see the module documentation).
pub(crate) struct Package {
    dir: PathBuf,
    name: String,
    target_dir: PathBuf,
    modules: Vec<Module>,
    batch: bool,
}

impl Package {
    /// The package of the image `output`, with `modules`; `batch`: the
    /// image runs each module's program after a marker line.
    pub(crate) fn new(output: &Path, modules: Vec<Module>, batch: bool) -> Self {
        let image = absolute(output);
        let stem = output
            .file_stem()
            .map(|s| s.to_string_lossy().to_lowercase())
            .unwrap_or_else(|| "image".into());
        let hash = Sha256::digest(image.as_os_str().as_encoded_bytes());
        let hash: String = hash.iter().take(4).map(|b| format!("{b:02x}")).collect();
        let name = format!(
            "dafny-{}-{hash}",
            stem.chars()
                .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
                .collect::<String>()
        );
        let work = work_dir();
        Package {
            dir: work.join("pkg").join(&name),
            name,
            target_dir: work.join("target"),
            modules,
            batch,
        }
    }

    /// `Cargo.toml`.
    fn manifest(&self) -> String {
        let repo = repository();
        let support = repo.join("dafny-backend").join("support");
        let build = repo.join("substrate").join("build");
        format!(
            "# Generated by sel4-dafny (rewritten on every build): a Dafny program as a std\n\
             # program on seL4.\n\
             [package]\n\
             name = \"{}\"\n\
             version = \"0.1.0\"\n\
             edition = \"2021\"\n\
             publish = false\n\
             \n\
             # A workspace of its own, like examples/std-hello: std programs unwind.\n\
             [workspace]\n\
             \n\
             [dependencies]\n\
             dafny-support = {{ path = {} }}\n\
             \n\
             [build-dependencies]\n\
             substrate-build = {{ path = {} }}\n",
            self.name,
            toml_string(&support.display().to_string()),
            toml_string(&build.display().to_string()),
        )
    }

    /// `build.rs`.
    fn build_script(stack_size: Option<usize>, component: bool) -> String {
        let mut link = "substrate_build::StdProgram::new()".to_string();
        if let Some(bytes) = stack_size {
            link.push_str(&format!(".main_stack_size({bytes})"));
        }
        if component {
            link.push_str(".component()");
        }
        link.push_str(".link();");
        format!("// Generated by sel4-dafny.\nfn main() {{\n    {link}\n}}\n")
    }

    /// `src/main.rs`.
    fn main_rs(&self) -> String {
        let mut out = String::from(
            "// Generated by sel4-dafny (rewritten on every build).\n\
             // Generated code is not linted here: errors are what matters.\n\
             #![allow(warnings)]\n\n",
        );
        for m in &self.modules {
            if m.rust.is_err() {
                continue;
            }
            out.push_str(&format!(
                "mod {} {{\n    include!(\"{}\");\n",
                m.name,
                m.file()
            ));
            for (i, source) in m.externs.iter().enumerate() {
                out.push_str(&format!(
                    "    // --extern-rs {}\n    include!(\"{}\");\n",
                    source.origin.display(),
                    m.extern_file(i, source)
                ));
            }
            out.push_str("}\n\n");
        }
        if !self.batch {
            let m = &self.modules[0];
            out.push_str(&format!(
                "fn main() {{\n    {}::dafny_main();\n}}\n",
                m.name
            ));
            return out;
        }
        out.push_str(
            "/// Runs one program after its marker line; whether it returned (a\n\
             /// panic is reported by the panic hook, and the next program runs).\n\
             fn run(stem: &str, main: fn()) -> bool {\n    \
                 use std::io::Write;\n    \
                 println!(\"==> {stem}\");\n    \
                 let _ = std::io::stdout().flush();\n    \
                 let returned = std::panic::catch_unwind(main).is_ok();\n    \
                 let _ = std::io::stdout().flush();\n    \
                 returned\n\
             }\n\n\
             fn main() {\n    \
                 let mut panicked = 0;\n",
        );
        for m in &self.modules {
            match &m.rust {
                Ok(_) => out.push_str(&format!(
                    "    panicked += !run({:?}, {}::dafny_main) as u32;\n",
                    m.stem, m.name
                )),
                Err(why) => {
                    let first = summary(why);
                    out.push_str(&format!(
                        "    println!(\"==> {{}}\", {:?});\n    println!(\"sel4-dafny: {{}}\", {:?});\n",
                        m.stem,
                        format!("{} was not built: {first}", m.stem)
                    ));
                }
            }
        }
        out.push_str("    if panicked > 0 {\n        std::process::exit(1);\n    }\n}\n");
        out
    }

    /// Writes the package's files (those that changed) and removes source
    /// files it no longer has.
    fn write(&self, args: &Args) -> Result<(), Failure> {
        let src = self.dir.join("src");
        std::fs::create_dir_all(&src)
            .map_err(|e| Failure::new(format!("cannot create {}: {e}", src.display())))?;
        write_if_changed(&self.dir.join("Cargo.toml"), &self.manifest())?;
        write_if_changed(
            &self.dir.join("build.rs"),
            &Self::build_script(args.stack_size, args.component),
        )?;
        let lock = self.dir.join("Cargo.lock");
        if !lock.exists() {
            // Same versions as the main workspace (cargo drops the rest).
            let _ = std::fs::copy(repository().join("Cargo.lock"), &lock);
        }
        let mut keep = vec!["main.rs".to_string()];
        write_if_changed(&src.join("main.rs"), &self.main_rs())?;
        for m in &self.modules {
            let Ok(rust) = &m.rust else { continue };
            write_if_changed(&src.join(m.file()), rust)?;
            keep.push(m.file());
            for (i, source) in m.externs.iter().enumerate() {
                let name = m.extern_file(i, source);
                write_if_changed(&src.join(&name), &source.text)?;
                keep.push(name);
            }
        }
        if let Ok(entries) = std::fs::read_dir(&src) {
            for entry in entries.flatten() {
                let name = entry.file_name().to_string_lossy().into_owned();
                if name.ends_with(".rs") && !keep.contains(&name) {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
        Ok(())
    }

    /// Builds the package and copies its binary to `output`. In a batch
    /// with `--keep-going`, programs whose Rust does not compile are left
    /// out and the rest is built again. Returns the programs left out
    /// (also those without a translation from the start).
    pub(crate) fn build_image(
        mut self,
        output: &Path,
        args: &Args,
    ) -> Result<Vec<String>, Failure> {
        let env_prefix = sel4_prefix()?;
        if !self.target_dir.exists() {
            say(&format!(
                "first build in {}: compiling dafny-runtime and the std personality once (minutes)",
                self.target_dir.display()
            ));
        }
        loop {
            self.write(args)?;
            if args.verbose {
                say(&format!("building {}", self.dir.display()));
            }
            let start = Instant::now();
            let build = self.cargo_build(args, &env_prefix)?;
            if let Some(executable) = build.executable.filter(|_| build.success) {
                copy_image(&executable, output)?;
                if args.verbose {
                    say(&format!(
                        "built {} in {:.1} s ({} bytes)",
                        output.display(),
                        start.elapsed().as_secs_f64(),
                        std::fs::metadata(output).map(|m| m.len()).unwrap_or(0)
                    ));
                }
                let left_out = self.modules.iter().filter(|m| m.rust.is_err());
                return Ok(left_out.map(|m| m.stem.clone()).collect());
            }
            if build.success {
                return Err(Failure::new(format!(
                    "cargo built no binary for {} (in {})",
                    self.name,
                    self.dir.display()
                )));
            }
            // Which programs the errors are in.
            let mut culprits: Vec<usize> = Vec::new();
            let mut unplaced = false;
            for error in &build.errors {
                let owner = error.files.iter().find_map(|f| {
                    self.modules
                        .iter()
                        .position(|m| m.rust.is_ok() && m.owns(f))
                });
                match owner {
                    Some(i) if !culprits.contains(&i) => culprits.push(i),
                    Some(_) => {}
                    None => unplaced = true,
                }
            }
            let retry = self.batch && args.keep_going && !unplaced && !culprits.is_empty();
            if !retry {
                for error in &build.errors {
                    eprint!("{}", error.rendered);
                }
                eprint!("{}", build.stderr);
                if build.errors.is_empty() && !args.verbose {
                    // A build script failed (the std link, sel4-sys): what
                    // it printed is only shown by cargo -vv.
                    self.show_build_script_output(args, &env_prefix);
                }
                let what = match build.errors.len() {
                    0 => "its output is above".to_string(),
                    1 => "1 compile error".to_string(),
                    n => format!("{n} compile errors"),
                };
                let mut message = format!(
                    "cargo could not build {} ({what}); the package is {}",
                    output.display(),
                    self.dir.display()
                );
                if !culprits.is_empty() && self.batch {
                    let names: Vec<&str> = culprits
                        .iter()
                        .map(|&i| self.modules[i].stem.as_str())
                        .collect();
                    message.push_str(&format!("; the errors are in {}", names.join(" ")));
                }
                return Err(Failure::new(message));
            }
            for &i in &culprits {
                let errors: Vec<&CompileError> = build
                    .errors
                    .iter()
                    .filter(|e| e.files.iter().any(|f| self.modules[i].owns(f)))
                    .collect();
                let first = errors.first().map(|e| e.message.as_str()).unwrap_or("");
                let m = &mut self.modules[i];
                say(&format!(
                    "{}: its Rust does not compile ({} error{}: {first}); left out",
                    m.stem,
                    errors.len(),
                    if errors.len() == 1 { "" } else { "s" }
                ));
                if args.verbose {
                    for e in &errors {
                        eprint!("{}", e.rendered);
                    }
                }
                m.rust = Err(format!("its Rust does not compile: {first}"));
            }
            if self.modules.iter().all(|m| m.rust.is_err()) {
                return Err(Failure::new("no program is left to build"));
            }
        }
    }

    /// `cargo build` of the package, without output options; and the
    /// cargo command.
    fn cargo(&self, args: &Args, sel4_prefix: &str) -> (Command, std::ffi::OsString) {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let mut cmd = Command::new(&cargo);
        cmd.arg("build")
            .arg("--manifest-path")
            .arg(self.dir.join("Cargo.toml"))
            .current_dir(&self.dir)
            .env("CARGO_TARGET_DIR", &self.target_dir)
            .env("SEL4_PREFIX", sel4_prefix);
        if !args.debug {
            cmd.arg("--release");
        }
        // What cargo sets for a program it runs (`cargo run -p sel4-dafny`).
        for var in [
            "CARGO_PRIMARY_PACKAGE",
            "RUSTC_WORKSPACE_WRAPPER",
            "CARGO_MANIFEST_DIR",
            "CARGO_MANIFEST_PATH",
        ] {
            cmd.env_remove(var);
        }
        (cmd, cargo)
    }

    /// Builds again with `cargo -vv` and shows what the package's build
    /// script printed (its nested cargo's errors), without cargo's
    /// directives.
    fn show_build_script_output(&self, args: &Args, sel4_prefix: &str) {
        let (mut cmd, _) = self.cargo(args, sel4_prefix);
        let Ok(out) = cmd.arg("-vv").output() else {
            return;
        };
        let prefix = format!("[{} ", self.name);
        let lines: Vec<String> = String::from_utf8_lossy(&out.stderr)
            .lines()
            .filter_map(|l| {
                let rest = l.strip_prefix(&prefix)?;
                Some(rest.split_once("] ")?.1.to_string())
            })
            .filter(|t| !t.starts_with("cargo:") && !t.trim().is_empty())
            .collect();
        if !lines.is_empty() {
            say(&format!("the build script of {} printed:", self.name));
            for line in lines {
                eprintln!("  {line}");
            }
        }
    }

    /// Runs cargo on the package.
    fn cargo_build(&self, args: &Args, sel4_prefix: &str) -> Result<Build, Failure> {
        let (mut cmd, cargo) = self.cargo(args, sel4_prefix);
        cmd.arg("--message-format=json");
        if !args.verbose {
            cmd.arg("-q");
        }
        if args.verbose {
            // Cargo's progress as it happens.
            cmd.stderr(std::process::Stdio::inherit());
        }
        let out = cmd
            .output()
            .map_err(|e| Failure::new(format!("cannot run {}: {e}", cargo.to_string_lossy())))?;
        let mut build = Build {
            success: out.status.success(),
            executable: None,
            errors: Vec::new(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        };
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            let Ok(msg) = serde_json::from_str::<serde_json::Value>(line) else {
                continue;
            };
            let ours = msg["package_id"]
                .as_str()
                .is_some_and(|id| id.contains(&self.name));
            match msg["reason"].as_str() {
                Some("compiler-artifact") if ours => {
                    if let Some(exe) = msg["executable"].as_str() {
                        build.executable = Some(PathBuf::from(exe));
                    }
                }
                Some("compiler-message") => {
                    let m = &msg["message"];
                    let level = m["level"].as_str().unwrap_or("");
                    if !level.starts_with("error") {
                        if args.verbose {
                            eprint!("{}", m["rendered"].as_str().unwrap_or(""));
                        }
                        continue;
                    }
                    let text = m["message"].as_str().unwrap_or("").to_string();
                    if text.starts_with("aborting due to") {
                        continue;
                    }
                    let mut files = Vec::new();
                    collect_files(&m["spans"], &mut files);
                    build.errors.push(CompileError {
                        message: text,
                        rendered: m["rendered"].as_str().unwrap_or("").to_string(),
                        files,
                    });
                }
                _ => {}
            }
        }
        Ok(build)
    }
}

/// The gist of an error message in one line: its first line and, when
/// that only introduces them (Dafny's `Dafny rejected a.dfy (...):`), the
/// first error after it.
fn summary(message: &str) -> String {
    let mut lines = message.lines();
    let first = lines.next().unwrap_or("").trim_end();
    match first.strip_suffix(':') {
        Some(intro) => match lines.find(|l| l.contains("Error")) {
            Some(error) => format!("{intro}: {}", error.trim()),
            None => intro.to_string(),
        },
        None => first.to_string(),
    }
}

/// The files of compiler-message spans: the primary spans first, then
/// where they were expanded from (an error inside a macro of
/// dafny-runtime belongs to the program that invoked it).
fn collect_files(spans: &serde_json::Value, files: &mut Vec<String>) {
    let Some(spans) = spans.as_array() else {
        return;
    };
    let mut ordered: Vec<&serde_json::Value> =
        spans.iter().filter(|s| s["is_primary"] == true).collect();
    ordered.extend(spans.iter().filter(|s| s["is_primary"] != true));
    for span in ordered {
        if let Some(f) = span["file_name"].as_str() {
            files.push(f.to_string());
        }
        let expansion = &span["expansion"];
        if !expansion.is_null() {
            collect_files(
                &serde_json::Value::Array(vec![expansion["span"].clone()]),
                files,
            );
        }
    }
}

/// What a cargo build ended with.
struct Build {
    success: bool,
    executable: Option<PathBuf>,
    errors: Vec<CompileError>,
    stderr: String,
}

/// A compiler error: its text, as rustc shows it, and the files it is in.
struct CompileError {
    message: String,
    rendered: String,
    files: Vec<String>,
}

/// `$SEL4_PREFIX`, or the embedded kernel's prefix from
/// `tools/kernel/provision.py` (which builds it once into the cache).
fn sel4_prefix() -> Result<String, Failure> {
    if let Some(p) = std::env::var_os("SEL4_PREFIX").filter(|p| !p.is_empty()) {
        return Ok(p.to_string_lossy().into_owned());
    }
    let script = repository()
        .join("tools")
        .join("kernel")
        .join("provision.py");
    let out = Command::new("python3")
        .arg(&script)
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| Failure::new(format!("cannot run python3 {}: {e}", script.display())))?;
    if !out.status.success() {
        return Err(Failure::new(format!(
            "{} failed ({}); set SEL4_PREFIX to a seL4 install prefix",
            script.display(),
            out.status
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Copies the built binary to `output`, whole (a temporary file renamed).
fn copy_image(executable: &Path, output: &Path) -> Result<(), Failure> {
    let dir = output
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let tmp = dir.join(format!(
        ".{}.{}.tmp",
        output
            .file_name()
            .map(|n| n.to_string_lossy())
            .unwrap_or_default(),
        std::process::id()
    ));
    std::fs::create_dir_all(dir)
        .and_then(|()| std::fs::copy(executable, &tmp))
        .and_then(|_| std::fs::rename(&tmp, output))
        .map_err(|e| {
            let _ = std::fs::remove_file(&tmp);
            Failure::new(format!(
                "cannot copy {} to {}: {e}",
                executable.display(),
                output.display()
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn module(name: &str, rust: Result<&str, &str>) -> Module {
        Module {
            name: format!("p_{name}"),
            stem: name.into(),
            rust: rust.map(String::from).map_err(String::from),
            externs: vec![Source::new(Path::new("x/ext-a.rs"), "// ext".into())],
        }
    }

    fn package(modules: Vec<Module>, batch: bool) -> Package {
        Package {
            dir: PathBuf::from("/tmp/pkg"),
            name: "dafny-t-00000000".into(),
            target_dir: PathBuf::from("/tmp/target"),
            modules,
            batch,
        }
    }

    #[test]
    fn batch_main() {
        let p = package(
            vec![
                module("a", Ok("")),
                module("b", Err("Dafny rejected b.dfy\nmore")),
            ],
            true,
        );
        let main = p.main_rs();
        assert!(
            main.contains("mod p_a {\n    include!(\"p_a.rs\");\n"),
            "{main}"
        );
        assert!(
            main.contains("include!(\"p_a_extern0_ext_a.rs\");"),
            "{main}"
        );
        assert!(!main.contains("mod p_b"), "{main}");
        assert!(main.contains("run(\"a\", p_a::dafny_main)"), "{main}");
        assert!(main.contains("println!(\"==> {}\", \"b\");"), "{main}");
        assert!(
            main.contains("b was not built: Dafny rejected b.dfy\""),
            "{main}"
        );
        assert!(p.modules[0].owns("src/p_a.rs"));
        assert!(p.modules[0].owns("/tmp/pkg/src/p_a_extern0_ext_a.rs"));
        assert!(!p.modules[0].owns("src/main.rs"));
    }

    #[test]
    fn build_main_and_manifest() {
        let mut m = module("x", Ok(""));
        m.name = "dafny".into();
        let p = package(vec![m], false);
        let main = p.main_rs();
        assert!(
            main.contains("mod dafny {\n    include!(\"dafny.rs\");\n"),
            "{main}"
        );
        assert!(
            main.ends_with("fn main() {\n    dafny::dafny_main();\n}\n"),
            "{main}"
        );
        let manifest = p.manifest();
        assert!(manifest.contains("name = \"dafny-t-00000000\""));
        assert!(manifest.contains("[workspace]"));
        assert!(manifest.contains("dafny-backend/support\" }"), "{manifest}");
        assert!(manifest.contains("substrate/build\" }"), "{manifest}");
        assert!(Package::build_script(Some(1 << 24), false).contains("main_stack_size(16777216)"));
        assert!(!Package::build_script(None, false).contains("component"));
        assert!(Package::build_script(None, true).contains(".component().link()"));
    }

    #[test]
    fn summaries() {
        assert_eq!(
            summary("Dafny rejected g.dfy (exit status 4):\ng.dfy(3,11): Error: assertion violation\nExecution trace:\n"),
            "Dafny rejected g.dfy (exit status 4): g.dfy(3,11): Error: assertion violation"
        );
        assert_eq!(summary("x.dfy:3: not yet\nmore"), "x.dfy:3: not yet");
        assert_eq!(summary(""), "");
    }

    #[test]
    fn names() {
        assert_eq!(identifier("my-test.v2"), "my_test_v2");
        assert_eq!(toml_string("a\"b\\c"), "\"a\\\"b\\\\c\"");
    }
}
