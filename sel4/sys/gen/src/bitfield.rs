//! Bitfield types from the kernel's preprocessed `.pbf` files.
//!
//! seL4 describes the bit layout of a few ABI types (message info, cap rights, cap data, faults,
//! ...) in its *bitfield language* (`*.bf`, run through `cpp -P` to give `*.pbf`). The kernel
//! build turns those into C with `bitfield_gen.py`; this module parses the same language and
//! emits equivalent Rust with the same bit layout and the same value semantics.
//!
//! # Input language
//!
//! * `base 64` / `base 32` (also 8 and 16), optionally `base 64(48,1)`: word size, number of
//!   significant ("canonical") bits of a pointer, and whether `field_high` values are sign
//!   extended from the top canonical bit. A base applies to every following block and union.
//! * `block name [(visible, order)] { field x 20  field_high y 12  padding 4 ... }`: fields are
//!   listed from the most significant bit of the last word down to bit 0 of word 0. The total
//!   size must be a multiple of the base, and no field may cross a word boundary. The optional
//!   visible order gives the argument order of the constructor.
//! * `tagged_union name tagname [(slice, ...)] { mask W M ...  tag block value ... }`: a union of
//!   blocks of equal size, discriminated by the field `tagname` (or by the concatenation of the
//!   slice fields, first slice least significant; tag values are then written `(v0, v1, ...)`).
//!   `mask` lines allow tag fields of different widths, as in the kernel's `cap` union.
//! * Comments: `-- ...`, `# ...` (so leftover preprocessor lines are ignored, exactly like
//!   `bitfield_gen.py`), `// ...` and `/* ... */`.
//!
//! # Field semantics
//!
//! Every accessor takes and returns the base word type (`u64` for `base 64`, `u32` for `base 32`).
//!
//! * `field x n`: stores the low `n` bits of the value; the getter returns them zero extended.
//! * `field_high x n` under `base B(C, S)`: stores bits `C-n .. C` of the value (the value is
//!   expected to be a `2^(C-n)`-aligned pointer); the getter returns the stored bits back in
//!   place, and if `S == 1` and bit `C-1` is set, with all bits `C .. B` set (canonical sign
//!   extension). Plain `base B` means `C = B`, `S = 0`.
//! * Constructors and setters mask the value to the field, so a value that does not fit is
//!   truncated; with debug assertions on they panic instead, mirroring the C code's `assert`s
//!   (bits outside the stored range must be zero, or the sign extension for `field_high`).
//!
//! # Generated names
//!
//! For a block `B` that is **not** a member of a tagged union (e.g. `seL4_MessageInfo`):
//!
//! | C (libsel4)                         | Rust                                  |
//! |-------------------------------------|---------------------------------------|
//! | `B_t` (struct with `words[N]`)      | `struct B { pub words: [u64; N] }`, plus `type B_t = B` |
//! | `B_new(a, b, ...)`                  | `B::new(a, b, ...)` (`const fn`)      |
//! | `B_get_f(x)`                        | `x.get_f()` (`const fn`)              |
//! | `B_set_f(x, v)` / `B_ptr_set_f`     | `x.set_f(v)` (`&mut self`)            |
//! | (none: the width of `f`)            | `B::f_BITS: u32`                      |
//!
//! For a tagged union `U` with tag field `t` and member block `M` with tag value `v`
//! (e.g. `seL4_Fault`, `seL4_FaultType`, `VMFault`, `5`):
//!
//! | C (libsel4)                         | Rust                                  |
//! |-------------------------------------|---------------------------------------|
//! | `U_t`                               | `struct U { pub words: [u64; N] }`, plus `type U_t = U` |
//! | `enum U_tag { U_M = v, ... }`       | `pub const U_M: u64 = v;` and `type U_tag_t = u64` |
//! | `U_get_t(x)`                        | `x.get_t()` (`const fn`)              |
//! | `U_M_new(a, ...)`                   | `U::M_new(a, ...)` (`const fn`; the tag is not an argument) |
//! | `U_M_get_f(x)`                      | `x.M_get_f()` (`const fn`)            |
//! | `U_M_set_f(x, v)`                   | `x.M_set_f(v)` (`&mut self`)          |
//! | (none: the width of `f` in `M`)     | `U::M_f_BITS: u32`                    |
//!
//! Like the C generator, member blocks of a union get no type of their own (in the seL4 files
//! they carry unprefixed names such as `VMFault`), and the tag field has no per-member accessors.
//! The member accessors `debug_assert!` that the union currently holds that member. Names are
//! used verbatim (no case conversion), so the generated items carry `#[allow(non_snake_case)]`
//! and friends; a field named like a Rust keyword becomes a raw identifier (`r#type`) when used
//! as an argument.
//!
//! The generated code needs nothing but `core`, uses only items it defines itself, and is
//! emitted in input order, so the output is deterministic.

use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{format_ident, quote};

/// The word parameters in effect for a block or union (`base B` or `base B(C, S)`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Base {
    /// Word size in bits: 8, 16, 32 or 64.
    pub bits: u32,
    /// Number of significant (canonical) bits of a pointer stored in a `field_high`.
    pub canonical_bits: u32,
    /// Whether `field_high` values are sign extended from bit `canonical_bits - 1`.
    pub sign_extend: bool,
}

/// One entry of a block, as written in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// The field name, or `None` for `padding`.
    pub name: Option<String>,
    /// Width in bits.
    pub size: u32,
    /// `true` for `field_high`.
    pub high: bool,
}

/// A `block` declaration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    /// The block name, e.g. `seL4_MessageInfo`.
    pub name: String,
    /// The base in effect where the block was declared.
    pub base: Base,
    /// The entries in file order, i.e. from the most significant bit down.
    pub fields: Vec<Field>,
    /// The explicit constructor argument order, if one was given.
    pub visible_order: Option<Vec<String>>,
    /// Line of the `block` keyword (1-based).
    pub line: usize,
}

/// A `tagged_union` declaration.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TaggedUnion {
    /// The union name, e.g. `seL4_Fault`.
    pub name: String,
    /// The tag name, e.g. `seL4_FaultType`; also the tag field unless slices are given.
    pub tag_name: String,
    /// The fields making up the tag: the explicit slices, or just `[tag_name]`.
    pub tag_slices: Vec<String>,
    /// `mask <width> <mask>` lines, in file order.
    pub masks: Vec<(u32, u64)>,
    /// `tag <block> <value>` lines, in file order; one value per tag slice.
    pub tags: Vec<(String, Vec<u64>)>,
    /// The base in effect where the union was declared.
    pub base: Base,
    /// Line of the `tagged_union` keyword (1-based).
    pub line: usize,
}

/// A parsed and validated bitfield file: its blocks and tagged unions in file order.
#[derive(Clone, Debug)]
pub struct BitfieldFile {
    /// All blocks, in file order (including the members of tagged unions).
    pub blocks: Vec<Block>,
    /// All tagged unions, in file order.
    pub unions: Vec<TaggedUnion>,
    /// Layout information for each union, parallel to `unions`.
    resolved: Vec<ResolvedUnion>,
}

/// A named field with its absolute position (bit 0 = bit 0 of word 0).
#[derive(Clone, Debug)]
struct Placed {
    name: String,
    offset: u32,
    size: u32,
    high: bool,
}

/// How to read the tag of a union.
#[derive(Clone, Debug)]
enum TagReader {
    /// Variable-width tag: `(word classmask, shift, width)` per width, ascending.
    Classes(Vec<(u64, u32, u32)>),
    /// Sliced tag: `(size, shift within the word, position in the compressed value)`.
    Slices(Vec<(u32, u32, u32)>),
}

#[derive(Clone, Debug)]
struct ResolvedUnion {
    words: u32,
    tag_word: u32,
    reader: TagReader,
    /// `(index into blocks, compressed tag value)` per tag, in file order.
    members: Vec<(usize, u64)>,
}

// ---------------------------------------------------------------------------------------------
// Lexer

#[derive(Clone, Debug, PartialEq, Eq)]
enum Tok {
    Ident(String),
    Int(u64),
    Punct(char),
}

#[derive(Clone, Debug)]
struct Token {
    tok: Tok,
    line: usize,
}

fn describe(t: Option<&Token>) -> String {
    match t.map(|t| &t.tok) {
        None => "end of input".into(),
        Some(Tok::Ident(s)) => format!("`{s}`"),
        Some(Tok::Int(v)) => format!("`{v}`"),
        Some(Tok::Punct(c)) => format!("`{c}`"),
    }
}

fn parse_int(s: &str) -> Option<u64> {
    let s = s.strip_suffix(['l', 'L']).unwrap_or(s);
    let (digits, radix) = if let Some(r) = s.strip_prefix("0x").or_else(|| s.strip_prefix("0X")) {
        (r, 16)
    } else if let Some(r) = s.strip_prefix("0b").or_else(|| s.strip_prefix("0B")) {
        (r, 2)
    } else if let Some(r) = s.strip_prefix("0o").or_else(|| s.strip_prefix("0O")) {
        (r, 8)
    } else if s.len() > 1 && s.starts_with('0') {
        (&s[1..], 8)
    } else {
        (s, 10)
    };
    if digits.is_empty() {
        return None;
    }
    u64::from_str_radix(digits, radix).ok()
}

