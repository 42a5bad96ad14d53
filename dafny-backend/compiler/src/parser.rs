//! A parser for the program Dafny 2.3 prints after resolution
//! (`/rprint` with `/printMode:NoGhost`): the grammar of Dafny's
//! compiled subset, with the printer's conventions (typed bound variables,
//! `{:trigger}` attributes, leftover `modifies`/`reads` clauses).

use crate::ast::*;
use crate::lexer::{Tok, Token};

type PResult<T> = Result<T, (u32, String)>;

struct Parser<'a> {
    toks: &'a [Token],
    pos: usize,
    /// Inside a `match` case body of an expression, `case` ends the body.
    no_struct: bool,
    /// Inside `|e|`: a `|` closes it.
    bar_depth: u32,
    /// Whether `|` may be read as bitwise or here.
    or_allowed: bool,
}

/// Parses the whole printed program into the top-level module `_module`.
pub fn parse(toks: &[Token]) -> PResult<Module> {
    let mut p = Parser {
        toks,
        pos: 0,
        no_struct: false,
        bar_depth: 0,
        or_allowed: true,
    };
    let decls = p.decls(true)?;
    Ok(Module {
        name: "_module".into(),
        is_abstract: false,
        refines: None,
        decls,
        line: 1,
    })
}

const SPEC_WORDS: &[&str] = &[
    "requires",
    "ensures",
    "modifies",
    "reads",
    "decreases",
    "invariant",
    "yield",
];

impl<'a> Parser<'a> {
    fn peek(&self) -> &Tok {
        &self.toks[self.pos].tok
    }
    fn peek_at(&self, n: usize) -> &Tok {
        &self.toks[(self.pos + n).min(self.toks.len() - 1)].tok
    }
    fn line(&self) -> u32 {
        self.toks[self.pos].line
    }
    fn bump(&mut self) -> Tok {
        let t = self.toks[self.pos].tok.clone();
        if self.pos < self.toks.len() - 1 {
            self.pos += 1;
        }
        t
    }
    fn is_sym(&self, s: &str) -> bool {
        matches!(self.peek(), Tok::Sym(x) if *x == s)
    }
    fn is_kw(&self, s: &str) -> bool {
        matches!(self.peek(), Tok::Ident(x) if x == s)
    }
    fn eat_sym(&mut self, s: &str) -> bool {
        if self.is_sym(s) {
            self.bump();
            true
        } else {
            false
        }
    }
    fn eat_kw(&mut self, s: &str) -> bool {
        if self.is_kw(s) {
            self.bump();
            true
        } else {
            false
        }
    }
    fn err<T>(&self, what: impl Into<String>) -> PResult<T> {
        Err((self.line(), what.into()))
    }
    fn expect_sym(&mut self, s: &str) -> PResult<()> {
        if self.eat_sym(s) {
            Ok(())
        } else {
            self.err(format!("expected `{s}`, found {}", self.describe()))
        }
    }
    fn describe(&self) -> String {
        match self.peek() {
            Tok::Ident(s) => format!("`{s}`"),
            Tok::Int(s) | Tok::Real(s) => format!("`{s}`"),
            Tok::Char(c) => format!("{c:?}"),
            Tok::Str(s) => format!("{s:?}"),
            Tok::Sym(s) => format!("`{s}`"),
            Tok::Eof => "the end of the input".into(),
        }
    }
    fn ident(&mut self) -> PResult<String> {
        match self.peek().clone() {
            Tok::Ident(s) => {
                self.bump();
                Ok(s)
            }
            _ => self.err(format!("expected a name, found {}", self.describe())),
        }
    }

    /// Skips `{:attr ...}` attributes, returning whether `{:extern}` was one.
    fn attributes(&mut self) -> bool {
        let mut ext = false;
        while self.is_sym("{") && matches!(self.peek_at(1), Tok::Sym(":")) {
            if matches!(self.peek_at(2), Tok::Ident(s) if s == "extern") {
                ext = true;
            }
            let mut depth = 0;
            loop {
                match self.bump() {
                    Tok::Sym("{") => depth += 1,
                    Tok::Sym("}") => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    Tok::Eof => break,
                    _ => {}
                }
            }
        }
        ext
    }

    /// Skips specification clauses up to the body (`{`) or the end of the
    /// declaration.
    fn skip_specs(&mut self) {
        loop {
            let Tok::Ident(w) = self.peek() else { return };
            if !SPEC_WORDS.contains(&w.as_str()) {
                return;
            }
            self.bump();
            // A clause is an expression list; it ends where a declaration
            // keyword, another clause or the body begins.
            let mut depth = 0i32;
            loop {
                match self.peek() {
                    Tok::Eof => return,
                    Tok::Sym("(") | Tok::Sym("[") => depth += 1,
                    Tok::Sym(")") | Tok::Sym("]") => depth -= 1,
                    Tok::Sym("{") if depth == 0 => {
                        // `{:attr}` in a clause, or a set display in
                        // `reads {this}`, or the body.
                        if matches!(self.peek_at(1), Tok::Sym(":")) {
                            self.attributes();
                            continue;
                        }
                        if self.body_follows() {
                            break;
                        }
                        self.skip_braces();
                        continue;
                    }
                    Tok::Sym("}") if depth == 0 => break,
                    Tok::Ident(s)
                        if depth == 0 && (SPEC_WORDS.contains(&s.as_str()) || is_decl_start(s)) =>
                    {
                        break
                    }
                    _ => {}
                }
                self.bump();
            }
        }
    }

    /// At a `{` in a clause: is it the body (a statement list or
    /// expression on the following lines) rather than a set display?
    fn body_follows(&self) -> bool {
        // The printer puts the body's `{` on a line of its own.
        let cur = self.toks[self.pos].line;
        let prev = self.toks[self.pos.saturating_sub(1)].line;
        cur != prev
    }

    fn skip_braces(&mut self) {
        let mut depth = 0;
        loop {
            match self.bump() {
                Tok::Sym("{") => depth += 1,
                Tok::Sym("}") => {
                    depth -= 1;
                    if depth == 0 {
                        return;
                    }
                }
                Tok::Eof => return,
                _ => {}
            }
        }
    }

    fn decls(&mut self, top: bool) -> PResult<Vec<Decl>> {
        let mut out = Vec::new();
        loop {
            if top && matches!(self.peek(), Tok::Eof) {
                break;
            }
            if !top && self.is_sym("}") {
                break;
            }
            if matches!(self.peek(), Tok::Eof) {
                return self.err("unexpected end of input in a module");
            }
            out.push(self.decl()?);
        }
        Ok(out)
    }

