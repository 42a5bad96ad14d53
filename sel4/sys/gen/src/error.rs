//! The generator's error type.

use std::fmt;
use std::path::{Path, PathBuf};

/// Everything that can go wrong while generating bindings.
#[derive(Debug)]
pub enum Error {
    /// The prefix (or include directory) itself does not exist.
    NoSuchDirectory(PathBuf),
    /// A required input file is missing.
    MissingFile(PathBuf),
    /// An input file could not be read.
    Io(PathBuf, std::io::Error),
    /// An input file is malformed.
    Parse(PathBuf, String),
    /// The inputs are well-formed but describe something the generator cannot handle.
    Unsupported(String),
    /// bindgen failed on the C headers.
    Bindgen(String),
}

impl Error {
    pub(crate) fn parse(path: &Path, msg: impl Into<String>) -> Self {
        Error::Parse(path.to_path_buf(), msg.into())
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NoSuchDirectory(p) => write!(f, "{}: no such directory", p.display()),
            Error::MissingFile(p) => write!(f, "missing {}", p.display()),
            Error::Io(p, e) => write!(f, "cannot read {}: {e}", p.display()),
            Error::Parse(p, m) => write!(f, "{}: {m}", p.display()),
            Error::Unsupported(m) => write!(f, "unsupported: {m}"),
            Error::Bindgen(m) => write!(f, "bindgen failed: {m}"),
        }
    }
}

impl std::error::Error for Error {}

/// Reads a whole input file, mapping a missing file to [`Error::MissingFile`].
pub(crate) fn read(path: &Path) -> Result<String, Error> {
    match std::fs::read_to_string(path) {
        Ok(s) => Ok(s),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Err(Error::MissingFile(path.to_path_buf()))
        }
        Err(e) => Err(Error::Io(path.to_path_buf(), e)),
    }
}
