//! sel4-dafny: Dafny programs as seL4 images.
//!
//! ```text
//! sel4-dafny translate main.dfy [more.dfy ...] [-o out.rs] [--root crate]
//! sel4-dafny build main.dfy [more.dfy ...] [-o main.elf] [--extern-rs FILE.rs ...]
//! sel4-dafny build --component main.dfy [...] -o comp.elf   # a system's component
//! sel4-dafny batch a.dfy b.dfy ... -o tests.elf [--keep-going] [--extern-rs [STEM=]FILE.rs ...]
//! tools/runner/sel4-run --quiet main.elf
//! ```
//!
//! Every program is verified by the installed Dafny 2.3 (cached:
//! `dafny-build`), translated to Rust by `dafny-backend`, and built as a
//! std program (`substrate_build::std_program`) in a Cargo package that
//! this tool writes and builds (see [`package`]). `dafny-backend/sel4-dafny`
//! builds this tool and runs it. The usage text ([`USAGE`]) is the
//! reference for options.

mod package;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use dafny_build::{Verified, Verifier};

use package::{Module, Package, Source};

/// The command-line help.
const USAGE: &str = "\
usage: sel4-dafny translate FILE.dfy... [-o OUT.rs] [--root PATH]
       sel4-dafny build FILE.dfy... [-o IMAGE] [--extern-rs FILE.rs]... [--component]
       sel4-dafny batch FILE.dfy... -o IMAGE [--keep-going] [--extern-rs [STEM=]FILE.rs]...

translate  verify the program (its files are one program) with Dafny and
           write its Rust (stdout without -o); --root is the Rust path of
           the module that will include! it (default: crate).
build      verify and translate the program and build it as a bootable seL4
           image (a std program; default IMAGE: STEM.elf of the first file).
           --extern-rs FILE.rs is Rust for {:extern} members, included in
           the same module as the translation (`mod dafny`, root crate::dafny).
           --component builds a component of a system (tools/sel4-system;
           a description's `dafny = { sources = [...] }`) instead of a
           bootable image: the program gets module Channels
           (system/dafny-component/channels.dfy: Wait, Reply, Notify and
           Call, {:extern} methods with specifications, written in Rust
           beside it) and Main runs as the component's init and loop.
batch      each FILE.dfy is a program of its own (verified separately),
           translated into `mod p_STEM` (root crate::p_STEM); the image runs
           them in order, printing the line `==> STEM` before each. A
           program that panics is reported by the panic message and makes
           the image end with failure once the others have run.
           --extern-rs STEM=FILE.rs gives program STEM extern Rust
           (without STEM=, the program with FILE's stem).
           --keep-going leaves out programs that fail to verify, translate
           or compile (reported here and, after their `==> STEM` line, in
           the image's output) and builds the others (status 0 once the
           image is written).

Options of build and batch:
  --debug            cargo's dev profile instead of release (release images are
                     ~12x smaller and run ~6x faster: dafny-backend/driver/src/package.rs)
  --stack-size BYTES main thread's stack (default 8 MiB)
Options of all commands:
  --dafny-flag FLAG  pass FLAG to Dafny as well (e.g. /timeLimit:60)
  -j, --jobs N       programs verified at once (batch; default: the cores)
  -v, --verbose      say what is done (cached verifications, the package, cargo's
                     warnings)

A FILE.rs in place of FILE.dfy is taken as that program's translation
(Dafny and the translator are skipped): for debugging the backend.

The Cargo packages are written to <target>/dafny/pkg/ and built in
<target>/dafny/target (<target>: $CARGO_TARGET_DIR, else this repository's
target/); verified programs are cached in $SUBSTRATE_CACHE/dafny/verified
(default ~/.cache/sel4-substrate). DAFNY names the dafny command.
SEL4_PREFIX chooses the kernel (unset: the embedded one, provisioned by
tools/kernel/provision.py). Boot an image with tools/runner/sel4-run.
Exit status: 0, 1 on an error (a failed proof, a translation or cargo
error), 2 on a usage error.";

/// A failure: its message (printed as `sel4-dafny: MESSAGE`) and the exit
/// status.
#[derive(Debug)]
pub(crate) struct Failure {
    message: String,
    status: u8,
}

impl Failure {
    pub(crate) fn new(message: impl Into<String>) -> Self {
        Failure {
            message: message.into(),
            status: 1,
        }
    }

    fn usage(message: impl Into<String>) -> Self {
        Failure {
            message: format!(
                "{}\n{}",
                message.into(),
                "run `sel4-dafny --help` for the usage"
            ),
            status: 2,
        }
    }
}

impl From<dafny_build::Error> for Failure {
    fn from(e: dafny_build::Error) -> Self {
        Failure::new(e.to_string())
    }
}

/// Which command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Command {
    Translate,
    Build,
    Batch,
}