    fn decl(&mut self) -> PResult<Decl> {
        let line = self.line();
        let mut is_abstract = false;
        loop {
            if self.eat_kw("abstract") {
                is_abstract = true;
            } else if self.eat_kw("static") || self.eat_kw("protected") {
            } else {
                break;
            }
        }
        let ext = self.attributes();
        let Tok::Ident(kw) = self.peek().clone() else {
            return self.err(format!("expected a declaration, found {}", self.describe()));
        };
        match kw.as_str() {
            "module" => {
                self.bump();
                self.attributes();
                let name = self.dotted()?;
                let refines = if self.eat_kw("refines") {
                    Some(self.dotted()?)
                } else {
                    None
                };
                self.expect_sym("{")?;
                let decls = self.decls(false)?;
                self.expect_sym("}")?;
                Ok(Decl::Module(Module {
                    name: name.join("."),
                    is_abstract,
                    refines,
                    decls,
                    line,
                }))
            }
            "import" => {
                self.bump();
                let opened = self.eat_kw("opened");
                let first = self.dotted()?;
                let (alias, target) = if self.eat_sym("=") || self.eat_sym(":") {
                    (first.join("."), self.dotted()?)
                } else {
                    (first.last().cloned().unwrap_or_default(), first)
                };
                // `import A`s of an export set: `A`{Set}.
                if self.eat_sym("`") {
                    if self.is_sym("{") {
                        self.skip_braces();
                    } else {
                        self.ident()?;
                    }
                }
                Ok(Decl::Import(alias, target, opened))
            }
            "export" => {
                self.bump();
                // An export set only narrows what other modules see; the
                // resolver has checked every use against it.
                let _ = self.eat_ident_not_keyword();
                loop {
                    if self.eat_kw("provides") || self.eat_kw("reveals") || self.eat_kw("extends") {
                        loop {
                            if self.eat_sym("*") {
                            } else {
                                self.dotted()?;
                            }
                            if !self.eat_sym(",") {
                                break;
                            }
                        }
                    } else {
                        break;
                    }
                }
                Ok(Decl::Unsupported(String::new(), line))
            }
            "datatype" | "codatatype" => {
                self.bump();
                if kw == "codatatype" {
                    return Err((
                        line,
                        "codatatype (co-inductive datatypes) is not supported".into(),
                    ));
                }
                self.attributes();
                let name = self.ident()?;
                let type_params = self.type_params()?;
                self.expect_sym("=")?;
                let mut ctors = Vec::new();
                loop {
                    self.attributes();
                    let cname = self.ident()?;
                    let mut fields = Vec::new();
                    if self.eat_sym("(") {
                        let mut k = 0;
                        while !self.is_sym(")") {
                            self.eat_kw("ghost");
                            // `name: T` or just `T`.
                            let f = if matches!(self.peek_at(1), Tok::Sym(":"))
                                && matches!(self.peek(), Tok::Ident(_))
                            {
                                let n = self.ident()?;
                                self.expect_sym(":")?;
                                Formal {
                                    name: n,
                                    ty: self.ty()?,
                                }
                            } else {
                                Formal {
                                    name: format!("_{k}"),
                                    ty: self.ty()?,
                                }
                            };
                            fields.push(f);
                            k += 1;
                            if !self.eat_sym(",") {
                                break;
                            }
                        }
                        self.expect_sym(")")?;
                    }
                    ctors.push(Ctor {
                        name: cname,
                        fields,
                    });
                    if !self.eat_sym("|") {
                        break;
                    }
                }
                let members = if self.is_sym("{") {
                    self.bump();
                    let m = self.members()?;
                    self.expect_sym("}")?;
                    m
                } else {
                    vec![]
                };
                Ok(Decl::Datatype {
                    name,
                    type_params,
                    ctors,
                    members,
                    line,
                })
            }
            "newtype" => {
                self.bump();
                self.attributes();
                let name = self.ident()?;
                self.expect_sym("=")?;
                let (base, constraint) = self.subset_rhs()?;
                self.witness()?;
                let members = if self.is_sym("{") && !matches!(self.peek_at(1), Tok::Sym(":")) {
                    self.bump();
                    let m = self.members()?;
                    self.expect_sym("}")?;
                    m
                } else {
                    vec![]
                };
                Ok(Decl::Newtype {
                    name,
                    base,
                    constraint,
                    members,
                    line,
                })
            }
            "type" => {
                self.bump();
                self.attributes();
                let name = self.ident()?;
                let type_params = self.type_params()?;
                // `type T(==)` characteristics.
                if self.is_sym("(") {
                    self.skip_parens()?;
                }
                if !self.eat_sym("=") {
                    // An opaque type: fine in an abstract module that a
                    // refinement completes; an error where it is compiled.
                    return Ok(Decl::Unsupported(
                        format!("opaque type `{name}` (no definition)"),
                        line,
                    ));
                }
                let (base, _) = self.subset_rhs()?;
                self.witness()?;
                Ok(Decl::Synonym {
                    name,
                    type_params,
                    base,
                    line,
                })
            }
            "class" | "trait" => {
                self.bump();
                let ext2 = self.attributes();
                let name = self.ident()?;
                let type_params = self.type_params()?;
                let mut extends = Vec::new();
                if self.eat_kw("extends") {
                    loop {
                        extends.push(self.ty()?);
                        if !self.eat_sym(",") {
                            break;
                        }
                    }
                }
                self.expect_sym("{")?;
                let members = self.members()?;
                self.expect_sym("}")?;
                Ok(Decl::Class {
                    name,
                    is_trait: kw == "trait",
                    type_params,
                    extends,
                    members,
                    is_extern: ext || ext2,
                    line,
                })
            }
            "iterator" => Err((line, "iterator is not supported".into())),
            _ => {
                let mut ms = self.member_with(ext)?;
                Ok(match ms.pop() {
                    Some(m) => Decl::Member(m),
                    None => Decl::Unsupported(String::new(), line),
                })
            }
        }
    }

    fn eat_ident_not_keyword(&mut self) -> Option<String> {
        match self.peek() {
            Tok::Ident(s) if !matches!(s.as_str(), "provides" | "reveals" | "extends") => {
                let s = s.clone();
                self.bump();
                Some(s)
            }
            _ => None,
        }
    }

    fn skip_parens(&mut self) -> PResult<()> {
        let mut depth = 0;
        loop {
            match self.bump() {
                Tok::Sym("(") => depth += 1,
                Tok::Sym(")") => {
                    depth -= 1;
                    if depth == 0 {
                        return Ok(());
                    }
                }
                Tok::Eof => return self.err("unbalanced parentheses"),
                _ => {}
            }
        }
    }

    fn witness(&mut self) -> PResult<()> {
        if self.eat_kw("ghost") {
            // ghost witness
        }
        if self.eat_kw("witness") && !self.eat_sym("*") {
            self.expr()?;
        }
        Ok(())
    }

