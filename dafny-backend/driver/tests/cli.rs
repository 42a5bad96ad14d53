//! The `sel4-dafny` command: usage errors, missing files, failed proofs
//! (no image), and, with `--ignored`, images built and booted in QEMU
//! (minutes on a cold target directory; `SEL4_PREFIX` as for every boot).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_sel4-dafny");

/// A scratch directory with its own verification cache.
struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "sel4-dafny-test-{name}-{}-{}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        Scratch { dir }
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn run(&self, args: &[&str]) -> Output {
        Command::new(BIN)
            .args(args)
            .current_dir(&self.dir)
            .env("SUBSTRATE_CACHE", self.dir.join("cache"))
            .output()
            .unwrap()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn have_dafny() -> bool {
    let ok = Command::new("dafny")
        .arg("/help")
        .stdout(std::process::Stdio::null())
        .status()
        .is_ok();
    // Not a skip: these tests are what shows that a failed proof stops a
    // build, and tools/deps.sh installs Dafny.
    assert!(ok, "dafny is not installed (tools/deps.sh installs it)");
    ok
}

const BAD: &str = "method Main() {\n  var x := 3;\n  assert x + 1 == 5;\n  print x, \"\\n\";\n}\n";

#[test]
fn usage_errors_exit_2() {
    let s = Scratch::new("usage");
    for args in [
        &[][..],
        &["frobnicate"],
        &["build"],
        &["batch", "a.dfy"],
        &["build", "a.dfy", "--bogus"],
    ] {
        let out = s.run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).starts_with("sel4-dafny: "), "{args:?}");
    }
    let help = s.run(&["--help"]);
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("sel4-dafny batch"));
}

#[test]
fn missing_file_and_no_dafny() {
    let s = Scratch::new("missing");
    let out = s.run(&["build", "nope.dfy", "-o", "x.elf"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stderr(&out), "sel4-dafny: nope.dfy: no such file\n");

    s.write("a.dfy", "method Main() {}\n");
    let out = Command::new(BIN)
        .args(["translate", "a.dfy"])
        .current_dir(&s.dir)
        .env("DAFNY", "/nonexistent/dafny")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("run tools/deps.sh"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_failed_proof_makes_no_image() {
    if !have_dafny() {
        return;
    }
    let s = Scratch::new("bad");
    s.write("bad.dfy", BAD);
    let out = s.run(&["build", "bad.dfy", "-o", "bad.elf"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("bad.dfy(3,15): Error: assertion violation"),
        "{err}"
    );
    assert!(
        !err.contains("model_compress") && !err.contains("Legal parameters"),
        "{err}"
    );
    assert!(!s.dir.join("bad.elf").exists());

    s.write("good.dfy", "method Main() { print \"good\\n\"; }\n");
    let out = s.run(&["batch", "good.dfy", "bad.dfy", "-o", "t.elf"]);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("1 of 2 programs failed (bad)"), "{err}");
    assert!(!s.dir.join("t.elf").exists());
}

/// Where the booting tests put an image: always the same path, so that
/// its package (named after the path) is reused from run to run.
fn image(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/dafny/tests");
    std::fs::create_dir_all(&dir).unwrap();
    dir.canonicalize().unwrap().join(name)
}

/// Boots `image` with `tools/runner/sel4-run --quiet`: status and output.
fn boot(image: &Path) -> (Option<i32>, String) {
    let runner = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tools/runner/sel4-run");
    let out = Command::new(runner)
        .args(["--quiet", "--timeout", "120"])
        .arg(image)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

const HAND: &str = "use dafny_support::rt::DafnyInt;\n\
    pub fn dafny_main() {\n    \
        let mut f = DafnyInt::from(1i64);\n    \
        for i in 1..=25i64 { f = f * DafnyInt::from(i); }\n    \
        println!(\"25! = {:?}\", f);\n\
    }\n";

#[test]
#[ignore = "builds images and boots them in QEMU"]
fn handwritten_translations_boot() {
    let s = Scratch::new("boot");
    s.write("fact.rs", HAND);
    let fact = image("fact.elf");
    let out = s.run(&["build", "fact.rs", "-o", fact.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        boot(&fact),
        (Some(0), "25! = 15511210043330985984000000\n".into())
    );

    s.write(
        "second.rs",
        "pub fn dafny_main() { print!(\"second\\n\"); }\n",
    );
    s.write(
        "third.rs",
        "pub fn dafny_main() { panic!(\"third panics\"); }\n",
    );
    let batch = image("batch.elf");
    let out = s.run(&[
        "batch",
        "fact.rs",
        "third.rs",
        "second.rs",
        "-o",
        batch.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let (status, output) = boot(&batch);
    // The panic is reported, the next program runs, the image fails.
    assert_eq!(status, Some(1), "{output}");
    assert!(
        output.starts_with("==> fact\n25! = 15511210043330985984000000\n==> third\n"),
        "{output}"
    );
    assert!(output.contains("third panics"), "{output}");
    assert!(output.ends_with("==> second\nsecond\n"), "{output}");
}

#[test]
#[ignore = "builds an image and boots it in QEMU"]
fn a_dafny_program_boots() {
    if !have_dafny() {
        return;
    }
    let s = Scratch::new("dafny");
    s.write(
        "hello.dfy",
        "method Main() {\n  var x := 6 * 7;\n  assert x == 42;\n  print \"x = \", x, \"\\n\";\n}\n",
    );
    let hello = image("hello.elf");
    let out = s.run(&["build", "hello.dfy", "-o", hello.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(boot(&hello), (Some(0), "x = 42\n".into()));
}
