//! Host tests of `substrate-ffi`'s header live in `header.rs`; this library
//! only names the files they compare.

use std::path::{Path, PathBuf};

/// The `substrate-ffi` crate's directory.
pub fn ffi_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("ffi/tests has a parent")
        .to_path_buf()
}

/// The committed header, `ffi/include/substrate.h`.
pub fn committed_header() -> PathBuf {
    ffi_dir().join("include/substrate.h")
}