    /// `x: T | constraint` or `T`.
    fn subset_rhs(&mut self) -> PResult<(Type, Option<(String, Expr)>)> {
        if matches!(self.peek(), Tok::Ident(_)) && matches!(self.peek_at(1), Tok::Sym(":")) {
            let v = self.ident()?;
            self.expect_sym(":")?;
            let base = self.ty()?;
            self.expect_sym("|")?;
            let c = self.expr()?;
            Ok((base, Some((v, c))))
        } else {
            Ok((self.ty()?, None))
        }
    }

    fn dotted(&mut self) -> PResult<Vec<String>> {
        let mut v = vec![self.ident()?];
        while self.is_sym(".") && matches!(self.peek_at(1), Tok::Ident(_)) {
            self.bump();
            v.push(self.ident()?);
        }
        Ok(v)
    }

    fn type_params(&mut self) -> PResult<Vec<String>> {
        let mut v = Vec::new();
        if self.eat_sym("<") {
            loop {
                // variance marks and characteristics: `+T`, `T(==)`, `T(0)`.
                let _ = self.eat_sym("+") || self.eat_sym("-") || self.eat_sym("!");
                v.push(self.ident()?);
                if self.is_sym("(") {
                    self.skip_parens()?;
                }
                if !self.eat_sym(",") {
                    break;
                }
            }
            self.close_angle()?;
        }
        Ok(v)
    }

    fn close_angle(&mut self) -> PResult<()> {
        if self.eat_sym(">") {
            return Ok(());
        }
        // `>>` closing two lists: split it.
        if self.is_sym(">>") {
            let line = self.line();
            let mut toks = self.toks.to_vec();
            let col = toks[self.pos].col;
            toks[self.pos] = Token {
                tok: Tok::Sym(">"),
                line,
                col,
            };
            toks.insert(
                self.pos,
                Token {
                    tok: Tok::Sym(">"),
                    line,
                    col,
                },
            );
            // Leak the new vector: the parser owns slices of tokens for its
            // whole run, and this happens a few times per program at most.
            self.toks = Box::leak(toks.into_boxed_slice());
            self.bump();
            return Ok(());
        }
        self.err(format!("expected `>`, found {}", self.describe()))
    }

    /// A type.
    pub fn ty(&mut self) -> PResult<Type> {
        let t = self.ty_atom()?;
        if self.is_sym("->") || self.is_sym("-->") || self.is_sym("~>") {
            self.bump();
            let r = self.ty()?;
            let args = match t {
                Type::Tuple(ts) => ts,
                t => vec![t],
            };
            return Ok(Type::Arrow(args, Box::new(r)));
        }
        Ok(t)
    }

    fn ty_atom(&mut self) -> PResult<Type> {
        if self.eat_sym("(") {
            let mut ts = Vec::new();
            while !self.is_sym(")") {
                ts.push(self.ty()?);
                if !self.eat_sym(",") {
                    break;
                }
            }
            self.expect_sym(")")?;
            if ts.len() == 1 && !(self.is_sym("->") || self.is_sym("-->") || self.is_sym("~>")) {
                return Ok(ts.pop().unwrap_or(Type::Tuple(vec![])));
            }
            return Ok(Type::Tuple(ts));
        }
        let path = self.dotted()?;
        let mut args = Vec::new();
        let simple = path.len() == 1
            && (matches!(
                path[0].as_str(),
                "int"
                    | "nat"
                    | "bool"
                    | "char"
                    | "real"
                    | "string"
                    | "object"
                    | "object?"
                    | "ORDINAL"
            ) || (path[0].starts_with("bv") && path[0][2..].parse::<u32>().is_ok()));
        if self.is_sym("<") && !simple {
            self.bump();
            loop {
                args.push(self.ty()?);
                if !self.eat_sym(",") {
                    break;
                }
            }
            self.close_angle()?;
        }
        Ok(Type::Named(path, args))
    }

    fn members(&mut self) -> PResult<Vec<Member>> {
        let mut out = Vec::new();
        while !self.is_sym("}") {
            if matches!(self.peek(), Tok::Eof) {
                return self.err("unexpected end of input in a class");
            }
            let ext = self.attributes();
            out.extend(self.member_with(ext)?);
        }
        Ok(out)
    }

    /// One member; ghost members are skipped (none should be printed).
    fn member_with(&mut self, mut ext: bool) -> PResult<Vec<Member>> {
        let line = self.line();
        let mut is_static = false;
        let mut ghost = false;
        loop {
            if self.eat_kw("static") {
                is_static = true;
            } else if self.eat_kw("ghost") {
                ghost = true;
            } else if self.eat_kw("protected") {
            } else {
                break;
            }
            ext |= self.attributes();
        }
        let kw = self.ident()?;
        ext |= self.attributes();
        match kw.as_str() {
            "var" | "const" => {
                let mut out = Vec::new();
                loop {
                    self.attributes();
                    let name = self.ident()?;
                    let ty = if self.eat_sym(":") {
                        self.ty()?
                    } else {
                        return Err((line, format!("`{kw} {name}` without a printed type")));
                    };
                    let init = if self.eat_sym(":=") {
                        Some(self.expr()?)
                    } else {
                        None
                    };
                    let f = Formal { name, ty };
                    if !ghost {
                        out.push(if kw == "var" {
                            Member::Field(f, line)
                        } else {
                            Member::Const(f, init, is_static, line)
                        });
                    }
                    if !self.eat_sym(",") {
                        break;
                    }
                }
                self.eat_sym(";");
                Ok(out)
            }
            "method" | "constructor" | "function" | "predicate" | "lemma" | "twostate"
            | "inductive" | "copredicate" | "colemma" => {
                let is_fn = kw == "function" || kw == "predicate";
                let compiled_fn = is_fn && self.eat_kw("method");
                let kind = if kw == "constructor" {
                    CallableKind::Constructor
                } else if is_fn {
                    CallableKind::Function
                } else {
                    CallableKind::Method
                };
                if !matches!(kw.as_str(), "method" | "constructor") && !compiled_fn {
                    ghost = true;
                }
                ext |= self.attributes();
                let name = if kind == CallableKind::Constructor && self.is_sym("(") {
                    "_ctor".to_string()
                } else {
                    self.ident()?
                };
                let type_params = self.type_params()?;
                let ins = self.formals()?;
                let mut outs = Vec::new();
                if kind == CallableKind::Function {
                    if kw == "predicate" {
                        outs.push(Formal {
                            name: "_result".into(),
                            ty: Type::Named(vec!["bool".into()], vec![]),
                        });
                    } else {
                        self.expect_sym(":")?;
                        // `: (r: T)` names the result.
                        let ty = if self.is_sym("(")
                            && matches!(self.peek_at(1), Tok::Ident(_))
                            && matches!(self.peek_at(2), Tok::Sym(":"))
                        {
                            self.bump();
                            self.ident()?;
                            self.expect_sym(":")?;
                            let t = self.ty()?;
                            self.expect_sym(")")?;
                            t
                        } else {
                            self.ty()?
                        };
                        outs.push(Formal {
                            name: "_result".into(),
                            ty,
                        });
                    }
                } else if self.eat_kw("returns") {
                    outs = self.formals()?;
                }
                self.skip_specs();
                let (mut body, mut expr) = (None, None);
                if self.is_sym("{") {
                    self.bump();
                    if kind == CallableKind::Function {
                        expr = Some(self.expr()?);
                        self.expect_sym("}")?;
                    } else {
                        body = Some(self.stmts()?);
                        self.expect_sym("}")?;
                    }
                }
                if ghost {
                    return Ok(vec![]);
                }
                Ok(vec![Member::Callable(Callable {
                    name,
                    kind,
                    is_static,
                    is_extern: ext,
                    type_params,
                    ins,
                    outs,
                    body,
                    expr,
                    line,
                })])
            }
            other => Err((line, format!("declaration `{other}` is not supported"))),
        }
    }

