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

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(src: &str) -> Error {
        translate(src, &Options::default()).expect_err("an error")
    }

    #[test]
    fn unsupported_constructs_are_errors_with_their_line() {
        let e =
            error_of("method Main()\n{\n  print 1;\n}\n\niterator Gen() yields (x: int)\n{\n}\n");
        assert_eq!(e.line, 6, "{e}");
        assert!(e.message.contains("iterator"), "{e}");
        let e = error_of("codatatype Stream = Cons(head: int, tail: Stream)\n");
        assert!(e.message.contains("codatatype"), "{e}");
        let e = error_of("method Main()\n{\n  var x: int :| x > 0;\n}\n");
        assert_eq!((e.line, e.message.contains(":|")), (3, true), "{e}");
        let e = error_of("method Main()\n{\n  var s: iset<int> := iset{};\n}\n");
        assert!(e.message.contains("iset"), "{e}");
        let e = error_of("method Main()\n{\n  print Undefined(3);\n}\n");
        assert!(e.message.contains("Undefined"), "{e}");
    }

    #[test]
    fn a_small_program_translates_to_formatted_rust() {
        let src = "function method Twice(x: int): int\n{\n  2 * x\n}\n\nmethod Main()\n{\n  print Twice(21), \"\\n\";\n}\n";
        let rust = translate(src, &Options::default()).expect("translates");
        assert!(rust.contains("pub mod _module"), "{rust}");
        assert!(
            rust.contains("pub fn Twice(x: DafnyInt) -> DafnyInt"),
            "{rust}"
        );
        assert!(rust.contains("pub fn dafny_main()"), "{rust}");
    }
}
