//! Where verified programs are kept, and under which name.

use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// The cache root of sel4-substrate: `$SUBSTRATE_CACHE`, else
/// `$HOME/.cache/sel4-substrate` (the same as `tools/substrate_cache.py`).
/// Verified programs are kept in its `dafny/verified/`.
pub fn cache_root() -> PathBuf {
    match std::env::var_os("SUBSTRATE_CACHE").filter(|v| !v.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => {
            let home = std::env::var_os("HOME").unwrap_or_else(|| ".".into());
            Path::new(&home).join(".cache").join("sel4-substrate")
        }
    }
}

/// The number of hex digits of a key (128 bits of the SHA-256).
const KEY_DIGITS: usize = 32;

/// The name of a verified program in the cache: hex digits of the SHA-256
/// of Dafny's version string (`Dafny 2.3.0.10506`), the command-line
/// arguments it is run with (`flags`, in order) and each source file's
/// name and content (`files`, in order), each part prefixed with its
/// length (so that nothing can move from one part to the next) after a
/// tag naming this format. A change in any of them is another key.
pub fn cache_key(version: &str, flags: &[&str], files: &[(&str, &str)]) -> String {
    let mut hash = Sha256::new();
    let mut part = |bytes: &[u8]| {
        hash.update((bytes.len() as u64).to_le_bytes());
        hash.update(bytes);
    };
    part(b"dafny-build verified program 1");
    part(version.as_bytes());
    part(&(flags.len() as u64).to_le_bytes());
    for flag in flags {
        part(flag.as_bytes());
    }
    part(&(files.len() as u64).to_le_bytes());
    for (name, content) in files {
        part(name.as_bytes());
        part(content.as_bytes());
    }
    let digest = hash.finalize();
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    hex[..KEY_DIGITS].to_string()
}

/// Writes `contents` to `path` so that readers see the old file or the
/// whole new one, never a part: into a temporary file beside it, then
/// renamed over it. The directory is created if missing.
pub(crate) fn write_atomic(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.{}.tmp", std::process::id(), unique()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(contents)?;
        file.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// A number not returned before in this process (with the time, for names
/// of temporary files and directories).
pub(crate) fn unique() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    format!("{}-{nanos}", NEXT.fetch_add(1, Ordering::Relaxed))
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLAGS: [&str; 2] = ["/compile:0", "/printMode:NoGhost"];

    #[test]
    fn key_is_stable_and_hex() {
        let a = cache_key(
            "Dafny 2.3.0.10506",
            &FLAGS,
            &[("a.dfy", "method Main() {}")],
        );
        assert_eq!(a.len(), KEY_DIGITS);
        assert!(a
            .chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_eq!(
            a,
            cache_key(
                "Dafny 2.3.0.10506",
                &FLAGS,
                &[("a.dfy", "method Main() {}")]
            )
        );
    }

    #[test]
    fn every_part_counts() {
        let base = cache_key("Dafny 2.3.0.10506", &FLAGS, &[("a.dfy", "x")]);
        let others = [
            cache_key("Dafny 2.3.0.10507", &FLAGS, &[("a.dfy", "x")]),
            cache_key("Dafny 2.3.0.10506", &FLAGS[..1], &[("a.dfy", "x")]),
            cache_key(
                "Dafny 2.3.0.10506",
                &["/printMode:NoGhost", "/compile:0"],
                &[("a.dfy", "x")],
            ),
            cache_key("Dafny 2.3.0.10506", &FLAGS, &[("b.dfy", "x")]),
            cache_key("Dafny 2.3.0.10506", &FLAGS, &[("a.dfy", "x ")]),
            cache_key(
                "Dafny 2.3.0.10506",
                &FLAGS,
                &[("a.dfy", "x"), ("b.dfy", "")],
            ),
            cache_key("Dafny 2.3.0.10506", &FLAGS, &[]),
        ];
        for (i, other) in others.iter().enumerate() {
            assert_ne!(&base, other, "variant {i}");
        }
    }

    #[test]
    fn parts_do_not_run_into_each_other() {
        // Moving text from a name into the content, or from one file into
        // the next, is another key.
        assert_ne!(
            cache_key("v", &[], &[("ab", "c")]),
            cache_key("v", &[], &[("a", "bc")])
        );
        assert_ne!(
            cache_key("v", &[], &[("a", "x"), ("b", "y")]),
            cache_key("v", &[], &[("a", "x\0\0\0\0\0\0\0\0b"), ("", "y")])
        );
        assert_ne!(
            cache_key("v", &["a", "b"], &[]),
            cache_key("v", &["ab"], &[])
        );
    }

    #[test]
    fn atomic_write_replaces() {
        let dir = std::env::temp_dir().join(format!("dafny-build-test-{}", unique()));
        let path = dir.join("sub").join("x.dfy");
        write_atomic(&path, b"one").unwrap();
        write_atomic(&path, b"two").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"two");
        let entries = std::fs::read_dir(path.parent().unwrap()).unwrap().count();
        assert_eq!(entries, 1, "no temporary files are left");
        std::fs::remove_dir_all(dir).unwrap();
    }
}