fn lex(text: &str) -> Result<Vec<Token>, String> {
    let b = text.as_bytes();
    let mut toks = Vec::new();
    let mut i = 0;
    let mut line = 1;
    while i < b.len() {
        let c = b[i];
        match c {
            b'\n' => {
                line += 1;
                i += 1;
            }
            b' ' | b'\t' | b'\r' | b'\x0c' => i += 1,
            b'-' if b.get(i + 1) == Some(&b'-') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'#' => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let start = line;
                i += 2;
                loop {
                    if i + 1 >= b.len() {
                        return Err(format!("line {start}: unterminated `/*` comment"));
                    }
                    if b[i] == b'*' && b[i + 1] == b'/' {
                        i += 2;
                        break;
                    }
                    if b[i] == b'\n' {
                        line += 1;
                    }
                    i += 1;
                }
            }
            b'{' | b'}' | b'(' | b')' | b',' => {
                toks.push(Token {
                    tok: Tok::Punct(c as char),
                    line,
                });
                i += 1;
            }
            b'0'..=b'9' => {
                let s = i;
                while i < b.len() && b[i].is_ascii_alphanumeric() {
                    i += 1;
                }
                let lit = &text[s..i];
                let v = parse_int(lit)
                    .ok_or_else(|| format!("line {line}: invalid integer literal `{lit}`"))?;
                toks.push(Token {
                    tok: Tok::Int(v),
                    line,
                });
            }
            c if c.is_ascii_alphabetic() || c == b'_' => {
                let s = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                    i += 1;
                }
                let id = &text[s..i];
                if id.bytes().all(|c| c == b'_') {
                    return Err(format!("line {line}: invalid identifier `{id}`"));
                }
                toks.push(Token {
                    tok: Tok::Ident(id.to_string()),
                    line,
                });
            }
            _ => {
                let ch = text[i..].chars().next().unwrap_or('?');
                return Err(format!("line {line}: unexpected character `{ch}`"));
            }
        }
    }
    Ok(toks)
}

// ---------------------------------------------------------------------------------------------
// Parser

struct Parser {
    toks: Vec<Token>,
    pos: usize,
    last_line: usize,
}

impl Parser {
    fn peek(&self) -> Option<&Token> {
        self.toks.get(self.pos)
    }

    fn line(&self) -> usize {
        self.peek().map_or(self.last_line, |t| t.line)
    }

    fn err<T>(&self, what: &str) -> Result<T, String> {
        Err(format!(
            "line {}: expected {what}, found {}",
            self.line(),
            describe(self.peek())
        ))
    }

    fn ident(&mut self, what: &str) -> Result<String, String> {
        match self.peek().map(|t| &t.tok) {
            Some(Tok::Ident(s)) => {
                let s = s.clone();
                self.pos += 1;
                Ok(s)
            }
            _ => self.err(what),
        }
    }

    fn int(&mut self, what: &str) -> Result<u64, String> {
        match self.peek().map(|t| &t.tok) {
            Some(Tok::Int(v)) => {
                let v = *v;
                self.pos += 1;
                Ok(v)
            }
            _ => self.err(what),
        }
    }

    fn small_int(&mut self, what: &str) -> Result<u32, String> {
        let line = self.line();
        let v = self.int(what)?;
        u32::try_from(v).map_err(|_| format!("line {line}: {what} {v} is too large"))
    }

    fn is_punct(&self, c: char) -> bool {
        matches!(self.peek().map(|t| &t.tok), Some(Tok::Punct(p)) if *p == c)
    }

    fn is_keyword(&self, kw: &str) -> bool {
        matches!(self.peek().map(|t| &t.tok), Some(Tok::Ident(s)) if s == kw)
    }

    fn punct(&mut self, c: char) -> Result<(), String> {
        if self.is_punct(c) {
            self.pos += 1;
            Ok(())
        } else {
            self.err(&format!("`{c}`"))
        }
    }

    /// `( ident, ident, ... )` (possibly empty when `allow_empty`), the `(` not yet consumed.
    fn ident_list(&mut self, what: &str, allow_empty: bool) -> Result<Vec<String>, String> {
        self.punct('(')?;
        let mut v = Vec::new();
        if allow_empty && self.is_punct(')') {
            self.pos += 1;
            return Ok(v);
        }
        loop {
            v.push(self.ident(what)?);
            if self.is_punct(',') {
                self.pos += 1;
            } else {
                self.punct(')')?;
                return Ok(v);
            }
        }
    }
}

const TOP_LEVEL_EXPECTED: &str = "`base`, `block` or `tagged_union`";

/// Parses (and validates) the text of a preprocessed bitfield file.
///
/// Errors name the offending line (1-based), e.g. `line 7: expected field size, found `}``.
/// Besides the syntax, the layout rules of `bitfield_gen.py` are checked: block sizes are
/// multiples of the base, fields do not cross words, union members exist, have equal sizes and
/// consistent tag fields, and tag values fit their field and mask class.
pub fn parse(text: &str) -> Result<BitfieldFile, String> {
    let toks = lex(text)?;
    let last_line = text.lines().count().max(1);
    let mut p = Parser {
        toks,
        pos: 0,
        last_line,
    };
    let mut base: Option<Base> = None;
    let mut blocks = Vec::new();
    let mut unions = Vec::new();

    while p.peek().is_some() {
        let line = p.line();
        if p.is_keyword("base") {
            p.pos += 1;
            let bits = p.small_int("base size")?;
            if ![8, 16, 32, 64].contains(&bits) {
                return Err(format!(
                    "line {line}: invalid base {bits} (expected 8, 16, 32 or 64)"
                ));
            }
            let mut b = Base {
                bits,
                canonical_bits: bits,
                sign_extend: false,
            };
            if p.is_punct('(') {
                p.pos += 1;
                b.canonical_bits = p.small_int("canonical bit count")?;
                p.punct(',')?;
                let se = p.int("sign extension flag (0 or 1)")?;
                p.punct(')')?;
                if b.canonical_bits == 0 || b.canonical_bits > bits {
                    return Err(format!(
                        "line {line}: canonical bit count {} must be in 1..={bits}",
                        b.canonical_bits
                    ));
                }
                if se > 1 {
                    return Err(format!("line {line}: sign extension flag must be 0 or 1"));
                }
                b.sign_extend = se == 1;
            }
            base = Some(b);
        } else if p.is_keyword("block") {
            p.pos += 1;
            let name = p.ident("block name")?;
            let visible_order = if p.is_punct('(') {
                Some(p.ident_list("field name", true)?)
            } else {
                None
            };
            p.punct('{')?;
            let mut fields = Vec::new();
            while !p.is_punct('}') {
                if p.is_keyword("field") || p.is_keyword("field_high") {
                    let high = p.is_keyword("field_high");
                    p.pos += 1;
                    let fname = p.ident("field name")?;
                    let size = p.small_int("field size")?;
                    fields.push(Field {
                        name: Some(fname),
                        size,
                        high,
                    });
                } else if p.is_keyword("padding") {
                    p.pos += 1;
                    let size = p.small_int("padding size")?;
                    fields.push(Field {
                        name: None,
                        size,
                        high: false,
                    });
                } else {
                    return p.err("`field`, `field_high`, `padding` or `}`");
                }
            }
            p.punct('}')?;
            let base = base.ok_or_else(|| {
                format!("line {line}: block `{name}` appears before any `base` declaration")
            })?;
            blocks.push(Block {
                name,
                base,
                fields,
                visible_order,
                line,
            });
        } else if p.is_keyword("tagged_union") {
            p.pos += 1;
            let name = p.ident("union name")?;
            let tag_name = p.ident("tag name")?;
            let tag_slices = if p.is_punct('(') {
                p.ident_list("tag slice field name", false)?
            } else {
                vec![tag_name.clone()]
            };
            p.punct('{')?;
            let mut masks = Vec::new();
            while p.is_keyword("mask") {
                p.pos += 1;
                let w = p.small_int("mask width")?;
                let m = p.int("mask value")?;
                masks.push((w, m));
            }
            let mut tags = Vec::new();
            while p.is_keyword("tag") {
                p.pos += 1;
                let bname = p.ident("block name")?;
                let vals = if p.is_punct('(') {
                    p.pos += 1;
                    let mut v = vec![p.int("tag value")?];
                    while p.is_punct(',') {
                        p.pos += 1;
                        v.push(p.int("tag value")?);
                    }
                    p.punct(')')?;
                    v
                } else {
                    vec![p.int("tag value")?]
                };
                tags.push((bname, vals));
            }
            if !p.is_punct('}') {
                return p.err("`mask`, `tag` or `}`");
            }
            p.pos += 1;
            let base = base.ok_or_else(|| {
                format!("line {line}: tagged union `{name}` appears before any `base` declaration")
            })?;
            unions.push(TaggedUnion {
                name,
                tag_name,
                tag_slices,
                masks,
                tags,
                base,
                line,
            });
        } else {
            return p.err(TOP_LEVEL_EXPECTED);
        }
    }

    let mut file = BitfieldFile {
        blocks,
        unions,
        resolved: Vec::new(),
    };
    file.validate()?;
    Ok(file)
}

