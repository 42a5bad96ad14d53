//! Dafny to Rust.
//!
//! The input is the program that the installed Dafny 2.3 printed after it
//! resolved and verified it (`dafny /compile:0 /rprint:FILE
//! /printMode:NoGhost`): ghost code and specifications removed, local types
//! filled in. The output is Rust on the crates.io `dafny-runtime` (through
//! `dafny-support`), shaped like the code of Dafny's own Rust backend: a
//! Rust module per Dafny module, `_default` for module-level members,
//! datatypes as enums, classes as structs behind `Object`.

pub mod ast;
pub mod codegen;
pub mod lexer;
pub mod parser;

use std::fmt;

/// Where the generated items will be included, and what to emit.
#[derive(Clone, Debug)]
pub struct Options {
    /// The Rust path of the module that `include!`s the generated code
    /// (`crate`, or `crate::verified`): generated code names its own items
    /// through it.
    pub root: String,
    /// The name of the source, for error messages.
    pub source_name: String,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            root: "crate".into(),
            source_name: "input.dfy".into(),
        }
    }
}

/// A construct the backend cannot translate, or input it cannot read:
/// the source line and the reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error {
    /// The source name ([`Options::source_name`]).
    pub source_name: String,
    /// 1-based line in the printed program (0: unknown).
    pub line: u32,
    /// What is wrong, naming the construct.
    pub message: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.source_name, self.line, self.message)
    }
}

impl std::error::Error for Error {}

/// Translates a resolved, ghost-free Dafny program into formatted Rust
/// items, to be `include!`d at [`Options::root`]. When the program has a
/// `Main` method the output also has `pub fn dafny_main()`, which runs it.
pub fn translate(source: &str, options: &Options) -> Result<String, Error> {
    let tokens = lexer::lex(source).map_err(|(line, message)| Error {
        source_name: options.source_name.clone(),
        line,
        message,
    })?;
    let program = parser::parse(&tokens).map_err(|(line, message)| Error {
        source_name: options.source_name.clone(),
        line,
        message,
    })?;
    let code = codegen::generate(&program, options).map_err(|(line, message)| Error {
        source_name: options.source_name.clone(),
        line,
        message,
    })?;
    let file = syn::parse_file(&code).map_err(|e| Error {
        source_name: options.source_name.clone(),
        line: 0,
        message: format!("internal error: generated Rust does not parse: {e}\n{code}"),
    })?;
    Ok(prettyplease::unparse(&file))
}