    fn formals(&mut self) -> PResult<Vec<Formal>> {
        self.expect_sym("(")?;
        let mut v = Vec::new();
        while !self.is_sym(")") {
            let ghost = self.eat_kw("ghost");
            let name = self.ident()?;
            self.expect_sym(":")?;
            let ty = self.ty()?;
            if !ghost {
                v.push(Formal { name, ty });
            }
            if !self.eat_sym(",") {
                break;
            }
        }
        self.expect_sym(")")?;
        Ok(v)
    }

    fn block(&mut self) -> PResult<Vec<Stmt>> {
        self.expect_sym("{")?;
        let s = self.stmts()?;
        self.expect_sym("}")?;
        Ok(s)
    }

    fn stmts(&mut self) -> PResult<Vec<Stmt>> {
        let mut v = Vec::new();
        while !self.is_sym("}") && !self.is_kw("case") {
            if matches!(self.peek(), Tok::Eof) {
                return self.err("unexpected end of input in a block");
            }
            if let Some(s) = self.stmt()? {
                v.push(s);
            }
        }
        Ok(v)
    }

    /// A case's statements: up to the next `case` at or left of `col`.
    fn stmts_in_case(&mut self, col: u32) -> PResult<Vec<Stmt>> {
        let mut v = Vec::new();
        loop {
            if self.is_sym("}") || matches!(self.peek(), Tok::Eof) {
                break;
            }
            if self.is_kw("case") && self.toks[self.pos].col <= col {
                break;
            }
            if let Some(s) = self.stmt()? {
                v.push(s);
            }
        }
        Ok(v)
    }

    fn stmt(&mut self) -> PResult<Option<Stmt>> {
        let line = self.line();
        let mk = |kind| Ok(Some(Stmt { kind, line }));
        if self.is_sym("{") {
            return mk(StmtKind::Block(self.block()?));
        }
        if self.eat_sym(";") {
            return Ok(None);
        }
        let Tok::Ident(kw) = self.peek().clone() else {
            return self.simple_stmt(line);
        };
        match kw.as_str() {
            "var" => {
                self.bump();
                self.attributes();
                if self.is_sym("(") {
                    let pat = self.pattern()?;
                    self.expect_sym(":=")?;
                    let e = self.expr()?;
                    self.expect_sym(";")?;
                    return mk(StmtKind::VarPattern(pat, e));
                }
                let mut vars = Vec::new();
                loop {
                    let n = self.ident()?;
                    let t = if self.eat_sym(":") {
                        Some(self.ty()?)
                    } else {
                        None
                    };
                    vars.push((n, t));
                    if !self.eat_sym(",") {
                        break;
                    }
                }
                let rhs = if self.eat_sym(":=") {
                    self.rhss()?
                } else if self.is_sym(":|") {
                    return Err((line, "let-such-that `:|` is not supported".into()));
                } else {
                    vec![]
                };
                self.expect_sym(";")?;
                mk(StmtKind::Var(vars, rhs))
            }
            "if" => {
                self.bump();
                if self.is_sym("{") {
                    return Err((
                        line,
                        "alternative `if { case ... }` is not supported".into(),
                    ));
                }
                let c = self.expr_no_struct()?;
                let then = self.block()?;
                let els = if self.eat_kw("else") {
                    if self.is_kw("if") {
                        let s = self.stmt()?;
                        Some(s.into_iter().collect())
                    } else {
                        Some(self.block()?)
                    }
                } else {
                    None
                };
                mk(StmtKind::If(c, then, els))
            }
            "while" => {
                self.bump();
                if self.is_sym("{") {
                    return Err((
                        line,
                        "alternative `while { case ... }` is not supported".into(),
                    ));
                }
                let c = self.expr_no_struct()?;
                self.skip_specs();
                let body = self.block()?;
                mk(StmtKind::While(c, body))
            }
            "break" => {
                self.bump();
                if self.is_kw("break") {
                    return Err((
                        line,
                        "`break break` (multi-level break) is not supported".into(),
                    ));
                }
                if let Tok::Ident(l) = self.peek().clone() {
                    self.bump();
                    self.expect_sym(";")?;
                    return mk(StmtKind::BreakTo(l));
                }
                self.expect_sym(";")?;
                mk(StmtKind::Break)
            }
            "return" => {
                self.bump();
                let r = if self.is_sym(";") {
                    vec![]
                } else {
                    self.rhss()?
                };
                self.expect_sym(";")?;
                mk(StmtKind::Return(r))
            }
            "print" => {
                self.bump();
                let mut es = Vec::new();
                loop {
                    es.push(self.expr()?);
                    if !self.eat_sym(",") {
                        break;
                    }
                }
                self.expect_sym(";")?;
                mk(StmtKind::Print(es))
            }
            "forall" => {
                self.bump();
                let vars = self.bound_vars()?;
                self.attributes();
                let range = if self.eat_sym("|") {
                    Some(self.expr_no_struct()?)
                } else {
                    None
                };
                self.skip_specs();
                let body = self.block()?;
                mk(StmtKind::Forall(vars, range, body))
            }
            "match" => {
                self.bump();
                let e = self.expr_no_struct()?;
                let braced = self.eat_sym("{");
                let mut cases = Vec::new();
                // Without braces, this match's cases are those at the
                // column of its first (a nested match's are further in).
                let case_col = self.toks[self.pos].col;
                while self.is_kw("case") && (braced || self.toks[self.pos].col == case_col) {
                    self.bump();
                    let p = self.pattern()?;
                    self.expect_sym("=>")?;
                    let body = self.stmts_in_case(case_col)?;
                    cases.push((p, body));
                }
                if braced {
                    self.expect_sym("}")?;
                }
                mk(StmtKind::Match(e, cases))
            }
            "assert" | "assume" | "calc" | "reveal" | "expect" => Err((
                line,
                format!("`{kw}` statement in the printed program is not supported"),
            )),
            "label" => {
                self.bump();
                let l = self.ident()?;
                self.expect_sym(":")?;
                match self.stmt()? {
                    Some(s) => mk(StmtKind::Labeled(l, Box::new(s))),
                    None => Ok(None),
                }
            }
            _ => self.simple_stmt(line),
        }
    }