// ---------------------------------------------------------------------------------------------
// Validation and layout

const RUST_KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "Self", "static", "struct", "super", "trait", "true", "type",
    "unsafe", "use", "where", "while", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "try", "typeof", "unsized", "virtual", "yield",
];

fn is_keyword(s: &str) -> bool {
    RUST_KEYWORDS.contains(&s)
}

fn low_mask(size: u32) -> u64 {
    if size >= 64 {
        u64::MAX
    } else {
        (1u64 << size) - 1
    }
}

impl Block {
    /// Total size in bits.
    fn size(&self) -> u32 {
        self.fields.iter().map(|f| f.size).sum()
    }

    /// Named fields in file order with absolute bit offsets.
    fn placed(&self) -> Vec<Placed> {
        let mut offset = self.size();
        let mut out = Vec::new();
        for f in &self.fields {
            offset -= f.size;
            if let Some(n) = &f.name {
                out.push(Placed {
                    name: n.clone(),
                    offset,
                    size: f.size,
                    high: f.high,
                });
            }
        }
        out
    }

    fn find(&self, name: &str) -> Option<Placed> {
        self.placed().into_iter().find(|f| f.name == name)
    }

    fn check(&self) -> Result<(), String> {
        let ctx = format!("line {}: block `{}`", self.line, self.name);
        if is_keyword(&self.name) {
            return Err(format!("{ctx}: the name is a Rust keyword"));
        }
        let b = self.base;
        let total: u64 = self.fields.iter().map(|f| u64::from(f.size)).sum();
        if total / u64::from(b.bits) * u64::from(b.bits) != total {
            return Err(format!(
                "{ctx}: size {total} bits is not a multiple of the base {}",
                b.bits
            ));
        }
        if total > 1 << 20 {
            return Err(format!("{ctx}: size {total} bits is unreasonably large"));
        }
        let mut seen: Vec<&str> = Vec::new();
        for f in &self.fields {
            if f.size == 0 {
                return Err(format!("{ctx}: zero-width field or padding"));
            }
            if let Some(n) = &f.name {
                if seen.contains(&n.as_str()) {
                    return Err(format!("{ctx}: duplicate field `{n}`"));
                }
                seen.push(n);
            }
        }
        for f in self.placed() {
            if f.offset / b.bits != (f.offset + f.size - 1) / b.bits {
                return Err(format!("{ctx}: field `{}` crosses a word boundary", f.name));
            }
            if f.high && f.size > b.canonical_bits {
                return Err(format!(
                    "{ctx}: field_high `{}` is wider ({}) than the canonical bits ({})",
                    f.name, f.size, b.canonical_bits
                ));
            }
        }
        if let Some(order) = &self.visible_order {
            for n in order {
                if !seen.contains(&n.as_str()) {
                    return Err(format!("{ctx}: visible order names unknown field `{n}`"));
                }
            }
            for n in &seen {
                if order.iter().filter(|o| o == n).count() != 1 {
                    return Err(format!(
                        "{ctx}: visible order must list field `{n}` exactly once"
                    ));
                }
            }
        }
        Ok(())
    }

    /// Constructor arguments, in visible order.
    fn args(&self) -> Vec<Placed> {
        let placed = self.placed();
        match &self.visible_order {
            None => placed,
            Some(order) => order
                .iter()
                .filter_map(|n| placed.iter().find(|f| &f.name == n).cloned())
                .collect(),
        }
    }
}

impl BitfieldFile {
    fn validate(&mut self) -> Result<(), String> {
        for (i, b) in self.blocks.iter().enumerate() {
            b.check()?;
            if self.blocks[..i].iter().any(|o| o.name == b.name) {
                return Err(format!("line {}: duplicate block `{}`", b.line, b.name));
            }
        }
        let mut owner: Vec<Option<&str>> = vec![None; self.blocks.len()];
        let mut resolved = Vec::new();
        for (ui, u) in self.unions.iter().enumerate() {
            let ctx = format!("line {}: tagged union `{}`", u.line, u.name);
            if is_keyword(&u.name) {
                return Err(format!("{ctx}: the name is a Rust keyword"));
            }
            if self.blocks.iter().any(|b| b.name == u.name)
                || self.unions[..ui].iter().any(|o| o.name == u.name)
            {
                return Err(format!("{ctx}: the name is already used"));
            }
            let r = self.resolve_union(u, &ctx)?;
            for &(bi, _) in &r.members {
                if let Some(other) = owner[bi] {
                    return Err(format!(
                        "{ctx}: block `{}` is already a member of `{other}`",
                        self.blocks[bi].name
                    ));
                }
                owner[bi] = Some(&u.name);
            }
            resolved.push(r);
        }
        self.resolved = resolved;
        Ok(())
    }

    fn resolve_union(&self, u: &TaggedUnion, ctx: &str) -> Result<ResolvedUnion, String> {
        if u.tags.is_empty() {
            return Err(format!("{ctx}: no tags"));
        }
        let sliced = u.tag_slices.len() > 1;
        if sliced && !u.masks.is_empty() {
            return Err(format!("{ctx}: tag slices and masks cannot be combined"));
        }
        let bits = u.base.bits;
        let mut members = Vec::new();
        let mut size = None;
        // For classes: width -> tag offset.  For slices: slice index -> (offset, size).
        let mut width_offsets: Vec<(u32, u32)> = Vec::new();
        let mut slice_layout: Vec<(u32, u32)> = Vec::new();
        let mut tag_word = None;
        for (bname, vals) in &u.tags {
            let bi = self
                .blocks
                .iter()
                .position(|b| &b.name == bname)
                .ok_or_else(|| format!("{ctx}: tag `{bname}` does not name a block"))?;
            let b = &self.blocks[bi];
            if b.base != u.base {
                return Err(format!(
                    "{ctx}: block `{bname}` was declared under a different base"
                ));
            }
            if *size.get_or_insert(b.size()) != b.size() {
                return Err(format!(
                    "{ctx}: block `{bname}` differs in size from the others"
                ));
            }
            if vals.len() != u.tag_slices.len() {
                return Err(format!(
                    "{ctx}: tag `{bname}` needs {} value(s)",
                    u.tag_slices.len()
                ));
            }
            let mut compressed = 0u64;
            let mut position = 0u32;
            for (si, slice) in u.tag_slices.iter().enumerate() {
                let f = b
                    .find(slice)
                    .ok_or_else(|| format!("{ctx}: block `{bname}` has no tag field `{slice}`"))?;
                if f.high {
                    return Err(format!(
                        "{ctx}: tag field `{slice}` of block `{bname}` is a field_high"
                    ));
                }
                if *tag_word.get_or_insert(f.offset / bits) != f.offset / bits {
                    return Err(format!(
                        "{ctx}: the tag fields are not all in the same word"
                    ));
                }
                if vals[si] > low_mask(f.size) {
                    return Err(format!(
                        "{ctx}: tag value {} of `{bname}` does not fit in {} bits",
                        vals[si], f.size
                    ));
                }
                if sliced {
                    match slice_layout.get(si) {
                        None => slice_layout.push((f.offset, f.size)),
                        Some(&l) if l == (f.offset, f.size) => {}
                        Some(_) => {
                            return Err(format!(
                            "{ctx}: tag slice `{slice}` of `{bname}` differs in position or size"
                        ))
                        }
                    }
                    if position + f.size > 64 {
                        return Err(format!("{ctx}: tag slices exceed 64 bits"));
                    }
                    compressed |= vals[si] << position;
                    position += f.size;
                } else {
                    match width_offsets.iter().find(|(w, _)| *w == f.size) {
                        None => width_offsets.push((f.size, f.offset)),
                        Some(&(_, o)) if o == f.offset => {}
                        Some(_) => {
                            return Err(format!(
                                "{ctx}: tag field of `{bname}` is at a different position"
                            ))
                        }
                    }
                    compressed = vals[si];
                }
            }
            if members.iter().any(|&(_, v)| v == compressed) {
                return Err(format!("{ctx}: duplicate tag value for `{bname}`"));
            }
            if members.iter().any(|&(i, _)| i == bi) {
                return Err(format!("{ctx}: duplicate tag `{bname}`"));
            }
            members.push((bi, compressed));
        }
        let size = size.unwrap_or(0);
        let tag_word = tag_word.unwrap_or(0);

        let reader = if sliced {
            let mut pos = 0;
            TagReader::Slices(
                slice_layout
                    .iter()
                    .map(|&(off, sz)| {
                        let e = (sz, off % bits, pos);
                        pos += sz;
                        e
                    })
                    .collect(),
            )
        } else {
            self.classes(u, ctx, &width_offsets, &members)?
        };
        Ok(ResolvedUnion {
            words: size / bits,
            tag_word,
            reader,
            members,
        })
    }

