//! Dafny programs in Rust builds.
//!
//! [`verify`] runs the installed Dafny 2.3 (Debian's `dafny`) on a
//! program's files:
//!
//! ```text
//! dafny /nologo /compile:0 /printMode:NoGhost /rprint:OUT.dfy FILES
//! ```
//!
//! which verifies it and, when every proof goes through, prints the
//! resolved program without its ghost parts: the input of
//! [`dafny_backend::translate`]. Dafny's messages are passed on without
//! z3's `model_compress` complaints ([`filter_noise`]); a program that
//! fails to verify (or to parse, or to resolve) is an [`Error::Rejected`]
//! carrying them, and nothing Dafny printed for it is used.
//!
//! A verified program is cached, under `$SUBSTRATE_CACHE/dafny/verified/`
//! (`SUBSTRATE_CACHE` defaults to `$HOME/.cache/sel4-substrate`), by a
//! SHA-256 over Dafny's version, its flags and each file's name and content
//! ([`cache_key`]); files are written whole or not at all (a temporary
//! file, renamed). Verifying the same files again takes the printed
//! program from the cache without starting z3.
//!
//! Dafny 2.3 prints nothing for a program given as several files (its
//! `NoGhost` mode prints only the declarations of "the file being
//! printed"), nor the declarations of `include`d files, so the files are
//! joined into one first, includes resolved and inlined (see the
//! `source` module); Dafny's messages are mapped back to the files and
//! lines they are about.
//!
//! In a build script, [`Dafny`] verifies, translates and writes the Rust
//! into `OUT_DIR`:
//!
//! ```no_run
//! // build.rs
//! dafny_build::Dafny::new()
//!     .file("src/sort.dfy")
//!     .root("crate::verified")
//!     .compile();
//! ```
//!
//! ```text
//! // src/main.rs (or lib.rs)
//! mod verified {
//!     include!(concat!(env!("OUT_DIR"), "/dafny.rs"));
//! }
//! ```
//!
//! The crate then depends on `dafny-support` (the generated code's runtime)
//! and build-depends on `dafny-build`.

#![warn(missing_docs)]

mod cache;
mod noise;
mod script;
mod source;

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

pub use cache::{cache_key, cache_root};
pub use dafny_backend;
pub use noise::filter_noise;
pub use script::Dafny;

/// The flags Dafny always gets (before [`Verifier::flag`]s, then
/// `/rprint:` and the program file): no banner, no compilation (only
/// verification), the printed program without ghost code.
pub const DAFNY_FLAGS: [&str; 3] = ["/nologo", "/compile:0", "/printMode:NoGhost"];

/// The name of the joined program in Dafny's working directory (its
/// messages are mapped back to the real files).
const JOINED: &str = "program.dfy";
/// Where Dafny prints the resolved program, in its working directory.
const PRINTED: &str = "program.r.dfy";

/// A program Dafny verified: what it printed after resolving it.
#[derive(Debug, Clone)]
pub struct Verified {
    /// The resolved program without ghost code (Dafny's `/rprint` output
    /// with `/printMode:NoGhost`): the input of [`dafny_backend::translate`].
    pub program: String,
    /// Whether [`Verified::program`] came from the cache (Dafny did not run).
    pub cached: bool,
    /// The cache file holding [`Verified::program`]; translation errors
    /// name it, with the line in it.
    pub path: PathBuf,
    /// Every source file the program was read from: the files given and
    /// the files they `include`.
    pub inputs: Vec<PathBuf>,
    /// Dafny's output (without z3's noise), positions naming the source
    /// files: the verifier's summary and any warnings. Empty when
    /// [`Verified::cached`].
    pub messages: String,
}

impl Verified {
    /// Translates the program to Rust items to be `include!`d in the module
    /// whose path is `root` (`"crate"`, `"crate::verified"`).
    pub fn translate(&self, root: &str) -> Result<String, Error> {
        let options = dafny_backend::Options {
            root: root.to_string(),
            source_name: self.path.display().to_string(),
        };
        dafny_backend::translate(&self.program, &options).map_err(Error::Translate)
    }