    fn simple_stmt(&mut self, line: u32) -> PResult<Option<Stmt>> {
        let mk = |kind| Ok(Some(Stmt { kind, line }));
        let first = self.expr()?;
        if self.eat_sym(";") {
            return mk(StmtKind::Call(first));
        }
        let mut lhss = vec![first];
        while self.eat_sym(",") {
            lhss.push(self.expr()?);
        }
        if self.is_sym(":|") {
            return Err((line, "assign-such-that `:|` is not supported".into()));
        }
        self.expect_sym(":=")?;
        let rhs = self.rhss()?;
        self.expect_sym(";")?;
        mk(StmtKind::Assign(lhss, rhs))
    }

    fn rhss(&mut self) -> PResult<Vec<Rhs>> {
        let mut v = Vec::new();
        loop {
            v.push(self.rhs()?);
            if !self.eat_sym(",") {
                break;
            }
        }
        Ok(v)
    }

    fn rhs(&mut self) -> PResult<Rhs> {
        if self.eat_sym("*") {
            return Ok(Rhs::Havoc);
        }
        if self.eat_kw("new") {
            let t = self.ty_no_args_if_array()?;
            if self.eat_sym("[") {
                let mut dims = Vec::new();
                while !self.is_sym("]") {
                    dims.push(self.expr()?);
                    if !self.eat_sym(",") {
                        break;
                    }
                }
                self.expect_sym("]")?;
                if dims.is_empty() {
                    // `new T[] [a, b]`
                    self.expect_sym("[")?;
                    let mut elems = Vec::new();
                    while !self.is_sym("]") {
                        elems.push(self.expr()?);
                        if !self.eat_sym(",") {
                            break;
                        }
                    }
                    self.expect_sym("]")?;
                    return Ok(Rhs::NewArray(t, vec![], None, Some(elems)));
                }
                let init = if self.is_sym("(") {
                    Some(self.expr()?)
                } else {
                    None
                };
                return Ok(Rhs::NewArray(t, dims, init, None));
            }
            // `new C(args)`, `new C.Init(args)`, `new C<T>(args)`, `new C`.
            let (t, ctor) = match t {
                Type::Named(mut path, args)
                    if args.is_empty() && path.len() > 1 && !self.is_sym("<") =>
                {
                    // The last part may be a named constructor; the
                    // resolver tells which.
                    let last = path.pop();
                    (Type::Named(path, args), last)
                }
                t => (t, None),
            };
            let args = if self.is_sym("(") {
                self.call_args()?
            } else {
                vec![]
            };
            return Ok(Rhs::New(t, ctor, args));
        }
        Ok(Rhs::Expr(self.expr()?))
    }

    fn ty_no_args_if_array(&mut self) -> PResult<Type> {
        self.ty_atom()
    }

    fn call_args(&mut self) -> PResult<Vec<Expr>> {
        self.expect_sym("(")?;
        let mut v = Vec::new();
        let saved = self.no_struct;
        self.no_struct = false;
        while !self.is_sym(")") {
            v.push(self.expr()?);
            if !self.eat_sym(",") {
                break;
            }
        }
        self.no_struct = saved;
        self.expect_sym(")")?;
        Ok(v)
    }

    fn bound_vars(&mut self) -> PResult<Vec<(String, Option<Type>)>> {
        let mut v = Vec::new();
        loop {
            let n = self.ident()?;
            let t = if self.eat_sym(":") {
                Some(self.ty()?)
            } else {
                None
            };
            v.push((n, t));
            self.attributes();
            if !self.eat_sym(",") {
                break;
            }
        }
        Ok(v)
    }

    fn pattern(&mut self) -> PResult<Pattern> {
        match self.peek().clone() {
            Tok::Sym("(") => {
                self.bump();
                let mut ps = Vec::new();
                while !self.is_sym(")") {
                    ps.push(self.pattern()?);
                    if !self.eat_sym(",") {
                        break;
                    }
                }
                self.expect_sym(")")?;
                if ps.len() == 1 {
                    return Ok(ps.pop().unwrap_or(Pattern::Ctor(String::new(), vec![])));
                }
                Ok(Pattern::Ctor(String::new(), ps))
            }
            Tok::Int(_) | Tok::Char(_) | Tok::Str(_) | Tok::Real(_) => {
                let e = self.primary()?;
                match e.kind {
                    ExprKind::Lit(l) => Ok(Pattern::Lit(l)),
                    _ => self.err("bad literal pattern"),
                }
            }
            Tok::Sym("-") => {
                self.bump();
                match self.bump() {
                    Tok::Int(s) => Ok(Pattern::Lit(Lit::Int(format!("-{s}")))),
                    _ => self.err("bad negative literal pattern"),
                }
            }
            Tok::Ident(s) if s == "true" || s == "false" => {
                self.bump();
                Ok(Pattern::Lit(Lit::Bool(s == "true")))
            }
            Tok::Ident(_) => {
                let n = self.dotted()?.pop().unwrap_or_default();
                if self.is_sym("(") {
                    self.bump();
                    let mut ps = Vec::new();
                    while !self.is_sym(")") {
                        ps.push(self.pattern()?);
                        if !self.eat_sym(",") {
                            break;
                        }
                    }
                    self.expect_sym(")")?;
                    Ok(Pattern::Ctor(n, ps))
                } else if self.eat_sym(":") {
                    Ok(Pattern::Var(n, Some(self.ty()?)))
                } else {
                    Ok(Pattern::Var(n, None))
                }
            }
            _ => self.err(format!("expected a pattern, found {}", self.describe())),
        }
    }

    fn expr_no_struct(&mut self) -> PResult<Expr> {
        let saved = self.no_struct;
        self.no_struct = true;
        let e = self.expr();
        self.no_struct = saved;
        e
    }

    /// An expression.
    pub fn expr(&mut self) -> PResult<Expr> {
        self.equiv()
    }

    fn bin(&self, op: &'static str, l: Expr, r: Expr) -> Expr {
        let line = l.line;
        Expr {
            kind: ExprKind::Binary(op, Box::new(l), Box::new(r)),
            line,
        }
    }