    /// Tag classes (variable-width tags), as in `bitfield_gen.py`'s `make_classes`.
    fn classes(
        &self,
        u: &TaggedUnion,
        ctx: &str,
        width_offsets: &[(u32, u32)],
        members: &[(usize, u64)],
    ) -> Result<TagReader, String> {
        let bits = u.base.bits;
        let offset_of = |w: u32| width_offsets.iter().find(|(x, _)| *x == w).map(|x| x.1);
        let class_offset = width_offsets.iter().map(|x| x.1).min().unwrap_or(0);
        let mut used: Vec<u32> = width_offsets.iter().map(|x| x.0).collect();
        used.sort_unstable();
        // width -> class mask relative to class_offset
        let mut classes: Vec<(u32, u64)> = Vec::new();
        for &(w, m) in &u.masks {
            let off = offset_of(w).ok_or_else(|| {
                format!("{ctx}: there is a mask for {w} bits but no tag field of that width")
            })?;
            if classes.iter().any(|c| c.0 == w) {
                return Err(format!("{ctx}: duplicate mask for {w} bits"));
            }
            if m > low_mask(w) {
                return Err(format!("{ctx}: the mask for {w} bits exceeds the field"));
            }
            classes.push((w, m << (off - class_offset)));
        }
        if classes.is_empty() {
            classes.push((used[0], 0));
        }
        classes.sort_unstable();
        for w in &used {
            if !classes.iter().any(|c| c.0 == *w) {
                return Err(format!(
                    "{ctx}: tag fields have {w} bits but no mask is defined for that width"
                ));
            }
        }
        if classes.len() > 1 && classes[0].1 == 0 {
            return Err(format!("{ctx}: the mask for the smallest width is zero"));
        }
        for i in 1..classes.len() {
            if classes[i].1 & classes[i - 1].1 != classes[i - 1].1 {
                return Err(format!(
                    "{ctx}: the mask for {} bits does not include the mask for {} bits",
                    classes[i].0,
                    classes[i - 1].0
                ));
            }
        }
        for &(bi, value) in members {
            let b = &self.blocks[bi];
            let width = b.find(&u.tag_name).map_or(0, |f| f.size);
            let cvalue = value << (offset_of(width).unwrap_or(0) - class_offset);
            let idx = classes.iter().position(|c| c.0 == width).unwrap_or(0);
            for &(lw, m) in &classes[..idx] {
                if cvalue & m != m {
                    return Err(format!(
                        "{ctx}: tag value {value} of `{}` ({width} bits) does not match the mask for {lw} bits",
                        b.name
                    ));
                }
            }
            if idx + 1 < classes.len() && cvalue & classes[idx].1 == classes[idx].1 {
                return Err(format!(
                    "{ctx}: tag value {value} of `{}` must not match the mask for {width} bits",
                    b.name
                ));
            }
        }
        Ok(TagReader::Classes(
            classes
                .iter()
                .map(|&(w, m)| {
                    let off = offset_of(w).unwrap_or(0);
                    (m << (class_offset % bits), off % bits, w)
                })
                .collect(),
        ))
    }

    /// Names of all blocks in file order, including members of tagged unions (which, like in
    /// the C generator, get no type of their own; see [`BitfieldFile::type_names`]).
    pub fn block_names(&self) -> Vec<String> {
        self.blocks.iter().map(|b| b.name.clone()).collect()
    }

    /// Names of the Rust types [`BitfieldFile::generate`] defines: the blocks that are not
    /// members of a tagged union, then the tagged unions, in file order (without `_t` aliases).
    pub fn type_names(&self) -> Vec<String> {
        self.blocks
            .iter()
            .enumerate()
            .filter(|(i, _)| !self.is_member(*i))
            .map(|(_, b)| b.name.clone())
            .chain(self.unions.iter().map(|u| u.name.clone()))
            .collect()
    }

    fn is_member(&self, bi: usize) -> bool {
        self.resolved
            .iter()
            .any(|r| r.members.iter().any(|m| m.0 == bi))
    }

    /// Generates the Rust items for every standalone block and tagged union (see the module
    /// documentation for the naming scheme). The output only needs `core`.
    pub fn generate(&self) -> TokenStream {
        let mut out = TokenStream::new();
        for (i, b) in self.blocks.iter().enumerate() {
            if !self.is_member(i) {
                out.extend(gen_block(b));
            }
        }
        for (u, r) in self.unions.iter().zip(&self.resolved) {
            out.extend(self.gen_union(u, r));
        }
        out
    }