/// The parsed command line.
#[derive(Debug)]
struct Args {
    command: Command,
    files: Vec<PathBuf>,
    output: Option<PathBuf>,
    root: Option<String>,
    externs: Vec<(Option<String>, PathBuf)>,
    debug: bool,
    keep_going: bool,
    stack_size: Option<usize>,
    dafny_flags: Vec<String>,
    jobs: Option<usize>,
    verbose: bool,
    component: bool,
}

fn parse_args(argv: Vec<String>) -> Result<Option<Args>, Failure> {
    let mut it = argv.into_iter();
    let command = match it.next().as_deref() {
        None => return Err(Failure::usage("no command (translate, build or batch)")),
        Some("-h" | "--help" | "help") => return Ok(None),
        Some("translate") => Command::Translate,
        Some("build") => Command::Build,
        Some("batch") => Command::Batch,
        Some(other) => {
            return Err(Failure::usage(format!(
                "unknown command {other:?} (translate, build or batch)"
            )))
        }
    };
    let mut args = Args {
        command,
        files: Vec::new(),
        output: None,
        root: None,
        externs: Vec::new(),
        debug: false,
        keep_going: false,
        stack_size: None,
        dafny_flags: Vec::new(),
        jobs: None,
        verbose: false,
        component: false,
    };
    let mut only_files = false;
    while let Some(arg) = it.next() {
        if only_files || !arg.starts_with('-') || arg == "-" {
            args.files.push(PathBuf::from(arg));
            continue;
        }
        let (name, inline) = match arg.split_once('=') {
            Some((n, v)) if n.starts_with("--") => (n.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |what: &str| -> Result<String, Failure> {
            match inline.clone().or_else(|| it.next()) {
                Some(v) => Ok(v),
                None => Err(Failure::usage(format!("{name} needs {what}"))),
            }
        };
        let build_only = |args: &Args| -> Result<(), Failure> {
            if args.command == Command::Translate {
                Err(Failure::usage(format!(
                    "{name} is an option of build and batch"
                )))
            } else {
                Ok(())
            }
        };
        match name.as_str() {
            "--" => only_files = true,
            "-h" | "--help" => return Ok(None),
            "-o" | "--output" => args.output = Some(PathBuf::from(value("a file")?)),
            "--root" => {
                if command != Command::Translate {
                    return Err(Failure::usage(
                        "--root is an option of translate (images use crate::dafny, crate::p_STEM)",
                    ));
                }
                args.root = Some(value("a Rust path")?)
            }
            "--extern-rs" => {
                build_only(&args)?;
                let v = value("a Rust file")?;
                match v.split_once('=') {
                    Some((stem, file)) if command == Command::Batch => args
                        .externs
                        .push((Some(stem.to_string()), PathBuf::from(file))),
                    _ => args.externs.push((None, PathBuf::from(v))),
                }
            }
            "--debug" => {
                build_only(&args)?;
                args.debug = true
            }
            "--keep-going" => {
                if command != Command::Batch {
                    return Err(Failure::usage("--keep-going is an option of batch"));
                }
                args.keep_going = true
            }
            "--stack-size" => {
                build_only(&args)?;
                let v = value("a number of bytes")?;
                args.stack_size = Some(parse_size(&v).ok_or_else(|| {
                    Failure::usage(format!(
                        "--stack-size {v:?}: not a size (e.g. 16777216, 16M)"
                    ))
                })?);
            }
            "--dafny-flag" => args.dafny_flags.push(value("a Dafny flag")?),
            "-j" | "--jobs" => {
                let v = value("a number")?;
                args.jobs = Some(
                    v.parse()
                        .ok()
                        .filter(|&n| n > 0)
                        .ok_or_else(|| Failure::usage(format!("--jobs {v:?}: not a number")))?,
                );
            }
            "-v" | "--verbose" => args.verbose = true,
            "--component" => {
                if command != Command::Build {
                    return Err(Failure::usage("--component is an option of build"));
                }
                args.component = true
            }
            _ => return Err(Failure::usage(format!("unknown option {arg}"))),
        }
    }
    if args.files.is_empty() {
        return Err(Failure::usage("no .dfy files given"));
    }
    if command == Command::Batch && args.output.is_none() {
        return Err(Failure::usage("batch needs -o IMAGE"));
    }
    Ok(Some(args))
}

/// `16777216`, `16M`, `64K`, `1G`.
fn parse_size(text: &str) -> Option<usize> {
    let (digits, shift) = match text.as_bytes().last()? {
        b'k' | b'K' => (&text[..text.len() - 1], 10),
        b'm' | b'M' => (&text[..text.len() - 1], 20),
        b'g' | b'G' => (&text[..text.len() - 1], 30),
        _ => (text, 0),
    };
    digits.parse::<usize>().ok()?.checked_mul(1 << shift)
}

/// Says `message` as this tool.
pub(crate) fn say(message: &str) {
    eprintln!("sel4-dafny: {message}");
}

/// A file's stem, for names.
fn stem(path: &Path) -> String {
    path.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "program".into())
}

/// Whether `path` is a Rust file given in place of a program.
fn is_rust(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "rs")
}