    fn equiv(&mut self) -> PResult<Expr> {
        let mut l = self.implies()?;
        while self.eat_sym("<==>") {
            let r = self.implies()?;
            l = self.bin("<==>", l, r);
        }
        Ok(l)
    }

    fn implies(&mut self) -> PResult<Expr> {
        let l = self.logical()?;
        if self.eat_sym("==>") {
            let r = self.implies()?;
            return Ok(self.bin("==>", l, r));
        }
        if self.is_sym("<==") {
            let mut l = l;
            while self.eat_sym("<==") {
                let r = self.logical()?;
                // a <== b is b ==> a
                l = self.bin("==>", r, l);
            }
            return Ok(l);
        }
        Ok(l)
    }

    fn logical(&mut self) -> PResult<Expr> {
        // Leading `&&`/`||` (the printer never emits them, but Dafny allows).
        let _ = self.eat_sym("&&") || self.eat_sym("||");
        let mut l = self.relational()?;
        loop {
            if self.eat_sym("&&") {
                let r = self.relational()?;
                l = self.bin("&&", l, r);
            } else if self.eat_sym("||") {
                let r = self.relational()?;
                l = self.bin("||", l, r);
            } else {
                return Ok(l);
            }
        }
    }

    fn relational(&mut self) -> PResult<Expr> {
        let first = self.term()?;
        let mut operands = vec![first];
        let mut ops: Vec<&'static str> = Vec::new();
        loop {
            let op = match self.peek() {
                Tok::Sym(s @ ("==" | "!=" | "<" | "<=" | ">" | ">=" | "!!")) => *s,
                Tok::Ident(s) if s == "in" => "in",
                Tok::Sym("!") if matches!(self.peek_at(1), Tok::Ident(s) if s == "in") => {
                    self.bump();
                    "!in"
                }
                _ => break,
            };
            self.bump();
            ops.push(op);
            operands.push(self.term()?);
        }
        // Chains: a < b < c is a < b && b < c.
        let mut result: Option<Expr> = None;
        for (i, op) in ops.iter().enumerate() {
            let c = self.bin(op, operands[i].clone(), operands[i + 1].clone());
            result = Some(match result {
                None => c,
                Some(r) => self.bin("&&", r, c),
            });
        }
        Ok(result.unwrap_or_else(|| operands.remove(0)))
    }

