//! The build-script helper, run as a build script would be (`OUT_DIR`
//! set). One test in this file: it sets the process's `OUT_DIR` and
//! `SUBSTRATE_CACHE`. Skipped (with a note) where `dafny` is not installed.

use dafny_build::{Dafny, Error};

#[test]
fn compile_writes_the_rust_or_fails_with_dafnys_messages() {
    assert!(
        std::process::Command::new("dafny")
            .arg("/help")
            .stdout(std::process::Stdio::null())
            .status()
            .is_ok(),
        "dafny is not installed (tools/deps.sh installs it)"
    );
    let dir = std::env::temp_dir().join(format!("dafny-build-script-{}", std::process::id()));
    let out = dir.join("out");
    std::fs::create_dir_all(&out).unwrap();
    std::env::set_var("OUT_DIR", &out);
    std::env::set_var("SUBSTRATE_CACHE", dir.join("cache"));

    let good = dir.join("good.dfy");
    std::fs::write(
        &good,
        "method Main() {\n  var x := 20 + 22;\n  assert x == 42;\n  print x, \"\\n\";\n}\n",
    )
    .unwrap();
    match Dafny::new()
        .file(&good)
        .root("crate::verified")
        .try_compile()
    {
        Ok(path) => {
            assert_eq!(path, out.join("dafny.rs"));
            let rust = std::fs::read_to_string(&path).unwrap();
            assert!(rust.contains("fn dafny_main()"), "{rust}");
        }
        // The translator is another crate's work in progress: what
        // matters here is that its error is passed on as it is.
        Err(Error::Translate(e)) => eprintln!("translation failed (not tested here): {e}"),
        Err(e) => panic!("{e}"),
    }

    let bad = dir.join("bad.dfy");
    std::fs::write(&bad, "method Main() {\n  assert 1 == 2;\n}\n").unwrap();
    let err = Dafny::new()
        .file(&bad)
        .output("bad.rs")
        .try_compile()
        .unwrap_err();
    let text = err.to_string();
    assert!(matches!(err, Error::Rejected { .. }), "{text}");
    assert!(
        text.contains(&format!(
            "{}(2,11): Error: assertion violation",
            bad.display()
        )),
        "{text}"
    );
    assert!(!out.join("bad.rs").exists());
    // compile() reports it to cargo instead of returning it.
    assert!(Dafny::new().file(&bad).output("bad.rs").compile().is_none());

    std::fs::remove_dir_all(&dir).unwrap();
}