    /// The warnings in [`Verified::messages`] (lines with `Warning:`).
    pub fn warnings(&self) -> impl Iterator<Item = &str> {
        self.messages.lines().filter(|l| l.contains("Warning:"))
    }
}

/// Why a program could not be verified or translated.
#[derive(Debug)]
pub enum Error {
    /// No source file was given.
    NoFiles,
    /// A source file cannot be read.
    Missing {
        /// The file.
        path: PathBuf,
        /// The file whose `include` names it, if any.
        included_from: Option<String>,
        /// Why it cannot be read.
        reason: String,
    },
    /// Dafny cannot be started (not installed, or mono missing).
    NotInstalled {
        /// What happened when it was started.
        detail: String,
    },
    /// Dafny ran but did not behave as Dafny 2.3 does (no version banner,
    /// no printed program after a successful run).
    Unexpected {
        /// What was expected and what happened.
        detail: String,
    },
    /// Dafny rejected the program: a proof failed, or it does not parse or
    /// resolve. Nothing it printed is used.
    Rejected {
        /// The program's files.
        program: String,
        /// Dafny's exit status (`None`: killed by a signal).
        status: Option<i32>,
        /// Dafny's messages, without z3's noise, naming the source files.
        messages: String,
    },
    /// A file of the cache or a temporary file cannot be written or read.
    Io {
        /// What was being done, with the path (`cannot write /x/y`).
        action: String,
        /// The error.
        error: std::io::Error,
    },
    /// The backend cannot translate the verified program: `file:line:
    /// message`, the file being the cached printed program
    /// ([`Verified::path`]).
    Translate(dafny_backend::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NoFiles => write!(f, "no Dafny source files given"),
            Error::Missing {
                path,
                included_from,
                reason,
            } => {
                write!(f, "{}: {reason}", path.display())?;
                if let Some(from) = included_from {
                    write!(f, " (included from {from})")?;
                }
                Ok(())
            }
            Error::NotInstalled { detail } => write!(
                f,
                "Dafny is not installed ({detail}): run tools/deps.sh, or install \
                 Debian's package dafny (Dafny 2.3, with mono and z3), or set DAFNY \
                 to the dafny command"
            ),
            Error::Unexpected { detail } => write!(f, "dafny: {detail}"),
            Error::Rejected {
                program,
                status,
                messages,
            } => {
                let status = match status {
                    Some(code) => format!("exit status {code}"),
                    None => "killed by a signal".into(),
                };
                write!(
                    f,
                    "Dafny rejected {program} ({status}):\n{}",
                    messages.trim_end()
                )
            }
            Error::Io { action, error } => write!(f, "{action}: {error}"),
            Error::Translate(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { error, .. } => Some(error),
            Error::Translate(e) => Some(e),
            _ => None,
        }
    }
}

/// Verifies the program made of `files` with the default [`Verifier`]
/// (see the crate documentation): the printed program, from the cache if
/// these files were verified before.
pub fn verify(files: &[PathBuf]) -> Result<Verified, Error> {
    Verifier::new().verify(files)
}

/// How Dafny is run and where its results are cached; [`verify`] uses the
/// defaults. One verifier can verify several programs, from several
/// threads: it asks Dafny for its version once.
#[derive(Debug)]
pub struct Verifier {
    dafny: OsString,
    cache_dir: PathBuf,
    flags: Vec<String>,
    version: OnceLock<String>,
}

impl Default for Verifier {
    fn default() -> Self {
        Self::new()
    }
}