/// Reads a Rust file given in place of a translation, or as extern code.
fn read_rust(path: &Path) -> Result<String, Failure> {
    std::fs::read_to_string(path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Failure::new(format!("{}: no such file", path.display()))
        } else {
            Failure::new(format!("cannot read {}: {e}", path.display()))
        }
    })
}

/// The verifier of this run: Dafny flags from the command line.
fn verifier(args: &Args) -> Verifier {
    let mut v = Verifier::new();
    for flag in &args.dafny_flags {
        v = v.flag(flag.clone());
    }
    v
}

/// Verifies `files` as one program and says so when verbose.
fn verify(verifier: &Verifier, files: &[PathBuf], verbose: bool) -> Result<Verified, Failure> {
    let start = Instant::now();
    let verified = verifier.verify(files)?;
    let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    if verbose {
        let how = if verified.cached {
            "cached".to_string()
        } else {
            format!("{:.1} s", start.elapsed().as_secs_f64())
        };
        say(&format!(
            "verified {} ({how}): {}",
            names.join(" "),
            verified.path.display()
        ));
    }
    for warning in verified.warnings() {
        say(&format!("Dafny: {warning}"));
    }
    Ok(verified)
}

/// Translates a verified program for `root`; a program for an image must
/// have `Main`. The error is the backend's `file:line: message` (the file
/// being what Dafny printed), followed by the sources it was printed from.
fn translate(
    verified: &Verified,
    files: &[PathBuf],
    root: &str,
    needs_main: bool,
) -> Result<String, Failure> {
    let sources = || {
        let names: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
        names.join(" ")
    };
    let rust = verified.translate(root).map_err(|e| {
        Failure::new(format!(
            "{e} (in the program Dafny printed for {})",
            sources()
        ))
    })?;
    if needs_main && !rust.contains("fn dafny_main()") {
        return Err(Failure::new(format!(
            "{}: the program has no Main method (its translation has no dafny_main)",
            sources()
        )));
    }
    Ok(rust)
}

/// The Rust of the program made of `files`: verified and translated for
/// `root`, or, for a single `.rs` file, that file.
fn program_rust(
    args: &Args,
    verifier: &Verifier,
    files: &[PathBuf],
    root: &str,
    needs_main: bool,
) -> Result<String, Failure> {
    if let [one] = files {
        if is_rust(one) {
            return read_rust(one);
        }
    }
    if let Some(rs) = files.iter().find(|f| is_rust(f)) {
        return Err(Failure::usage(format!(
            "{}: a translation given in place of the program must be the only file",
            rs.display()
        )));
    }
    let verified = verify(verifier, files, args.verbose)?;
    translate(&verified, files, root, needs_main)
}

