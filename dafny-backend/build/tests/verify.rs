//! Verification with the installed Dafny: caching, failed proofs, several
//! files and includes. Skipped (with a note) where `dafny` is not installed.

use std::path::{Path, PathBuf};

use dafny_build::{Error, Verifier};

/// A fresh directory for sources and one for the cache.
struct Scratch {
    dir: PathBuf,
}

impl Scratch {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "dafny-build-it-{name}-{}-{:?}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_nanos()
        ));
        std::fs::create_dir_all(dir.join("src")).unwrap();
        Scratch { dir }
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let path = self.dir.join("src").join(name);
        std::fs::write(&path, text).unwrap();
        path
    }

    fn verifier(&self) -> Verifier {
        Verifier::new().cache_dir(self.dir.join("cache"))
    }

    fn cached_files(&self) -> usize {
        std::fs::read_dir(self.dir.join("cache"))
            .map(|d| d.count())
            .unwrap_or(0)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn have_dafny() -> bool {
    let ok = std::process::Command::new(std::env::var_os("DAFNY").unwrap_or("dafny".into()))
        .arg("/help")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok();
    // Not a skip: these tests are what shows that a failed proof stops a
    // build, and tools/deps.sh installs Dafny.
    assert!(ok, "dafny is not installed (tools/deps.sh installs it)");
    ok
}

const GOOD: &str =
    "method Main() {\n  var x := 3;\n  assert x + 1 == 4;\n  print \"x = \", x, \"\\n\";\n}\n";
const BAD: &str =
    "method Main() {\n  var x := 3;\n  assert x + 1 == 5;\n  print \"x = \", x, \"\\n\";\n}\n";

#[test]
fn second_run_hits_the_cache_and_a_change_misses() {
    if !have_dafny() {
        return;
    }
    let s = Scratch::new("cache");
    let file = s.write("main.dfy", GOOD);
    let verifier = s.verifier();
    let first = verifier.verify(std::slice::from_ref(&file)).unwrap();
    assert!(!first.cached);
    assert!(first.program.contains("method Main()"), "{}", first.program);
    assert!(first.program.contains("print \"x = \", x, \"\\n\";"));
    assert!(
        !first.program.contains("assert"),
        "ghost code is not printed"
    );
    assert!(
        first.messages.contains("1 verified, 0 errors"),
        "{}",
        first.messages
    );
    assert!(
        !first.messages.contains("model_compress"),
        "{}",
        first.messages
    );
    assert!(first.path.starts_with(s.dir.join("cache")));
    assert_eq!(first.inputs, std::slice::from_ref(&file));

    let second = verifier.verify(std::slice::from_ref(&file)).unwrap();
    assert!(second.cached);
    assert_eq!(second.program, first.program);
    assert_eq!(second.path, first.path);

    // Another verifier (another process, as it were) finds it too.
    assert!(
        s.verifier()
            .verify(std::slice::from_ref(&file))
            .unwrap()
            .cached
    );

    s.write("main.dfy", &GOOD.replace("x = ", "x is "));
    let third = verifier.verify(std::slice::from_ref(&file)).unwrap();
    assert!(!third.cached);
    assert_ne!(third.path, first.path);
    assert!(third.program.contains("x is "));
    assert_eq!(s.cached_files(), 2);
}

#[test]
fn a_failed_proof_is_an_error_with_dafnys_message() {
    if !have_dafny() {
        return;
    }
    let s = Scratch::new("bad");
    let file = s.write("bad.dfy", BAD);
    match s.verifier().verify(std::slice::from_ref(&file)) {
        Err(Error::Rejected {
            program,
            status,
            messages,
        }) => {
            let name = file.display().to_string();
            assert_eq!(program, name);
            assert_eq!(status, Some(4));
            assert!(
                messages.contains(&format!("{name}(3,15): Error: assertion violation")),
                "{messages}"
            );
            assert!(messages.contains("0 verified, 1 error"), "{messages}");
            assert!(!messages.contains("model_compress"), "{messages}");
            assert!(!messages.contains("Legal parameters"), "{messages}");
            assert!(!messages.contains("program.dfy"), "{messages}");
        }
        other => panic!("expected a rejection, got {other:?}"),
    }
    assert_eq!(s.cached_files(), 0, "nothing is cached for a failed proof");
}

#[test]
fn resolution_errors_name_the_file() {
    if !have_dafny() {
        return;
    }
    let s = Scratch::new("resolve");
    let file = s.write("r.dfy", "method Main() {\n  var x: int := true;\n}\n");
    let err = s
        .verifier()
        .verify(std::slice::from_ref(&file))
        .unwrap_err();
    let text = err.to_string();
    let name = file.display().to_string();
    assert!(
        text.contains(&format!("{name}(2,13): Error: RHS")),
        "{text}"
    );
    assert!(
        text.contains(&format!("errors detected in {name}")),
        "{text}"
    );
}

#[test]
fn several_files_and_includes_are_one_program() {
    if !have_dafny() {
        return;
    }
    let s = Scratch::new("multi");
    std::fs::create_dir_all(s.dir.join("src/lib")).unwrap();
    s.write(
        "lib/util.dfy",
        "// the library\nfunction method Double(x: int): int { 2 * x }\n",
    );
    let main = s.write(
        "main.dfy",
        "include \"lib/util.dfy\"\n\nmethod Main() {\n  print Double(Two()), \"\\n\";\n  Greet();\n}\n",
    );
    let other = s.write(
        "other.dfy",
        "include \"lib/util.dfy\"\nfunction method Two(): int { 2 }\nmethod Greet() {\n  assert Double(2) == 4;\n  print \"hello\\n\";\n}\n",
    );
    let v = s.verifier().verify(&[main.clone(), other.clone()]).unwrap();
    for decl in [
        "function method Double",
        "function method Two",
        "method Greet",
        "method Main",
    ] {
        assert!(v.program.contains(decl), "{decl} missing in\n{}", v.program);
    }
    assert_eq!(v.inputs.len(), 3, "{:?}", v.inputs);

    // A failed proof in the second file names it and its own line.
    s.write(
        "other.dfy",
        &std::fs::read_to_string(&other)
            .unwrap()
            .replace("== 4", "== 5"),
    );
    let err = s.verifier().verify(&[main, other.clone()]).unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains(&format!(
            "{}(4,19): Error: assertion violation",
            other.display()
        )),
        "{text}"
    );
}

#[test]
fn missing_files_and_no_dafny() {
    let s = Scratch::new("missing");
    let err = s
        .verifier()
        .verify(&[s.dir.join("src/nope.dfy")])
        .unwrap_err();
    assert!(matches!(err, Error::Missing { .. }), "{err:?}");
    assert!(err.to_string().ends_with("nope.dfy: no such file"), "{err}");

    let inc = s.write("inc.dfy", "include \"gone.dfy\"\nmethod Main() {}\n");
    let err = s.verifier().verify(&[inc]).unwrap_err();
    assert!(
        err.to_string()
            .contains("gone.dfy: no such file (included from"),
        "{err}"
    );

    let file = s.write("main.dfy", GOOD);
    let err = s
        .verifier()
        .dafny(Path::new("/nonexistent/dafny"))
        .verify(&[file])
        .unwrap_err();
    assert!(matches!(err, Error::NotInstalled { .. }), "{err:?}");
    assert!(err.to_string().contains("tools/deps.sh"), "{err}");

    assert!(matches!(s.verifier().verify(&[]), Err(Error::NoFiles)));
}