impl Verifier {
    /// The defaults: the command `$DAFNY`, else `dafny` (on `PATH`); the
    /// cache `<`[`cache_root`]`>/dafny/verified`; only [`DAFNY_FLAGS`].
    pub fn new() -> Self {
        Verifier {
            dafny: std::env::var_os("DAFNY")
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| "dafny".into()),
            cache_dir: cache_root().join("dafny").join("verified"),
            flags: Vec::new(),
            version: OnceLock::new(),
        }
    }

    /// Runs `program` as Dafny.
    pub fn dafny(mut self, program: impl Into<OsString>) -> Self {
        self.dafny = program.into();
        self.version = OnceLock::new();
        self
    }

    /// Keeps verified programs in `dir` instead.
    pub fn cache_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.cache_dir = dir.into();
        self
    }

    /// The directory verified programs are kept in.
    pub fn cache_dir_path(&self) -> &Path {
        &self.cache_dir
    }

    /// Passes `flag` to Dafny too (`/timeLimit:60`, `/arith:2`); it is part
    /// of the cache key.
    pub fn flag(mut self, flag: impl Into<String>) -> Self {
        self.flags.push(flag.into());
        self
    }

    /// Dafny's version string (`Dafny 2.3.0.10506`), the first line it
    /// prints for an empty program; asked once per verifier.
    pub fn version(&self) -> Result<&str, Error> {
        if let Some(v) = self.version.get() {
            return Ok(v);
        }
        let work = WorkDir::new()?;
        let empty = work.path.join("empty.dfy");
        std::fs::write(&empty, "").map_err(|error| Error::Io {
            action: format!("cannot write {}", empty.display()),
            error,
        })?;
        let out = self.run(&work.path, ["/compile:0", "/dafnyVerify:0", "empty.dfy"])?;
        let stdout = String::from_utf8_lossy(&out.stdout);
        let Some(line) = stdout.lines().find(|l| l.starts_with("Dafny ")) else {
            return Err(Error::Unexpected {
                detail: format!(
                    "`{} empty.dfy` printed no version line ({}):\n{}{}",
                    self.dafny.to_string_lossy(),
                    out.status,
                    filter_noise(&stdout),
                    String::from_utf8_lossy(&out.stderr)
                ),
            });
        };
        Ok(self.version.get_or_init(|| line.trim().to_string()))
    }

    /// The arguments Dafny is run with on the joined program.
    fn arguments(&self) -> Vec<String> {
        let mut args: Vec<String> = DAFNY_FLAGS.iter().map(|f| f.to_string()).collect();
        args.extend(self.flags.iter().cloned());
        args.push(format!("/rprint:{PRINTED}"));
        args.push(JOINED.into());
        args
    }

    /// Runs Dafny in `dir` with `args`, its output captured.
    fn run<I, S>(&self, dir: &Path, args: I) -> Result<std::process::Output, Error>
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let out = Command::new(&self.dafny)
            .args(args)
            .current_dir(dir)
            .stdin(std::process::Stdio::null())
            .output()
            .map_err(|e| {
                let name = self.dafny.to_string_lossy();
                if e.kind() == std::io::ErrorKind::NotFound {
                    Error::NotInstalled {
                        detail: format!("no command {name}"),
                    }
                } else {
                    Error::NotInstalled {
                        detail: format!("cannot run {name}: {e}"),
                    }
                }
            })?;
        // The Debian script execs mono's `cli`: without it, the shell's 127.
        if out.status.code() == Some(127) {
            let stderr = String::from_utf8_lossy(&out.stderr);
            return Err(Error::NotInstalled {
                detail: format!(
                    "{} cannot start: {}",
                    self.dafny.to_string_lossy(),
                    stderr.trim()
                ),
            });
        }
        Ok(out)
    }

    /// Verifies the program made of `files` (see the crate documentation).
    pub fn verify(&self, files: &[PathBuf]) -> Result<Verified, Error> {
        let program = source::collect(files)?;
        let version = self.version()?;
        let args = self.arguments();
        let arg_refs: Vec<&str> = args.iter().map(String::as_str).collect();
        let parts: Vec<(&str, &str)> = program
            .segments
            .iter()
            .map(|s| (s.name.as_str(), s.text.as_str()))
            .collect();
        let key = cache_key(version, &arg_refs, &parts);
        let path = self.cache_dir.join(format!("{key}.dfy"));
        let inputs: Vec<PathBuf> = program.segments.iter().map(|s| s.path.clone()).collect();
        if let Ok(text) = std::fs::read_to_string(&path) {
            return Ok(Verified {
                program: text,
                cached: true,
                path,
                inputs,
                messages: String::new(),
            });
        }

        let work = WorkDir::new()?;
        let joined = work.path.join(JOINED);
        std::fs::write(&joined, program.text()).map_err(|error| Error::Io {
            action: format!("cannot write {}", joined.display()),
            error,
        })?;
        let out = self.run(&work.path, &args)?;
        let mut messages = filter_noise(&String::from_utf8_lossy(&out.stdout));
        messages.push_str(&filter_noise(&String::from_utf8_lossy(&out.stderr)));
        let messages = program.rewrite_messages(&messages, JOINED);
        let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
        let rejected = |messages: String| Error::Rejected {
            program: names.join(" "),
            status: out.status.code(),
            messages,
        };
        if !out.status.success() || verifier_incomplete(&messages) {
            return Err(rejected(messages));
        }
        let printed = work.path.join(PRINTED);
        let text = std::fs::read_to_string(&printed).map_err(|e| Error::Unexpected {
            detail: format!("verified, but printed no program ({e}); its output:\n{messages}"),
        })?;
        cache::write_atomic(&path, text.as_bytes()).map_err(|error| Error::Io {
            action: format!("cannot write {}", path.display()),
            error,
        })?;
        Ok(Verified {
            program: text,
            cached: false,
            path,
            inputs,
            messages,
        })
    }
}