/// Writes `text` to `path` (whole: a temporary file renamed), or to stdout
/// for no path.
fn write_output(path: Option<&Path>, text: &str) -> Result<(), Failure> {
    use std::io::Write;
    let Some(path) = path else {
        return std::io::stdout()
            .write_all(text.as_bytes())
            .map_err(|e| Failure::new(format!("cannot write to stdout: {e}")));
    };
    package::write_atomic(path, text.as_bytes())
}

fn run(args: Args) -> Result<(), Failure> {
    match args.command {
        Command::Translate => {
            let root = args.root.as_deref().unwrap_or("crate");
            let rust = program_rust(&args, &verifier(&args), &args.files, root, false)?;
            write_output(args.output.as_deref(), &rust)
        }
        Command::Build => build(&args),
        Command::Batch => batch(&args),
    }
}

/// `sel4-dafny build`.
fn build(args: &Args) -> Result<(), Failure> {
    let first = &args.files[0];
    let output = args
        .output
        .clone()
        .unwrap_or_else(|| PathBuf::from(format!("{}.elf", stem(first))));
    let mut externs = Vec::new();
    for (stem, file) in &args.externs {
        if stem.is_some() {
            return Err(Failure::usage("--extern-rs STEM=FILE is for batch"));
        }
        externs.push(Source::new(file, read_rust(file)?));
    }
    let mut files = args.files.clone();
    if args.component {
        if files.iter().any(|f| is_rust(f)) {
            return Err(Failure::usage(
                "--component builds Dafny programs (a translation cannot be given)",
            ));
        }
        let (dfy, rs) = channels_files();
        files.push(dfy);
        externs.push(Source::new(&rs, read_rust(&rs)?));
    }
    let rust = program_rust(args, &verifier(args), &files, "crate::dafny", true)?;
    let module = Module {
        name: "dafny".into(),
        stem: stem(first),
        rust: Ok(rust),
        externs,
    };
    let package = Package::new(&output, vec![module], false);
    package.build_image(&output, args).map(drop)
}

/// The module `Channels` of a component (its Dafny and the Rust of its
/// extern methods), in this repository's `system/dafny-component`.
fn channels_files() -> (PathBuf, PathBuf) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../system/dafny-component");
    let dir = dir.canonicalize().unwrap_or(dir);
    (dir.join("channels.dfy"), dir.join("channels.rs"))
}

/// `sel4-dafny batch`.
fn batch(args: &Args) -> Result<(), Failure> {
    let output = args.output.clone().expect("checked by parse_args");
    // Names first: every problem with the command line before any work.
    let mut programs: Vec<(String, String, PathBuf)> = Vec::new(); // stem, module, file
    for file in &args.files {
        let stem = stem(file);
        let module = format!("p_{}", package::identifier(&stem));
        if let Some((other, _, f)) = programs.iter().find(|(_, m, _)| *m == module) {
            return Err(Failure::usage(format!(
                "{} and {} are both program {module} (stems {other:?} and {stem:?}): \
                 rename one",
                f.display(),
                file.display()
            )));
        }
        programs.push((stem, module, file.clone()));
    }
    let mut externs: Vec<Vec<Source>> = programs.iter().map(|_| Vec::new()).collect();
    for (stem_given, file) in &args.externs {
        let wanted = stem_given.clone().unwrap_or_else(|| stem(file));
        let Some(i) = programs.iter().position(|(s, _, _)| *s == wanted) else {
            return Err(Failure::usage(format!(
                "--extern-rs {}: no program {wanted:?} (name it: --extern-rs STEM=FILE.rs)",
                file.display()
            )));
        };
        externs[i].push(Source::new(file, read_rust(file)?));
    }

    // Verify and translate, `jobs` programs at a time.
    let verifier = verifier(args);
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .min(programs.len());
    let results = parallel_map(&programs, jobs, |(_, module, file)| {
        let root = format!("crate::{module}");
        program_rust(args, &verifier, std::slice::from_ref(file), &root, true)
            .map_err(|f| f.message)
    });
    let mut modules = Vec::new();
    let mut failed = Vec::new();
    for (((stem, module, file), result), externs) in programs.iter().zip(results).zip(externs) {
        if let Err(message) = &result {
            say(&format!("{}: {message}", file.display()));
            failed.push(stem.clone());
        }
        modules.push(Module {
            name: module.clone(),
            stem: stem.clone(),
            rust: result,
            externs,
        });
    }
    if !failed.is_empty() && !args.keep_going {
        return Err(Failure::new(format!(
            "{} of {} programs failed ({}); no image written (--keep-going builds the others)",
            failed.len(),
            programs.len(),
            failed.join(" ")
        )));
    }
    let total = modules.len();
    let package = Package::new(&output, modules, true);
    let left_out = package.build_image(&output, args)?;
    if !left_out.is_empty() {
        say(&format!(
            "wrote {} with {} of {total} programs; left out: {}",
            output.display(),
            total - left_out.len(),
            left_out.join(" ")
        ));
    }
    Ok(())
}