    fn gen_union(&self, u: &TaggedUnion, r: &ResolvedUnion) -> TokenStream {
        let name = format_ident!("{}", u.name);
        let alias = format_ident!("{}_t", u.name);
        let tag_alias = format_ident!("{}_tag_t", u.name);
        let w = word_type(u.base);
        let n = Literal::usize_unsuffixed(r.words as usize);
        let tag_word = Literal::usize_unsuffixed(r.tag_word as usize);
        let get_tag = format_ident!("get_{}", u.tag_name);

        let mut consts = TokenStream::new();
        for &(bi, v) in &r.members {
            let c = format_ident!("{}_{}", u.name, self.blocks[bi].name);
            let doc = format!(
                "Tag value of the `{}` member of [`{}`] (C: enumerator of `{}_tag`).",
                self.blocks[bi].name, u.name, u.name
            );
            let v = Literal::u64_unsuffixed(v);
            consts.extend(quote! {
                #[doc = #doc]
                #[allow(non_upper_case_globals)]
                pub const #c: #w = #v;
            });
        }

        let tag_body = match &r.reader {
            TagReader::Classes(classes) => {
                let mut body = TokenStream::new();
                let last = classes.len() - 1;
                for (i, &(cm, shift, width)) in classes.iter().enumerate() {
                    let read = shifted_mask(quote!(self.words[#tag_word]), shift, width, u.base);
                    if i == last {
                        body.extend(read);
                    } else {
                        let cm = hex(cm);
                        body.extend(quote! {
                            if self.words[#tag_word] & #cm != #cm {
                                return #read;
                            }
                        });
                    }
                }
                body
            }
            TagReader::Slices(slices) => {
                let parts = slices.iter().map(|&(size, shift, pos)| {
                    let read = shifted_mask(quote!(self.words[#tag_word]), shift, size, u.base);
                    if pos == 0 {
                        read
                    } else {
                        let pos = Literal::u32_unsuffixed(pos);
                        quote!((#read) << #pos)
                    }
                });
                quote!(#((#parts))|*)
            }
        };

        let mut methods = TokenStream::new();
        for &(bi, value) in &r.members {
            let b = &self.blocks[bi];
            let tag_const = format_ident!("{}_{}", u.name, b.name);
            let is_tag = |f: &Placed| u.tag_slices.contains(&f.name);
            let args: Vec<Placed> = b.args().into_iter().filter(|f| !is_tag(f)).collect();
            let params = args.iter().map(|f| {
                let p = param_ident(&f.name);
                quote!(#p: #w)
            });
            let mut inits = TokenStream::new();
            for f in b.placed() {
                let val = if !is_tag(&f) {
                    let p = param_ident(&f.name);
                    quote!(#p)
                } else if u.tag_slices.len() == 1 {
                    quote!(#tag_const)
                } else {
                    // A slice of a sliced tag: OR in its (validated) bits directly.
                    let mut pos = 0;
                    let mut v = 0;
                    for s in &u.tag_slices {
                        let sf = b.find(s).expect("validated");
                        if *s == f.name {
                            v = (value >> pos) & low_mask(sf.size);
                        }
                        pos += sf.size;
                    }
                    if v != 0 {
                        let i = Literal::usize_unsuffixed((f.offset / u.base.bits) as usize);
                        let v = hex(v << (f.offset % u.base.bits));
                        inits.extend(quote!(words[#i] |= #v;));
                    }
                    continue;
                };
                let what = format!("{}::{}_new: {}", u.name, b.name, f.name);
                inits.extend(store(&quote!(words), &f, &val, u.base, &what, !is_tag(&f)));
            }
            let new = format_ident!("{}_new", b.name);
            let doc = format!(
                "Creates a `{}` holding the `{}` member (C: `{}_{}_new`).",
                u.name, b.name, u.name, b.name
            );
            methods.extend(quote! {
                #[doc = #doc]
                #[inline]
                #[must_use]
                #[allow(non_snake_case, unused_mut, clippy::too_many_arguments)]
                pub const fn #new(#(#params),*) -> Self {
                    let mut words: [#w; #n] = [0; #n];
                    #inits
                    Self { words }
                }
            });
            for f in b.placed().iter().filter(|f| !is_tag(f)) {
                let getter = format_ident!("{}_get_{}", b.name, f.name);
                let setter = format_ident!("{}_set_{}", b.name, f.name);
                let read = load(&quote!(self.words), f, u.base);
                let what = format!("{}::{}_set_{}", u.name, b.name, f.name);
                let write = store(&quote!(self.words), f, &quote!(v), u.base, &what, true);
                methods.extend(width_const(&format!("{}_{}_BITS", b.name, f.name), f));
                let msg = format!("{} does not hold a {}", u.name, b.name);
                let gdoc = format!(
                    "Reads field `{}` of the `{}` member (C: `{}_{}_get_{}`).",
                    f.name, b.name, u.name, b.name, f.name
                );
                let sdoc = format!(
                    "Writes field `{}` of the `{}` member (C: `{}_{}_set_{}`).",
                    f.name, b.name, u.name, b.name, f.name
                );
                methods.extend(quote! {
                    #[doc = #gdoc]
                    #[inline]
                    #[must_use]
                    #[allow(non_snake_case)]
                    pub const fn #getter(&self) -> #w {
                        debug_assert!(self.#get_tag() == #tag_const, #msg);
                        #read
                    }
                    #[doc = #sdoc]
                    #[inline]
                    #[allow(non_snake_case)]
                    pub fn #setter(&mut self, v: #w) {
                        debug_assert!(self.#get_tag() == #tag_const, #msg);
                        #write
                    }
                });
            }
        }

        let sdoc = format!(
            "The tagged union `{}` (C: `{}_t`), discriminated by `{}`.",
            u.name, u.name, u.tag_name
        );
        let adoc = format!("Alias matching the C name `{}_t`.", u.name);
        let tdoc = format!(
            "The type of the `{}_*` tag constants (C: `{}_tag_t`).",
            u.name, u.name
        );
        let gdoc = format!(
            "Reads the tag `{}` (C: `{}_get_{}`).",
            u.tag_name, u.name, u.tag_name
        );
        let mut out = common_struct(&name, &alias, &w, &n, &sdoc, &adoc);
        out.extend(quote! {
            #[doc = #tdoc]
            #[allow(non_camel_case_types)]
            pub type #tag_alias = #w;
            #consts
            impl #name {
                #[doc = #gdoc]
                #[inline]
                #[must_use]
                #[allow(non_snake_case)]
                pub const fn #get_tag(&self) -> #w {
                    #tag_body
                }
                #methods
            }
        });
        out
    }
}

// ---------------------------------------------------------------------------------------------
// Code generation helpers

fn word_type(b: Base) -> Ident {
    format_ident!("u{}", b.bits)
}

fn hex(v: u64) -> Literal {
    let digits = format!("{v:x}");
    let mut grouped = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 4 == 0 {
            grouped.push('_');
        }
        grouped.push(c);
    }
    format!("0x{grouped}").parse().expect("hex literal")
}

fn param_ident(name: &str) -> Ident {
    match name {
        "self" | "Self" | "super" | "crate" => format_ident!("{}_", name),
        n if is_keyword(n) => Ident::new_raw(n, Span::call_site()),
        n => format_ident!("{}", n),
    }
}

/// `(src >> shift) & mask(width)`, omitting no-op parts; `src` must be a simple operand.
fn shifted_mask(src: TokenStream, shift: u32, width: u32, base: Base) -> TokenStream {
    let s = Literal::u32_unsuffixed(shift);
    match (shift == 0, width >= base.bits) {
        (true, true) => src,
        (false, true) => quote!(#src >> #s),
        (true, false) => {
            let m = hex(low_mask(width));
            quote!(#src & #m)
        }
        (false, false) => {
            let m = hex(low_mask(width));
            quote!((#src >> #s) & #m)
        }
    }
}

/// Bits `canonical_bits .. bits` set (the `field_high` sign extension), or 0.
fn high_bits(b: Base) -> u64 {
    if b.canonical_bits >= b.bits {
        0
    } else {
        low_mask(b.bits) & !low_mask(b.canonical_bits)
    }
}

/// An expression reading field `f` from `words`.
fn load(words: &TokenStream, f: &Placed, b: Base) -> TokenStream {
    let i = Literal::usize_unsuffixed((f.offset / b.bits) as usize);
    let raw = shifted_mask(quote!(#words[#i]), f.offset % b.bits, f.size, b);
    if !f.high {
        return raw;
    }
    let low = b.canonical_bits - f.size;
    let value = if low == 0 {
        raw
    } else {
        let low = Literal::u32_unsuffixed(low);
        quote!((#raw) << #low)
    };
    let hb = high_bits(b);
    if b.sign_extend && hb != 0 {
        let sign = hex(1 << (b.canonical_bits - 1));
        let hb = hex(hb);
        quote! {{
            let r = #value;
            if r & #sign != 0 { r | #hb } else { r }
        }}
    } else {
        value
    }
}

/// Statements writing `val` into field `f` of `words` (masking, with debug assertions).
///
/// Without `checked`, `val` is known to fit (a validated tag value) and no assertions are emitted.
fn store(
    words: &TokenStream,
    f: &Placed,
    val: &TokenStream,
    b: Base,
    what: &str,
    checked: bool,
) -> TokenStream {
    let i = Literal::usize_unsuffixed((f.offset / b.bits) as usize);
    let p = f.offset % b.bits;
    let mut out = TokenStream::new();
    let mut asserts = TokenStream::new();
    let stored = if !f.high {
        if f.size < b.bits {
            let m = hex(low_mask(f.size));
            let msg = format!("{what}: value does not fit in {} bits", f.size);
            asserts.extend(quote!(debug_assert!(#val & !#m == 0, #msg);));
            quote!(#val & #m)
        } else {
            val.clone()
        }
    } else {
        let low = b.canonical_bits - f.size;
        if low > 0 {
            let lowl = Literal::u32_unsuffixed(low);
            let msg = format!("{what}: value is not aligned to 2^{low}");
            asserts.extend(quote!(debug_assert!(#val.trailing_zeros() >= #lowl, #msg);));
        }
        let hb = high_bits(b);
        if hb != 0 {
            let hbl = hex(hb);
            if b.sign_extend {
                let sign = hex(1 << (b.canonical_bits - 1));
                let msg = format!(
                    "{what}: value is not sign extended from bit {}",
                    b.canonical_bits - 1
                );
                asserts.extend(quote! {
                    debug_assert!(
                        #val & #hbl == if #val & #sign != 0 { #hbl } else { 0 },
                        #msg
                    );
                });
            } else {
                let msg = format!("{what}: value exceeds {} bits", b.canonical_bits);
                asserts.extend(quote!(debug_assert!(#val & #hbl == 0, #msg);));
            }
        }
        shifted_mask(val.clone(), low, f.size, b)
    };
    if checked {
        out.extend(asserts);
    }
    if f.size >= b.bits {
        out.extend(quote!(#words[#i] = #stored;));
    } else {
        let wm = hex(low_mask(f.size) << p);
        let placed = if p == 0 {
            stored
        } else {
            let p = Literal::u32_unsuffixed(p);
            quote!((#stored) << #p)
        };
        out.extend(quote!(#words[#i] = (#words[#i] & !#wm) | (#placed);));
    }
    out
}

fn common_struct(
    name: &Ident,
    alias: &Ident,
    w: &Ident,
    n: &Literal,
    doc: &str,
    alias_doc: &str,
) -> TokenStream {
    quote! {
        #[doc = #doc]
        #[repr(transparent)]
        #[derive(Clone, Copy, PartialEq, Eq, Debug)]
        #[allow(non_camel_case_types)]
        pub struct #name {
            /// The raw words, least significant word first.
            pub words: [#w; #n],
        }
        #[doc = #alias_doc]
        #[allow(non_camel_case_types)]
        pub type #alias = #name;
        impl Default for #name {
            #[inline]
            fn default() -> Self {
                Self { words: [0; #n] }
            }
        }
    }
}

/// The associated constant `name: u32` holding the width of field `f`: the
/// number of value bits it stores (for a `field_high`, the top bits of a
/// pointer), so that callers can check a value fits before it is masked.
fn width_const(name: &str, f: &Placed) -> TokenStream {
    let c = format_ident!("{}", name);
    let size = Literal::u32_unsuffixed(f.size);
    let doc = format!(
        "Width in bits of field `{}`: a value must fit in it (the constructor and setter mask it).",
        f.name
    );
    quote! {
        #[doc = #doc]
        #[allow(non_upper_case_globals)]
        pub const #c: u32 = #size;
    }
}

fn gen_block(b: &Block) -> TokenStream {
    let name = format_ident!("{}", b.name);
    let alias = format_ident!("{}_t", b.name);
    let w = word_type(b.base);
    let n = Literal::usize_unsuffixed((b.size() / b.base.bits) as usize);
    let params = b.args().into_iter().map(|f| {
        let p = param_ident(&f.name);
        quote!(#p: #w)
    });
    let mut inits = TokenStream::new();
    let mut methods = TokenStream::new();
    for f in b.placed() {
        let p = param_ident(&f.name);
        inits.extend(store(
            &quote!(words),
            &f,
            &quote!(#p),
            b.base,
            &format!("{}::new: {}", b.name, f.name),
            true,
        ));
        let getter = format_ident!("get_{}", f.name);
        let setter = format_ident!("set_{}", f.name);
        let read = load(&quote!(self.words), &f, b.base);
        let what = format!("{}::set_{}", b.name, f.name);
        let write = store(&quote!(self.words), &f, &quote!(v), b.base, &what, true);
        methods.extend(width_const(&format!("{}_BITS", f.name), &f));
        let gdoc = format!("Reads field `{}` (C: `{}_get_{}`).", f.name, b.name, f.name);
        let sdoc = format!(
            "Writes field `{}` (C: `{}_set_{}`).",
            f.name, b.name, f.name
        );
        methods.extend(quote! {
            #[doc = #gdoc]
            #[inline]
            #[must_use]
            #[allow(non_snake_case)]
            pub const fn #getter(&self) -> #w {
                #read
            }
            #[doc = #sdoc]
            #[inline]
            #[allow(non_snake_case)]
            pub fn #setter(&mut self, v: #w) {
                #write
            }
        });
    }
    let sdoc = format!("The bitfield block `{}` (C: `{}_t`).", b.name, b.name);
    let adoc = format!("Alias matching the C name `{}_t`.", b.name);
    let ndoc = format!(
        "Creates a `{}` from its fields (C: `{}_new`).",
        b.name, b.name
    );
    let mut out = common_struct(&name, &alias, &w, &n, &sdoc, &adoc);
    out.extend(quote! {
        impl #name {
            #[doc = #ndoc]
            #[inline]
            #[must_use]
            #[allow(non_snake_case, unused_mut, clippy::too_many_arguments)]
            pub const fn new(#(#params),*) -> Self {
                let mut words: [#w; #n] = [0; #n];
                #inits
                Self { words }
            }
            #methods
        }
    });
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fmt::Write as _;
    use std::path::{Path, PathBuf};
    use std::process::Command;

    // -----------------------------------------------------------------------------------------
    // Inputs

    struct DataSet {
        name: String,
        files: Vec<(String, String)>,
    }

    fn interfaces_dir() -> PathBuf {
        std::env::var_os("SEL4_INTERFACES_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../../shared/sel4-interfaces")
            })
    }

    fn read(p: &Path) -> String {
        std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    fn current_set(variant: &str) -> DataSet {
        let dir = interfaces_dir().join(variant).join("sel4");
        // A test that cannot run must not pass: the data set is its input.
        assert!(
            dir.exists(),
            "{} is absent: data set {variant} is this test's input (set SEL4_INTERFACES_DIR)",
            dir.display()
        );
        DataSet {
            name: variant.into(),
            files: ["shared_types.pbf", "sel4_arch/types.pbf"]
                .iter()
                .map(|f| (f.to_string(), read(&dir.join(f))))
                .collect(),
        }
    }

    fn registry_libsel4() -> Option<PathBuf> {
        let home = std::env::var_os("CARGO_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")))?;
        let mut dirs: Vec<_> = std::fs::read_dir(home.join("registry/src"))
            .ok()?
            .flatten()
            .collect();
        dirs.sort_by_key(|d| d.path());
        dirs.into_iter()
            .map(|d| d.path().join("sel4-sys-0.0.28/seL4/libsel4"))
            .find(|p| p.exists())
    }

    /// The seL4 5.0 files from the `sel4-sys` 0.0.28 registry copy, preprocessed with `cpp -P`
    /// like the kernel build does (or, without `cpp`, with the `#include` done by hand).
    fn legacy_set(debug_api: bool) -> DataSet {
        let l = registry_libsel4().expect(
            "the sel4-sys 0.0.28 registry copy (the 5.0 data set) is absent: \
             `python3 tools/kernel/provision.py` fetches it",
        );
        let tmp = scratch_dir(&format!("cpp-{debug_api}"));
        std::fs::write(tmp.join("autoconf.h"), "").unwrap();
        let files = [
            "include/sel4/shared_types_64.bf",
            "include/sel4/types_64.bf",
            "sel4_arch_include/x86_64/sel4/sel4_arch/types.bf",
        ];
        let mut out = Vec::new();
        for f in files {
            let mut cmd = Command::new("cpp");
            cmd.arg("-P").arg(format!("-I{}", tmp.display()));
            for inc in ["include", "arch_include/x86", "sel4_arch_include/x86_64"] {
                cmd.arg(format!("-I{}", l.join(inc).display()));
            }
            if debug_api {
                cmd.arg("-DCONFIG_HARDWARE_DEBUG_API");
            }
            let text = match cmd.arg(l.join(f)).output() {
                Ok(o) if o.status.success() => String::from_utf8(o.stdout).unwrap(),
                _ => {
                    eprintln!("note: cpp unavailable; treating `#` lines as comments");
                    let mut t = read(&l.join(f));
                    if f.ends_with("sel4_arch/types.bf") {
                        t += &read(&l.join("arch_include/x86/sel4/arch/shared_types.bf"));
                    }
                    t
                }
            };
            out.push((f.to_string(), text));
        }
        let _ = std::fs::remove_dir_all(&tmp);
        let name = if debug_api { "5.0-debug-api" } else { "5.0" };
        DataSet {
            name: name.into(),
            files: out,
        }
    }

    /// Exercises what the seL4 files do not: field_high with and without sign extension,
    /// other bases, visible order, keyword field names, mask classes and tag slices.
    const SYNTHETIC: &str = r"
        /* block comment
           spanning lines */
        base 64(48,1)
        block ptrs(ptr, info, other, sptr) {
            field_high ptr 36   -- 4K-aligned canonical pointer
            field info 16
            field other 12
            field_high sptr 48
            padding 16
        }
        block kw(type, ref) {
            field ref 32
            field type 32
        }
        base 64
        block plain_high { field_high top 20  padding 44 }
        base 64(48,0)
        block nse { padding 24  field_high p 40 }
        base 32
        block small {
            field a 1
            field b 30
            padding 1
            field self 24
            field c 8
        }
        block tagA { field x 20  padding 8  field t 4 }
        block tagB { field y 24  field t 8 }
        tagged_union tu t {
            mask 4 0xe
            mask 8 0xe
            tag tagA 1
            tag tagB 15
        }
        block sA { padding 25  field th 2  padding 4  field tl 1 }
        block sB { padding 25  field th 2  field some 4  field tl 1 }
        tagged_union su stype(th, tl) {
            tag sA (0, 0)
            tag sB (2, 1)
        }
        # leftover preprocessor line
        base 16
        block h { field lo 0x8  field hi 010 }
    ";

    fn all_sets() -> Vec<DataSet> {
        let mut v = vec![DataSet {
            name: "synthetic".into(),
            files: vec![("synthetic.pbf".into(), SYNTHETIC.into())],
        }];
        v.push(current_set("16.0.0-dev-x86_64"));
        v.push(current_set("16.0.0-dev-x86_64-mcs"));
        v.push(legacy_set(false));
        v.push(legacy_set(true));
        v
    }

    fn parse_set(set: &DataSet) -> Vec<BitfieldFile> {
        set.files
            .iter()
            .map(|(n, t)| parse(t).unwrap_or_else(|e| panic!("{}/{n}: {e}", set.name)))
            .collect()
    }

    // -----------------------------------------------------------------------------------------
    // Compiling generated code

    /// A fresh directory, unique per call: tests run on several threads of one
    /// process and may ask for the same tag at once.
    fn scratch_dir(tag: &str) -> PathBuf {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let d =
            std::env::temp_dir().join(format!("sel4-bitfield-{}-{n}-{tag}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn rustc() -> String {
        std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into())
    }

    fn generated_source(files: &[BitfieldFile]) -> String {
        let mut ts = TokenStream::new();
        for f in files {
            ts.extend(f.generate());
        }
        let file = syn::parse_file(&ts.to_string()).expect("generated code parses");
        prettyplease::unparse(&file)
    }

    fn run_rustc(dir: &Path, args: &[&str]) {
        let out = Command::new(rustc())
            .current_dir(dir)
            .args(["--edition", "2021"])
            .args(args)
            .output()
            .expect("run rustc");
        assert!(
            out.status.success(),
            "rustc {args:?} failed in {}:\n{}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }

    const PRELUDE: &str = "#![no_std]\n#![deny(warnings, missing_docs)]\n//! Test crate.\n\
        /// The seL4 word.\n#[allow(non_camel_case_types)]\npub type seL4_Word = u64;\n";

    // -----------------------------------------------------------------------------------------
    // Reference model: a bit-by-bit interpreter of the parsed layout, written independently of
    // the generator (it places fields upwards from bit 0, walking the file backwards).

    struct RefField {
        name: String,
        lsb: u32,
        size: u32,
        high: bool,
    }

    struct RefLayout {
        bits: u32,
        cbits: u32,
        se: bool,
        nwords: usize,
        fields: Vec<RefField>,
    }

    impl RefLayout {
        fn of(b: &Block) -> Self {
            let mut lsb = 0;
            let mut fields = Vec::new();
            for f in b.fields.iter().rev() {
                if let Some(n) = &f.name {
                    fields.push(RefField {
                        name: n.clone(),
                        lsb,
                        size: f.size,
                        high: f.high,
                    });
                }
                lsb += f.size;
            }
            RefLayout {
                bits: b.base.bits,
                cbits: b.base.canonical_bits,
                se: b.base.sign_extend,
                nwords: (lsb / b.base.bits) as usize,
                fields,
            }
        }

        fn field(&self, n: &str) -> &RefField {
            self.fields.iter().find(|f| f.name == n).unwrap()
        }

        /// Value bit that stored bit `k` of `f` holds.
        fn value_bit(&self, f: &RefField, k: u32) -> u32 {
            if f.high {
                self.cbits - f.size + k
            } else {
                k
            }
        }

        fn set(&self, words: &mut [u64], n: &str, v: u64) {
            let f = self.field(n);
            for k in 0..f.size {
                let bit = (v >> self.value_bit(f, k)) & 1;
                let pos = f.lsb + k;
                let (w, b) = ((pos / self.bits) as usize, pos % self.bits);
                words[w] = (words[w] & !(1 << b)) | (bit << b);
            }
        }

        fn get(&self, words: &[u64], n: &str) -> u64 {
            let f = self.field(n);
            let mut v = 0u64;
            for k in 0..f.size {
                let pos = f.lsb + k;
                let bit = (words[(pos / self.bits) as usize] >> (pos % self.bits)) & 1;
                v |= bit << self.value_bit(f, k);
            }
            if f.high && self.se && (v >> (self.cbits - 1)) & 1 == 1 {
                for k in self.cbits..self.bits {
                    v |= 1 << k;
                }
            }
            v
        }

        fn word_mask(&self) -> u64 {
            if self.bits == 64 {
                u64::MAX
            } else {
                (1 << self.bits) - 1
            }
        }

        /// A random value for field `n`: any word if `wide`, else one the field represents.
        fn value(&self, rng: &mut Rng, wide: bool, n: &str) -> u64 {
            let r = rng.next() & self.word_mask();
            if wide {
                return r;
            }
            let mut w = vec![0; self.nwords];
            self.set(&mut w, n, r);
            self.get(&w, n)
        }

        /// A value the field cannot represent (which the debug assertions must reject).
        fn bad_value(&self, n: &str) -> Option<u64> {
            let f = self.field(n);
            if !f.high {
                (f.size < self.bits).then(|| 1 << f.size)
            } else if self.cbits > f.size {
                Some(1)
            } else if self.cbits < self.bits {
                Some(1 << (self.bits - 1))
            } else {
                None
            }
        }
    }

    struct Rng(u64);

    impl Rng {
        fn next(&mut self) -> u64 {
            // splitmix64
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }
    }

    fn words_lit(w: &[u64]) -> String {
        let parts: Vec<String> = w.iter().map(|x| format!("{x:#x}")).collect();
        format!("[{}]", parts.join(", "))
    }

    /// Statements checking constructors, getters and setters of every block (standalone and
    /// union member) against the reference model. With `wide`, values do not fit their fields
    /// (to be run without debug assertions); otherwise they fit, and the debug assertions are
    /// checked to reject unrepresentable values.
    fn checks(file: &BitfieldFile, rng: &mut Rng, wide: bool) -> String {
        let mut s = String::new();
        let mut panics = String::new();
        for b in &file.blocks {
            let l = RefLayout::of(b);
            let member = file.unions.iter().find_map(|u| {
                u.tags
                    .iter()
                    .find(|t| t.0 == b.name)
                    .map(|t| (u, t.1.clone()))
            });
            let tag_fields: Vec<String> = member
                .as_ref()
                .map(|(u, _)| u.tag_slices.clone())
                .unwrap_or_default();
            let order: Vec<String> = b
                .visible_order
                .clone()
                .unwrap_or_else(|| b.fields.iter().filter_map(|f| f.name.clone()).collect());
            let args: Vec<&String> = order.iter().filter(|n| !tag_fields.contains(n)).collect();
            let (ctor, prefix) = match &member {
                Some((u, _)) => (
                    format!("{}::{}_new", u.name, b.name),
                    format!("{}_", b.name),
                ),
                None => (format!("{}::new", b.name), String::new()),
            };
            for round in 0..3 {
                let ctx = format!("{} round {round}", b.name);
                let mut words = vec![0u64; l.nwords];
                let mut compressed = 0u64;
                if let Some((u, vals)) = &member {
                    let mut pos = 0;
                    for (slice, v) in u.tag_slices.iter().zip(vals) {
                        l.set(&mut words, slice, *v);
                        compressed |= v << pos;
                        pos += l.field(slice).size;
                    }
                }
                let mut vals = Vec::new();
                for n in &args {
                    let v = l.value(rng, wide, n);
                    l.set(&mut words, n, v);
                    vals.push(format!("{v:#x}"));
                }
                let call = format!("{ctor}({})", vals.join(", "));
                writeln!(s, "{{ let mut x = {call};").unwrap();
                writeln!(s, "assert_eq!(x.words, {}, {ctx:?});", words_lit(&words)).unwrap();
                if let Some((u, _)) = &member {
                    writeln!(
                        s,
                        "assert_eq!(x.get_{}(), {}_{});",
                        u.tag_name, u.name, b.name
                    )
                    .unwrap();
                    writeln!(s, "assert_eq!({}_{}, {compressed:#x});", u.name, b.name).unwrap();
                }
                for n in &args {
                    let e = l.get(&words, n);
                    writeln!(s, "assert_eq!(x.{prefix}get_{n}(), {e:#x}, {ctx:?});").unwrap();
                }
                for n in &args {
                    let v = l.value(rng, wide, n);
                    l.set(&mut words, n, v);
                    let e = l.get(&words, n);
                    writeln!(s, "x.{prefix}set_{n}({v:#x});").unwrap();
                    writeln!(s, "assert_eq!(x.words, {}, {ctx:?});", words_lit(&words)).unwrap();
                    writeln!(s, "assert_eq!(x.{prefix}get_{n}(), {e:#x}, {ctx:?});").unwrap();
                }
                writeln!(s, "}}").unwrap();
                if round == 0 && !wide {
                    for (i, n) in args.iter().enumerate() {
                        let Some(bad) = l.bad_value(n) else { continue };
                        writeln!(
                            panics,
                            "assert!(std::panic::catch_unwind(|| {{ let mut y = {call}; \
                             y.{prefix}set_{n}({bad:#x}); }}).is_err(), \"set {}.{n}\");",
                            b.name
                        )
                        .unwrap();
                        let mut bad_args = vals.clone();
                        bad_args[i] = format!("{bad:#x}");
                        writeln!(
                            panics,
                            "assert!(std::panic::catch_unwind(|| {ctor}({})).is_err(), \"new {}.{n}\");",
                            bad_args.join(", "),
                            b.name
                        )
                        .unwrap();
                    }
                }
            }
        }
        // Member accessors check the tag.
        for u in &file.unions {
            let blocks: Vec<&Block> = u
                .tags
                .iter()
                .map(|t| file.blocks.iter().find(|b| b.name == t.0).unwrap())
                .collect();
            let accessor = blocks.iter().skip(1).find_map(|b| {
                b.fields
                    .iter()
                    .filter_map(|f| f.name.as_ref())
                    .find(|n| !u.tag_slices.contains(n))
                    .map(|n| format!("{}_get_{n}", b.name))
            });
            if let (Some(acc), false) = (accessor, wide) {
                let first = blocks[0];
                let nargs = first
                    .fields
                    .iter()
                    .filter(|f| f.name.as_ref().is_some_and(|n| !u.tag_slices.contains(n)))
                    .count();
                let zeros = vec!["0"; nargs].join(", ");
                writeln!(
                    panics,
                    "assert!(std::panic::catch_unwind(|| {}::{}_new({zeros}).{acc}()).is_err(), \"tag check {}\");",
                    u.name, first.name, u.name
                )
                .unwrap();
            }
        }
        if !panics.is_empty() {
            s += "let prev = std::panic::take_hook();\n";
            s += "std::panic::set_hook(Box::new(|_| {}));\n";
            s += &panics;
            s += "std::panic::set_hook(prev);\n";
        }
        s
    }

    /// Builds and runs a std program holding the generated code and `body` as `main`.
    fn run_program(tag: &str, files: &[BitfieldFile], body: &str, debug_assertions: bool) {
        let dir = scratch_dir(tag);
        let src = format!(
            "#![allow(dead_code, non_camel_case_types, non_snake_case, non_upper_case_globals, \
             unused_mut, clippy::all)]\npub type seL4_Word = u64;\n{}\nfn main() {{\n{body}\n}}\n",
            generated_source(files)
        );
        std::fs::write(dir.join("main.rs"), src).unwrap();
        let da = format!(
            "debug-assertions={}",
            if debug_assertions { "on" } else { "off" }
        );
        run_rustc(&dir, &["-C", &da, "-o", "prog", "main.rs"]);
        let out = Command::new(dir.join("prog"))
            .output()
            .expect("run test program");
        assert!(
            out.status.success(),
            "{tag}: generated program failed (sources in {}):\n{}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let _ = std::fs::remove_dir_all(&dir);
    }

    // -----------------------------------------------------------------------------------------
    // Tests

    #[test]
    fn parses_all_data_sets() {
        for set in all_sets() {
            let files = parse_set(&set);
            let names: Vec<String> = files.iter().flat_map(|f| f.block_names()).collect();
            eprintln!("{}: blocks {names:?}", set.name);
            assert!(names.iter().any(|n| n == "seL4_MessageInfo") || set.name == "synthetic");
        }
    }

    #[test]
    fn generated_code_compiles_no_std() {
        for set in all_sets() {
            let files = parse_set(&set);
            let dir = scratch_dir(&format!("lib-{}", set.name));
            let src = format!("{PRELUDE}{}", generated_source(&files));
            std::fs::write(dir.join("lib.rs"), src).unwrap();
            run_rustc(
                &dir,
                &["--crate-type", "lib", "--emit", "metadata", "lib.rs"],
            );
            let _ = std::fs::remove_dir_all(&dir);
        }
    }

    #[test]
    fn generation_is_deterministic() {
        for set in all_sets() {
            let a = generated_source(&parse_set(&set));
            let b = generated_source(&parse_set(&set));
            assert_eq!(a, b);
        }
    }

    #[test]
    fn round_trip_against_reference_model() {
        for set in all_sets() {
            let files = parse_set(&set);
            let mut rng = Rng(0x5e14);
            let mut fit = String::new();
            let mut wide = String::new();
            for f in &files {
                fit += &checks(f, &mut rng, false);
                wide += &checks(f, &mut rng, true);
            }
            run_program(&format!("fit-{}", set.name), &files, &fit, true);
            run_program(&format!("wide-{}", set.name), &files, &wide, false);
        }
    }

    #[test]
    fn known_values() {
        let files = [parse(SYNTHETIC).unwrap()];
        // Independently computed expectations.
        let body = r#"
            // field_high under base 64(48,1): a kernel (sign-extended) pointer.
            let p = ptrs::new(0xffff_8000_1234_5000, 0xbeef, 0xabc, 0x0000_7fff_ffff_fff8);
            // The first-listed fields are the most significant bits of the last word.
            assert_eq!(p.words[1], (0x8_0001_2345 << 28) | (0xbeef << 12) | 0xabc);
            assert_eq!(p.words[0], 0x7fff_ffff_fff8 << 16);
            assert_eq!(p.get_ptr(), 0xffff_8000_1234_5000);
            assert_eq!(p.get_sptr(), 0x0000_7fff_ffff_fff8);
            let mut q = p;
            q.set_sptr(0xffff_8000_0000_0001);
            assert_eq!(q.get_sptr(), 0xffff_8000_0000_0001);
            assert_eq!(q.words[0], 0x8000_0000_0001 << 16);
            // base 64(48,0): no sign extension.
            let n = nse::new(0x0000_8000_0000_0000);
            assert_eq!(n.get_p(), 0x0000_8000_0000_0000);
            // plain base 64 field_high keeps the top bits.
            assert_eq!(plain_high::new(0xfff0_0000_0000_0000).get_top(), 0xfff0_0000_0000_0000);
            assert_eq!(plain_high::new(0xfff0_0000_0000_0000).words[0], 0xfff00 << 44);
            // keyword names and visible order (type, ref)
            let k = kw::new(1, 2);
            assert_eq!(k.words[0], (2 << 32) | 1);
            assert_eq!((k.get_type(), k.get_ref()), (1, 2));
            // base 32, a field named `self`
            let s = small::new(1, 3, 0xabcdef, 0x12);
            assert_eq!(s.words, [(0xabcdef << 8) | 0x12, (1 << 31) | (3 << 1)]);
            // mask classes: 4-bit tag 1, 8-bit tag 15
            let a = tu::tagA_new(0xfffff);
            assert_eq!(a.words, [(0xfffff << 12) | 1]);
            assert_eq!(a.get_t(), tu_tagA);
            let b = tu::tagB_new(0x123456);
            assert_eq!(b.words, [(0x123456 << 8) | 15]);
            assert_eq!(b.get_t(), 15);
            // tag slices: (th, tl) = (2, 1) compresses to 2 | 1 << 2
            let c = su::sB_new(0xf);
            assert_eq!(c.words, [(2 << 5) | (0xf << 1) | 1]);
            assert_eq!((su_sA, su_sB, c.get_stype()), (0, 6, 6));
            assert_eq!(h::new(0xab, 0xcd).words, [0xabcd]);
            let _: u16 = h::new(0, 0).words[0];
        "#;
        run_program("known-synthetic", &files, body, true);
        // Truncation (debug assertions off): only the field's bits are kept.
        let trunc = r#"
            let p = ptrs::new(0xffff_8000_1234_5fff, 0xf_beef, 0xfabc, 0xffff_7fff_ffff_fff8);
            assert_eq!(p.get_ptr(), 0xffff_8000_1234_5000);
            assert_eq!((p.get_info(), p.get_other()), (0xbeef, 0xabc));
            assert_eq!(p.get_sptr(), 0x0000_7fff_ffff_fff8);
            let mut s = small::new(3, 0xffff_ffff, 0, 0x1ff);
            assert_eq!((s.get_a(), s.get_b(), s.get_c()), (1, 0x3fff_ffff, 0xff));
            s.set_c(0x100);
            assert_eq!((s.get_a(), s.get_b(), s.get_c()), (1, 0x3fff_ffff, 0));
        "#;
        run_program("trunc-synthetic", &files, trunc, false);

        let set = current_set("16.0.0-dev-x86_64");
        let files = parse_set(&set);
        let body = r#"
            let m = seL4_MessageInfo::new(0x123, 0b101, 2, 7);
            assert_eq!(m.words[0], (0x123 << 12) | (0b101 << 9) | (2 << 7) | 7);
            assert_eq!((m.get_label(), m.get_capsUnwrapped(), m.get_extraCaps(), m.get_length()),
                       (0x123, 0b101, 2, 7));
            let r = seL4_CapRights::new(1, 0, 1, 0);
            assert_eq!(r.words, [0b1010]);
            let d = seL4_CNode_CapData::new(0x1234, 6);
            assert_eq!(d.words, [(0x1234 << 6) | 6]);
            let f = seL4_Fault::VMFault_new(0x1000, 0xdead_b000, 1, 7);
            assert_eq!(f.get_seL4_FaultType(), seL4_Fault_VMFault);
            assert_eq!(seL4_Fault_VMFault, 5);
            assert_eq!(f.words[0], 5);
            assert_eq!(f.words[4], 0x1000);
            assert_eq!(f.VMFault_get_Addr(), 0xdead_b000);
            assert_eq!(f.words.len(), 20);
            let _: seL4_Fault_t = seL4_Fault::NullFault_new();
            let _: seL4_MessageInfo_t = m;
            assert_eq!(seL4_MessageInfo::label_BITS, 52);
            assert_eq!(seL4_CNode_CapData::guard_BITS + seL4_CNode_CapData::guardSize_BITS, 64);
        "#;
        run_program("known-16", &files, body, true);
    }

    #[test]
    fn errors_name_the_line() {
        let cases = [
            (
                "base 64\nblock x {\n    field a\n}\n",
                "line 4: expected field size",
            ),
            (
                "base 64\nblock x {\n    field a 20\n}\n",
                "line 2: block `x`: size 20 bits",
            ),
            (
                "block x { field a 64 }",
                "line 1: block `x` appears before any `base`",
            ),
            (
                "base 64\n\nblock x { field a 64 } @",
                "line 3: unexpected character `@`",
            ),
            (
                "base 64\nblock x { field a 0x }",
                "line 2: invalid integer literal `0x`",
            ),
            (
                "base 64\nfoo",
                "line 2: expected `base`, `block` or `tagged_union`, found `foo`",
            ),
            ("base 60", "line 1: invalid base 60"),
            (
                "base 64\nblock a { field t 64 }\n\ntagged_union u t { tag b 0 }",
                "line 4: tagged union `u`: tag `b` does not name a block",
            ),
            (
                "base 64\nblock a { padding 32 field x 40 padding 56 }",
                "line 2: block `a`: field `x` crosses a word boundary",
            ),
            (
                "base 64\nblock a { padding 60 field t 4 }\ntagged_union u t { tag a 16 }",
                "line 3: tagged union `u`: tag value 16 of `a` does not fit in 4 bits",
            ),
            ("base 64\n/* open", "line 2: unterminated `/*` comment"),
        ];
        for (text, want) in cases {
            let e = parse(text).expect_err(text);
            assert!(
                e.starts_with(want),
                "for {text:?}:\n got  {e}\n want {want}"
            );
        }
    }

    #[test]
    fn names() {
        let set = current_set("16.0.0-dev-x86_64-mcs");
        let files = parse_set(&set);
        assert_eq!(
            files[0].block_names(),
            ["seL4_MessageInfo", "seL4_CapRights", "seL4_CNode_CapData"]
        );
        assert_eq!(
            files[1].type_names(),
            ["seL4_X86_IOSpace_CapData", "seL4_Fault"]
        );
        let src = generated_source(&files);
        for needle in [
            "pub const seL4_Fault_Timeout: u64 = 5;",
            "pub const seL4_Fault_VMFault: u64 = 6;",
            "pub fn set_capsUnwrapped(&mut self, v: u64)",
            "pub const fn Timeout_get_consumed(&self) -> u64",
            "pub type seL4_Fault_t = seL4_Fault;",
            "pub const label_BITS: u32 = 52;",
            "pub const Timeout_consumed_BITS: u32 = 64;",
        ] {
            assert!(src.contains(needle), "missing {needle}");
        }
    }
}
