//! The program Dafny is given: the source files, with the files they
//! `include`, as one file.
//!
//! Dafny 2.3's `/printMode:NoGhost` prints only the declarations of the
//! file being printed, and with several files on the command line that is
//! none of them (it compares each declaration's file with the name "the
//! program"); declarations of included files are left out as well. So
//! the files are joined into one, in which every `include` directive is
//! blanked out (replaced by spaces, so that lines and columns stay where
//! they were) and every included file appears once, before the file that
//! includes it. Dafny reads several files as one program anyway, so
//! joining them changes nothing but the file names in its messages, which
//! [`Program::rewrite_messages`] maps back to the files and lines they
//! came from.

use std::ops::Range;
use std::path::{Path, PathBuf};

use crate::Error;

/// One source file in the joined program.
#[derive(Debug, Clone)]
pub(crate) struct Segment {
    /// The name in messages: the path as given on the command line, or,
    /// for an included file, the including file's directory joined with
    /// the include's path.
    pub name: String,
    /// Where it was read from (as [`Segment::name`]).
    pub path: PathBuf,
    /// Its text, `include` directives blanked out, ending with a newline.
    pub text: String,
    /// Its first line in the joined program (1-based).
    pub first_line: u32,
}

/// The joined program.
#[derive(Debug, Clone)]
pub(crate) struct Program {
    /// The files, in the order they are joined.
    pub segments: Vec<Segment>,
}

impl Program {
    /// The text Dafny is given.
    pub fn text(&self) -> String {
        self.segments.iter().map(|s| s.text.as_str()).collect()
    }

    /// The file and the line in it of `line` of the joined program.
    pub fn locate(&self, line: u32) -> Option<(&str, u32)> {
        let seg = self.segments.iter().rev().find(|s| s.first_line <= line)?;
        Some((&seg.name, line - seg.first_line + 1))
    }

    /// What messages call the whole program: the file's name if there is
    /// one, else "the program".
    fn whole_name(&self) -> &str {
        match self.segments.as_slice() {
            [only] => &only.name,
            _ => "the program",
        }
    }

    /// Dafny's `messages` about the joined file `joined_name` with each
    /// position `joined_name(LINE,COL)` replaced by the file and line it
    /// came from, and every other mention of `joined_name` by
    /// the name of the program.
    pub fn rewrite_messages(&self, messages: &str, joined_name: &str) -> String {
        let mut out = String::with_capacity(messages.len());
        let mut rest = messages;
        while let Some(at) = rest.find(joined_name) {
            out.push_str(&rest[..at]);
            rest = &rest[at + joined_name.len()..];
            if let Some((line, col, len)) = parse_position(rest) {
                match self.locate(line) {
                    Some((name, local)) => out.push_str(&format!("{name}({local},{col})")),
                    None => out.push_str(&format!("{}({line},{col})", self.whole_name())),
                }
                rest = &rest[len..];
            } else {
                out.push_str(self.whole_name());
            }
        }
        out.push_str(rest);
        out
    }
}

/// `(LINE,COL)` at the start of `s`: the line, the column and the length.
fn parse_position(s: &str) -> Option<(u32, &str, usize)> {
    let inner = s.strip_prefix('(')?;
    let close = inner.find(')')?;
    let (line, col) = inner[..close].split_once(',')?;
    let line: u32 = line.parse().ok()?;
    if col.is_empty() || !col.chars().all(|c| c.is_ascii_digit() || c == '-') {
        return None;
    }
    Some((line, col, close + 2))
}

/// Reads `files` and the files they include into one [`Program`].
pub(crate) fn collect(files: &[PathBuf]) -> Result<Program, Error> {
    if files.is_empty() {
        return Err(Error::NoFiles);
    }
    let mut collector = Collector::default();
    for file in files {
        collector.add(file, file.display().to_string(), None)?;
    }
    Ok(Program {
        segments: collector.segments,
    })
}

#[derive(Default)]
struct Collector {
    segments: Vec<Segment>,
    /// Canonical paths of the files added (or being added).
    seen: Vec<PathBuf>,
    next_line: u32,
}

impl Collector {
    fn add(&mut self, path: &Path, name: String, included_from: Option<&str>) -> Result<(), Error> {
        let missing = |e: std::io::Error| Error::Missing {
            path: path.to_path_buf(),
            included_from: included_from.map(String::from),
            reason: if e.kind() == std::io::ErrorKind::NotFound {
                "no such file".into()
            } else {
                e.to_string()
            },
        };
        let canonical = path.canonicalize().map_err(missing)?;
        if self.seen.contains(&canonical) {
            return Ok(());
        }
        self.seen.push(canonical);
        let bytes = std::fs::read(path).map_err(missing)?;
        let text = String::from_utf8(bytes).map_err(|_| Error::Missing {
            path: path.to_path_buf(),
            included_from: included_from.map(String::from),
            reason: "not UTF-8 text".into(),
        })?;
        let includes = leading_includes(&text);
        let dir = path.parent().unwrap_or(Path::new(""));
        for (_, include) in &includes {
            let inc_path = dir.join(include);
            let inc_name = inc_path.display().to_string();
            self.add(&inc_path, inc_name, Some(&name))?;
        }
        let mut text = blank(&text, includes.iter().map(|(r, _)| r.clone()));
        if !text.ends_with('\n') {
            text.push('\n');
        }
        let first_line = self.next_line.max(1);
        self.next_line = first_line + text.matches('\n').count() as u32;
        self.segments.push(Segment {
            name,
            path: path.to_path_buf(),
            text,
            first_line,
        });
        Ok(())
    }
}