/// `f` over `items` on `jobs` threads, the results in the order of `items`.
fn parallel_map<T: Sync, R: Send>(items: &[T], jobs: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new(items.iter().map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..jobs.max(1) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { break };
                let r = f(item);
                results.lock().unwrap()[i] = Some(r);
            });
        }
    });
    results
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|r| r.expect("every item was mapped"))
        .collect()
}

fn main() -> ExitCode {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let result = parse_args(argv).and_then(|args| match args {
        None => {
            use std::io::Write;
            // A closed pipe (`| head`) is not an error of ours.
            let _ = writeln!(std::io::stdout(), "{USAGE}");
            Ok(())
        }
        Some(args) => run(args),
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            say(&f.message);
            ExitCode::from(f.status)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Result<Option<Args>, Failure> {
        parse_args(line.split_whitespace().map(String::from).collect())
    }

    #[test]
    fn command_lines() {
        let a = args("build a.dfy b.dfy -o x.elf --extern-rs e.rs --debug")
            .unwrap()
            .unwrap();
        assert_eq!(a.command, Command::Build);
        assert_eq!(a.files, [PathBuf::from("a.dfy"), PathBuf::from("b.dfy")]);
        assert_eq!(a.output, Some(PathBuf::from("x.elf")));
        assert_eq!(a.externs, [(None, PathBuf::from("e.rs"))]);
        assert!(a.debug);
        assert!(!a.component);
        let a = args("build a.dfy --component -o c.elf").unwrap().unwrap();
        assert!(a.component);
        let a = args("batch a.dfy -o t.elf --extern-rs=a=x.rs --keep-going -j 3")
            .unwrap()
            .unwrap();
        assert_eq!(a.externs, [(Some("a".into()), PathBuf::from("x.rs"))]);
        assert!(a.keep_going);
        assert_eq!(a.jobs, Some(3));
        let a = args("translate a.dfy --root crate::v --dafny-flag /timeLimit:9")
            .unwrap()
            .unwrap();
        assert_eq!(a.root.as_deref(), Some("crate::v"));
        assert_eq!(a.dafny_flags, ["/timeLimit:9"]);
        assert!(args("--help").unwrap().is_none());
        for bad in [
            "",
            "frobnicate a.dfy",
            "build",
            "batch a.dfy",
            "build a.dfy --root crate",
            "translate a.dfy --debug",
            "build a.dfy --keep-going",
            "build a.dfy -o",
            "build a.dfy --bogus",
            "build a.dfy --stack-size lots",
            "batch a.dfy -o t.elf --component",
            "translate a.dfy --component",
        ] {
            let e = args(bad)
                .err()
                .unwrap_or_else(|| panic!("{bad:?} accepted"));
            assert_eq!(e.status, 2, "{bad:?}");
        }
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("4096"), Some(4096));
        assert_eq!(parse_size("16M"), Some(16 << 20));
        assert_eq!(parse_size("64k"), Some(64 << 10));
        assert_eq!(parse_size("M"), None);
        assert_eq!(parse_size("x"), None);
    }

    #[test]
    fn parallel_map_keeps_the_order() {
        let items: Vec<u32> = (0..50).collect();
        assert_eq!(
            parallel_map(&items, 4, |x| x * 2),
            (0..50).map(|x| x * 2).collect::<Vec<_>>()
        );
    }
}