    /// A left-associative chain of `next`s joined by the operators `ops`.
    fn left_assoc(
        &mut self,
        ops: &[&'static str],
        next: fn(&mut Self) -> PResult<Expr>,
    ) -> PResult<Expr> {
        let mut l = next(self)?;
        loop {
            let op = match self.peek() {
                Tok::Sym(s) if ops.contains(s) => *s,
                _ => return Ok(l),
            };
            self.bump();
            let r = next(self)?;
            l = self.bin(op, l, r);
        }
    }

    fn term(&mut self) -> PResult<Expr> {
        self.left_assoc(&["+", "-"], Self::shift)
    }

    /// Shifts bind tighter than `+` in what Dafny 2.3 prints (its printer
    /// omits the parentheses of `(x << n) + y`).
    fn shift(&mut self) -> PResult<Expr> {
        self.left_assoc(&["<<", ">>"], Self::factor)
    }

    fn factor(&mut self) -> PResult<Expr> {
        self.left_assoc(&["*", "/", "%"], Self::bvfactor)
    }

    fn bvfactor(&mut self) -> PResult<Expr> {
        let mut l = self.as_expr()?;
        loop {
            let op = match self.peek() {
                Tok::Sym(s @ ("&" | "^")) => *s,
                // `|` is bitwise or, unless it closes `|e|` or starts a range.
                Tok::Sym("|") if self.bar_is_or() => "|",
                _ => return Ok(l),
            };
            self.bump();
            let r = self.as_expr()?;
            l = self.bin(op, l, r);
        }
    }

    fn bar_is_or(&self) -> bool {
        self.bar_depth == 0 && self.or_allowed
    }

    fn as_expr(&mut self) -> PResult<Expr> {
        let mut e = self.unary()?;
        while self.is_kw("as") {
            self.bump();
            let t = self.ty()?;
            let line = e.line;
            e = Expr {
                kind: ExprKind::As(Box::new(e), t),
                line,
            };
        }
        Ok(e)
    }

    fn unary(&mut self) -> PResult<Expr> {
        let line = self.line();
        if self.eat_sym("-") {
            let e = self.unary()?;
            // A negative literal stays a literal.
            if let ExprKind::Lit(Lit::Int(s)) = &e.kind {
                return Ok(Expr {
                    kind: ExprKind::Lit(Lit::Int(format!("-{s}"))),
                    line,
                });
            }
            if let ExprKind::Lit(Lit::Real(s)) = &e.kind {
                return Ok(Expr {
                    kind: ExprKind::Lit(Lit::Real(format!("-{s}"))),
                    line,
                });
            }
            return Ok(Expr {
                kind: ExprKind::Unary("-", Box::new(e)),
                line,
            });
        }
        if self.eat_sym("!") {
            let e = self.unary()?;
            return Ok(Expr {
                kind: ExprKind::Unary("!", Box::new(e)),
                line,
            });
        }
        self.suffixed()
    }

    fn suffixed(&mut self) -> PResult<Expr> {
        let mut e = self.primary()?;
        loop {
            let line = self.line();
            if self.is_sym(".") {
                self.bump();
                if self.eat_sym("(") {
                    let mut ups = Vec::new();
                    loop {
                        let f = match self.bump() {
                            Tok::Ident(s) | Tok::Int(s) => s,
                            _ => return self.err("expected a field name in a datatype update"),
                        };
                        self.expect_sym(":=")?;
                        ups.push((f, self.expr()?));
                        if !self.eat_sym(",") {
                            break;
                        }
                    }
                    self.expect_sym(")")?;
                    e = Expr {
                        kind: ExprKind::DtUpdate(Box::new(e), ups),
                        line,
                    };
                    continue;
                }
                let name = match self.bump() {
                    Tok::Ident(s) => s,
                    Tok::Int(s) => s,
                    // `t.0.1` lexes the `0.1` as a real.
                    Tok::Real(s) => {
                        let (a, b) = s.split_once('.').unwrap_or((&s, ""));
                        e = Expr {
                            kind: ExprKind::Member(Box::new(e), a.to_string()),
                            line,
                        };
                        b.to_string()
                    }
                    _ => return self.err("expected a member name after `.`"),
                };
                e = Expr {
                    kind: ExprKind::Member(Box::new(e), name),
                    line,
                };
            } else if self.is_sym("(") {
                let args = self.call_args()?;
                e = Expr {
                    kind: ExprKind::Call(Box::new(e), vec![], args),
                    line,
                };
            } else if self.is_sym("<") && self.type_args_follow() {
                self.bump();
                let mut ts = Vec::new();
                loop {
                    ts.push(self.ty()?);
                    if !self.eat_sym(",") {
                        break;
                    }
                }
                self.close_angle()?;
                let args = self.call_args()?;
                e = Expr {
                    kind: ExprKind::Call(Box::new(e), ts, args),
                    line,
                };
            } else if self.is_sym("[") {
                self.bump();
                let saved = (self.no_struct, self.bar_depth, self.or_allowed);
                self.no_struct = false;
                self.bar_depth = 0;
                self.or_allowed = true;
                let r = self.index_suffix(e, line);
                (self.no_struct, self.bar_depth, self.or_allowed) = saved;
                e = r?;
            } else {
                return Ok(e);
            }
        }
    }

    /// `f<T>(...)`: explicit type arguments, told from `<` by what follows.
    fn type_args_follow(&self) -> bool {
        let mut depth = 0;
        let mut i = 0;
        loop {
            match self.peek_at(i) {
                Tok::Sym("<") => depth += 1,
                Tok::Sym(">") => {
                    depth -= 1;
                    if depth == 0 {
                        return matches!(self.peek_at(i + 1), Tok::Sym("("));
                    }
                }
                Tok::Sym(">>") => {
                    depth -= 2;
                    if depth <= 0 {
                        return matches!(self.peek_at(i + 1), Tok::Sym("("));
                    }
                }
                Tok::Ident(_)
                | Tok::Sym(",")
                | Tok::Sym(".")
                | Tok::Sym("(")
                | Tok::Sym(")")
                | Tok::Sym("->") => {}
                _ => return false,
            }
            i += 1;
            if i > 64 {
                return false;
            }
        }
    }

    fn index_suffix(&mut self, e: Expr, line: u32) -> PResult<Expr> {
        if self.eat_sym("..") {
            let hi = if self.is_sym("]") {
                None
            } else {
                Some(Box::new(self.expr()?))
            };
            self.expect_sym("]")?;
            return Ok(Expr {
                kind: ExprKind::Slice(Box::new(e), None, hi),
                line,
            });
        }
        let first = self.expr()?;
        if self.eat_sym(":=") {
            let v = self.expr()?;
            self.expect_sym("]")?;
            return Ok(Expr {
                kind: ExprKind::Update(Box::new(e), Box::new(first), Box::new(v)),
                line,
            });
        }
        if self.eat_sym("..") {
            let hi = if self.is_sym("]") {
                None
            } else {
                Some(Box::new(self.expr()?))
            };
            self.expect_sym("]")?;
            return Ok(Expr {
                kind: ExprKind::Slice(Box::new(e), Some(Box::new(first)), hi),
                line,
            });
        }
        if self.is_sym(":") {
            return self.err("slices with `:` (sequence splitting) are not supported");
        }
        let mut idx = vec![first];
        while self.eat_sym(",") {
            idx.push(self.expr()?);
        }
        self.expect_sym("]")?;
        Ok(Expr {
            kind: ExprKind::Index(Box::new(e), idx),
            line,
        })
    }

    fn list_until(&mut self, close: &str) -> PResult<Vec<Expr>> {
        let mut v = Vec::new();
        let saved = (self.no_struct, self.bar_depth, self.or_allowed);
        self.no_struct = false;
        self.bar_depth = 0;
        self.or_allowed = true;
        while !self.is_sym(close) {
            v.push(self.expr()?);
            if !self.eat_sym(",") {
                break;
            }
        }
        (self.no_struct, self.bar_depth, self.or_allowed) = saved;
        self.expect_sym(close)?;
        Ok(v)
    }

    fn primary(&mut self) -> PResult<Expr> {
        let line = self.line();
        let mk = |kind| Ok(Expr { kind, line });
        match self.peek().clone() {
            Tok::Int(s) => {
                self.bump();
                mk(ExprKind::Lit(Lit::Int(s)))
            }
            Tok::Real(s) => {
                self.bump();
                mk(ExprKind::Lit(Lit::Real(s)))
            }
            Tok::Char(c) => {
                self.bump();
                mk(ExprKind::Lit(Lit::Char(c)))
            }
            Tok::Str(s) => {
                self.bump();
                mk(ExprKind::Lit(Lit::Str(s)))
            }
            Tok::Sym("(") => {
                // A lambda `(x: T, y) => e`, a tuple, or parentheses.
                if self.lambda_follows() {
                    self.bump();
                    let mut params = Vec::new();
                    while !self.is_sym(")") {
                        let n = self.ident()?;
                        let t = if self.eat_sym(":") {
                            Some(self.ty()?)
                        } else {
                            None
                        };
                        params.push((n, t));
                        if !self.eat_sym(",") {
                            break;
                        }
                    }
                    self.expect_sym(")")?;
                    self.skip_specs();
                    self.expect_sym("=>")?;
                    let body = self.expr()?;
                    return mk(ExprKind::Lambda(params, Box::new(body)));
                }
                self.bump();
                let saved = (self.no_struct, self.bar_depth, self.or_allowed);
                self.no_struct = false;
                self.bar_depth = 0;
                self.or_allowed = true;
                let mut es = Vec::new();
                while !self.is_sym(")") {
                    es.push(self.expr()?);
                    if !self.eat_sym(",") {
                        break;
                    }
                }
                (self.no_struct, self.bar_depth, self.or_allowed) = saved;
                self.expect_sym(")")?;
                if es.len() == 1 {
                    return Ok(es.remove(0));
                }
                mk(ExprKind::Tuple(es))
            }
            Tok::Sym("[") => {
                self.bump();
                let es = self.list_until("]")?;
                mk(ExprKind::SeqDisplay(es))
            }
            Tok::Sym("{") => {
                self.bump();
                let es = self.list_until("}")?;
                mk(ExprKind::SetDisplay(es))
            }
            Tok::Sym("|") => {
                self.bump();
                let saved = (self.bar_depth, self.or_allowed);
                self.bar_depth += 1;
                self.or_allowed = false;
                let e = self.expr();
                (self.bar_depth, self.or_allowed) = saved;
                let e = e?;
                self.expect_sym("|")?;
                mk(ExprKind::Card(Box::new(e)))
            }
            Tok::Ident(s) => {
                match s.as_str() {
                    "true" | "false" => {
                        self.bump();
                        mk(ExprKind::Lit(Lit::Bool(s == "true")))
                    }
                    "null" => {
                        self.bump();
                        mk(ExprKind::Lit(Lit::Null))
                    }
                    "this" => {
                        self.bump();
                        mk(ExprKind::This)
                    }
                    "old" | "fresh" | "allocated" | "unchanged" => {
                        Err((line, format!("`{s}` in compiled code is not supported")))
                    }
                    "if" => {
                        self.bump();
                        let c = self.expr()?;
                        if !self.eat_kw("then") {
                            return self.err("expected `then`");
                        }
                        let a = self.expr()?;
                        if !self.eat_kw("else") {
                            return self.err("expected `else`");
                        }
                        let b = self.expr()?;
                        mk(ExprKind::If(Box::new(c), Box::new(a), Box::new(b)))
                    }
                    "match" => {
                        self.bump();
                        let e = self.expr_no_struct()?;
                        let braced = self.eat_sym("{");
                        let mut cases = Vec::new();
                        while self.eat_kw("case") {
                            let p = self.pattern()?;
                            self.expect_sym("=>")?;
                            let body = self.expr()?;
                            cases.push((p, body));
                        }
                        if braced {
                            self.expect_sym("}")?;
                        }
                        mk(ExprKind::Match(Box::new(e), cases))
                    }
                    "var" => {
                        self.bump();
                        let mut pats = Vec::new();
                        loop {
                            pats.push(self.pattern()?);
                            if !self.eat_sym(",") {
                                break;
                            }
                        }
                        if self.is_sym(":|") {
                            return Err((line, "let-such-that `:|` is not supported".into()));
                        }
                        self.expect_sym(":=")?;
                        let mut es = Vec::new();
                        loop {
                            es.push(self.expr()?);
                            if !self.eat_sym(",") {
                                break;
                            }
                        }
                        self.expect_sym(";")?;
                        let body = self.expr()?;
                        mk(ExprKind::Let(pats, es, Box::new(body)))
                    }
                    "iset" if matches!(self.peek_at(1), Tok::Sym("{")) => {
                        Err((line, "iset (infinite sets) is not supported".into()))
                    }
                    "multiset" => {
                        self.bump();
                        if self.eat_sym("{") {
                            let es = self.list_until("}")?;
                            return mk(ExprKind::MultisetDisplay(es));
                        }
                        self.expect_sym("(")?;
                        let e = self.expr()?;
                        self.expect_sym(")")?;
                        mk(ExprKind::MultisetOf(Box::new(e)))
                    }
                    "map" | "imap" if matches!(self.peek_at(1), Tok::Sym("[")) => {
                        if s == "imap" {
                            return Err((line, "imap (infinite maps) is not supported".into()));
                        }
                        self.bump();
                        self.bump();
                        let saved = (self.no_struct, self.bar_depth, self.or_allowed);
                        self.no_struct = false;
                        self.bar_depth = 0;
                        self.or_allowed = true;
                        let mut kvs = Vec::new();
                        while !self.is_sym("]") {
                            let k = self.expr()?;
                            self.expect_sym(":=")?;
                            let v = self.expr()?;
                            kvs.push((k, v));
                            if !self.eat_sym(",") {
                                break;
                            }
                        }
                        (self.no_struct, self.bar_depth, self.or_allowed) = saved;
                        self.expect_sym("]")?;
                        mk(ExprKind::MapDisplay(kvs))
                    }
                    "set" | "iset" | "map" | "imap" | "forall" | "exists"
                        if matches!(self.peek_at(1), Tok::Ident(_)) =>
                    {
                        if s.starts_with('i') {
                            return Err((line, format!("{s} comprehensions are not supported")));
                        }
                        self.bump();
                        let vars = self.bound_vars()?;
                        self.attributes();
                        let saved = (self.bar_depth, self.or_allowed);
                        self.bar_depth = 0;
                        self.or_allowed = true;
                        let range = if self.eat_sym("|") {
                            Some(self.expr()?)
                        } else {
                            None
                        };
                        let term = if self.eat_sym("::") {
                            Some(self.expr()?)
                        } else {
                            None
                        };
                        (self.bar_depth, self.or_allowed) = saved;
                        match s.as_str() {
                            "set" => {
                                let range = range.ok_or((
                                    line,
                                    "set comprehension without a range".to_string(),
                                ))?;
                                mk(ExprKind::SetComp(vars, Box::new(range), term.map(Box::new)))
                            }
                            "map" => {
                                let range = range.ok_or((
                                    line,
                                    "map comprehension without a range".to_string(),
                                ))?;
                                let term = term.ok_or((
                                    line,
                                    "map comprehension without a term".to_string(),
                                ))?;
                                // `map x | R :: k := v`.
                                if self.eat_sym(":=") {
                                    let v = self.expr()?;
                                    return mk(ExprKind::MapComp(
                                        vars,
                                        Box::new(range),
                                        Some(Box::new(term)),
                                        Box::new(v),
                                    ));
                                }
                                mk(ExprKind::MapComp(
                                    vars,
                                    Box::new(range),
                                    None,
                                    Box::new(term),
                                ))
                            }
                            _ => {
                                let body =
                                    term.ok_or((line, "quantifier without a body".to_string()))?;
                                mk(ExprKind::Quant(
                                    s == "forall",
                                    vars,
                                    range.map(Box::new),
                                    Box::new(body),
                                ))
                            }
                        }
                    }
                    _ => {
                        // A lambda `x => e`.
                        if matches!(self.peek_at(1), Tok::Sym("=>")) && !self.in_case_head() {
                            let n = self.ident()?;
                            self.bump();
                            let body = self.expr()?;
                            return mk(ExprKind::Lambda(vec![(n, None)], Box::new(body)));
                        }
                        self.bump();
                        mk(ExprKind::Name(s))
                    }
                }
            }
            _ => self.err(format!("expected an expression, found {}", self.describe())),
        }
    }

    fn in_case_head(&self) -> bool {
        matches!(self.toks.get(self.pos.wrapping_sub(1)).map(|t| &t.tok), Some(Tok::Ident(s)) if s == "case")
    }

    /// At `(`: does a lambda's parameter list follow (`(x: T, y) =>`)?
    fn lambda_follows(&self) -> bool {
        let mut depth = 0;
        let mut i = 0;
        loop {
            match self.peek_at(i) {
                Tok::Sym("(") => depth += 1,
                Tok::Sym(")") => {
                    depth -= 1;
                    if depth == 0 {
                        return matches!(self.peek_at(i + 1), Tok::Sym("=>"))
                            || matches!(self.peek_at(i + 1), Tok::Ident(s) if s == "reads" || s == "requires");
                    }
                }
                Tok::Eof => return false,
                _ => {}
            }
            i += 1;
        }
    }
}

fn is_decl_start(s: &str) -> bool {
    matches!(
        s,
        "method"
            | "function"
            | "predicate"
            | "lemma"
            | "constructor"
            | "var"
            | "const"
            | "class"
            | "trait"
            | "datatype"
            | "codatatype"
            | "newtype"
            | "type"
            | "module"
            | "import"
            | "static"
            | "ghost"
            | "export"
            | "iterator"
    )
}
