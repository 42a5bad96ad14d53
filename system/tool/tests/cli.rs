//! `sel4-system check` as a user runs it.

use std::process::Command;

fn check(text: &str) -> (i32, String, String) {
    let dir = std::env::temp_dir().join(format!("sel4-system-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!(
        "{:x}.toml",
        text.len() * 31 + text.bytes().map(usize::from).sum::<usize>()
    ));
    std::fs::write(&path, text).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_sel4-system"))
        .arg("check")
        .arg(&path)
        .output()
        .unwrap();
    let name = path.display().to_string();
    let strip = |b: &[u8]| String::from_utf8_lossy(b).replace(&name, "FILE");
    (
        out.status.code().unwrap(),
        strip(&out.stdout),
        strip(&out.stderr),
    )
}

const GOOD: &str = "[[component]]\nname = \"a\"\npackage = \"pa\"\n\n[[component]]\nname = \"b\"\nelf = \"b.elf\"\n\n[[channel]]\nfrom = { component = \"a\", id = 0 }\nto = { component = \"b\", id = 0 }\n";

#[test]
fn a_good_description_is_summed_up() {
    let (status, out, err) = check(GOOD);
    assert_eq!(status, 0, "{err}");
    assert!(
        out.contains("FILE: system `system`: 2 components, 1 channels, 0 memory regions"),
        "{out}"
    );
}

#[test]
fn every_error_is_printed_with_file_and_line() {
    let bad = GOOD.replace("component = \"b\"", "component = \"c\"") + "\n[[channel]]\nfrom = { component = \"a\", id = 1 }\nto = { component = \"a\", id = 2 }\n";
    let (status, _, err) = check(&bad);
    assert_eq!(status, 1);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(
        lines,
        [
            "FILE:11: unknown component `c`",
            "FILE:13: a channel from `a` to itself",
        ],
        "{err}"
    );
}

#[test]
fn a_missing_file_and_bad_usage_are_errors() {
    let out = Command::new(env!("CARGO_BIN_EXE_sel4-system"))
        .args(["check", "/nonexistent/system.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read /nonexistent/system.toml"));
    let out = Command::new(env!("CARGO_BIN_EXE_sel4-system"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
