//! Tokens of the printed Dafny program.

/// What a token is.
#[derive(Clone, Debug, PartialEq)]
pub enum Tok {
    /// An identifier or keyword (Dafny identifiers may contain `'`, `?`
    /// and `_`; `?` only as a suffix, as in `C?` and `Cons?`).
    Ident(String),
    /// A decimal or hexadecimal integer literal, `_` removed.
    Int(String),
    /// A decimal literal with a fraction (`1.5`).
    Real(String),
    /// A character literal, unescaped.
    Char(char),
    /// A string literal, unescaped.
    Str(String),
    /// Punctuation and operators.
    Sym(&'static str),
    /// The end of the input.
    Eof,
}

/// A token and the line it starts on.
#[derive(Clone, Debug, PartialEq)]
pub struct Token {
    /// What it is.
    pub tok: Tok,
    /// 1-based line.
    pub line: u32,
    /// 0-based column (the printer's indentation is significant: the
    /// cases of a `match` without braces are those at its first case's
    /// column).
    pub col: u32,
}

const SYMS: &[&str] = &[
    "<==>", "==>", "<==", "::", ":=", ":|", "==", "!=", "<=", ">=", "&&", "||", "!!", "..", "=>",
    "<<", ">>", "->", "-->", "~>", "{", "}", "(", ")", "[", "]", "<", ">", ",", ";", ":", ".", "+",
    "-", "*", "/", "%", "!", "|", "&", "^", "=", "#", "@", "`",
];

fn unescape(chars: &[char], i: &mut usize, line: u32) -> Result<char, (u32, String)> {
    let c = chars[*i];
    *i += 1;
    if c != '\\' {
        return Ok(c);
    }
    let e = *chars
        .get(*i)
        .ok_or((line, "unterminated escape".to_string()))?;
    *i += 1;
    Ok(match e {
        'n' => '\n',
        't' => '\t',
        'r' => '\r',
        '0' => '\0',
        '\\' => '\\',
        '\'' => '\'',
        '"' => '"',
        'u' => {
            let hex: String = chars.get(*i..*i + 4).unwrap_or(&[]).iter().collect();
            *i += 4;
            let v = u32::from_str_radix(&hex, 16)
                .map_err(|_| (line, format!("bad \\u escape {hex:?}")))?;
            char::from_u32(v).ok_or((line, format!("\\u{hex} is not a character")))?
        }
        other => return Err((line, format!("unknown escape \\{other}"))),
    })
}

/// Appends the digits from `chars[*i]` on to `s`, dropping `_` separators.
fn digit_run(chars: &[char], i: &mut usize, s: &mut String, digit: fn(&char) -> bool) {
    while *i < chars.len() && (digit(&chars[*i]) || chars[*i] == '_') {
        if chars[*i] != '_' {
            s.push(chars[*i]);
        }
        *i += 1;
    }
}

/// Splits the printed program into tokens; comments are dropped.
pub fn lex(src: &str) -> Result<Vec<Token>, (u32, String)> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    let mut line = 1u32;
    let mut line_start = 0usize;
    while i < chars.len() {
        let c = chars[i];
        if c == '\n' {
            line += 1;
            i += 1;
            line_start = i;
            continue;
        }
        if c.is_whitespace() {
            i += 1;
            continue;
        }
        if c == '/' && chars.get(i + 1) == Some(&'/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
            continue;
        }
        if c == '/' && chars.get(i + 1) == Some(&'*') {
            // Dafny's block comments nest.
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if chars[i] == '\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
            continue;
        }
        let start_line = line;
        let col = (i - line_start) as u32;
        if c.is_ascii_digit() {
            let mut s = String::new();
            if c == '0' && matches!(chars.get(i + 1), Some('x')) {
                i += 2;
                s.push_str("0x");
                digit_run(&chars, &mut i, &mut s, |d| d.is_ascii_hexdigit());
                out.push(Token {
                    tok: Tok::Int(s),
                    line,
                    col,
                });
                continue;
            }
            digit_run(&chars, &mut i, &mut s, |d| d.is_ascii_digit());
            if chars.get(i) == Some(&'.') && chars.get(i + 1).is_some_and(|d| d.is_ascii_digit()) {
                s.push('.');
                i += 1;
                digit_run(&chars, &mut i, &mut s, |d| d.is_ascii_digit());
                out.push(Token {
                    tok: Tok::Real(s),
                    line,
                    col,
                });
            } else {
                out.push(Token {
                    tok: Tok::Int(s),
                    line,
                    col,
                });
            }
            continue;
        }
        if c.is_alphabetic() || c == '_' {
            let mut s = String::new();
            while i < chars.len()
                && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '\'')
            {
                s.push(chars[i]);
                i += 1;
            }
            // Resolved bound variables print as `i#inv`, while the body
            // they bind still says `i`: that suffix is dropped. Names the
            // resolver made up (`_ms#0`, `_ms#1`) keep their number.
            if chars.get(i) == Some(&'#') && chars.get(i + 1).is_some_and(|d| d.is_alphanumeric()) {
                let start = i + 1;
                i += 1;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                    i += 1;
                }
                let suffix: String = chars[start..i].iter().collect();
                if s.starts_with('_') && suffix.bytes().all(|b| b.is_ascii_digit()) {
                    s.push('#');
                    s.push_str(&suffix);
                }
            }
            // `C?` and `Cons?`: a `?` right after a name belongs to it,
            // unless it starts `?.` (never in Dafny 2.3).
            if chars.get(i) == Some(&'?') {
                s.push('?');
                i += 1;
            }
            out.push(Token {
                tok: Tok::Ident(s),
                line,
                col,
            });
            continue;
        }
        if c == '\'' {
            // A character literal ('a', '\n', '\u0041').
            i += 1;
            let ch = unescape(&chars, &mut i, line)?;
            if chars.get(i) != Some(&'\'') {
                return Err((line, "unterminated character literal".into()));
            }
            i += 1;
            out.push(Token {
                tok: Tok::Char(ch),
                line,
                col,
            });
            continue;
        }
        if c == '"' || (c == '@' && chars.get(i + 1) == Some(&'"')) {
            let verbatim = c == '@';
            i += if verbatim { 2 } else { 1 };
            let mut s = String::new();
            loop {
                let Some(&d) = chars.get(i) else {
                    return Err((start_line, "unterminated string literal".into()));
                };
                if d == '"' {
                    if verbatim && chars.get(i + 1) == Some(&'"') {
                        s.push('"');
                        i += 2;
                        continue;
                    }
                    i += 1;
                    break;
                }
                if d == '\n' {
                    line += 1;
                }
                if verbatim {
                    s.push(d);
                    i += 1;
                } else {
                    s.push(unescape(&chars, &mut i, line)?);
                }
            }
            out.push(Token {
                tok: Tok::Str(s),
                line: start_line,
                col,
            });
            continue;
        }
        let rest: String = chars[i..(i + 4).min(chars.len())].iter().collect();
        let Some(sym) = SYMS
            .iter()
            .filter(|s| rest.starts_with(**s))
            .max_by_key(|s| s.len())
        else {
            return Err((line, format!("unexpected character {c:?}")));
        };
        i += sym.chars().count();
        out.push(Token {
            tok: Tok::Sym(sym),
            line,
            col,
        });
    }
    out.push(Token {
        tok: Tok::Eof,
        line,
        col: 0,
    });
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexes_literals_and_names() {
        let t = lex("var x: C? := 0x1_0; 'a' \"b\\n\" 1.5 Cons? /* c /* d */ */ <==>").unwrap();
        let toks: Vec<Tok> = t.into_iter().map(|t| t.tok).collect();
        assert_eq!(
            toks,
            vec![
                Tok::Ident("var".into()),
                Tok::Ident("x".into()),
                Tok::Sym(":"),
                Tok::Ident("C?".into()),
                Tok::Sym(":="),
                Tok::Int("0x10".into()),
                Tok::Sym(";"),
                Tok::Char('a'),
                Tok::Str("b\n".into()),
                Tok::Real("1.5".into()),
                Tok::Ident("Cons?".into()),
                Tok::Sym("<==>"),
                Tok::Eof
            ]
        );
    }
}