/// Whether Dafny's `messages` say that something was not verified although
/// it exited with success: a prover error (other than z3's noise, which is
/// gone), or a summary (`Dafny program verifier finished with 3 verified,
/// 0 errors, 1 time out`) counting errors, time-outs, inconclusive or
/// out-of-memory results.
fn verifier_incomplete(messages: &str) -> bool {
    messages.lines().any(|line| {
        if line.starts_with("Prover error") {
            return true;
        }
        let Some(counts) = line.strip_prefix("Dafny program verifier finished with ") else {
            return false;
        };
        counts.split(", ").any(|part| {
            let (n, what) = part.split_once(' ').unwrap_or((part, ""));
            what != "verified" && n.parse::<u64>().map_or(true, |n| n > 0)
        })
    })
}

/// A temporary directory, removed when dropped.
struct WorkDir {
    path: PathBuf,
}

impl WorkDir {
    fn new() -> Result<Self, Error> {
        let path = std::env::temp_dir().join(format!(
            "dafny-build-{}-{}",
            std::process::id(),
            cache::unique()
        ));
        std::fs::create_dir_all(&path).map_err(|error| Error::Io {
            action: format!("cannot create {}", path.display()),
            error,
        })?;
        Ok(WorkDir { path })
    }
}

impl Drop for WorkDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::verifier_incomplete;

    #[test]
    fn summaries() {
        let ok = "Dafny program verifier finished with 3 verified, 0 errors\n";
        assert!(!verifier_incomplete(ok));
        assert!(!verifier_incomplete(
            "Dafny program verifier finished with 0 verified, 0 errors"
        ));
        for bad in [
            "Dafny program verifier finished with 2 verified, 1 error",
            "Dafny program verifier finished with 2 verified, 0 errors, 1 time out",
            "Dafny program verifier finished with 2 verified, 0 errors, 1 inconclusive",
            "Dafny program verifier finished with 2 verified, 0 errors, 1 out of memory",
            "Prover error: something else",
        ] {
            assert!(verifier_incomplete(bad), "{bad}");
        }
    }
}