/// `text` with every character in `ranges` but line breaks replaced by a
/// space.
fn blank(text: &str, ranges: impl Iterator<Item = Range<usize>>) -> String {
    let mut out = text.to_string();
    for range in ranges {
        let spaced: String = text[range.clone()]
            .chars()
            .map(|c| if c == '\n' || c == '\r' { c } else { ' ' })
            .collect();
        out.replace_range(range, &spaced);
    }
    out
}

/// The `include "path"` directives at the start of a Dafny file (where
/// the grammar allows them, before the first declaration, among
/// whitespace and comments): each one's byte range and path.
pub(crate) fn leading_includes(text: &str) -> Vec<(Range<usize>, String)> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    loop {
        i = skip_trivia(bytes, i);
        let start = i;
        let Some(after) = text[i..].strip_prefix("include") else {
            break;
        };
        let mut j = i + "include".len();
        if !after.starts_with(|c: char| c.is_whitespace() || c == '"' || c == '/' || c == '@') {
            break; // an identifier such as `includes`
        }
        j = skip_trivia(bytes, j);
        let verbatim = bytes.get(j) == Some(&b'@');
        if verbatim {
            j += 1;
        }
        if bytes.get(j) != Some(&b'"') {
            break;
        }
        j += 1;
        let mut path = String::new();
        let mut chars = text[j..].char_indices();
        let mut end = None;
        while let Some((k, c)) = chars.next() {
            match c {
                '"' if verbatim && text[j + k + 1..].starts_with('"') => {
                    chars.next();
                    path.push('"');
                }
                '"' => {
                    end = Some(j + k + 1);
                    break;
                }
                '\\' if !verbatim => match chars.next() {
                    Some((_, 'n')) => path.push('\n'),
                    Some((_, 't')) => path.push('\t'),
                    Some((_, c)) => path.push(c),
                    None => break,
                },
                '\n' if !verbatim => break,
                c => path.push(c),
            }
        }
        let Some(end) = end else {
            break;
        };
        found.push((start..end, path));
        i = end;
    }
    found
}

/// The first byte at or after `i` that is neither whitespace nor in a
/// comment (`// ...`, or `/* ... */`, which nest in Dafny).
fn skip_trivia(bytes: &[u8], mut i: usize) -> usize {
    loop {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if bytes[i..].starts_with(b"//") {
            while i < bytes.len() && bytes[i] != b'\n' {
                i += 1;
            }
        } else if bytes[i..].starts_with(b"/*") {
            let mut depth = 0usize;
            while i < bytes.len() {
                if bytes[i..].starts_with(b"/*") {
                    depth += 1;
                    i += 2;
                } else if bytes[i..].starts_with(b"*/") {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else {
            return i;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn includes_at_the_start_only() {
        let text =
            "// a comment\ninclude \"a.dfy\"\n/* x /* nested */ y */ include @\"b\"\"c.dfy\"\n\
                    method M() {}\ninclude \"late.dfy\"\n";
        let found = leading_includes(text);
        let paths: Vec<_> = found.iter().map(|(_, p)| p.as_str()).collect();
        assert_eq!(paths, ["a.dfy", "b\"c.dfy"]);
        assert_eq!(&text[found[0].0.clone()], "include \"a.dfy\"");
        assert!(leading_includes("includes := 1;").is_empty());
        assert!(leading_includes("").is_empty());
        assert!(leading_includes("include \"unterminated").is_empty());
    }

    #[test]
    fn blanking_keeps_lines_and_columns() {
        let text = "include \"a.dfy\"\nmethod M() {}\n";
        let found = leading_includes(text);
        let out = blank(text, found.into_iter().map(|(r, _)| r));
        assert_eq!(out, "               \nmethod M() {}\n");
    }

    fn program(names: &[(&str, u32)]) -> Program {
        Program {
            segments: names
                .iter()
                .map(|&(name, first_line)| Segment {
                    name: name.into(),
                    path: name.into(),
                    text: String::new(),
                    first_line,
                })
                .collect(),
        }
    }

    #[test]
    fn messages_name_the_files() {
        let p = program(&[("lib.dfy", 1), ("src/main.dfy", 11)]);
        let messages = "program.dfy(3,15): Error: assertion violation\n\
                        program.dfy(12,2): Related location\n    program.dfy(11,0): anon0\n\
                        1 resolution/type errors detected in program.dfy\n";
        assert_eq!(
            p.rewrite_messages(messages, "program.dfy"),
            "lib.dfy(3,15): Error: assertion violation\n\
             src/main.dfy(2,2): Related location\n    src/main.dfy(1,0): anon0\n\
             1 resolution/type errors detected in the program\n"
        );
        let one = program(&[("a.dfy", 1)]);
        assert_eq!(
            one.rewrite_messages("program.dfy(0,-1): x in program.dfy", "program.dfy"),
            "a.dfy(0,-1): x in a.dfy"
        );
    }
}
