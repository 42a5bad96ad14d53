//! The build-script helper.

use std::path::PathBuf;

use crate::{Error, Verifier};

/// A Dafny program to verify and translate in a build script (see the
/// crate documentation):
///
/// ```no_run
/// dafny_build::Dafny::new()
///     .file("src/sort.dfy")
///     .root("crate::verified")
///     .compile();
/// ```
///
/// writes `$OUT_DIR/dafny.rs`, to be `include!`d in the module named by
/// [`Dafny::root`]. Relative paths are relative to the package's directory
/// (where cargo runs build scripts).
#[derive(Debug, Clone)]
pub struct Dafny {
    files: Vec<PathBuf>,
    root: String,
    flags: Vec<String>,
    output: String,
}

impl Default for Dafny {
    fn default() -> Self {
        Self::new()
    }
}

impl Dafny {
    /// No files yet; root `crate`, output `dafny.rs`.
    pub fn new() -> Self {
        Dafny {
            files: Vec::new(),
            root: "crate".into(),
            flags: Vec::new(),
            output: "dafny.rs".into(),
        }
    }

    /// Adds a source file of the program (several files are one program,
    /// as on Dafny's command line; the files they `include` are read too).
    pub fn file(mut self, path: impl Into<PathBuf>) -> Self {
        self.files.push(path.into());
        self
    }

    /// Adds several source files ([`Dafny::file`]).
    pub fn files<P: Into<PathBuf>>(mut self, paths: impl IntoIterator<Item = P>) -> Self {
        self.files.extend(paths.into_iter().map(Into::into));
        self
    }

    /// The Rust path of the module that will `include!` the generated code
    /// (default `crate`).
    pub fn root(mut self, path: impl Into<String>) -> Self {
        self.root = path.into();
        self
    }

    /// Passes `flag` to Dafny ([`Verifier::flag`]).
    pub fn flag(mut self, flag: impl Into<String>) -> Self {
        self.flags.push(flag.into());
        self
    }

    /// The file name in `OUT_DIR` to write (default `dafny.rs`; another one
    /// for a second program in the same crate).
    pub fn output(mut self, name: impl Into<String>) -> Self {
        self.output = name.into();
        self
    }

    /// Verifies, translates and writes `$OUT_DIR/<output>`, returning its
    /// path; emits `cargo:rerun-if-changed` for every source file (also
    /// those included) and `cargo:rerun-if-env-changed=DAFNY`, and
    /// `cargo:warning` for Dafny's warnings.
    pub fn try_compile(&self) -> Result<PathBuf, Error> {
        println!("cargo:rerun-if-env-changed=DAFNY");
        for file in &self.files {
            println!("cargo:rerun-if-changed={}", file.display());
        }
        let out_dir = std::env::var_os("OUT_DIR").ok_or_else(|| Error::Unexpected {
            detail: "OUT_DIR is not set: Dafny::compile is for build scripts (use verify)".into(),
        })?;
        let mut verifier = Verifier::new();
        for flag in &self.flags {
            verifier = verifier.flag(flag.clone());
        }
        let verified = verifier.verify(&self.files)?;
        for input in verified.inputs.iter().filter(|i| !self.files.contains(i)) {
            println!("cargo:rerun-if-changed={}", input.display());
        }
        for warning in verified.warnings() {
            println!("cargo:warning={warning}");
        }
        let rust = verified.translate(&self.root)?;
        let path = PathBuf::from(out_dir).join(&self.output);
        crate::cache::write_atomic(&path, rust.as_bytes()).map_err(|error| Error::Io {
            action: format!("cannot write {}", path.display()),
            error,
        })?;
        Ok(path)
    }

    /// [`Dafny::try_compile`], failing the build on an error: its message,
    /// line by line (Dafny's messages for a failed proof), is given to
    /// cargo as `cargo::error` lines, which cargo shows as the build's
    /// errors. Returns the path written, or `None` after such an error
    /// (cargo then stops the build once the build script returns).
    pub fn compile(&self) -> Option<PathBuf> {
        match self.try_compile() {
            Ok(path) => Some(path),
            Err(e) => {
                for line in e.to_string().lines().filter(|l| !l.trim().is_empty()) {
                    println!("cargo::error={line}");
                }
                None
            }
        }
    }
}
