//! Rust from the parsed program.
//!
//! One pass over the declarations collects every module's types and
//! members; a second emits Rust. Expressions are translated with their
//! types (the printed program gives every local, parameter, field and
//! result its type; an expression's type follows from its parts), which
//! choose the operation: `+` is `DafnyInt` addition, sequence
//! concatenation or set union; `a[i]` is a sequence, map, multiset or
//! array access. Values are passed by value and cloned, as Dafny's value
//! semantics require (the runtime's collections share their storage).

use crate::ast::*;
use crate::Options;
use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;

type GResult<T> = Result<T, (u32, String)>;

const RT: &str = "::dafny_support";

/// A resolved type.
#[derive(Clone, Debug, PartialEq)]
enum Ty {
    Int,
    Bool,
    Char,
    Real,
    /// A native-width integer newtype: the Rust type.
    Native(&'static str),
    /// `bvN`.
    Bv(u32),
    Seq(Box<Ty>),
    Set(Box<Ty>),
    Multiset(Box<Ty>),
    Map(Box<Ty>, Box<Ty>),
    Tuple(Vec<Ty>),
    /// A datatype: its Rust path, Dafny name and arguments.
    Datatype(String, String, Vec<Ty>),
    /// A class (nullable or not): its Rust path and arguments.
    Class(String, Vec<Ty>),
    /// A trait: its Rust path and arguments.
    Trait(String, Vec<Ty>),
    /// An array of a number of dimensions.
    Array(Box<Ty>, usize),
    Arrow(Vec<Ty>, Box<Ty>),
    Param(String),
    /// `object`, `null`'s type.
    Object,
    /// Not known (an unconstrained type argument): no operation can depend
    /// on it.
    Unknown,
}

fn bv_repr(n: u32) -> &'static str {
    match n {
        0..=8 => "u8",
        9..=16 => "u16",
        17..=32 => "u32",
        33..=64 => "u64",
        _ => "u128",
    }
}

fn bv_mask(n: u32) -> Option<String> {
    let bits = match bv_repr(n) {
        "u8" => 8,
        "u16" => 16,
        "u32" => 32,
        "u64" => 64,
        _ => 128,
    };
    if n == bits {
        None
    } else {
        Some(format!("{}{}", (1u128 << n) - 1, bv_repr(n)))
    }
}

/// Rust names for Dafny names: keywords are raw, `'` and `?` spelled out.
fn ident(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| match c {
            '\'' => "_k".to_string(),
            '?' => "_q".to_string(),
            '#' => "_h".to_string(),
            c => c.to_string(),
        })
        .collect();
    const KW: &[&str] = &[
        "as", "async", "await", "box", "break", "const", "continue", "dyn", "else", "enum",
        "extern", "false", "fn", "for", "if", "impl", "in", "let", "loop", "macro", "match", "mod",
        "move", "mut", "priv", "pub", "ref", "return", "static", "struct", "trait", "true", "try",
        "type", "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
        "abstract", "become", "do", "final", "override", "gen",
    ];
    match s.as_str() {
        "self" | "Self" | "super" | "crate" => format!("_{s}_"),
        _ if KW.contains(&s.as_str()) => format!("r#{s}"),
        _ => s,
    }
}

#[derive(Clone)]
struct DtInfo {
    path: String,
    name: String,
    type_params: Vec<String>,
    ctors: Vec<Ctor>,
    members: Vec<Member>,
    module: usize,
}

#[derive(Clone)]
struct ClassInfo {
    path: String,
    name: String,
    is_trait: bool,
    type_params: Vec<String>,
    extends: Vec<Type>,
    members: Vec<Member>,
    module: usize,
}

#[derive(Clone)]
enum TypeDef {
    Datatype(usize),
    Class(usize),
    Newtype(Type, Option<&'static str>, usize),
    Synonym(Vec<String>, Type, usize),
}

struct ModInfo {
    /// Dafny path, e.g. `["A", "B"]`; `[]` for the top module.
    path: Vec<String>,
    /// Rust path of the module.
    rust: String,
    parent: Option<usize>,
    types: HashMap<String, TypeDef>,
    members: HashMap<String, Member>,
    /// Constructor name to datatype index.
    ctors: HashMap<String, usize>,
    /// Import alias to module index (resolved lazily) and whether opened.
    imports: Vec<(String, Vec<String>, bool)>,
    children: HashMap<String, usize>,
    /// Nested modules and imports, in declaration order (for the heights).
    deps: Vec<Dep>,
    /// `_N_Name_Compile.`: how Dafny 2.3's backends qualify this module's
    /// datatypes when printing them (empty for the top module).
    print_prefix: String,
}

#[derive(Clone)]
enum Dep {
    Child(usize),
    Import(Vec<String>),
}

/// Where code is being generated.
#[derive(Clone)]
struct Ctx {
    module: usize,
    /// The class, trait or datatype whose member this is.
    class: Option<Owner>,
    /// Type parameters in scope.
    type_params: Vec<String>,
    /// Inside a lambda: `this` is the captured `_this`.
    in_lambda: bool,
    /// The callable being generated, for tail calls.
    tail: Option<TailInfo>,
    /// A method's out-parameters (returned as a tuple).
    outs: Vec<(String, Ty)>,
    is_static: bool,
}

#[derive(Clone)]
enum Owner {
    Class(usize),
    Datatype(usize),
}

#[derive(Clone)]
struct TailInfo {
    name: String,
    params: Vec<String>,
}

struct Gen<'a> {
    opts: &'a Options,
    mods: Vec<ModInfo>,
    dts: Vec<DtInfo>,
    classes: Vec<ClassInfo>,
    scopes: Vec<HashMap<String, Ty>>,
    tmp: u32,
}

/// Generates the Rust items of `program`.
pub fn generate(program: &Module, options: &Options) -> GResult<String> {
    let mut g = Gen {
        opts: options,
        mods: Vec::new(),
        dts: Vec::new(),
        classes: Vec::new(),
        scopes: Vec::new(),
        tmp: 0,
    };
    let program = &refine(program)?;
    g.collect(program, vec![], None)?;
    g.heights();
    let mut out = String::new();
    g.emit_module(program, 0, &mut out)?;
    // The entry point.
    let mut main = None;
    for (i, m) in g.mods.iter().enumerate() {
        if let Some(Member::Callable(c)) = m.members.get("Main") {
            if c.kind == CallableKind::Method && c.ins.is_empty() {
                if main.is_some() && i != 0 {
                    continue;
                }
                main = Some(i);
            }
        }
    }
    if let Some(i) = main {
        let _ = write!(
            out,
            "/// Runs the Dafny program's `Main`.\npub fn dafny_main() {{ {RT}::run_main(|| {}::_default::Main()); }}\n",
            g.mods[i].rust
        );
    }
    Ok(out)
}

impl<'a> Gen<'a> {
    // ---------------------------------------------------------------
    // Collection
    // ---------------------------------------------------------------

    fn collect(&mut self, m: &Module, path: Vec<String>, parent: Option<usize>) -> GResult<usize> {
        let rust = if path.is_empty() {
            format!("{}::_module", self.opts.root)
        } else {
            let parent_rust = parent
                .map(|p| self.mods[p].rust.clone())
                .unwrap_or_default();
            let last = path.last().cloned().unwrap_or_default();
            if parent == Some(0) {
                format!("{}::{}", self.opts.root, ident(&last))
            } else {
                format!("{parent_rust}::{}", ident(&last))
            }
        };
        let idx = self.mods.len();
        self.mods.push(ModInfo {
            path: path.clone(),
            rust: rust.clone(),
            parent,
            types: HashMap::new(),
            members: HashMap::new(),
            ctors: HashMap::new(),
            imports: Vec::new(),
            children: HashMap::new(),
            deps: Vec::new(),
            print_prefix: String::new(),
        });
        if let Some(base) = &m.refines {
            self.mods[idx].deps.push(Dep::Import(base.clone()));
        }
        if m.is_abstract {
            // Never compiled: only refined (its members were copied into
            // its refinements).
            return Ok(idx);
        }
        for d in &m.decls {
            match d {
                Decl::Module(sub) => {
                    // `module A.B` declares B inside A.
                    let mut p = path.clone();
                    let parts: Vec<String> = sub.name.split('.').map(String::from).collect();
                    if parts.len() > 1 {
                        return Err((
                            sub.line,
                            format!("module name `{}` with dots is not supported", sub.name),
                        ));
                    }
                    p.extend(parts.clone());
                    let child = self.collect(sub, p, Some(idx))?;
                    self.mods[idx].children.insert(parts[0].clone(), child);
                    self.mods[idx].deps.push(Dep::Child(child));
                }
                Decl::Import(alias, target, opened) => {
                    self.mods[idx]
                        .imports
                        .push((alias.clone(), target.clone(), *opened));
                    self.mods[idx].deps.push(Dep::Import(target.clone()));
                }
                Decl::Datatype {
                    name,
                    type_params,
                    ctors,
                    members,
                    ..
                } => {
                    let di = self.dts.len();
                    self.dts.push(DtInfo {
                        path: format!("{rust}::{}", ident(name)),
                        name: name.clone(),
                        type_params: type_params.clone(),
                        ctors: ctors.clone(),
                        members: members.clone(),
                        module: idx,
                    });
                    self.mods[idx]
                        .types
                        .insert(name.clone(), TypeDef::Datatype(di));
                    for c in ctors {
                        self.mods[idx].ctors.insert(c.name.clone(), di);
                    }
                }
                Decl::Newtype {
                    name,
                    base,
                    constraint,
                    line,
                    ..
                } => {
                    let native = native_of(constraint.as_ref());
                    let _ = line;
                    self.mods[idx]
                        .types
                        .insert(name.clone(), TypeDef::Newtype(base.clone(), native, idx));
                }
                Decl::Synonym {
                    name,
                    type_params,
                    base,
                    ..
                } => {
                    self.mods[idx].types.insert(
                        name.clone(),
                        TypeDef::Synonym(type_params.clone(), base.clone(), idx),
                    );
                }
                Decl::Class {
                    name,
                    is_trait,
                    type_params,
                    extends,
                    members,
                    ..
                } => {
                    let ci = self.classes.len();
                    self.classes.push(ClassInfo {
                        path: format!("{rust}::{}", ident(name)),
                        name: name.clone(),
                        is_trait: *is_trait,
                        type_params: type_params.clone(),
                        extends: extends.clone(),
                        members: members.clone(),
                        module: idx,
                    });
                    self.mods[idx]
                        .types
                        .insert(name.clone(), TypeDef::Class(ci));
                }
                Decl::Member(m) => {
                    let name = member_name(m);
                    self.mods[idx].members.insert(name, m.clone());
                }
                Decl::Unsupported(what, line) => {
                    if !what.is_empty() {
                        return Err((*line, format!("{what} is not supported")));
                    }
                }
            }
        }
        Ok(idx)
    }

    /// Dafny's module heights: a depth-first post-order from the top
    /// module over nested modules and imports (an import counts as a node
    /// of its own, after its target), in declaration order. Dafny 2.3's
    /// backends print a datatype of module M as `_<height>_M_Compile.D.C`.
    fn heights(&mut self) {
        fn visit(g: &mut Gen, m: usize, seen: &mut Vec<bool>, next: &mut usize) {
            if seen[m] {
                return;
            }
            seen[m] = true;
            for d in g.mods[m].deps.clone() {
                match d {
                    Dep::Child(c) => visit(g, c, seen, next),
                    Dep::Import(target) => {
                        let parent = g.mods[m].parent.unwrap_or(0);
                        let t = g
                            .module_named_abs(parent, &target)
                            .or_else(|| g.module_named_abs(0, &target));
                        if let Some(t) = t {
                            visit(g, t, seen, next);
                        }
                        *next += 1;
                    }
                }
            }
            if m != 0 {
                let name = g.mods[m].path.last().cloned().unwrap_or_default();
                g.mods[m].print_prefix = format!("_{next}_{name}_Compile.");
            }
            *next += 1;
        }
        let mut seen = vec![false; self.mods.len()];
        let mut next = 0;
        visit(self, 0, &mut seen, &mut next);
    }

    // ---------------------------------------------------------------
    // Name resolution
    // ---------------------------------------------------------------

    /// The module a path names from module `from` (imports, children,
    /// siblings, then any module with that name).
    fn module_named(&self, from: usize, path: &[String]) -> Option<usize> {
        let first = path.first()?;
        let mut cur = self.module_step(from, first)?;
        for p in &path[1..] {
            cur = *self.mods[cur].children.get(p)?;
        }
        Some(cur)
    }

    fn module_step(&self, from: usize, name: &str) -> Option<usize> {
        let mut m = Some(from);
        while let Some(i) = m {
            for (alias, target, _) in &self.mods[i].imports {
                if alias == name {
                    let parent = self.mods[i].parent.unwrap_or(0);
                    return self
                        .module_named_abs(parent, target)
                        .or_else(|| self.module_named_abs(0, target));
                }
            }
            if let Some(c) = self.mods[i].children.get(name) {
                return Some(*c);
            }
            m = self.mods[i].parent;
        }
        self.mods
            .iter()
            .position(|mi| mi.path.last().map(|s| s.as_str()) == Some(name))
    }

    fn module_named_abs(&self, base: usize, path: &[String]) -> Option<usize> {
        let mut cur = base;
        for (k, p) in path.iter().enumerate() {
            match self.mods[cur].children.get(p) {
                Some(c) => cur = *c,
                None => {
                    if k == 0 {
                        if let Some(parent) = self.mods[cur].parent {
                            return self.module_named_abs(parent, path);
                        }
                    }
                    return None;
                }
            }
        }
        Some(cur)
    }

    /// Modules searched for an unqualified name from `from`: itself, its
    /// opened imports, its ancestors, then (the printer sometimes drops
    /// qualifications) every module.
    fn search_order(&self, from: usize) -> Vec<usize> {
        let mut v = vec![from];
        let mut m = Some(from);
        while let Some(i) = m {
            for (_, target, opened) in &self.mods[i].imports {
                if *opened {
                    let parent = self.mods[i].parent.unwrap_or(0);
                    if let Some(t) = self
                        .module_named_abs(parent, target)
                        .or_else(|| self.module_named_abs(0, target))
                    {
                        v.push(t);
                    }
                }
            }
            m = self.mods[i].parent;
            if let Some(p) = m {
                v.push(p);
            }
        }
        for i in 0..self.mods.len() {
            if !v.contains(&i) {
                v.push(i);
            }
        }
        v
    }

    fn find_type(&self, from: usize, path: &[String]) -> Option<TypeDef> {
        if path.len() > 1 {
            let m = self.module_named(from, &path[..path.len() - 1])?;
            return self.mods[m].types.get(path.last()?).cloned();
        }
        let name = &path[0];
        for m in self.search_order(from) {
            if let Some(t) = self.mods[m].types.get(name) {
                return Some(t.clone());
            }
        }
        None
    }

    fn find_member(&self, from: usize, name: &str) -> Option<(usize, Member)> {
        for m in self.search_order(from) {
            if let Some(mem) = self.mods[m].members.get(name) {
                return Some((m, mem.clone()));
            }
        }
        None
    }

    fn find_ctor(&self, from: usize, name: &str) -> Option<usize> {
        for m in self.search_order(from) {
            if let Some(d) = self.mods[m].ctors.get(name) {
                return Some(*d);
            }
        }
        None
    }

    // ---------------------------------------------------------------
    // Types
    // ---------------------------------------------------------------

    fn ty(&self, t: &Type, ctx: &Ctx, line: u32) -> GResult<Ty> {
        match t {
            Type::Tuple(ts) => Ok(Ty::Tuple(
                ts.iter()
                    .map(|t| self.ty(t, ctx, line))
                    .collect::<GResult<_>>()?,
            )),
            Type::Arrow(args, r) => Ok(Ty::Arrow(
                args.iter()
                    .map(|t| self.ty(t, ctx, line))
                    .collect::<GResult<_>>()?,
                Box::new(self.ty(r, ctx, line)?),
            )),
            Type::Named(path, args) => {
                let a = |k: usize| -> GResult<Ty> {
                    match args.get(k) {
                        Some(t) => self.ty(t, ctx, line),
                        None => Ok(Ty::Unknown),
                    }
                };
                if path.len() == 1 {
                    let n = path[0].as_str();
                    if ctx.type_params.iter().any(|p| p == n) {
                        return Ok(Ty::Param(n.to_string()));
                    }
                    match n {
                        "int" | "nat" => return Ok(Ty::Int),
                        "bool" => return Ok(Ty::Bool),
                        "char" => return Ok(Ty::Char),
                        "real" => return Ok(Ty::Real),
                        "string" => return Ok(Ty::Seq(Box::new(Ty::Char))),
                        "seq" => return Ok(Ty::Seq(Box::new(a(0)?))),
                        "set" => return Ok(Ty::Set(Box::new(a(0)?))),
                        "multiset" => return Ok(Ty::Multiset(Box::new(a(0)?))),
                        "map" => return Ok(Ty::Map(Box::new(a(0)?), Box::new(a(1)?))),
                        "object" | "object?" => return Ok(Ty::Object),
                        "array" | "array?" => return Ok(Ty::Array(Box::new(a(0)?), 1)),
                        "iset" | "imap" | "ORDINAL" => {
                            return Err((line, format!("type `{n}` is not supported")))
                        }
                        _ => {}
                    }
                    if let Some(rest) = n.strip_prefix("array") {
                        let rest = rest.trim_end_matches('?');
                        if let Ok(d) = rest.parse::<usize>() {
                            return Ok(Ty::Array(Box::new(a(0)?), d));
                        }
                    }
                    if let Some(rest) = n.strip_prefix("bv") {
                        if let Ok(w) = rest.parse::<u32>() {
                            if w == 0 || w > 128 {
                                return Err((
                                    line,
                                    format!("`bv{w}` (wider than 128 bits, or 0) is not supported"),
                                ));
                            }
                            return Ok(Ty::Bv(w));
                        }
                    }
                }
                let mut p = path.clone();
                if let Some(last) = p.last_mut() {
                    if let Some(s) = last.strip_suffix('?') {
                        *last = s.to_string();
                    }
                }
                let targs: Vec<Ty> = args
                    .iter()
                    .map(|t| self.ty(t, ctx, line))
                    .collect::<GResult<_>>()?;
                match self.find_type(ctx.module, &p) {
                    Some(TypeDef::Datatype(d)) => Ok(Ty::Datatype(
                        self.dts[d].path.clone(),
                        self.dts[d].name.clone(),
                        targs,
                    )),
                    Some(TypeDef::Class(c)) => {
                        if self.classes[c].is_trait {
                            Ok(Ty::Trait(self.classes[c].path.clone(), targs))
                        } else {
                            Ok(Ty::Class(self.classes[c].path.clone(), targs))
                        }
                    }
                    Some(TypeDef::Newtype(base, native, m)) => match native {
                        Some(n) => Ok(Ty::Native(n)),
                        None => {
                            let c2 = Ctx {
                                module: m,
                                ..ctx.clone()
                            };
                            self.ty(&base, &c2, line)
                        }
                    },
                    Some(TypeDef::Synonym(params, base, m)) => {
                        let c2 = Ctx {
                            module: m,
                            type_params: params.clone(),
                            ..ctx.clone()
                        };
                        let t = self.ty(&base, &c2, line)?;
                        let sub: HashMap<String, Ty> = params.iter().cloned().zip(targs).collect();
                        Ok(subst(&t, &sub))
                    }
                    None => Err((line, format!("unknown type `{}`", path.join(".")))),
                }
            }
        }
    }

    fn rty(&self, t: &Ty) -> String {
        match t {
            Ty::Int => "DafnyInt".into(),
            Ty::Bool => "bool".into(),
            Ty::Char => "DafnyCharUTF16".into(),
            Ty::Real => "Real".into(),
            Ty::Native(n) => (*n).into(),
            Ty::Bv(n) => bv_repr(*n).into(),
            Ty::Seq(e) => format!("Sequence<{}>", self.rty(e)),
            Ty::Set(e) => format!("Set<{}>", self.rty(e)),
            Ty::Multiset(e) => format!("Multiset<{}>", self.rty(e)),
            Ty::Map(k, v) => format!("Map<{}, {}>", self.rty(k), self.rty(v)),
            Ty::Tuple(ts) => {
                let parts: Vec<String> = ts.iter().map(|t| self.rty(t)).collect();
                if parts.len() == 1 {
                    format!("({},)", parts[0])
                } else {
                    format!("({})", parts.join(", "))
                }
            }
            Ty::Datatype(p, _, args) => format!("Rc<{p}{}>", self.rargs(args)),
            Ty::Class(p, args) => format!("Object<{p}{}>", self.rargs(args)),
            Ty::Trait(p, args) => format!("Object<dyn {p}{}>", self.rargs(args)),
            Ty::Array(e, 1) => format!("Object<[{}]>", self.rty(e)),
            Ty::Array(e, _) => format!("Object<ArrayN<{}>>", self.rty(e)),
            Ty::Arrow(args, r) => {
                let a: Vec<String> = args.iter().map(|t| format!("&{}", self.rty(t))).collect();
                format!("Rc<dyn Fn({}) -> {}>", a.join(", "), self.rty(r))
            }
            Ty::Param(n) => ident(n),
            Ty::Object => "Object<dyn ::std::any::Any>".into(),
            Ty::Unknown => "_".into(),
        }
    }

    fn rargs(&self, args: &[Ty]) -> String {
        if args.is_empty() {
            String::new()
        } else {
            let a: Vec<String> = args.iter().map(|t| self.rty(t)).collect();
            format!("<{}>", a.join(", "))
        }
    }

    /// The default value of a type (Dafny's auto-initialisation).
    fn default_of(&self, t: &Ty) -> String {
        match t {
            Ty::Arrow(args, r) => {
                let ps: Vec<String> = args
                    .iter()
                    .map(|a| format!("_: &{}", self.rty(a)))
                    .collect();
                format!(
                    "{{ let _f: {} = Rc::new(|{}| -> {} {{ unreachable!(\"an uninitialised function value was called\") }}); _f }}",
                    self.rty(t),
                    ps.join(", "),
                    self.rty(r)
                )
            }
            Ty::Unknown => "Default::default()".into(),
            _ => format!("<{} as Default>::default()", self.rty(t)),
        }
    }

    // ---------------------------------------------------------------
    // Scopes
    // ---------------------------------------------------------------

    fn push(&mut self) {
        self.scopes.push(HashMap::new());
    }
    fn pop(&mut self) {
        self.scopes.pop();
    }
    fn bind(&mut self, name: &str, t: Ty) {
        if let Some(s) = self.scopes.last_mut() {
            s.insert(name.to_string(), t);
        }
    }
    fn local(&self, name: &str) -> Option<Ty> {
        for s in self.scopes.iter().rev() {
            if let Some(t) = s.get(name) {
                return Some(t.clone());
            }
        }
        None
    }
    fn fresh(&mut self, base: &str) -> String {
        self.tmp += 1;
        format!("_{base}{}", self.tmp)
    }

    // ---------------------------------------------------------------
    // Modules and declarations
    // ---------------------------------------------------------------

    fn emit_module(&mut self, m: &Module, idx: usize, out: &mut String) -> GResult<()> {
        if m.is_abstract {
            return Ok(());
        }
        let name = if idx == 0 {
            "_module".to_string()
        } else {
            ident(
                self.mods[idx]
                    .path
                    .last()
                    .map(|s| s.as_str())
                    .unwrap_or("_"),
            )
        };
        let _ = writeln!(
            out,
            "#[allow(non_snake_case, non_camel_case_types, non_upper_case_globals, unused_mut, unused_variables, unused_assignments, unused_labels, while_true, unused_parens, unused_braces, unused_imports, dead_code, unreachable_code, unreachable_patterns, clippy::all)]\npub mod {name} {{\n use ::dafny_support::prelude::*;"
        );
        let ctx = Ctx {
            module: idx,
            class: None,
            type_params: vec![],
            in_lambda: false,
            tail: None,
            outs: vec![],
            is_static: true,
        };
        let mut defaults = String::new();
        for d in &m.decls {
            match d {
                Decl::Module(sub) => {
                    let child = self.mods[idx].children[&sub.name];
                    if idx == 0 {
                        // Top-level modules sit beside `_module`.
                        continue;
                    }
                    self.emit_module(sub, child, out)?;
                }
                Decl::Datatype { name, line, .. } => {
                    let Some(TypeDef::Datatype(di)) = self.mods[idx].types.get(name).cloned()
                    else {
                        return Err((*line, "internal: datatype lost".into()));
                    };
                    self.emit_datatype(di, &ctx, out)?;
                }
                Decl::Class {
                    name,
                    line,
                    is_extern,
                    ..
                } => {
                    if *is_extern {
                        return Err((*line, format!("`{{:extern}}` class `{name}` is not supported (declare `{{:extern}}` methods instead)")));
                    }
                    let Some(TypeDef::Class(ci)) = self.mods[idx].types.get(name).cloned() else {
                        return Err((*line, "internal: class lost".into()));
                    };
                    self.emit_class(ci, &ctx, out)?;
                }
                Decl::Newtype { members, line, .. } if !members.is_empty() => {
                    return Err((*line, "members of a newtype are not supported".into()));
                }
                Decl::Member(mem) => {
                    self.emit_member(mem, &ctx, &mut defaults, true)?;
                }
                _ => {}
            }
        }
        let _ = writeln!(
            out,
            "pub struct _default {{}}\nimpl _default {{\n{defaults}}}"
        );
        let _ = writeln!(out, "}}");
        if idx == 0 {
            for d in &m.decls {
                if let Decl::Module(sub) = d {
                    let child = self.mods[idx].children[&sub.name];
                    self.emit_module(sub, child, out)?;
                }
            }
        }
        Ok(())
    }

    fn generics(&self, params: &[String]) -> String {
        if params.is_empty() {
            String::new()
        } else {
            let p: Vec<String> = params
                .iter()
                .map(|p| format!("{}: DType", ident(p)))
                .collect();
            format!("<{}>", p.join(", "))
        }
    }
    fn generic_args(&self, params: &[String]) -> String {
        if params.is_empty() {
            String::new()
        } else {
            let p: Vec<String> = params.iter().map(|p| ident(p)).collect();
            format!("<{}>", p.join(", "))
        }
    }

    fn emit_datatype(&mut self, di: usize, ctx: &Ctx, out: &mut String) -> GResult<()> {
        let dt = self.dts[di].clone();
        let ctx = Ctx {
            type_params: dt.type_params.clone(),
            class: Some(Owner::Datatype(di)),
            ..ctx.clone()
        };
        let name = ident(&dt.name);
        let gen = self.generics(&dt.type_params);
        let ga = self.generic_args(&dt.type_params);
        let mut fields_of = Vec::new();
        let _ = writeln!(
            out,
            "#[derive(Clone, PartialEq, Eq, Hash)]\npub enum {name}{gen} {{"
        );
        for c in &dt.ctors {
            let mut fs = Vec::new();
            for f in &c.fields {
                let t = self.ty(&f.ty, &ctx, 0)?;
                fs.push((f.name.clone(), t));
            }
            let body: Vec<String> = fs
                .iter()
                .map(|(n, t)| format!("{}: {}", ident(n), self.rty(t)))
                .collect();
            let _ = writeln!(out, "  {} {{ {} }},", ident(&c.name), body.join(", "));
            fields_of.push(fs);
        }
        if !dt.type_params.is_empty() {
            let ph: Vec<String> = dt.type_params.iter().map(|p| ident(p)).collect();
            let _ = writeln!(
                out,
                "  _PhantomVariant(::std::marker::PhantomData<({},)>),",
                ph.join(", ")
            );
        }
        let _ = writeln!(out, "}}");
        // Default: the first constructor not built from its own type.
        let self_ty = Ty::Datatype(dt.path.clone(), dt.name.clone(), vec![]);
        let pick = (0..dt.ctors.len())
            .find(|&k| fields_of[k].iter().all(|(_, t)| !mentions(t, &self_ty)))
            .unwrap_or(0);
        let inits: Vec<String> = fields_of[pick]
            .iter()
            .map(|(n, t)| format!("{}: {}", ident(n), self.default_of(t)))
            .collect();
        let _ = writeln!(
            out,
            "impl{gen} Default for {name}{ga} {{ fn default() -> Self {{ {name}::{} {{ {} }} }} }}",
            ident(&dt.ctors[pick].name),
            inits.join(", ")
        );
        // Printing.
        let mut arms = String::new();
        for (k, c) in dt.ctors.iter().enumerate() {
            let names: Vec<String> = fields_of[k].iter().map(|(n, _)| ident(n)).collect();
            let refs: Vec<String> = names.iter().map(|n| format!("{n} as &dyn Print")).collect();
            let _ = writeln!(
                arms,
                "{name}::{} {{ {} }} => {RT}::print_ctor(out, {:?}, {:?}, &[{}]),",
                ident(&c.name),
                names.join(", "),
                format!("{}{}", self.mods[dt.module].print_prefix, dt.name),
                c.name,
                refs.join(", ")
            );
        }
        if !dt.type_params.is_empty() {
            let _ = writeln!(arms, "{name}::_PhantomVariant(_) => {{}}");
        }
        let _ = writeln!(
            out,
            "impl{gen} Print for {name}{ga} {{ fn print(&self, out: &mut String) {{ match self {{ {arms} }} }} }}"
        );
        let _ = writeln!(
            out,
            "impl{gen} DafnyPrint for {name}{ga} {{ fn fmt_print(&self, f: &mut ::std::fmt::Formatter<'_>, _in_seq: bool) -> ::std::fmt::Result {{ f.write_str(&{RT}::to_string(self)) }} }}"
        );
        // Destructors and discriminators.
        let mut methods = String::new();
        let mut seen = BTreeSet::new();
        for (k, c) in dt.ctors.iter().enumerate() {
            let _ = writeln!(
                methods,
                "pub fn is_{}(&self) -> bool {{ matches!(self, {name}::{} {{ .. }}) }}",
                ident(&c.name),
                ident(&c.name)
            );
            for (n, t) in &fields_of[k] {
                if !seen.insert(n.clone()) {
                    continue;
                }
                let mut arms = String::new();
                for (k2, c2) in dt.ctors.iter().enumerate() {
                    if fields_of[k2].iter().any(|(n2, _)| n2 == n) {
                        let _ = write!(
                            arms,
                            "{name}::{} {{ {}, .. }} => {}.clone(),",
                            ident(&c2.name),
                            ident(n),
                            ident(n)
                        );
                    }
                }
                let _ = writeln!(
                    methods,
                    "pub fn {}(&self) -> {} {{ match self {{ {arms} _ => panic!(\"destructor {} of the wrong constructor\") }} }}",
                    ident(n),
                    self.rty(t),
                    n
                );
            }
        }
        for m in &dt.members {
            self.emit_member(m, &ctx, &mut methods, false)?;
        }
        let _ = writeln!(out, "impl{gen} {name}{ga} {{\n{methods}}}");
        Ok(())
    }

    fn emit_class(&mut self, ci: usize, ctx: &Ctx, out: &mut String) -> GResult<()> {
        let cl = self.classes[ci].clone();
        let ctx = Ctx {
            type_params: cl.type_params.clone(),
            class: Some(Owner::Class(ci)),
            ..ctx.clone()
        };
        let name = ident(&cl.name);
        let gen = self.generics(&cl.type_params);
        let ga = self.generic_args(&cl.type_params);
        if cl.is_trait {
            let mut items = String::new();
            for m in &cl.members {
                match m {
                    Member::Callable(c) if !c.is_static => {
                        let sig = self.signature(c, &ctx, true)?;
                        match (&c.body, &c.expr) {
                            (None, None) => {
                                let _ = writeln!(items, "{sig};");
                            }
                            _ => {
                                let body = self.callable_body(
                                    c,
                                    &Ctx {
                                        is_static: false,
                                        ..ctx.clone()
                                    },
                                )?;
                                let _ = writeln!(items, "{sig} {body}");
                            }
                        }
                    }
                    Member::Callable(c) => {
                        return Err((
                            c.line,
                            format!("static member `{}` of a trait is not supported", c.name),
                        ))
                    }
                    Member::Field(f, line) | Member::Const(f, None, false, line) => {
                        let t = self.ty(&f.ty, &ctx, *line)?;
                        let _ = writeln!(
                            items,
                            "fn _field_{}(&self) -> &Field<{}>;",
                            f.name.replace('\'', "_k"),
                            self.rty(&t)
                        );
                    }
                    Member::Const(f, _, _, line) => {
                        return Err((
                            *line,
                            format!("constant `{}` of a trait is not supported", f.name),
                        ))
                    }
                }
            }
            let _ = writeln!(out, "pub trait {name}{gen}: ::dafny_support::rt::UpcastObject<dyn ::std::any::Any> {{\n{items}}}");
            return Ok(());
        }
        // The struct: one `Field` per mutable field, constants included.
        let mut fields = String::new();
        let mut inits = String::new();
        let mut accessors: HashMap<usize, String> = HashMap::new();
        for (f, owner) in self.class_fields(ci, ctx.module) {
            let ocl = self.classes[owner].clone();
            let octx = Ctx {
                module: ocl.module,
                type_params: ocl.type_params.clone(),
                ..ctx.clone()
            };
            let t = self.ty(&f.ty, &octx, 0)?;
            let _ = writeln!(fields, "pub {}: Field<{}>,", ident(&f.name), self.rty(&t));
            let _ = writeln!(
                inits,
                "{}: Field::new({}),",
                ident(&f.name),
                self.default_of(&t)
            );
            if owner != ci {
                let _ = writeln!(
                    accessors.entry(owner).or_default(),
                    "fn _field_{}(&self) -> &Field<{}> {{ &self.{} }}",
                    f.name.replace('\'', "_k"),
                    self.rty(&t),
                    ident(&f.name)
                );
            }
        }
        if !cl.type_params.is_empty() {
            let ph: Vec<String> = cl.type_params.iter().map(|p| ident(p)).collect();
            let _ = writeln!(
                fields,
                "_phantom: ::std::marker::PhantomData<({},)>,",
                ph.join(", ")
            );
            let _ = writeln!(inits, "_phantom: ::std::marker::PhantomData,");
        }
        let _ = writeln!(out, "pub struct {name}{gen} {{\n{fields}}}");
        let mut methods = String::new();
        let _ = writeln!(
            methods,
            "/// A new object, its fields at their default values (`new` before a constructor runs).\npub fn _allocate() -> Object<Self> {{ Object::new({name} {{ {inits} }}) }}"
        );
        // Members implementing traits go into the trait's impl.
        let mut trait_methods: HashMap<String, (Type, usize)> = HashMap::new();
        for t in &cl.extends {
            let Type::Named(p, _) = t else { continue };
            if let Some(TypeDef::Class(ti)) = self.find_type(ctx.module, p) {
                for m in &self.classes[ti].members {
                    if let Member::Callable(c) = m {
                        trait_methods.insert(c.name.clone(), (t.clone(), ti));
                    }
                }
            }
        }
        let mut trait_impls: HashMap<usize, (Type, String)> = HashMap::new();
        for m in &cl.members {
            if let Member::Callable(c) = m {
                if let Some((t, ti)) = trait_methods.get(&c.name) {
                    let sig = self.signature(c, &ctx, true)?;
                    let body = self.callable_body(
                        c,
                        &Ctx {
                            is_static: false,
                            ..ctx.clone()
                        },
                    )?;
                    let e = trait_impls.entry(*ti).or_insert((t.clone(), String::new()));
                    let _ = writeln!(e.1, "{sig} {body}");
                    continue;
                }
            }
            self.emit_member(m, &ctx, &mut methods, false)?;
        }
        let _ = writeln!(out, "impl{gen} {name}{ga} {{\n{methods}}}");
        for t in &cl.extends {
            let Type::Named(p, _) = t else { continue };
            let Some(TypeDef::Class(ti)) = self.find_type(ctx.module, p) else {
                if p.len() == 1 && p[0] == "object" {
                    continue;
                }
                return Err((0, format!("`{}` extends an unknown trait", cl.name)));
            };
            let tt = self.ty(t, &ctx, 0)?;
            let tpath = match &tt {
                Ty::Trait(p, args) => format!("{p}{}", self.rargs(args)),
                _ => continue,
            };
            let body = trait_impls.remove(&ti).map(|x| x.1).unwrap_or_default();
            let acc = accessors.remove(&ti).unwrap_or_default();
            let _ = writeln!(out, "impl{gen} {tpath} for {name}{ga} {{\n{body}{acc}}}");
        }
        let _ = writeln!(
            out,
            "impl{gen} ::dafny_support::rt::UpcastObject<dyn ::std::any::Any> for {name}{ga} {{ fn upcast(&self) -> Object<dyn ::std::any::Any> {{ Object::from_ref(self as &dyn ::std::any::Any) }} }}"
        );
        Ok(())
    }

    fn signature(&mut self, c: &Callable, ctx: &Ctx, has_self: bool) -> GResult<String> {
        let mut tps = ctx.type_params.clone();
        tps.extend(c.type_params.iter().cloned());
        let cctx = Ctx {
            type_params: tps,
            ..ctx.clone()
        };
        let mut params = Vec::new();
        if has_self {
            params.push("&self".to_string());
        }
        for f in &c.ins {
            let t = self.ty(&f.ty, &cctx, c.line)?;
            params.push(format!("{}: {}", ident(&f.name), self.rty(&t)));
        }
        let ret = self.ret_type(c, &cctx)?;
        let pre = if ctx
            .class
            .as_ref()
            .is_some_and(|o| matches!(o, Owner::Class(ci) if self.classes[*ci].is_trait))
            || self.in_trait_impl(c, ctx)
        {
            ""
        } else {
            "pub "
        };
        Ok(format!(
            "{pre}fn {}{}({}) -> {ret}",
            ident(&c.name),
            self.generics(&c.type_params),
            params.join(", ")
        ))
    }

    fn in_trait_impl(&self, c: &Callable, ctx: &Ctx) -> bool {
        let Some(Owner::Class(ci)) = &ctx.class else {
            return false;
        };
        let cl = &self.classes[*ci];
        cl.extends.iter().any(|t| {
            let Type::Named(p, _) = t else { return false };
            match self.find_type(ctx.module, p) {
                Some(TypeDef::Class(ti)) => self.classes[ti]
                    .members
                    .iter()
                    .any(|m| matches!(m, Member::Callable(c2) if c2.name == c.name)),
                _ => false,
            }
        })
    }

    fn ret_type(&self, c: &Callable, ctx: &Ctx) -> GResult<String> {
        let outs: Vec<Ty> = c
            .outs
            .iter()
            .map(|f| self.ty(&f.ty, ctx, c.line))
            .collect::<GResult<_>>()?;
        Ok(match outs.len() {
            0 => "()".into(),
            1 => self.rty(&outs[0]),
            _ => self.rty(&Ty::Tuple(outs)),
        })
    }

    fn emit_member(
        &mut self,
        m: &Member,
        ctx: &Ctx,
        out: &mut String,
        module_level: bool,
    ) -> GResult<()> {
        match m {
            Member::Field(..) => Ok(()),
            Member::Const(f, init, is_static, line) => {
                let t = self.ty(&f.ty, ctx, *line)?;
                let Some(init) = init else {
                    if module_level || *is_static {
                        return Err((
                            *line,
                            format!("constant `{}` without a value is not supported", f.name),
                        ));
                    }
                    // An instance constant set by a constructor: a field.
                    let _ = writeln!(
                        out,
                        "pub fn {}(&self) -> {} {{ read_field!(self.{}) }}",
                        ident(&format!("{}_get", f.name)),
                        self.rty(&t),
                        ident(&f.name)
                    );
                    return Ok(());
                };
                let has_self = !module_level && !*is_static;
                let cctx = Ctx {
                    is_static: !has_self,
                    ..ctx.clone()
                };
                self.push();
                let (code, _) = self.expr_expect(init, &cctx, Some(&t))?;
                self.pop();
                let recv = if has_self { "&self" } else { "" };
                let _ = writeln!(
                    out,
                    "pub fn {}({recv}) -> {} {{ {code} }}",
                    ident(&f.name),
                    self.rty(&t)
                );
                Ok(())
            }
            Member::Callable(c) => {
                if c.is_extern {
                    // Written in Rust by the user, in an `impl` of this type.
                    return Ok(());
                }
                let has_self = !module_level && !c.is_static && c.kind != CallableKind::Constructor
                    || (c.kind == CallableKind::Constructor);
                let sig = self.signature(c, ctx, has_self)?;
                let body = self.callable_body(
                    c,
                    &Ctx {
                        is_static: !has_self,
                        ..ctx.clone()
                    },
                )?;
                let _ = writeln!(out, "{sig} {body}");
                Ok(())
            }
        }
    }

    fn callable_body(&mut self, c: &Callable, ctx: &Ctx) -> GResult<String> {
        let mut tps = ctx.type_params.clone();
        tps.extend(c.type_params.iter().cloned());
        let mut cctx = Ctx {
            type_params: tps,
            is_static: ctx.is_static,
            ..ctx.clone()
        };
        self.push();
        let mut pre = String::new();
        let mut params = Vec::new();
        for f in &c.ins {
            let t = self.ty(&f.ty, &cctx, c.line)?;
            self.bind(&f.name, t);
            let _ = write!(pre, "let mut {} = {};", ident(&f.name), ident(&f.name));
            params.push(f.name.clone());
        }
        let tail_ok = self.is_tail_recursive(c);
        if tail_ok {
            cctx.tail = Some(TailInfo {
                name: c.name.clone(),
                params,
            });
        }
        let body = match (&c.body, &c.expr) {
            (_, Some(e)) => {
                let rt = self.ty(&c.outs[0].ty, &cctx, c.line)?;
                let (code, _) = self.expr_tail(e, &cctx, Some(&rt))?;
                if tail_ok {
                    format!("{{ {pre} loop {{ return {code}; }} }}")
                } else {
                    format!("{{ {pre} {code} }}")
                }
            }
            (Some(stmts), None) => {
                let mut outs = Vec::new();
                let mut decl = String::new();
                for f in &c.outs {
                    let t = self.ty(&f.ty, &cctx, c.line)?;
                    let _ = write!(
                        decl,
                        "let mut {}: {} = {};",
                        ident(&f.name),
                        self.rty(&t),
                        self.default_of(&t)
                    );
                    self.bind(&f.name, t.clone());
                    outs.push((f.name.clone(), t));
                }
                cctx.outs = outs;
                let code = if tail_ok {
                    self.stmts_tail(stmts, &cctx)?
                } else {
                    self.stmts(stmts, &cctx)?
                };
                let ret = self.outs_value(&cctx);
                if tail_ok {
                    format!("{{ {pre} loop {{ {decl} {code} return {ret}; }} }}")
                } else {
                    format!("{{ {pre} {decl} {code} {ret} }}")
                }
            }
            (None, None) => {
                self.pop();
                return Err((c.line, format!("`{}` has no body (give it one, or mark it `{{:extern}}` and write it in Rust)", c.name)));
            }
        };
        self.pop();
        Ok(body)
    }

    fn outs_value(&self, ctx: &Ctx) -> String {
        let v: Vec<String> = ctx
            .outs
            .iter()
            .map(|(n, _)| format!("{}.clone()", ident(n)))
            .collect();
        match v.len() {
            0 => "()".into(),
            1 => v[0].clone(),
            _ => format!("({})", v.join(", ")),
        }
    }

    /// Whether every recursive call of `c` to itself is a tail call (then
    /// it compiles to a loop).
    fn is_tail_recursive(&self, c: &Callable) -> bool {
        if !c.type_params.is_empty() {
            return false;
        }
        match (&c.expr, &c.body) {
            (Some(e), _) => {
                let (tail, nontail) = count_calls_expr(e, &c.name, true);
                tail > 0 && nontail == 0
            }
            (None, Some(b)) => {
                let outs: Vec<String> = c.outs.iter().map(|f| f.name.clone()).collect();
                let (tail, nontail) = count_calls_stmts(b, &c.name, true, &outs);
                tail > 0 && nontail == 0
            }
            _ => false,
        }
    }

    // ---------------------------------------------------------------
    // Statements
    // ---------------------------------------------------------------

    fn stmts(&mut self, ss: &[Stmt], ctx: &Ctx) -> GResult<String> {
        let mut out = String::new();
        for s in ss {
            out.push_str(&self.stmt(s, ctx)?);
            out.push('\n');
        }
        Ok(out)
    }

    /// Statements whose last one is in tail position of a method being
    /// compiled to a loop: a recursive call there becomes `continue`.
    fn stmts_tail(&mut self, ss: &[Stmt], ctx: &Ctx) -> GResult<String> {
        let Some((last, init)) = ss.split_last() else {
            return Ok(String::new());
        };
        let mut out = self.stmts(init, ctx)?;
        out.push_str(&self.stmt_tail(last, ctx)?);
        Ok(out)
    }

    fn stmt_tail(&mut self, s: &Stmt, ctx: &Ctx) -> GResult<String> {
        let Some(tail) = ctx.tail.clone() else {
            return self.stmt(s, ctx);
        };
        let outs: Vec<String> = ctx.outs.iter().map(|(n, _)| n.clone()).collect();
        if let Some(args) = tail_call_of(s, &tail.name, &outs) {
            let mut out = String::from("{");
            let mut temps = Vec::new();
            for (a, p) in args.iter().zip(&tail.params) {
                let pt = self.local(p);
                let (c, at) = self.expr_expect(a, ctx, pt.as_ref())?;
                let c = match &pt {
                    Some(pt) => self.coerce(c, &at, pt),
                    None => c,
                };
                let t = self.fresh("a");
                let _ = write!(out, "let {t} = {c};");
                temps.push(t);
            }
            for (p, t) in tail.params.iter().zip(temps) {
                let _ = write!(out, "{} = {t};", ident(p));
            }
            out.push_str("continue; }");
            return Ok(out);
        }
        match &s.kind {
            StmtKind::If(c, a, b) => {
                let (cc, _) = self.expr_expect(c, ctx, Some(&Ty::Bool))?;
                self.push();
                let a = self.stmts_tail(a, ctx);
                self.pop();
                let a = a?;
                let b = match b {
                    Some(b) => {
                        self.push();
                        let r = self.stmts_tail(b, ctx);
                        self.pop();
                        format!(" else {{ {} }}", r?)
                    }
                    None => String::new(),
                };
                Ok(format!("if {cc} {{ {a} }}{b}"))
            }
            StmtKind::Block(b) => {
                self.push();
                let r = self.stmts_tail(b, ctx);
                self.pop();
                Ok(format!("{{ {} }}", r?))
            }
            _ => self.stmt(s, ctx),
        }
    }

    fn block(&mut self, ss: &[Stmt], ctx: &Ctx) -> GResult<String> {
        self.push();
        let r = self.stmts(ss, ctx);
        self.pop();
        Ok(format!("{{ {} }}", r?))
    }

    fn stmt(&mut self, s: &Stmt, ctx: &Ctx) -> GResult<String> {
        let line = s.line;
        match &s.kind {
            StmtKind::Var(vars, rhs) => {
                let mut tys = Vec::new();
                for (_, t) in vars {
                    tys.push(match t {
                        Some(t) => Some(self.ty(t, ctx, line)?),
                        None => None,
                    });
                }
                if rhs.is_empty() {
                    let mut out = String::new();
                    for ((n, _), t) in vars.iter().zip(&tys) {
                        let t = t
                            .clone()
                            .ok_or((line, format!("variable `{n}` without a printed type")))?;
                        let _ = write!(
                            out,
                            "let mut {}: {} = {};",
                            ident(n),
                            self.rty(&t),
                            self.default_of(&t)
                        );
                        self.bind(n, t);
                    }
                    return Ok(out);
                }
                if vars.len() == rhs.len() {
                    let mut codes = Vec::new();
                    for (k, r) in rhs.iter().enumerate() {
                        let (c, t) = self.rhs(r, ctx, tys[k].as_ref(), line)?;
                        let c = match &tys[k] {
                            Some(d) => self.coerce(c, &t, d),
                            None => c,
                        };
                        let t = tys[k].clone().unwrap_or(t);
                        codes.push((c, t));
                    }
                    let mut out = String::new();
                    for ((n, _), (c, t)) in vars.iter().zip(codes) {
                        let _ = write!(out, "let mut {}: {} = {c};", ident(n), self.rty(&t));
                        self.bind(n, t);
                    }
                    return Ok(out);
                }
                // `var a, b := M(x);`
                if rhs.len() == 1 {
                    let (c, t) = self.rhs(&rhs[0], ctx, None, line)?;
                    let names: Vec<String> = vars
                        .iter()
                        .map(|(n, _)| format!("mut {}", ident(n)))
                        .collect();
                    let out = format!("let ({}) = {c};", names.join(", "));
                    let parts = match t {
                        Ty::Tuple(ts) => ts,
                        _ => vec![Ty::Unknown; vars.len()],
                    };
                    for (k, (n, _)) in vars.iter().enumerate() {
                        let t = tys[k]
                            .clone()
                            .or_else(|| parts.get(k).cloned())
                            .unwrap_or(Ty::Unknown);
                        self.bind(n, t);
                    }
                    return Ok(out);
                }
                Err((
                    line,
                    "a `var` with more names than values is not supported".into(),
                ))
            }
            StmtKind::VarPattern(p, e) => {
                let (c, t) = self.expr(e, ctx)?;
                let v = self.fresh("v");
                let mut out = format!("let {v} = {c};");
                let binds = self.pattern_binds(p, &v, &t, ctx, line)?;
                out.push_str(&binds);
                Ok(out)
            }
            StmtKind::Assign(lhss, rhss) => {
                if lhss.len() == rhss.len() {
                    if lhss.len() == 1 {
                        let lt = self.lhs_type(&lhss[0], ctx)?;
                        let (c, rt) = self.rhs(&rhss[0], ctx, lt.as_ref(), line)?;
                        let c = match &lt {
                            Some(d) => self.coerce(c, &rt, d),
                            None => c,
                        };
                        return self.assign(&lhss[0], c, ctx);
                    }
                    // Parallel assignment: all values first.
                    let mut out = String::from("{");
                    let mut temps = Vec::new();
                    for (l, r) in lhss.iter().zip(rhss) {
                        let lt = self.lhs_type(l, ctx)?;
                        let (c, rt) = self.rhs(r, ctx, lt.as_ref(), line)?;
                        let c = match &lt {
                            Some(d) => self.coerce(c, &rt, d),
                            None => c,
                        };
                        let t = self.fresh("t");
                        let _ = write!(out, "let {t} = {c};");
                        temps.push(t);
                    }
                    for (l, t) in lhss.iter().zip(temps) {
                        out.push_str(&self.assign(l, t, ctx)?);
                    }
                    out.push('}');
                    return Ok(out);
                }
                if rhss.len() == 1 {
                    let (c, _) = self.rhs(&rhss[0], ctx, None, line)?;
                    let temps: Vec<String> = (0..lhss.len()).map(|_| self.fresh("t")).collect();
                    let mut out = format!("{{ let ({}) = {c};", temps.join(", "));
                    for (l, t) in lhss.iter().zip(temps) {
                        out.push_str(&self.assign(l, t, ctx)?);
                    }
                    out.push('}');
                    return Ok(out);
                }
                Err((
                    line,
                    "an assignment with more targets than values is not supported".into(),
                ))
            }
            StmtKind::Call(e) => {
                let (c, _) = self.expr(e, ctx)?;
                Ok(format!("{c};"))
            }
            StmtKind::If(c, a, b) => {
                let (cc, _) = self.expr_expect(c, ctx, Some(&Ty::Bool))?;
                let a = self.block(a, ctx)?;
                let b = match b {
                    Some(b) => format!(" else {}", self.block(b, ctx)?),
                    None => String::new(),
                };
                Ok(format!("if {cc} {a}{b}"))
            }
            StmtKind::While(c, body) => {
                let (cc, _) = self.expr_expect(c, ctx, Some(&Ty::Bool))?;
                // A `break` breaks this loop, not the tail-call loop.
                let b = self.block(body, ctx)?;
                Ok(format!("while {cc} {b}"))
            }
            StmtKind::Break => Ok("break;".into()),
            StmtKind::BreakTo(l) => Ok(format!("break 'l_{};", ident(l).trim_start_matches("r#"))),
            StmtKind::Labeled(l, s) => {
                let code = self.stmt(s, ctx)?;
                let lbl = format!("'l_{}", ident(l).trim_start_matches("r#"));
                if matches!(s.kind, StmtKind::While(..)) {
                    Ok(format!("{lbl}: {code}"))
                } else {
                    Ok(format!("{lbl}: {{ {code} }}"))
                }
            }
            StmtKind::Return(rs) => {
                let mut out = String::new();
                if !rs.is_empty() {
                    if rs.len() != ctx.outs.len() {
                        return Err((
                            line,
                            "`return` with a different number of values than out-parameters".into(),
                        ));
                    }
                    let outs = ctx.outs.clone();
                    out.push('{');
                    let mut temps = Vec::new();
                    for (r, (_, t)) in rs.iter().zip(&outs) {
                        let (c, rt) = self.rhs(r, ctx, Some(t), line)?;
                        let c = self.coerce(c, &rt, t);
                        let v = self.fresh("r");
                        let _ = write!(out, "let {v} = {c};");
                        temps.push(v);
                    }
                    for ((n, _), v) in outs.iter().zip(temps) {
                        let _ = write!(out, "{} = {v};", ident(n));
                    }
                    out.push('}');
                }
                let _ = write!(out, "return {};", self.outs_value(ctx));
                Ok(out)
            }
            StmtKind::Print(es) => {
                let mut out = String::new();
                for e in es {
                    let (c, _) = self.expr(e, ctx)?;
                    let _ = write!(out, "{RT}::print(&{c});");
                }
                Ok(out)
            }
            StmtKind::Block(ss) => self.block(ss, ctx),
            StmtKind::Forall(vars, range, body) => {
                self.forall_stmt(vars, range.as_ref(), body, ctx, line)
            }
            StmtKind::Match(e, cases) => {
                let (c, t) = self.expr(e, ctx)?;
                let v = self.fresh("m");
                let mut out = format!("{{ let {v} = {c};");
                for (k, (p, body)) in cases.iter().enumerate() {
                    self.push();
                    let (test, binds) = self.pattern_test(p, &v, &t, ctx, line)?;
                    let b = self.stmts(body, ctx);
                    self.pop();
                    let b = b?;
                    if k > 0 {
                        out.push_str(" else ");
                    }
                    let _ = write!(out, "if {test} {{ {binds} {b} }}");
                }
                out.push_str(" else { unreachable!() } }");
                Ok(out)
            }
            StmtKind::Unsupported(what) => Err((line, format!("{what} is not supported"))),
        }
    }

    fn lhs_type(&mut self, l: &Expr, ctx: &Ctx) -> GResult<Option<Ty>> {
        Ok(match &l.kind {
            ExprKind::Name(n) => match self.local(n) {
                Some(t) => Some(t),
                None => self.field_type(ctx, n, l.line)?,
            },
            ExprKind::Member(o, f) => {
                let (_, ot) = self.expr(o, ctx)?;
                self.member_field_type(&ot, f, ctx, l.line)?
            }
            ExprKind::Index(a, _) => {
                let (_, at) = self.expr(a, ctx)?;
                match at {
                    Ty::Array(e, _) => Some(*e),
                    _ => None,
                }
            }
            _ => None,
        })
    }

    fn assign(&mut self, l: &Expr, value: String, ctx: &Ctx) -> GResult<String> {
        let line = l.line;
        match &l.kind {
            ExprKind::Name(n) => {
                if self.local(n).is_some() {
                    return Ok(format!("{} = {value};", ident(n)));
                }
                if self.field_type(ctx, n, line)?.is_some() {
                    let ci = self.ctx_class(ctx).unwrap_or(0);
                    return Ok(format!(
                        "modify_field!({}, {value});",
                        self.field_place(ci, self.this_ref(ctx), n)
                    ));
                }
                Err((line, format!("assignment to unknown variable `{n}`")))
            }
            ExprKind::Member(o, f) => {
                let (oc, ot) = self.expr(o, ctx)?;
                match ot {
                    Ty::Class(p, _) | Ty::Trait(p, _) => {
                        let ci = self
                            .classes
                            .iter()
                            .position(|c| c.path == *p)
                            .ok_or((line, "unknown class".to_string()))?;
                        let place = self.field_place(ci, "rd!(_r)", f);
                        Ok(format!(
                            "{{ let _r = {oc}; let _v = {value}; modify_field!({place}, _v); }}"
                        ))
                    }
                    _ => Err((line, format!("assignment to `.{f}` of a non-object"))),
                }
            }
            ExprKind::Index(a, idx) => {
                let (ac, at) = self.expr(a, ctx)?;
                let mut ics = Vec::new();
                for i in idx {
                    let (c, _) = self.expr_expect(i, ctx, Some(&Ty::Int))?;
                    ics.push(format!("{RT}::ix(&{c})"));
                }
                match at {
                    Ty::Array(_, 1) => Ok(format!(
                        "{{ let _a = {ac}; let _i = {}; let _v = {value}; md!(_a)[_i] = _v; }}",
                        ics[0]
                    )),
                    Ty::Array(_, _) => Ok(format!(
                        "{{ let _a = {ac}; let _i = [{}]; let _v = {value}; md!(_a).set(&_i, _v); }}",
                        ics.join(", ")
                    )),
                    _ => Err((line, "assignment to an element of a non-array".into())),
                }
            }
            _ => Err((line, "unsupported assignment target".into())),
        }
    }

    /// The receiver for fields of `this`.
    fn this_ref(&self, ctx: &Ctx) -> &'static str {
        if ctx.in_lambda {
            "rd!(_this)"
        } else {
            "self"
        }
    }

    fn field_type(&self, ctx: &Ctx, n: &str, line: u32) -> GResult<Option<Ty>> {
        let Some(Owner::Class(ci)) = &ctx.class else {
            return Ok(None);
        };
        if ctx.is_static {
            return Ok(None);
        }
        for (f, _) in self.class_fields(*ci, ctx.module) {
            if f.name == n {
                return Ok(Some(self.ty(&f.ty, ctx, line)?));
            }
        }
        Ok(None)
    }

    /// A class's mutable fields (and constants set by its constructors),
    /// its traits' fields included, with the class or trait declaring each.
    fn class_fields(&self, ci: usize, module: usize) -> Vec<(Formal, usize)> {
        let mut out = Vec::new();
        let cl = &self.classes[ci];
        for t in &cl.extends {
            if let Type::Named(p, _) = t {
                if let Some(TypeDef::Class(ti)) =
                    self.find_type(cl.module.max(module.min(cl.module)), p)
                {
                    if ti != ci {
                        out.extend(self.class_fields(ti, self.classes[ti].module));
                    }
                }
            }
        }
        for m in &cl.members {
            if let Member::Field(f, _) | Member::Const(f, None, false, _) = m {
                out.push((f.clone(), ci));
            }
        }
        out
    }

    /// The place of field `name` of the object behind `recv` (a
    /// reference to the struct, or to the trait object).
    fn field_place(&self, ci: usize, recv: &str, name: &str) -> String {
        if self.classes[ci].is_trait {
            format!("{recv}._field_{}()", name.replace('\'', "_k"))
        } else {
            format!("{recv}.{}", ident(name))
        }
    }

    fn ctx_class(&self, ctx: &Ctx) -> Option<usize> {
        match &ctx.class {
            Some(Owner::Class(ci)) => Some(*ci),
            _ => None,
        }
    }

    fn rhs(&mut self, r: &Rhs, ctx: &Ctx, expect: Option<&Ty>, line: u32) -> GResult<(String, Ty)> {
        match r {
            Rhs::Expr(e) => self.expr_expect(e, ctx, expect),
            Rhs::Havoc => {
                let t = expect
                    .cloned()
                    .ok_or((line, "`*` without a type".to_string()))?;
                Ok((self.default_of(&t), t))
            }
            Rhs::New(t, ctor, args) => {
                // `new C.Init(..)` vs `new M.C(..)`: the parser split off the
                // last name; put it back if it names the class.
                let mut ctor = ctor.clone();
                let mut t = t.clone();
                if let (Type::Named(p, a), Some(c)) = (&t, &ctor) {
                    let mut full = p.clone();
                    full.push(c.clone());
                    if let Some(TypeDef::Class(_)) = self.find_type(ctx.module, &full) {
                        t = Type::Named(full, a.clone());
                        ctor = None;
                    }
                }
                let ty = self.ty(&t, ctx, line)?;
                let Ty::Class(path, targs) = &ty else {
                    return Err((line, "`new` of a non-class".into()));
                };
                let ci = self
                    .classes
                    .iter()
                    .position(|c| &c.path == path)
                    .ok_or((line, "unknown class".to_string()))?;
                let cname = match &ctor {
                    Some(c) => c.clone(),
                    None => "_ctor".into(),
                };
                let has_ctor = self.classes[ci]
                    .members
                    .iter()
                    .any(|m| matches!(m, Member::Callable(c) if c.name == cname && c.kind == CallableKind::Constructor));
                let tpath = format!(
                    "{path}{}",
                    if targs.is_empty() {
                        String::new()
                    } else {
                        format!("::{}", self.rargs(targs))
                    }
                );
                if !has_ctor {
                    if !args.is_empty() || ctor.is_some() {
                        return Err((line, format!("unknown constructor `{cname}`")));
                    }
                    return Ok((format!("{tpath}::_allocate()"), ty));
                }
                let ctor_fn = self
                    .find_class_member(ci, &cname)
                    .ok_or((line, "constructor".to_string()))?;
                let cl = self.classes[ci].clone();
                let sub = self.class_subst(ci, targs);
                let (call, _) = self.typed_call(
                    format!("rd!(_o).{}", ident(&cname)),
                    &ctor_fn,
                    cl.module,
                    &cl.type_params,
                    sub,
                    args,
                    ctx,
                    line,
                )?;
                Ok((
                    format!("{{ let _o = {tpath}::_allocate(); {call}; _o }}"),
                    ty,
                ))
            }
            Rhs::NewArray(t, dims, init, elems) => {
                let et = self.ty(t, ctx, line)?;
                let aty = Ty::Array(Box::new(et.clone()), dims.len().max(1));
                if let Some(elems) = elems {
                    let mut cs = Vec::new();
                    for e in elems {
                        cs.push(self.expr_expect(e, ctx, Some(&et))?.0);
                    }
                    return Ok((format!("{RT}::array_of(vec![{}])", cs.join(", ")), aty));
                }
                let mut dcs = Vec::new();
                for d in dims {
                    let (c, _) = self.expr_expect(d, ctx, Some(&Ty::Int))?;
                    dcs.push(format!("{RT}::ix(&{c})"));
                }
                let ret = self.rty(&et);
                match (dims.len(), init) {
                    (1, None) => Ok((format!("{RT}::array_default::<{ret}>({})", dcs[0]), aty)),
                    (1, Some(f)) => {
                        let ft = Ty::Arrow(vec![Ty::Int], Box::new(et.clone()));
                        let (fc, _) = self.expr_expect(f, ctx, Some(&ft))?;
                        Ok((
                            format!(
                                "{{ let _f: {} = {fc}; {RT}::array_init({}, |i| _f(&i)) }}",
                                self.rty(&ft),
                                dcs[0]
                            ),
                            aty,
                        ))
                    }
                    (_, None) => Ok((
                        format!(
                            "ArrayN::<{ret}>::new(vec![{}], |_| Default::default())",
                            dcs.join(", ")
                        ),
                        aty,
                    )),
                    (n, Some(f)) => {
                        let ft = Ty::Arrow(vec![Ty::Int; n], Box::new(et.clone()));
                        let (fc, _) = self.expr_expect(f, ctx, Some(&ft))?;
                        let args: Vec<String> = (0..n)
                            .map(|k| format!("&DafnyInt::from(_i[{k}])"))
                            .collect();
                        Ok((
                            format!(
                                "{{ let _f: {} = {fc}; ArrayN::new(vec![{}], |_i| _f({})) }}",
                                self.rty(&ft),
                                dcs.join(", "),
                                args.join(", ")
                            ),
                            aty,
                        ))
                    }
                }
            }
        }
    }

    fn find_class_member(&self, ci: usize, name: &str) -> Option<Callable> {
        self.classes[ci].members.iter().find_map(|m| match m {
            Member::Callable(c) if c.name == name => Some(c.clone()),
            _ => None,
        })
    }

    fn class_subst(&self, ci: usize, targs: &[Ty]) -> HashMap<String, Ty> {
        self.classes[ci]
            .type_params
            .iter()
            .cloned()
            .zip(targs.iter().cloned())
            .collect()
    }

    /// The type of a call's result (a tuple for several out-parameters),
    /// in `cctx`, the callable's own scope.
    fn result_type(
        &self,
        c: &Callable,
        cctx: &Ctx,
        sub: &HashMap<String, Ty>,
        line: u32,
    ) -> GResult<Ty> {
        let outs: Vec<Ty> = c
            .outs
            .iter()
            .map(|f| self.ty(&f.ty, cctx, line))
            .collect::<GResult<_>>()?;
        let t = match outs.len() {
            0 => Ty::Tuple(vec![]),
            1 => outs[0].clone(),
            _ => Ty::Tuple(outs),
        };
        Ok(subst(&t, sub))
    }

    fn args(
        &mut self,
        args: &[Expr],
        params: &[Ty],
        sub: &HashMap<String, Ty>,
        ctx: &Ctx,
    ) -> GResult<Vec<String>> {
        let mut out = Vec::new();
        for (k, a) in args.iter().enumerate() {
            let pt = params.get(k).map(|t| subst(t, sub));
            let expect = pt.as_ref().filter(|t| !has_unknown(t));
            let (c, at) = self.expr_expect(a, ctx, expect)?;
            let c = match &pt {
                Some(p) => self.coerce(c, &at, p),
                None => c,
            };
            out.push(c);
        }
        Ok(out)
    }

    /// Converts a value of one type to another where Rust needs it: a
    /// class object where a trait is expected.
    fn coerce(&self, code: String, from: &Ty, to: &Ty) -> String {
        match (from, to) {
            (Ty::Class(..), Ty::Trait(p, args)) => {
                format!("{{ let _o = {code}; Object(_o.0.map(|r| -> ::dafny_support::rt::rcmut::RcMut<dyn {p}{}> {{ r }})) }}", self.rargs(args))
            }
            (Ty::Class(..), Ty::Object) => {
                format!("{{ let _o = {code}; Object(_o.0.map(|r| -> ::dafny_support::rt::rcmut::RcMut<dyn ::std::any::Any> {{ r }})) }}")
            }
            _ => code,
        }
    }

    fn forall_stmt(
        &mut self,
        vars: &[(String, Option<Type>)],
        range: Option<&Expr>,
        body: &[Stmt],
        ctx: &Ctx,
        line: u32,
    ) -> GResult<String> {
        // Every right-hand side is evaluated before any assignment.
        let [s] = body else {
            if body.is_empty() {
                return Ok(String::new());
            }
            return Err((
                line,
                "a `forall` statement with more than one statement is not supported".into(),
            ));
        };
        let StmtKind::Assign(lhss, rhss) = &s.kind else {
            return Err((
                line,
                "a `forall` statement other than an assignment is not supported".into(),
            ));
        };
        let ([l], [Rhs::Expr(r)]) = (&lhss[..], &rhss[..]) else {
            return Err((
                line,
                "a `forall` with a multiple assignment is not supported".into(),
            ));
        };
        self.push();
        let (loops, close) = self.bound_loops(vars, range, ctx, line)?;
        let lt = self.lhs_type(l, ctx)?;
        let (rc, _) = self.expr_expect(r, ctx, lt.as_ref())?;
        // Evaluate the target's place parts and the value.
        let (collect, apply) = match &l.kind {
            ExprKind::Index(a, idx) => {
                let (ac, _) = self.expr(a, ctx)?;
                let mut ics = Vec::new();
                for i in idx {
                    let (c, _) = self.expr_expect(i, ctx, Some(&Ty::Int))?;
                    ics.push(c);
                }
                (
                    format!(
                        "_upd.push(({ac}, vec![{}], {rc}));",
                        ics.iter()
                            .map(|c| format!("{RT}::ix(&{c})"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    if idx.len() == 1 {
                        "for (_a, _i, _v) in _upd { md!(_a)[_i[0]] = _v; }".to_string()
                    } else {
                        "for (_a, _i, _v) in _upd { md!(_a).set(&_i, _v); }".to_string()
                    },
                )
            }
            ExprKind::Member(o, f) => {
                let (oc, _) = self.expr(o, ctx)?;
                (
                    format!("_upd.push(({oc}, {rc}));"),
                    format!(
                        "for (_o, _v) in _upd {{ modify_field!(rd!(_o).{}, _v); }}",
                        ident(f)
                    ),
                )
            }
            _ => {
                self.pop();
                return Err((
                    line,
                    "a `forall` assignment to a variable is not supported".into(),
                ));
            }
        };
        self.pop();
        Ok(format!(
            "{{ let mut _upd = Vec::new(); {loops} {collect} {close} {apply} }}"
        ))
    }

    /// Loops over the values of bound variables that satisfy `range`:
    /// each variable's bounds (`x in S`, `lo <= x < hi`) are read off the
    /// range's conjuncts, and the whole range is tested inside.
    fn bound_loops(
        &mut self,
        vars: &[(String, Option<Type>)],
        range: Option<&Expr>,
        ctx: &Ctx,
        line: u32,
    ) -> GResult<(String, String)> {
        let mut conj = Vec::new();
        if let Some(r) = range {
            conjuncts(r, &mut conj);
        }
        let mut open = String::new();
        let mut close = String::new();
        let group: Vec<&str> = vars.iter().map(|(n, _)| n.as_str()).collect();
        // Candidate bounds of each variable (they may name the others).
        type Cand = (Option<Expr>, Option<(Expr, bool)>, Option<(Expr, bool)>);
        let mut cands: HashMap<String, Cand> = HashMap::new();
        for (n, _) in vars {
            let mut lo = None;
            let mut hi = None;
            let mut coll = None;
            let ok = |e: &Expr| !mentions_var(e, n);
            for c in &conj {
                match &c.kind {
                    ExprKind::Binary("in", x, s) if is_name(x, n) && ok(s) => {
                        coll = Some((**s).clone())
                    }
                    ExprKind::Binary(op @ ("<=" | "<"), a, b) => {
                        if is_name(b, n) && ok(a) && lo.is_none() {
                            lo = Some(((**a).clone(), *op == "<"));
                        }
                        if is_name(a, n) && ok(b) && hi.is_none() {
                            hi = Some(((**b).clone(), *op == "<="));
                        }
                    }
                    ExprKind::Binary(op @ (">=" | ">"), a, b) => {
                        if is_name(a, n) && ok(b) && lo.is_none() {
                            lo = Some(((**b).clone(), *op == ">"));
                        }
                        if is_name(b, n) && ok(a) && hi.is_none() {
                            hi = Some(((**a).clone(), *op == ">="));
                        }
                    }
                    _ => {}
                }
            }
            cands.insert(n.clone(), (coll, lo, hi));
        }
        // A bound naming another variable of the group is replaced by that
        // variable's bound in the same direction (a superset: the range is
        // tested again inside the loops).
        fn resolve(
            cands: &HashMap<String, Cand>,
            group: &[&str],
            n: &str,
            upper: bool,
            depth: u32,
        ) -> Option<(Expr, bool)> {
            let (_, lo, hi) = cands.get(n)?;
            let (e, flag) = if upper { hi.clone()? } else { lo.clone()? };
            let named: Vec<&&str> = group.iter().filter(|g| mentions_var(&e, g)).collect();
            if named.is_empty() {
                return Some((e, flag));
            }
            if depth > 4 || named.len() > 1 {
                return None;
            }
            let ExprKind::Name(w) = &e.kind else {
                return None;
            };
            let (e2, f2) = resolve(cands, group, w, upper, depth + 1)?;
            // Inclusive (upper) or non-strict (lower): a superset.
            let _ = (f2, flag);
            Some((e2, upper))
        }
        for (n, t) in vars {
            let vt = match t {
                Some(t) => self.ty(t, ctx, line)?,
                None => Ty::Unknown,
            };
            let coll = cands
                .get(n)
                .and_then(|c| c.0.clone())
                .filter(|e| !group.iter().any(|g| mentions_var(e, g)));
            let lo = resolve(&cands, &group, n, false, 0);
            let hi = resolve(&cands, &group, n, true, 0);
            let v = ident(n);
            if let Some(s) = coll {
                let (sc, st) = self.expr(&s, ctx)?;
                let (iter, et) = match st {
                    Ty::Set(e) => (format!("{RT}::set_elems(&{sc})"), *e),
                    Ty::Seq(e) => (format!("{RT}::seq_elems(&{sc})"), *e),
                    Ty::Multiset(e) => (format!("{RT}::multiset_elems(&{sc})"), *e),
                    Ty::Map(k, _) => (format!("{RT}::map_keys(&{sc})"), *k),
                    _ => {
                        return Err((line, format!("cannot enumerate `{n}` over this collection")))
                    }
                };
                let _ = write!(open, "for {v} in {iter} {{");
                close.push('}');
                self.bind(n, if vt == Ty::Unknown { et } else { vt });
                continue;
            }
            let bt = if vt == Ty::Unknown {
                Ty::Int
            } else {
                vt.clone()
            };
            let (Some((lo, lo_strict)), Some((hi, hi_incl))) = (lo, hi) else {
                return Err((
                    line,
                    format!(
                        "no bounds found for `{n}` (write `x in S` or `lo <= x < hi` in the range)"
                    ),
                ));
            };
            let (lc, _) = self.expr_expect(&lo, ctx, Some(&bt))?;
            let (hc, _) = self.expr_expect(&hi, ctx, Some(&bt))?;
            let one = self.lit_int("1", &bt);
            let lc = if lo_strict {
                format!("({lc} + {one})")
            } else {
                lc
            };
            let hc = if hi_incl {
                format!("({hc} + {one})")
            } else {
                hc
            };
            let iter = match bt {
                Ty::Int => format!("{RT}::int_range({lc}, {hc})"),
                Ty::Native(_) | Ty::Bv(_) | Ty::Char => format!("{RT}::native_range({lc}, {hc})"),
                _ => return Err((line, format!("cannot enumerate `{n}` of this type"))),
            };
            let _ = write!(open, "for {v} in {iter} {{");
            close.push('}');
            self.bind(n, bt);
        }
        if let Some(r) = range {
            let (rc, _) = self.expr_expect(r, ctx, Some(&Ty::Bool))?;
            let _ = write!(open, "if {rc} {{");
            close.push('}');
        }
        Ok((open, close))
    }

    // ---------------------------------------------------------------
    // Patterns
    // ---------------------------------------------------------------

    /// A test that `v` (of type `t`) matches `p`, and the bindings.
    fn pattern_test(
        &mut self,
        p: &Pattern,
        v: &str,
        t: &Ty,
        ctx: &Ctx,
        line: u32,
    ) -> GResult<(String, String)> {
        match p {
            Pattern::Var(n, pt) => {
                // A nullary constructor, or a variable.
                if let Ty::Datatype(path, _, _) = t {
                    if let Some(di) = self.dts.iter().position(|d| &d.path == path) {
                        if self.dts[di]
                            .ctors
                            .iter()
                            .any(|c| &c.name == n && c.fields.is_empty())
                        {
                            return Ok((format!("{v}.is_{}()", ident(n)), String::new()));
                        }
                    }
                }
                let bt = match pt {
                    Some(pt) => self.ty(pt, ctx, line)?,
                    None => t.clone(),
                };
                if n == "_" {
                    return Ok(("true".into(), String::new()));
                }
                self.bind(n, bt);
                Ok((
                    "true".into(),
                    format!("let mut {} = {v}.clone();", ident(n)),
                ))
            }
            Pattern::Lit(l) => {
                let e = Expr {
                    kind: ExprKind::Lit(l.clone()),
                    line,
                };
                let (c, _) = self.expr_expect(&e, ctx, Some(t))?;
                Ok((format!("({v} == {c})"), String::new()))
            }
            Pattern::Ctor(name, subs) => {
                let mut tests = Vec::new();
                let mut binds = String::new();
                let fields: Vec<(String, Ty)> = if name.is_empty() {
                    let Ty::Tuple(ts) = t else {
                        return Err((line, "tuple pattern on a non-tuple".into()));
                    };
                    ts.iter()
                        .enumerate()
                        .map(|(k, t)| (format!("{k}"), t.clone()))
                        .collect()
                } else {
                    let Ty::Datatype(path, _, targs) = t else {
                        return Err((
                            line,
                            format!("constructor pattern `{name}` on a non-datatype"),
                        ));
                    };
                    let di = self
                        .dts
                        .iter()
                        .position(|d| &d.path == path)
                        .ok_or((line, "unknown datatype".to_string()))?;
                    let dt = self.dts[di].clone();
                    let c = dt
                        .ctors
                        .iter()
                        .find(|c| &c.name == name)
                        .ok_or((line, format!("unknown constructor `{name}`")))?;
                    tests.push(format!("{v}.is_{}()", ident(name)));
                    let sub: HashMap<String, Ty> = dt
                        .type_params
                        .iter()
                        .cloned()
                        .zip(targs.iter().cloned())
                        .collect();
                    let dctx = Ctx {
                        module: dt.module,
                        type_params: dt.type_params.clone(),
                        ..ctx.clone()
                    };
                    let mut fs = Vec::new();
                    for f in &c.fields {
                        fs.push((
                            format!("{}()", ident(&f.name)),
                            subst(&self.ty(&f.ty, &dctx, line)?, &sub),
                        ));
                    }
                    fs
                };
                if fields.len() != subs.len() {
                    return Err((
                        line,
                        format!(
                            "pattern `{name}` with {} arguments for {} fields",
                            subs.len(),
                            fields.len()
                        ),
                    ));
                }
                // Sub-patterns test the fields, after this constructor's test.
                let mut inner_tests = Vec::new();
                for ((f, ft), sp) in fields.iter().zip(subs) {
                    let fv = format!("{v}.{f}");
                    let (tst, b) = self.pattern_test(sp, &fv, ft, ctx, line)?;
                    if tst != "true" {
                        inner_tests.push(tst);
                    }
                    binds.push_str(&b);
                }
                tests.extend(inner_tests);
                let test = if tests.is_empty() {
                    "true".into()
                } else {
                    tests.join(" && ")
                };
                Ok((test, binds))
            }
        }
    }

    fn pattern_binds(
        &mut self,
        p: &Pattern,
        v: &str,
        t: &Ty,
        ctx: &Ctx,
        line: u32,
    ) -> GResult<String> {
        let (_, b) = self.pattern_test(p, v, t, ctx, line)?;
        Ok(b)
    }

    // ---------------------------------------------------------------
    // Expressions
    // ---------------------------------------------------------------

    fn expr(&mut self, e: &Expr, ctx: &Ctx) -> GResult<(String, Ty)> {
        self.expr_expect(e, ctx, None)
    }

    /// An expression in tail position of a function being compiled to a
    /// loop.
    fn expr_tail(&mut self, e: &Expr, ctx: &Ctx, expect: Option<&Ty>) -> GResult<(String, Ty)> {
        let Some(tail) = ctx.tail.clone() else {
            return self.expr_expect(e, ctx, expect);
        };
        match &e.kind {
            ExprKind::If(c, a, b) => {
                let (cc, _) = self.expr_expect(c, ctx, Some(&Ty::Bool))?;
                let (ac, at) = self.expr_tail(a, ctx, expect)?;
                let (bc, bt) = self.expr_tail(b, ctx, expect.or(Some(&at)))?;
                Ok((
                    format!("(if {cc} {{ {ac} }} else {{ {bc} }})"),
                    if at == Ty::Unknown { bt } else { at },
                ))
            }
            ExprKind::Let(pats, vals, body) => {
                self.push();
                let pre = self.let_binds(pats, vals, ctx, e.line)?;
                let r = self.expr_tail(body, ctx, expect);
                self.pop();
                let (bc, bt) = r?;
                Ok((format!("{{ {pre} {bc} }}"), bt))
            }
            ExprKind::Match(s, cases) => self.match_expr(s, cases, ctx, expect, e.line, true),
            ExprKind::Call(f, _, args) if is_self_call(f, &tail) => {
                let params = tail.params.clone();
                let mut out = String::from("{");
                let mut temps = Vec::new();
                for (a, p) in args.iter().zip(&params) {
                    let pt = self.local(p);
                    let (c, at) = self.expr_expect(a, ctx, pt.as_ref())?;
                    let c = match &pt {
                        Some(pt) => self.coerce(c, &at, pt),
                        None => c,
                    };
                    let t = self.fresh("a");
                    let _ = write!(out, "let {t} = {c};");
                    temps.push(t);
                }
                for (p, t) in params.iter().zip(temps) {
                    let _ = write!(out, "{} = {t};", ident(p));
                }
                out.push_str("continue; }");
                Ok((out, expect.cloned().unwrap_or(Ty::Unknown)))
            }
            _ => self.expr_expect(e, ctx, expect),
        }
    }

    fn let_binds(
        &mut self,
        pats: &[Pattern],
        vals: &[Expr],
        ctx: &Ctx,
        line: u32,
    ) -> GResult<String> {
        let mut pre = String::new();
        let mut computed = Vec::new();
        for (p, v) in pats.iter().zip(vals) {
            let expect = match p {
                Pattern::Var(_, Some(t)) => Some(self.ty(t, ctx, line)?),
                _ => None,
            };
            let (c, t) = self.expr_expect(v, ctx, expect.as_ref())?;
            let tmp = self.fresh("l");
            let _ = write!(pre, "let {tmp} = {c};");
            computed.push((tmp, expect.unwrap_or(t)));
        }
        for (p, (tmp, t)) in pats.iter().zip(computed) {
            pre.push_str(&self.pattern_binds(p, &tmp, &t, ctx, line)?);
        }
        Ok(pre)
    }

    fn match_expr(
        &mut self,
        s: &Expr,
        cases: &[(Pattern, Expr)],
        ctx: &Ctx,
        expect: Option<&Ty>,
        line: u32,
        tail: bool,
    ) -> GResult<(String, Ty)> {
        let (c, t) = self.expr(s, ctx)?;
        let v = self.fresh("m");
        let mut out = format!("{{ let {v} = {c};");
        let mut rt = expect.cloned();
        for (k, (p, body)) in cases.iter().enumerate() {
            self.push();
            let (test, binds) = self.pattern_test(p, &v, &t, ctx, line)?;
            let r = if tail {
                self.expr_tail(body, ctx, rt.as_ref())
            } else {
                self.expr_expect(body, ctx, rt.as_ref())
            };
            self.pop();
            let (bc, bt) = r?;
            if rt.is_none() || rt == Some(Ty::Unknown) {
                rt = Some(bt);
            }
            if k > 0 {
                out.push_str(" else ");
            }
            let _ = write!(out, "if {test} {{ {binds} {bc} }}");
        }
        out.push_str(" else { unreachable!() } }");
        Ok((out, rt.unwrap_or(Ty::Unknown)))
    }

    fn lit_int(&self, s: &str, t: &Ty) -> String {
        match t {
            Ty::Native(n) => format!("({s}{n})"),
            Ty::Bv(n) => format!("({s}{})", bv_repr(*n)),
            Ty::Real => format!("{RT}::real_lit(\"{s}.0\")"),
            _ => {
                let neg = s.starts_with('-');
                let body = s.trim_start_matches('-');
                let fits = if let Some(h) = body.strip_prefix("0x") {
                    i64::from_str_radix(h, 16).is_ok()
                } else {
                    body.parse::<i64>().is_ok()
                };
                if fits {
                    format!("DafnyInt::from({s}i64)")
                } else if neg {
                    format!("(-{RT}::int_lit(\"{body}\"))")
                } else {
                    format!("{RT}::int_lit(\"{body}\")")
                }
            }
        }
    }

    fn expr_expect(&mut self, e: &Expr, ctx: &Ctx, expect: Option<&Ty>) -> GResult<(String, Ty)> {
        let line = e.line;
        match &e.kind {
            ExprKind::Lit(l) => Ok(match l {
                Lit::Int(s) => {
                    let t = match expect {
                        Some(t @ (Ty::Native(_) | Ty::Bv(_) | Ty::Int | Ty::Real)) => t.clone(),
                        _ => Ty::Int,
                    };
                    (self.lit_int(s, &t), t)
                }
                Lit::Real(s) => (format!("{RT}::real_lit({s:?})"), Ty::Real),
                Lit::Bool(b) => (format!("{b}"), Ty::Bool),
                Lit::Char(c) => (
                    format!("DafnyCharUTF16({}u16)", {
                        let mut b = [0u16; 2];
                        c.encode_utf16(&mut b)[0]
                    }),
                    Ty::Char,
                ),
                Lit::Str(s) => (format!("{RT}::string({s:?})"), Ty::Seq(Box::new(Ty::Char))),
                Lit::Null => {
                    let t = expect.cloned().unwrap_or(Ty::Object);
                    (
                        format!(
                            "Object::<{}>::null()",
                            match &t {
                                Ty::Class(p, a) => format!("{p}{}", self.rargs(a)),
                                Ty::Trait(p, a) => format!("dyn {p}{}", self.rargs(a)),
                                Ty::Array(e, 1) => format!("[{}]", self.rty(e)),
                                Ty::Array(e, _) => format!("ArrayN<{}>", self.rty(e)),
                                _ => "dyn ::std::any::Any".into(),
                            }
                        ),
                        t,
                    )
                }
            }),
            ExprKind::This => {
                let t = self.this_type(ctx, line)?;
                let code = match (&ctx.class, ctx.in_lambda) {
                    (_, true) => "_this.clone()".to_string(),
                    (Some(Owner::Datatype(_)), false) => "Rc::new(self.clone())".to_string(),
                    _ => "Object::from_ref(self)".to_string(),
                };
                Ok((code, t))
            }
            ExprKind::Name(n) => self.name_expr(n, ctx, expect, line),
            ExprKind::Member(o, f) => self.member_expr(o, f, ctx, expect, line),
            ExprKind::Call(f, targs, args) => self.call_expr(f, targs, args, ctx, expect, line),
            ExprKind::Index(a, idx) => {
                let (ac, at) = self.expr(a, ctx)?;
                match &at {
                    Ty::Seq(el) => {
                        let (ic, it) = self.expr_expect(&idx[0], ctx, Some(&Ty::Int))?;
                        let ic = self.as_int(ic, &it);
                        Ok((format!("{ac}.get(&{ic})"), (**el).clone()))
                    }
                    Ty::Map(k, v) => {
                        let (kc, _) = self.expr_expect(&idx[0], ctx, Some(k))?;
                        Ok((format!("{ac}.get(&{kc})"), (**v).clone()))
                    }
                    Ty::Multiset(el) => {
                        let (kc, _) = self.expr_expect(&idx[0], ctx, Some(el))?;
                        Ok((format!("{ac}.get(&{kc})"), Ty::Int))
                    }
                    Ty::Array(el, 1) => {
                        let (ic, _) = self.expr_expect(&idx[0], ctx, Some(&Ty::Int))?;
                        Ok((
                            format!("rd!({ac})[{RT}::ix(&{ic})].clone()"),
                            (**el).clone(),
                        ))
                    }
                    Ty::Array(el, n) => {
                        if idx.len() != *n {
                            return Err((line, "wrong number of array indices".into()));
                        }
                        let mut ics = Vec::new();
                        for i in idx {
                            let (c, _) = self.expr_expect(i, ctx, Some(&Ty::Int))?;
                            ics.push(format!("{RT}::ix(&{c})"));
                        }
                        Ok((
                            format!("rd!({ac}).get(&[{}]).clone()", ics.join(", ")),
                            (**el).clone(),
                        ))
                    }
                    _ => Err((
                        line,
                        "indexing a value that is not a sequence, map, multiset or array".into(),
                    )),
                }
            }
            ExprKind::Update(s, i, v) => {
                let (sc, st) = self.expr_expect(s, ctx, expect)?;
                match &st {
                    Ty::Seq(el) => {
                        let (ic, it) = self.expr_expect(i, ctx, Some(&Ty::Int))?;
                        let ic = self.as_int(ic, &it);
                        let (vc, _) = self.expr_expect(v, ctx, Some(el))?;
                        Ok((format!("{sc}.update_index(&{ic}, &{vc})"), st.clone()))
                    }
                    Ty::Map(k, vt) => {
                        let (kc, _) = self.expr_expect(i, ctx, Some(k))?;
                        let (vc, _) = self.expr_expect(v, ctx, Some(vt))?;
                        Ok((format!("{sc}.update_index(&{kc}, &{vc})"), st.clone()))
                    }
                    Ty::Multiset(el) => {
                        let (kc, _) = self.expr_expect(i, ctx, Some(el))?;
                        let (vc, _) = self.expr_expect(v, ctx, Some(&Ty::Int))?;
                        Ok((format!("{sc}.update_count(&{kc}, &{vc})"), st.clone()))
                    }
                    _ => Err((
                        line,
                        "`[i := v]` on a value that is not a sequence, map or multiset".into(),
                    )),
                }
            }
            ExprKind::Slice(s, lo, hi) => {
                let (sc, st) = self.expr(s, ctx)?;
                let bound = |b: &Option<Box<Expr>>, g: &mut Self| -> GResult<Option<String>> {
                    match b {
                        Some(b) => {
                            let (c, t) = g.expr_expect(b, ctx, Some(&Ty::Int))?;
                            Ok(Some(g.as_int(c, &t)))
                        }
                        None => Ok(None),
                    }
                };
                let l = bound(lo, self)?;
                let h = bound(hi, self)?;
                match &st {
                    Ty::Seq(_) => Ok((
                        match (l, h) {
                            (None, None) => sc,
                            (Some(l), None) => format!("{sc}.drop(&{l})"),
                            (None, Some(h)) => format!("{sc}.take(&{h})"),
                            (Some(l), Some(h)) => format!("{sc}.slice(&{l}, &{h})"),
                        },
                        st.clone(),
                    )),
                    Ty::Array(el, 1) => {
                        let f = |x: Option<String>| match x {
                            Some(x) => format!("Some({RT}::ix(&{x}))"),
                            None => "None".into(),
                        };
                        Ok((
                            format!("{RT}::array_slice(&{sc}, {}, {})", f(l), f(h)),
                            Ty::Seq(el.clone()),
                        ))
                    }
                    _ => Err((
                        line,
                        "slicing a value that is not a sequence or array".into(),
                    )),
                }
            }
            ExprKind::DtUpdate(d, ups) => {
                let (dc, dt) = self.expr(d, ctx)?;
                let Ty::Datatype(path, _, targs) = &dt else {
                    return Err((line, "`.(f := v)` on a non-datatype".into()));
                };
                let di = self
                    .dts
                    .iter()
                    .position(|x| &x.path == path)
                    .ok_or((line, "unknown datatype".to_string()))?;
                let dtinfo = self.dts[di].clone();
                let sub: HashMap<String, Ty> = dtinfo
                    .type_params
                    .iter()
                    .cloned()
                    .zip(targs.iter().cloned())
                    .collect();
                let dctx = Ctx {
                    module: dtinfo.module,
                    type_params: dtinfo.type_params.clone(),
                    ..ctx.clone()
                };
                let mut pre = format!("{{ let _d = {dc};");
                let mut vals = HashMap::new();
                for (f, v) in ups {
                    let ft = dtinfo
                        .ctors
                        .iter()
                        .flat_map(|c| c.fields.iter())
                        .find(|x| &x.name == f)
                        .ok_or((line, format!("unknown field `{f}`")))?;
                    let ft = subst(&self.ty(&ft.ty, &dctx, line)?, &sub);
                    let (vc, _) = self.expr_expect(v, ctx, Some(&ft))?;
                    let t = self.fresh("u");
                    let _ = write!(pre, "let {t} = {vc};");
                    vals.insert(f.clone(), t);
                }
                let name = path.to_string();
                let mut arms = String::new();
                for c in &dtinfo.ctors {
                    if !ups
                        .iter()
                        .all(|(f, _)| c.fields.iter().any(|x| &x.name == f))
                    {
                        continue;
                    }
                    let fs: Vec<String> = c.fields.iter().map(|f| ident(&f.name)).collect();
                    let inits: Vec<String> = c
                        .fields
                        .iter()
                        .map(|f| match vals.get(&f.name) {
                            Some(t) => format!("{}: {t}.clone()", ident(&f.name)),
                            None => format!("{}: {}.clone()", ident(&f.name), ident(&f.name)),
                        })
                        .collect();
                    let _ = write!(
                        arms,
                        "{name}::{} {{ {} }} => Rc::new({name}::{} {{ {} }}),",
                        ident(&c.name),
                        fs.join(", "),
                        ident(&c.name),
                        inits.join(", ")
                    );
                }
                let _ = write!(pre, "match &*_d {{ {arms} _ => unreachable!() }} }}");
                Ok((pre, dt.clone()))
            }
            ExprKind::Card(x) => {
                let (c, t) = self.expr(x, ctx)?;
                match t {
                    Ty::Seq(_) | Ty::Set(_) | Ty::Multiset(_) | Ty::Map(..) => {
                        Ok((format!("{c}.cardinality()"), Ty::Int))
                    }
                    _ => Err((line, "`|e|` of a value that is not a collection".into())),
                }
            }
            ExprKind::Unary(op, x) => {
                let (c, t) = self.expr_expect(x, ctx, expect)?;
                match (*op, &t) {
                    ("!", Ty::Bool) => Ok((format!("(!{c})"), t)),
                    ("!", Ty::Bv(n)) => Ok((self.mask(format!("(!{c})"), *n), t)),
                    ("-", Ty::Bv(n)) => Ok((self.mask(format!("{c}.wrapping_neg()"), *n), t)),
                    ("-", _) => Ok((format!("(-{c})"), t)),
                    _ => Err((line, format!("unary `{op}` on this type is not supported"))),
                }
            }
            ExprKind::Binary(op, a, b) => self.binary(op, a, b, ctx, expect, line),
            ExprKind::As(x, t) => {
                let to = self.ty(t, ctx, line)?;
                let (c, from) = self.expr(x, ctx)?;
                if from == to {
                    return Ok((c, to));
                }
                let code = match (&from, &to) {
                    (Ty::Class(..), Ty::Trait(..)) | (Ty::Class(..), Ty::Object) => {
                        self.coerce(c, &from, &to)
                    }
                    (
                        Ty::Int | Ty::Native(_) | Ty::Bv(_) | Ty::Char | Ty::Real,
                        Ty::Int | Ty::Native(_) | Ty::Bv(_) | Ty::Char | Ty::Real,
                    ) => {
                        format!("{RT}::conv::<{}, {}>(&{c})", self.rty(&from), self.rty(&to))
                    }
                    _ => return Err((line, "this `as` conversion is not supported".into())),
                };
                Ok((code, to))
            }
            ExprKind::Tuple(es) => {
                let exp: Vec<Option<Ty>> = match expect {
                    Some(Ty::Tuple(ts)) if ts.len() == es.len() => {
                        ts.iter().cloned().map(Some).collect()
                    }
                    _ => vec![None; es.len()],
                };
                let mut cs = Vec::new();
                let mut ts = Vec::new();
                for (x, et) in es.iter().zip(exp) {
                    let (c, t) = self.expr_expect(x, ctx, et.as_ref())?;
                    cs.push(c);
                    ts.push(t);
                }
                Ok((
                    format!(
                        "({}{})",
                        cs.join(", "),
                        if cs.len() == 1 { "," } else { "" }
                    ),
                    Ty::Tuple(ts),
                ))
            }
            ExprKind::SeqDisplay(es) | ExprKind::SetDisplay(es) | ExprKind::MultisetDisplay(es) => {
                let (ctor, el): (&str, Option<Ty>) = match (&e.kind, expect) {
                    (ExprKind::SeqDisplay(_), Some(Ty::Seq(t))) => ("seq", Some((**t).clone())),
                    (ExprKind::SeqDisplay(_), _) => ("seq", None),
                    (ExprKind::SetDisplay(_), Some(Ty::Set(t))) => ("set", Some((**t).clone())),
                    (ExprKind::SetDisplay(_), _) => ("set", None),
                    (_, Some(Ty::Multiset(t))) => ("multiset", Some((**t).clone())),
                    _ => ("multiset", None),
                };
                let (cs, et) = self.elems(es, ctx, el)?;
                let code = format!(
                    "{RT}::{ctor}::<{}>(vec![{}])",
                    self.rty_or_infer(&et),
                    cs.join(", ")
                );
                let et = Box::new(et);
                let t = match ctor {
                    "seq" => Ty::Seq(et),
                    "set" => Ty::Set(et),
                    _ => Ty::Multiset(et),
                };
                Ok((code, t))
            }
            ExprKind::MultisetOf(x) => {
                let (c, t) = self.expr(x, ctx)?;
                match t {
                    Ty::Seq(e) => Ok((format!("{RT}::multiset_of_seq(&{c})"), Ty::Multiset(e))),
                    Ty::Set(e) => Ok((format!("{RT}::multiset_of_set(&{c})"), Ty::Multiset(e))),
                    _ => Err((
                        line,
                        "`multiset(e)` of a value that is not a sequence or set".into(),
                    )),
                }
            }
            ExprKind::MapDisplay(kvs) => {
                let (ke, ve) = match expect {
                    Some(Ty::Map(k, v)) => (Some((**k).clone()), Some((**v).clone())),
                    _ => (None, None),
                };
                let ks: Vec<Expr> = kvs.iter().map(|(k, _)| k.clone()).collect();
                let vs: Vec<Expr> = kvs.iter().map(|(_, v)| v.clone()).collect();
                let (kc, kt) = self.elems(&ks, ctx, ke)?;
                let (vc, vt) = self.elems(&vs, ctx, ve)?;
                let pairs: Vec<String> = kc
                    .iter()
                    .zip(&vc)
                    .map(|(k, v)| format!("({k}, {v})"))
                    .collect();
                Ok((
                    format!(
                        "{RT}::map::<{}, {}>(vec![{}])",
                        self.rty_or_infer(&kt),
                        self.rty_or_infer(&vt),
                        pairs.join(", ")
                    ),
                    Ty::Map(Box::new(kt), Box::new(vt)),
                ))
            }
            ExprKind::SetComp(vars, range, term) => {
                self.push();
                let r = (|| {
                    let (open, close) = self.bound_loops(vars, Some(range), ctx, line)?;
                    let el = match expect {
                        Some(Ty::Set(e)) => Some((**e).clone()),
                        _ => None,
                    };
                    let (tc, tt) = match term {
                        Some(t) => self.expr_expect(t, ctx, el.as_ref())?,
                        None => {
                            let n = &vars[0].0;
                            (
                                format!("{}.clone()", ident(n)),
                                self.local(n).unwrap_or(Ty::Unknown),
                            )
                        }
                    };
                    Ok((
                        format!("{{ let mut _s: Vec<{}> = Vec::new(); {open} _s.push({tc}); {close} {RT}::set(_s) }}", self.rty_or_infer(&tt)),
                        Ty::Set(Box::new(tt)),
                    ))
                })();
                self.pop();
                r
            }
            ExprKind::MapComp(vars, range, key, term) => {
                self.push();
                let r = (|| {
                    let (open, close) = self.bound_loops(vars, Some(range), ctx, line)?;
                    let (ke, ve) = match expect {
                        Some(Ty::Map(k, v)) => (Some((**k).clone()), Some((**v).clone())),
                        _ => (None, None),
                    };
                    let (kc, kt) = match key {
                        Some(k) => self.expr_expect(k, ctx, ke.as_ref())?,
                        None => {
                            let n = &vars[0].0;
                            (
                                format!("{}.clone()", ident(n)),
                                self.local(n).unwrap_or(Ty::Unknown),
                            )
                        }
                    };
                    let (tc, tt) = self.expr_expect(term, ctx, ve.as_ref())?;
                    Ok((
                        format!(
                            "{{ let mut _s: Vec<({}, {})> = Vec::new(); {open} _s.push(({kc}, {tc})); {close} {RT}::map(_s) }}",
                            self.rty_or_infer(&kt),
                            self.rty_or_infer(&tt),
                        ),
                        Ty::Map(Box::new(kt), Box::new(tt)),
                    ))
                })();
                self.pop();
                r
            }
            ExprKind::Quant(all, vars, range, body) => {
                self.push();
                let r = (|| {
                    // `forall x :: P(x) ==> Q(x)`: the bounds are in P.
                    let (rng, body): (Option<Expr>, Expr) = match (range, &body.kind) {
                        (Some(r), _) => (Some((**r).clone()), (**body).clone()),
                        (None, ExprKind::Binary("==>", p, q)) if *all => {
                            (Some((**p).clone()), (**q).clone())
                        }
                        (None, ExprKind::Binary("&&", p, q)) if !*all => {
                            (Some((**p).clone()), (**q).clone())
                        }
                        (None, _) => (None, (**body).clone()),
                    };
                    let (open, close) = self.bound_loops(vars, rng.as_ref(), ctx, line)?;
                    let (bc, _) = self.expr_expect(&body, ctx, Some(&Ty::Bool))?;
                    let code = if *all {
                        format!("(|| {{ {open} if !({bc}) {{ return false; }} {close} true }})()")
                    } else {
                        format!("(|| {{ {open} if {bc} {{ return true; }} {close} false }})()")
                    };
                    Ok((code, Ty::Bool))
                })();
                self.pop();
                r
            }
            ExprKind::If(c, a, b) => {
                let (cc, _) = self.expr_expect(c, ctx, Some(&Ty::Bool))?;
                let (ac, at) = self.expr_expect(a, ctx, expect)?;
                let exp_b = expect.cloned().or(Some(at.clone()));
                let (bc, bt) = self.expr_expect(b, ctx, exp_b.as_ref())?;
                let t = if has_unknown(&at) { bt } else { at };
                Ok((format!("(if {cc} {{ {ac} }} else {{ {bc} }})"), t))
            }
            ExprKind::Match(s, cases) => self.match_expr(s, cases, ctx, expect, line, false),
            ExprKind::Let(pats, vals, body) => {
                self.push();
                let r = (|| {
                    let pre = self.let_binds(pats, vals, ctx, line)?;
                    let (bc, bt) = self.expr_expect(body, ctx, expect)?;
                    Ok((format!("{{ {pre} {bc} }}"), bt))
                })();
                self.pop();
                r
            }
            ExprKind::Lambda(params, body) => {
                let (exp_args, exp_ret) = match expect {
                    Some(Ty::Arrow(a, r)) => (a.clone(), Some((**r).clone())),
                    _ => (vec![], None),
                };
                let mut ptys = Vec::new();
                for (k, (_, t)) in params.iter().enumerate() {
                    ptys.push(match t {
                        Some(t) => self.ty(t, ctx, line)?,
                        None => exp_args
                            .get(k)
                            .cloned()
                            .ok_or((line, "a lambda parameter without a type".to_string()))?,
                    });
                }
                // Captured locals are cloned into the closure.
                let mut names = BTreeSet::new();
                free_names(body, &mut names);
                let mut caps = String::new();
                for n in &names {
                    if params.iter().any(|(p, _)| p == n) {
                        continue;
                    }
                    if self.local(n).is_some() {
                        let _ = write!(caps, "let {} = {}.clone();", ident(n), ident(n));
                    }
                }
                let has_this = ctx.class.is_some() && !ctx.is_static;
                if has_this && !ctx.in_lambda {
                    let this = match &ctx.class {
                        Some(Owner::Datatype(_)) => "Rc::new(self.clone())",
                        _ => "Object::from_ref(self)",
                    };
                    let _ = write!(caps, "let _this = {this};");
                } else if ctx.in_lambda {
                    caps.push_str("let _this = _this.clone();");
                }
                let lctx = Ctx {
                    in_lambda: has_this || ctx.in_lambda,
                    tail: None,
                    ..ctx.clone()
                };
                self.push();
                for ((n, _), t) in params.iter().zip(&ptys) {
                    self.bind(n, t.clone());
                }
                let r = self.expr_expect(body, &lctx, exp_ret.as_ref());
                self.pop();
                let (bc, bt) = r?;
                let rt = match &exp_ret {
                    Some(t) if !has_unknown(t) => t.clone(),
                    _ => bt,
                };
                let ps: Vec<String> = params
                    .iter()
                    .zip(&ptys)
                    .map(|((n, _), t)| format!("{}: &{}", ident(n), self.rty(t)))
                    .collect();
                let owned: String = params
                    .iter()
                    .map(|(n, _)| format!("let {} = {}.clone();", ident(n), ident(n)))
                    .collect();
                let ft = Ty::Arrow(ptys.clone(), Box::new(rt.clone()));
                Ok((
                    format!(
                        "{{ {caps} let _f: {} = Rc::new(move |{}| -> {} {{ {owned} {bc} }}); _f }}",
                        self.rty(&ft),
                        ps.join(", "),
                        self.rty(&rt)
                    ),
                    ft,
                ))
            }
            ExprKind::Old(_) => Err((line, "`old` in compiled code is not supported".into())),
        }
    }

    fn rty_or_infer(&self, t: &Ty) -> String {
        if has_unknown(t) {
            "_".into()
        } else {
            self.rty(t)
        }
    }

    fn elems(&mut self, es: &[Expr], ctx: &Ctx, el: Option<Ty>) -> GResult<(Vec<String>, Ty)> {
        let mut t = el;
        // A typed element first (a literal takes its type from the others).
        if t.is_none() {
            for e in es {
                if !matches!(e.kind, ExprKind::Lit(Lit::Int(_))) {
                    let save = self.tmp;
                    let (_, et) = self.expr(e, ctx)?;
                    self.tmp = save;
                    t = Some(et);
                    break;
                }
            }
        }
        let mut cs = Vec::new();
        for e in es {
            let (c, et) = self.expr_expect(e, ctx, t.as_ref())?;
            let c = match &t {
                Some(tt) => self.coerce(c, &et, tt),
                None => c,
            };
            if t.is_none() {
                t = Some(et);
            }
            cs.push(c);
        }
        Ok((cs, t.unwrap_or(Ty::Unknown)))
    }

    fn as_int(&self, code: String, t: &Ty) -> String {
        match t {
            Ty::Int => code,
            _ => format!("{RT}::conv::<{}, DafnyInt>(&{code})", self.rty(t)),
        }
    }

    fn mask(&self, code: String, n: u32) -> String {
        match bv_mask(n) {
            Some(m) => format!("({code} & {m})"),
            None => code,
        }
    }

    fn this_type(&self, ctx: &Ctx, line: u32) -> GResult<Ty> {
        let tps: Vec<Ty> = ctx
            .type_params
            .iter()
            .map(|p| Ty::Param(p.clone()))
            .collect();
        match &ctx.class {
            Some(Owner::Class(ci)) => {
                let cl = &self.classes[*ci];
                let targs: Vec<Ty> = cl
                    .type_params
                    .iter()
                    .map(|p| Ty::Param(p.clone()))
                    .collect();
                let _ = tps;
                Ok(if cl.is_trait {
                    Ty::Trait(cl.path.clone(), targs)
                } else {
                    Ty::Class(cl.path.clone(), targs)
                })
            }
            Some(Owner::Datatype(di)) => {
                let d = &self.dts[*di];
                Ok(Ty::Datatype(
                    d.path.clone(),
                    d.name.clone(),
                    d.type_params.iter().map(|p| Ty::Param(p.clone())).collect(),
                ))
            }
            _ => Err((line, "`this` outside a class".into())),
        }
    }

    fn name_expr(
        &mut self,
        n: &str,
        ctx: &Ctx,
        expect: Option<&Ty>,
        line: u32,
    ) -> GResult<(String, Ty)> {
        if let Some(t) = self.local(n) {
            return Ok((format!("{}.clone()", ident(n)), t));
        }
        // A field or member of the enclosing class.
        if let Some(t) = self.field_type(ctx, n, line)? {
            let ci = self.ctx_class(ctx).unwrap_or(0);
            return Ok((
                format!(
                    "read_field!({})",
                    self.field_place(ci, self.this_ref(ctx), n)
                ),
                t,
            ));
        }
        if let Some(Owner::Class(ci)) = &ctx.class {
            let ci = *ci;
            if let Some(m) = self.classes[ci]
                .members
                .iter()
                .find(|m| member_name(m) == n)
                .cloned()
            {
                return self.member_value(&m, Some(ci), None, ctx, expect, line);
            }
        }
        if let Some(Owner::Datatype(di)) = &ctx.class {
            let di = *di;
            if let Some(m) = self.dts[di]
                .members
                .iter()
                .find(|m| member_name(m) == n)
                .cloned()
            {
                return self.dt_member_value(&m, di, None, ctx, line);
            }
        }
        // A nullary datatype constructor.
        if let Some(di) = self.find_ctor(ctx.module, n) {
            return self.ctor_call(di, n, &[], ctx, expect, line);
        }
        if let Some((mi, m)) = self.find_member(ctx.module, n) {
            return self.module_member_value(mi, &m, ctx, expect, line);
        }
        Err((line, format!("unknown name `{n}`")))
    }

    /// A module-level member used as a value (a constant, or a function
    /// passed as an argument).
    fn module_member_value(
        &mut self,
        mi: usize,
        m: &Member,
        ctx: &Ctx,
        expect: Option<&Ty>,
        line: u32,
    ) -> GResult<(String, Ty)> {
        let path = format!(
            "{}::_default::{}",
            self.mods[mi].rust,
            ident(&member_name(m))
        );
        match m {
            Member::Const(f, _, _, _) => {
                let mctx = Ctx {
                    module: mi,
                    type_params: vec![],
                    ..ctx.clone()
                };
                let t = self.ty(&f.ty, &mctx, line)?;
                Ok((format!("{path}()"), t))
            }
            Member::Callable(c) => self.function_value(path, c, ctx, expect, mi, line),
            Member::Field(..) => Err((line, "module-level field".into())),
        }
    }

    fn function_value(
        &mut self,
        path: String,
        c: &Callable,
        ctx: &Ctx,
        expect: Option<&Ty>,
        mi: usize,
        line: u32,
    ) -> GResult<(String, Ty)> {
        let mctx = Ctx {
            module: mi,
            type_params: c.type_params.clone(),
            ..ctx.clone()
        };
        let ps: Vec<Ty> = c
            .ins
            .iter()
            .map(|f| self.ty(&f.ty, &mctx, line))
            .collect::<GResult<_>>()?;
        let r = self.result_type(c, &mctx, &HashMap::new(), line)?;
        let (ps, r) = match expect {
            Some(Ty::Arrow(a, rr)) if a.len() == ps.len() => (a.clone(), (**rr).clone()),
            _ => (ps, r),
        };
        let names: Vec<String> = (0..ps.len()).map(|k| format!("_p{k}")).collect();
        let typed: Vec<String> = names
            .iter()
            .zip(&ps)
            .map(|(n, t)| format!("{n}: &{}", self.rty(t)))
            .collect();
        let owned: Vec<String> = names.iter().map(|n| format!("{n}.clone()")).collect();
        let ft = Ty::Arrow(ps, Box::new(r));
        Ok((
            format!(
                "{{ let _f: {} = Rc::new(move |{}| {path}({})); _f }}",
                self.rty(&ft),
                typed.join(", "),
                owned.join(", ")
            ),
            ft,
        ))
    }

    /// A class member named without a receiver inside the class.
    fn member_value(
        &mut self,
        m: &Member,
        ci: Option<usize>,
        recv: Option<String>,
        ctx: &Ctx,
        expect: Option<&Ty>,
        line: u32,
    ) -> GResult<(String, Ty)> {
        let ci = ci.ok_or((line, "member outside a class".to_string()))?;
        let cl = self.classes[ci].clone();
        let cctx = Ctx {
            module: cl.module,
            type_params: cl.type_params.clone(),
            ..ctx.clone()
        };
        match m {
            Member::Const(f, Some(_), is_static, _) => {
                let t = self.ty(&f.ty, &cctx, line)?;
                if *is_static {
                    Ok((format!("{}::{}()", cl.path, ident(&f.name)), t))
                } else {
                    let r = recv.unwrap_or_else(|| self.this_ref(ctx).to_string());
                    Ok((format!("{r}.{}()", ident(&f.name)), t))
                }
            }
            Member::Callable(c) => {
                let path = if c.is_static {
                    format!("{}::{}", cl.path, ident(&c.name))
                } else {
                    format!(
                        "{}.{}",
                        recv.unwrap_or_else(|| self.this_ref(ctx).to_string()),
                        ident(&c.name)
                    )
                };
                let _ = expect;
                Err((
                    line,
                    format!("`{path}` used as a value (not called) is not supported"),
                ))
            }
            _ => Err((line, "unsupported member".into())),
        }
    }

    fn dt_member_value(
        &mut self,
        m: &Member,
        di: usize,
        recv: Option<String>,
        ctx: &Ctx,
        line: u32,
    ) -> GResult<(String, Ty)> {
        let dt = self.dts[di].clone();
        let dctx = Ctx {
            module: dt.module,
            type_params: dt.type_params.clone(),
            ..ctx.clone()
        };
        match m {
            Member::Const(f, Some(_), is_static, _) => {
                let t = self.ty(&f.ty, &dctx, line)?;
                if *is_static {
                    Ok((format!("{}::{}()", dt.path, ident(&f.name)), t))
                } else {
                    Ok((
                        format!(
                            "{}.{}()",
                            recv.unwrap_or_else(|| "self".into()),
                            ident(&f.name)
                        ),
                        t,
                    ))
                }
            }
            _ => Err((
                line,
                "datatype member used as a value is not supported".into(),
            )),
        }
    }

    fn ctor_call(
        &mut self,
        di: usize,
        name: &str,
        args: &[Expr],
        ctx: &Ctx,
        expect: Option<&Ty>,
        line: u32,
    ) -> GResult<(String, Ty)> {
        let dt = self.dts[di].clone();
        let c = dt
            .ctors
            .iter()
            .find(|c| c.name == name)
            .ok_or((line, format!("unknown constructor `{name}`")))?
            .clone();
        if c.fields.len() != args.len() {
            return Err((
                line,
                format!(
                    "constructor `{name}` with {} arguments for {} fields",
                    args.len(),
                    c.fields.len()
                ),
            ));
        }
        let mut sub: HashMap<String, Ty> = HashMap::new();
        if let Some(Ty::Datatype(p, _, targs)) = expect {
            if *p == dt.path {
                sub = dt
                    .type_params
                    .iter()
                    .cloned()
                    .zip(targs.iter().cloned())
                    .collect();
            }
        }
        let dctx = Ctx {
            module: dt.module,
            type_params: dt.type_params.clone(),
            ..ctx.clone()
        };
        let mut inits = Vec::new();
        for (f, a) in c.fields.iter().zip(args) {
            let ft = self.ty(&f.ty, &dctx, line)?;
            let fts = subst(&ft, &sub);
            let expect_f = if has_param(&fts) {
                None
            } else {
                Some(fts.clone())
            };
            let (ac, at) = self.expr_expect(a, ctx, expect_f.as_ref())?;
            // Infer type arguments from the field's type.
            unify(&ft, &at, &mut sub);
            let ac = self.coerce(ac, &at, &subst(&ft, &sub));
            inits.push(format!("{}: {ac}", ident(&f.name)));
        }
        let targs: Vec<Ty> = dt
            .type_params
            .iter()
            .map(|p| sub.get(p).cloned().unwrap_or(Ty::Unknown))
            .collect();
        let turbofish = if targs.is_empty() || targs.iter().any(has_unknown) {
            String::new()
        } else {
            format!("::{}", self.rargs(&targs))
        };
        Ok((
            format!(
                "Rc::new({}{turbofish}::{} {{ {} }})",
                dt.path,
                ident(name),
                inits.join(", ")
            ),
            Ty::Datatype(dt.path.clone(), dt.name.clone(), targs),
        ))
    }

    fn member_field_type(&self, ot: &Ty, f: &str, ctx: &Ctx, line: u32) -> GResult<Option<Ty>> {
        let (Ty::Class(path, targs) | Ty::Trait(path, targs)) = ot else {
            return Ok(None);
        };
        let Some(ci) = self.classes.iter().position(|c| &c.path == path) else {
            return Ok(None);
        };
        let cl = &self.classes[ci];
        for (fd, owner) in self.class_fields(ci, ctx.module) {
            if fd.name == f {
                let ocl = &self.classes[owner];
                let cctx = Ctx {
                    module: ocl.module,
                    type_params: ocl.type_params.clone(),
                    ..ctx.clone()
                };
                let sub = self.class_subst(ci, targs);
                let _ = cl;
                return Ok(Some(subst(&self.ty(&fd.ty, &cctx, line)?, &sub)));
            }
        }
        Ok(None)
    }

    fn member_expr(
        &mut self,
        o: &Expr,
        f: &str,
        ctx: &Ctx,
        expect: Option<&Ty>,
        line: u32,
    ) -> GResult<(String, Ty)> {
        // `M.x`: a module member, `D.Ctor`, `C.staticMember`.
        if let Some(path) = dotted_name(o) {
            if self.local(&path[0]).is_none() && self.field_type(ctx, &path[0], line)?.is_none() {
                if let Some(mi) = self.module_named(ctx.module, &path) {
                    if let Some(m) = self.mods[mi].members.get(f).cloned() {
                        return self.module_member_value(mi, &m, ctx, expect, line);
                    }
                    if let Some(di) = self.mods[mi].ctors.get(f).copied() {
                        return self.ctor_call(di, f, &[], ctx, expect, line);
                    }
                }
                match self.find_type(ctx.module, &path) {
                    Some(TypeDef::Datatype(di))
                        if self.dts[di].ctors.iter().any(|c| c.name == f) =>
                    {
                        return self.ctor_call(di, f, &[], ctx, expect, line);
                    }
                    Some(TypeDef::Class(ci)) => {
                        if let Some(m) = self.classes[ci]
                            .members
                            .iter()
                            .find(|m| member_name(m) == f)
                            .cloned()
                        {
                            return self.member_value(&m, Some(ci), None, ctx, expect, line);
                        }
                    }
                    _ => {}
                }
            }
        }
        let (oc, ot) = self.expr(o, ctx)?;
        match &ot {
            Ty::Datatype(path, _, targs) => {
                let di = self
                    .dts
                    .iter()
                    .position(|d| &d.path == path)
                    .ok_or((line, "unknown datatype".to_string()))?;
                let dt = self.dts[di].clone();
                if let Some(cn) = f.strip_suffix('?') {
                    return Ok((format!("{oc}.is_{}()", ident(cn)), Ty::Bool));
                }
                let sub: HashMap<String, Ty> = dt
                    .type_params
                    .iter()
                    .cloned()
                    .zip(targs.iter().cloned())
                    .collect();
                let dctx = Ctx {
                    module: dt.module,
                    type_params: dt.type_params.clone(),
                    ..ctx.clone()
                };
                if let Some(fd) = dt
                    .ctors
                    .iter()
                    .flat_map(|c| c.fields.iter())
                    .find(|x| x.name == f)
                {
                    let t = subst(&self.ty(&fd.ty, &dctx, line)?, &sub);
                    return Ok((format!("{oc}.{}()", ident(f)), t));
                }
                if let Some(m) = dt.members.iter().find(|m| member_name(m) == f).cloned() {
                    return self.dt_member_value(&m, di, Some(oc), ctx, line);
                }
                Err((line, format!("unknown destructor `{f}`")))
            }
            Ty::Tuple(ts) => {
                let k: usize = f
                    .parse()
                    .map_err(|_| (line, format!("unknown tuple member `{f}`")))?;
                let t = ts
                    .get(k)
                    .cloned()
                    .ok_or((line, "tuple index out of range".to_string()))?;
                Ok((format!("{oc}.{k}.clone()"), t))
            }
            Ty::Class(path, _) | Ty::Trait(path, _) => {
                let ci = self
                    .classes
                    .iter()
                    .position(|c| &c.path == path)
                    .ok_or((line, "unknown class".to_string()))?;
                if let Some(t) = self.member_field_type(&ot, f, ctx, line)? {
                    let place = self.field_place(ci, &format!("rd!({oc})"), f);
                    return Ok((format!("read_field!({place})"), t));
                }
                if let Some(m) = self.classes[ci]
                    .members
                    .iter()
                    .find(|m| member_name(m) == f)
                    .cloned()
                {
                    return self.member_value(
                        &m,
                        Some(ci),
                        Some(format!("rd!({oc})")),
                        ctx,
                        expect,
                        line,
                    );
                }
                Err((line, format!("unknown member `{f}`")))
            }
            Ty::Array(_, n) => match f {
                "Length" if *n == 1 => {
                    Ok((format!("{RT}::int_of_usize(rd!({oc}).len())"), Ty::Int))
                }
                _ => {
                    if let Some(k) = f.strip_prefix("Length") {
                        if let Ok(k) = k.parse::<usize>() {
                            return Ok((format!("rd!({oc}).length({k})"), Ty::Int));
                        }
                    }
                    Err((line, format!("unknown array member `{f}`")))
                }
            },
            Ty::Real if f == "Floor" => Ok((format!("{oc}.floor()"), Ty::Int)),
            Ty::Map(k, v) => match f {
                "Keys" => Ok((format!("{oc}.keys()"), Ty::Set(k.clone()))),
                "Values" => Ok((format!("{oc}.values()"), Ty::Set(v.clone()))),
                "Items" => Ok((
                    format!("{oc}.items()"),
                    Ty::Set(Box::new(Ty::Tuple(vec![(**k).clone(), (**v).clone()]))),
                )),
                _ => Err((line, format!("unknown map member `{f}`"))),
            },
            _ => Err((line, format!("member `.{f}` of this type is not supported"))),
        }
    }

    fn call_expr(
        &mut self,
        f: &Expr,
        _targs: &[Type],
        args: &[Expr],
        ctx: &Ctx,
        expect: Option<&Ty>,
        line: u32,
    ) -> GResult<(String, Ty)> {
        match &f.kind {
            ExprKind::Name(n) => {
                if let Some(t) = self.local(n) {
                    return self.apply(format!("{}.clone()", ident(n)), &t, args, ctx, line);
                }
                if self.field_type(ctx, n, line)?.is_some() {
                    let (c, t) = self.name_expr(n, ctx, expect, line)?;
                    return self.apply(c, &t, args, ctx, line);
                }
                // A member of the enclosing class or datatype.
                if let Some(Owner::Class(ci)) = &ctx.class {
                    let ci = *ci;
                    if let Some(c) = self.find_class_member(ci, n) {
                        let recv = if c.is_static {
                            None
                        } else {
                            Some(self.this_ref(ctx).to_string())
                        };
                        return self.method_call(
                            &c,
                            ci,
                            recv,
                            &self.class_self_args(ci),
                            args,
                            ctx,
                            line,
                        );
                    }
                }
                if let Some(Owner::Datatype(di)) = &ctx.class {
                    let di = *di;
                    let found = self.dts[di].members.iter().find_map(|m| match m {
                        Member::Callable(c) if &c.name == n => Some(c.clone()),
                        _ => None,
                    });
                    if let Some(c) = found {
                        let recv = if c.is_static {
                            None
                        } else {
                            Some(if ctx.in_lambda {
                                "_this".to_string()
                            } else {
                                "self".to_string()
                            })
                        };
                        return self.dt_method_call(&c, di, recv, &[], args, ctx, line);
                    }
                }
                if let Some(di) = self.find_ctor(ctx.module, n) {
                    // A constructor of a datatype in this module wins over
                    // functions of other modules.
                    if let Some((mi, _)) = self.find_member(ctx.module, n) {
                        if mi == ctx.module {
                            return self.module_call(mi, n, args, ctx, expect, line);
                        }
                    }
                    return self.ctor_call(di, n, args, ctx, expect, line);
                }
                if let Some((mi, _)) = self.find_member(ctx.module, n) {
                    return self.module_call(mi, n, args, ctx, expect, line);
                }
                Err((line, format!("call of unknown `{n}`")))
            }
            ExprKind::Member(o, m) => {
                if let Some(path) = dotted_name(o) {
                    if self.local(&path[0]).is_none()
                        && self.field_type(ctx, &path[0], line)?.is_none()
                    {
                        if let Some(mi) = self.module_named(ctx.module, &path) {
                            if self.mods[mi].members.contains_key(m) {
                                return self.module_call(mi, m, args, ctx, expect, line);
                            }
                            if let Some(di) = self.mods[mi].ctors.get(m).copied() {
                                return self.ctor_call(di, m, args, ctx, expect, line);
                            }
                        }
                        match self.find_type(ctx.module, &path) {
                            Some(TypeDef::Datatype(di)) => {
                                if self.dts[di].ctors.iter().any(|c| &c.name == m) {
                                    return self.ctor_call(di, m, args, ctx, expect, line);
                                }
                                let found = self.dts[di].members.iter().find_map(|x| match x {
                                    Member::Callable(c) if &c.name == m => Some(c.clone()),
                                    _ => None,
                                });
                                if let Some(c) = found {
                                    return self.dt_method_call(&c, di, None, &[], args, ctx, line);
                                }
                            }
                            Some(TypeDef::Class(ci)) => {
                                if let Some(c) = self.find_class_member(ci, m) {
                                    return self.method_call(&c, ci, None, &[], args, ctx, line);
                                }
                            }
                            _ => {}
                        }
                    }
                }
                let (oc, ot) = self.expr(o, ctx)?;
                match &ot {
                    Ty::Class(path, targs) | Ty::Trait(path, targs) => {
                        let ci = self
                            .classes
                            .iter()
                            .position(|c| &c.path == path)
                            .ok_or((line, "unknown class".to_string()))?;
                        if let Some(c) = self.find_class_member(ci, m) {
                            let recv = if c.is_static {
                                None
                            } else {
                                Some(format!("rd!({oc})"))
                            };
                            return self.method_call(&c, ci, recv, targs, args, ctx, line);
                        }
                        if self.member_field_type(&ot, m, ctx, line)?.is_some() {
                            let (c, t) = self.member_expr(o, m, ctx, None, line)?;
                            return self.apply(c, &t, args, ctx, line);
                        }
                        Err((line, format!("unknown method `{m}`")))
                    }
                    Ty::Datatype(path, _, targs) => {
                        let di = self
                            .dts
                            .iter()
                            .position(|d| &d.path == path)
                            .ok_or((line, "unknown datatype".to_string()))?;
                        let found = self.dts[di].members.iter().find_map(|x| match x {
                            Member::Callable(c) if &c.name == m => Some(c.clone()),
                            _ => None,
                        });
                        if let Some(c) = found {
                            return self.dt_method_call(&c, di, Some(oc), targs, args, ctx, line);
                        }
                        let (c, t) = self.member_expr(o, m, ctx, None, line)?;
                        self.apply(c, &t, args, ctx, line)
                    }
                    _ => {
                        let (c, t) = self.member_expr(o, m, ctx, None, line)?;
                        self.apply(c, &t, args, ctx, line)
                    }
                }
            }
            _ => {
                let (c, t) = self.expr(f, ctx)?;
                self.apply(c, &t, args, ctx, line)
            }
        }
    }

    fn class_self_args(&self, ci: usize) -> Vec<Ty> {
        self.classes[ci]
            .type_params
            .iter()
            .map(|p| Ty::Param(p.clone()))
            .collect()
    }

    fn apply(
        &mut self,
        fc: String,
        ft: &Ty,
        args: &[Expr],
        ctx: &Ctx,
        line: u32,
    ) -> GResult<(String, Ty)> {
        let Ty::Arrow(ps, r) = ft else {
            return Err((line, "a call of a value that is not a function".into()));
        };
        let args = self.args(args, ps, &HashMap::new(), ctx)?;
        let refs: Vec<String> = args.iter().map(|a| format!("&{a}")).collect();
        Ok((format!("({fc})({})", refs.join(", ")), (**r).clone()))
    }

    fn module_call(
        &mut self,
        mi: usize,
        n: &str,
        args: &[Expr],
        ctx: &Ctx,
        expect: Option<&Ty>,
        line: u32,
    ) -> GResult<(String, Ty)> {
        let m = self.mods[mi]
            .members
            .get(n)
            .cloned()
            .ok_or((line, format!("unknown `{n}`")))?;
        let path = format!("{}::_default::{}", self.mods[mi].rust, ident(n));
        let Member::Callable(c) = &m else {
            // A constant of function type, applied.
            let (c, t) = self.module_member_value(mi, &m, ctx, expect, line)?;
            return self.apply(c, &t, args, ctx, line);
        };
        if c.ins.len() != args.len() {
            return Err((
                line,
                format!(
                    "`{n}` called with {} arguments for {} parameters",
                    args.len(),
                    c.ins.len()
                ),
            ));
        }
        self.typed_call(path, c, mi, &[], HashMap::new(), args, ctx, line)
    }

    #[allow(clippy::too_many_arguments)]
    fn method_call(
        &mut self,
        c: &Callable,
        ci: usize,
        recv: Option<String>,
        targs: &[Ty],
        args: &[Expr],
        ctx: &Ctx,
        line: u32,
    ) -> GResult<(String, Ty)> {
        let cl = self.classes[ci].clone();
        let callee = match recv {
            Some(r) => format!("{r}.{}", ident(&c.name)),
            None => format!("{}::{}", cl.path, ident(&c.name)),
        };
        let sub = self.class_subst(ci, targs);
        self.typed_call(callee, c, cl.module, &cl.type_params, sub, args, ctx, line)
    }

    #[allow(clippy::too_many_arguments)]
    fn dt_method_call(
        &mut self,
        c: &Callable,
        di: usize,
        recv: Option<String>,
        targs: &[Ty],
        args: &[Expr],
        ctx: &Ctx,
        line: u32,
    ) -> GResult<(String, Ty)> {
        let dt = self.dts[di].clone();
        let callee = match recv {
            Some(r) => format!("{r}.{}", ident(&c.name)),
            None => format!("{}::{}", dt.path, ident(&c.name)),
        };
        let sub = dt
            .type_params
            .iter()
            .cloned()
            .zip(targs.iter().cloned())
            .collect();
        self.typed_call(callee, c, dt.module, &dt.type_params, sub, args, ctx, line)
    }

    /// A call of `c` (declared in `module`, inside a class or datatype with
    /// type parameters `owner_tps` bound by `sub`): each argument is
    /// translated against its parameter's type, which binds the remaining
    /// type parameters, and the result's type follows.
    #[allow(clippy::too_many_arguments)]
    fn typed_call(
        &mut self,
        callee: String,
        c: &Callable,
        module: usize,
        owner_tps: &[String],
        mut sub: HashMap<String, Ty>,
        args: &[Expr],
        ctx: &Ctx,
        line: u32,
    ) -> GResult<(String, Ty)> {
        let mut tps = owner_tps.to_vec();
        tps.extend(c.type_params.iter().cloned());
        let cctx = Ctx {
            module,
            type_params: tps,
            ..ctx.clone()
        };
        let params: Vec<Ty> = c
            .ins
            .iter()
            .map(|f| self.ty(&f.ty, &cctx, line))
            .collect::<GResult<_>>()?;
        let mut codes = Vec::new();
        for (a, p) in args.iter().zip(&params) {
            let ps = subst(p, &sub);
            let expect_p = if has_param(&ps) {
                None
            } else {
                Some(ps.clone())
            };
            let (ac, at) = self.expr_expect(a, ctx, expect_p.as_ref())?;
            unify(p, &at, &mut sub);
            codes.push(self.coerce(ac, &at, &ps));
        }
        let r = self.result_type(c, &cctx, &sub, line)?;
        Ok((format!("{callee}({})", codes.join(", ")), r))
    }

    fn binary(
        &mut self,
        op: &str,
        a: &Expr,
        b: &Expr,
        ctx: &Ctx,
        expect: Option<&Ty>,
        line: u32,
    ) -> GResult<(String, Ty)> {
        // Logical operators.
        match op {
            "&&" | "||" | "==>" | "<==" | "<==>" => {
                let (ac, _) = self.expr_expect(a, ctx, Some(&Ty::Bool))?;
                let (bc, _) = self.expr_expect(b, ctx, Some(&Ty::Bool))?;
                let code = match op {
                    "&&" => format!("({ac} && {bc})"),
                    "||" => format!("({ac} || {bc})"),
                    "==>" => format!("(!{ac} || {bc})"),
                    "<==" => format!("({ac} || !{bc})"),
                    _ => format!("({ac} == {bc})"),
                };
                return Ok((code, Ty::Bool));
            }
            "in" | "!in" => {
                let (bc, bt) = self.expr(b, ctx)?;
                let el = match &bt {
                    Ty::Seq(e) | Ty::Set(e) | Ty::Multiset(e) => (**e).clone(),
                    Ty::Map(k, _) => (**k).clone(),
                    _ => return Err((line, "`in` on a value that is not a collection".into())),
                };
                let (ac, at) = self.expr_expect(a, ctx, Some(&el))?;
                let ac = self.coerce(ac, &at, &el);
                let code = format!("{bc}.contains(&{ac})");
                return Ok((
                    if op == "in" {
                        code
                    } else {
                        format!("(!{code})")
                    },
                    Ty::Bool,
                ));
            }
            _ => {}
        }
        // Operand types: a literal takes the other side's type.
        let a_lit = is_int_lit(a);
        let exp_operand = match op {
            "<<" | ">>" => expect.cloned(),
            "==" | "!=" | "<" | "<=" | ">" | ">=" | "!!" => None,
            _ => expect.cloned(),
        };
        let (ac, at, bc, bt) = if a_lit && !is_int_lit(b) {
            let (bc, bt) = self.expr_expect(b, ctx, exp_operand.as_ref())?;
            let (ac, at) = self.expr_expect(a, ctx, Some(&bt))?;
            (ac, at, bc, bt)
        } else {
            let (ac, at) = self.expr_expect(a, ctx, exp_operand.as_ref())?;
            let exp_b = if matches!(op, "<<" | ">>") {
                None
            } else {
                Some(at.clone())
            };
            let (bc, bt) = self.expr_expect(b, ctx, exp_b.as_ref())?;
            (ac, at, bc, bt)
        };
        let t = if has_unknown(&at) {
            bt.clone()
        } else {
            at.clone()
        };
        let bc = self.coerce(bc, &bt, &t);
        let ac = self.coerce(ac, &at, &t);
        let cmp = |s: String| Ok((s, Ty::Bool));
        match (op, &t) {
            ("==", _) => cmp(format!("({ac} == {bc})")),
            ("!=", _) => cmp(format!("({ac} != {bc})")),
            ("+", Ty::Seq(_)) => Ok((format!("{ac}.concat(&{bc})"), t)),
            ("+", Ty::Set(_) | Ty::Multiset(_)) => Ok((format!("{ac}.merge(&{bc})"), t)),
            ("*", Ty::Set(_) | Ty::Multiset(_)) => Ok((format!("{ac}.intersect(&{bc})"), t)),
            ("-", Ty::Set(_) | Ty::Multiset(_)) => Ok((format!("{ac}.subtract(&{bc})"), t)),
            ("-", Ty::Map(..)) => Ok((format!("{ac}.subtract(&{bc})"), t)),
            ("+", Ty::Map(..)) => Ok((format!("{ac}.merge(&{bc})"), t)),
            ("!!", Ty::Set(_) | Ty::Multiset(_)) => cmp(format!("{ac}.disjoint(&{bc})")),
            ("<=", Ty::Seq(_)) => cmp(format!("{RT}::is_prefix(&{ac}, &{bc})")),
            ("<", Ty::Seq(_)) => cmp(format!("{RT}::is_proper_prefix(&{ac}, &{bc})")),
            ("<=", Ty::Set(_)) => cmp(format!("{RT}::is_subset(&{ac}, &{bc})")),
            ("<", Ty::Set(_)) => cmp(format!(
                "({{ let (_x, _y) = ({ac}, {bc}); {RT}::is_subset(&_x, &_y) && _x != _y }})"
            )),
            (">=", Ty::Set(_)) => cmp(format!("{RT}::is_subset(&{bc}, &{ac})")),
            (">", Ty::Set(_)) => cmp(format!(
                "({{ let (_x, _y) = ({ac}, {bc}); {RT}::is_subset(&_y, &_x) && _x != _y }})"
            )),
            ("<=", Ty::Multiset(_)) => cmp(format!("{RT}::is_submultiset(&{ac}, &{bc})")),
            ("<", Ty::Multiset(_)) => cmp(format!(
                "({{ let (_x, _y) = ({ac}, {bc}); {RT}::is_submultiset(&_x, &_y) && _x != _y }})"
            )),
            (
                "<" | "<=" | ">" | ">=",
                Ty::Int | Ty::Native(_) | Ty::Bv(_) | Ty::Char | Ty::Real,
            ) => cmp(format!("({ac} {op} {bc})")),
            ("+" | "-" | "*", Ty::Int | Ty::Real | Ty::Native(_)) => {
                Ok((format!("({ac} {op} {bc})"), t))
            }
            ("/", Ty::Real) => Ok((format!("({ac} / {bc})"), t)),
            ("/", Ty::Int | Ty::Native(_)) => Ok((format!("{RT}::div({ac}, {bc})"), t)),
            ("%", Ty::Int | Ty::Native(_)) => Ok((format!("{RT}::rem({ac}, {bc})"), t)),
            ("+", Ty::Bv(n)) => Ok((self.mask(format!("{ac}.wrapping_add({bc})"), *n), t)),
            ("-", Ty::Bv(n)) => Ok((self.mask(format!("{ac}.wrapping_sub({bc})"), *n), t)),
            ("*", Ty::Bv(n)) => Ok((self.mask(format!("{ac}.wrapping_mul({bc})"), *n), t)),
            ("/", Ty::Bv(_)) => Ok((format!("({ac} / {bc})"), t)),
            ("%", Ty::Bv(_)) => Ok((format!("({ac} % {bc})"), t)),
            ("&" | "|" | "^", Ty::Bv(_)) => Ok((format!("({ac} {op} {bc})"), t)),
            ("<<" | ">>", Ty::Bv(n)) => {
                let amount = format!("{RT}::ix(&{bc}) as u32");
                let f = if op == "<<" {
                    "checked_shl"
                } else {
                    "checked_shr"
                };
                Ok((
                    self.mask(format!("{ac}.{f}({amount}).unwrap_or(0)"), *n),
                    at.clone(),
                ))
            }
            ("+", Ty::Char) | ("-", Ty::Char) => {
                Ok((format!("DafnyCharUTF16({ac}.0 {op} {bc}.0)"), t))
            }
            _ => Err((
                line,
                format!("operator `{op}` on this type is not supported"),
            )),
        }
    }
}

// -------------------------------------------------------------------
// Refinement
// -------------------------------------------------------------------

/// The program with refinement applied: a module `X refines B` gets every
/// declaration of `B` (itself refined first) that `X` does not redeclare,
/// as Dafny's resolver does. Dafny 2.3's NoGhost printer shows only what
/// `X` itself declares.
fn refine(top: &Module) -> GResult<Module> {
    let mut done: HashMap<Vec<String>, Module> = HashMap::new();
    refine_module(top, &[], top, &mut done, 0)
}

fn decl_name(d: &Decl) -> Option<String> {
    match d {
        Decl::Module(m) => Some(m.name.clone()),
        Decl::Import(alias, _, _) => Some(alias.clone()),
        Decl::Datatype { name, .. }
        | Decl::Newtype { name, .. }
        | Decl::Synonym { name, .. }
        | Decl::Class { name, .. } => Some(name.clone()),
        Decl::Member(m) => Some(member_name(m)),
        Decl::Unsupported(what, _) => what.split('`').nth(1).map(String::from),
    }
}

/// The module at `path` below `m`.
fn module_at<'m>(m: &'m Module, path: &[String]) -> Option<&'m Module> {
    let Some((first, rest)) = path.split_first() else {
        return Some(m);
    };
    m.decls.iter().find_map(|d| match d {
        Decl::Module(sub) if &sub.name == first => module_at(sub, rest),
        _ => None,
    })
}

fn refine_module(
    m: &Module,
    path: &[String],
    top: &Module,
    done: &mut HashMap<Vec<String>, Module>,
    depth: u32,
) -> GResult<Module> {
    if let Some(r) = done.get(path) {
        return Ok(r.clone());
    }
    if depth > 64 {
        return Err((m.line, format!("module `{}` refines itself", m.name)));
    }
    let mut decls = Vec::new();
    for d in &m.decls {
        decls.push(match d {
            Decl::Module(sub) => {
                let mut p = path.to_vec();
                p.push(sub.name.clone());
                Decl::Module(refine_module(sub, &p, top, done, depth + 1)?)
            }
            d => d.clone(),
        });
    }
    if let Some(base) = &m.refines {
        // The base: a sibling (or a sibling of an ancestor), else top-level.
        let mut found = None;
        for k in (0..path.len()).rev() {
            let mut p = path[..k].to_vec();
            p.extend(base.iter().cloned());
            if let Some(b) = module_at(top, &p[..]) {
                if p != path {
                    found = Some((p, b));
                    break;
                }
            }
        }
        let Some((bpath, b)) = found else {
            return Err((
                m.line,
                format!(
                    "module `{}` refines an unknown module `{}`",
                    m.name,
                    base.join(".")
                ),
            ));
        };
        let b = refine_module(b, &bpath, top, done, depth + 1)?;
        let own: BTreeSet<String> = decls.iter().filter_map(decl_name).collect();
        let mut inherited: Vec<Decl> = b
            .decls
            .iter()
            .filter(|d| decl_name(d).is_none_or(|n| !own.contains(&n)))
            .cloned()
            .collect();
        inherited.extend(decls);
        decls = inherited;
    }
    let r = Module {
        name: m.name.clone(),
        is_abstract: m.is_abstract,
        refines: m.refines.clone(),
        decls,
        line: m.line,
    };
    done.insert(path.to_vec(), r.clone());
    Ok(r)
}

// -------------------------------------------------------------------
// Helpers over the syntax
// -------------------------------------------------------------------

fn member_name(m: &Member) -> String {
    match m {
        Member::Field(f, _) | Member::Const(f, _, _, _) => f.name.clone(),
        Member::Callable(c) => c.name.clone(),
    }
}

/// The native Rust type of a newtype whose constraint is `lo <= x < hi`
/// (or `<=`), as Dafny picks it: the smallest that holds the range.
fn native_of(c: Option<&(String, Expr)>) -> Option<&'static str> {
    let (v, e) = c?;
    let mut conj = Vec::new();
    conjuncts(e, &mut conj);
    let mut lo: Option<i128> = None;
    let mut hi: Option<i128> = None; // inclusive
    for c in conj {
        if let ExprKind::Binary(op, a, b) = &c.kind {
            let (an, bn) = (int_value(a), int_value(b));
            match (*op, is_name(a, v), is_name(b, v)) {
                ("<=", false, true) => lo = an,
                ("<", false, true) => lo = an.map(|x| x + 1),
                ("<", true, false) => hi = bn.map(|x| x - 1),
                ("<=", true, false) => hi = bn,
                _ => {}
            }
        }
    }
    let (lo, hi) = (lo?, hi?);
    for (t, tlo, thi) in [
        ("u8", 0i128, u8::MAX as i128),
        ("i8", i8::MIN as i128, i8::MAX as i128),
        ("u16", 0, u16::MAX as i128),
        ("i16", i16::MIN as i128, i16::MAX as i128),
        ("u32", 0, u32::MAX as i128),
        ("i32", i32::MIN as i128, i32::MAX as i128),
        ("u64", 0, u64::MAX as i128),
        ("i64", i64::MIN as i128, i64::MAX as i128),
    ] {
        if tlo <= lo && hi <= thi {
            return Some(t);
        }
    }
    None
}

fn int_value(e: &Expr) -> Option<i128> {
    match &e.kind {
        ExprKind::Lit(Lit::Int(s)) => {
            if let Some(h) = s.strip_prefix("0x") {
                i128::from_str_radix(h, 16).ok()
            } else {
                s.parse().ok()
            }
        }
        ExprKind::Unary("-", x) => int_value(x).map(|v| -v),
        _ => None,
    }
}

fn conjuncts<'e>(e: &'e Expr, out: &mut Vec<&'e Expr>) {
    match &e.kind {
        ExprKind::Binary("&&", a, b) => {
            conjuncts(a, out);
            conjuncts(b, out);
        }
        _ => out.push(e),
    }
}

fn is_name(e: &Expr, n: &str) -> bool {
    matches!(&e.kind, ExprKind::Name(x) if x == n)
}

fn is_int_lit(e: &Expr) -> bool {
    match &e.kind {
        ExprKind::Lit(Lit::Int(_)) => true,
        ExprKind::Unary("-", x) => is_int_lit(x),
        _ => false,
    }
}

fn dotted_name(e: &Expr) -> Option<Vec<String>> {
    match &e.kind {
        ExprKind::Name(n) => Some(vec![n.clone()]),
        ExprKind::Member(o, f) => {
            let mut p = dotted_name(o)?;
            p.push(f.clone());
            Some(p)
        }
        _ => None,
    }
}

fn mentions_var(e: &Expr, n: &str) -> bool {
    let mut s = BTreeSet::new();
    free_names(e, &mut s);
    s.contains(n)
}

/// Names an expression refers to (over-approximated: bound names too).
fn free_names(e: &Expr, out: &mut BTreeSet<String>) {
    let mut f = |x: &Expr| free_names(x, out);
    match &e.kind {
        ExprKind::Name(n) => {
            out.insert(n.clone());
        }
        ExprKind::Lit(_) | ExprKind::This => {}
        ExprKind::Member(o, _) => f(o),
        ExprKind::Call(g, _, args) => {
            free_names(g, out);
            for a in args {
                free_names(a, out);
            }
        }
        ExprKind::Index(a, is) => {
            free_names(a, out);
            for i in is {
                free_names(i, out);
            }
        }
        ExprKind::Update(a, b, c) | ExprKind::If(a, b, c) => {
            free_names(a, out);
            free_names(b, out);
            free_names(c, out);
        }
        ExprKind::Slice(a, b, c) => {
            free_names(a, out);
            if let Some(b) = b {
                free_names(b, out);
            }
            if let Some(c) = c {
                free_names(c, out);
            }
        }
        ExprKind::DtUpdate(a, ups) => {
            free_names(a, out);
            for (_, v) in ups {
                free_names(v, out);
            }
        }
        ExprKind::Card(a)
        | ExprKind::Unary(_, a)
        | ExprKind::As(a, _)
        | ExprKind::MultisetOf(a)
        | ExprKind::Old(a) => f(a),
        ExprKind::Binary(_, a, b) => {
            free_names(a, out);
            free_names(b, out);
        }
        ExprKind::Tuple(es)
        | ExprKind::SeqDisplay(es)
        | ExprKind::SetDisplay(es)
        | ExprKind::MultisetDisplay(es) => {
            for x in es {
                free_names(x, out);
            }
        }
        ExprKind::MapDisplay(kvs) => {
            for (k, v) in kvs {
                free_names(k, out);
                free_names(v, out);
            }
        }
        ExprKind::SetComp(_, r, t) => {
            free_names(r, out);
            if let Some(t) = t {
                free_names(t, out);
            }
        }
        ExprKind::MapComp(_, r, k, t) => {
            free_names(r, out);
            if let Some(k) = k {
                free_names(k, out);
            }
            free_names(t, out);
        }
        ExprKind::Quant(_, _, r, b) => {
            if let Some(r) = r {
                free_names(r, out);
            }
            free_names(b, out);
        }
        ExprKind::Match(s, cases) => {
            free_names(s, out);
            for (_, b) in cases {
                free_names(b, out);
            }
        }
        ExprKind::Let(_, vals, b) => {
            for v in vals {
                free_names(v, out);
            }
            free_names(b, out);
        }
        ExprKind::Lambda(_, b) => free_names(b, out),
    }
}

fn is_self_call(f: &Expr, tail: &TailInfo) -> bool {
    matches!(&f.kind, ExprKind::Name(n) if *n == tail.name)
}

/// Calls of `name` in tail position and elsewhere.
fn count_calls_expr(e: &Expr, name: &str, tail: bool) -> (usize, usize) {
    let mut t = 0;
    let mut nt = 0;
    let mut add = |(a, b): (usize, usize)| {
        t += a;
        nt += b;
    };
    match &e.kind {
        ExprKind::Call(f, _, args) => {
            if matches!(&f.kind, ExprKind::Name(n) if n == name) {
                if tail {
                    add((1, 0));
                } else {
                    add((0, 1));
                }
            } else {
                add(count_calls_expr(f, name, false));
            }
            for a in args {
                add(count_calls_expr(a, name, false));
            }
        }
        ExprKind::If(c, a, b) => {
            add(count_calls_expr(c, name, false));
            add(count_calls_expr(a, name, tail));
            add(count_calls_expr(b, name, tail));
        }
        ExprKind::Match(s, cases) => {
            add(count_calls_expr(s, name, false));
            for (_, b) in cases {
                add(count_calls_expr(b, name, tail));
            }
        }
        ExprKind::Let(_, vals, b) => {
            for v in vals {
                add(count_calls_expr(v, name, false));
            }
            add(count_calls_expr(b, name, tail));
        }
        _ => {
            // Any other mention (including inside lambdas) is not a tail call.
            let mut names = BTreeSet::new();
            free_names(e, &mut names);
            if names.contains(name) {
                add((0, 1));
            }
        }
    }
    (t, nt)
}

/// Calls of method `name` as tail statements (the last statement on a
/// path, assigning all out-parameters in order) and elsewhere.
fn count_calls_stmts(ss: &[Stmt], name: &str, tail: bool, outs: &[String]) -> (usize, usize) {
    let (mut t, mut nt) = (0, 0);
    for (i, s) in ss.iter().enumerate() {
        let last = tail && i + 1 == ss.len();
        let (a, b) = count_calls_stmt(s, name, last, outs);
        t += a;
        nt += b;
    }
    (t, nt)
}

fn stmt_mentions(s: &impl std::fmt::Debug, name: &str) -> usize {
    format!("{s:?}").matches(&format!("Name({name:?})")).count()
}

fn count_calls_stmt(s: &Stmt, name: &str, last: bool, outs: &[String]) -> (usize, usize) {
    match &s.kind {
        StmtKind::If(c, a, b) => {
            let (t1, n1) = count_calls_stmts(a, name, last, outs);
            let (t2, n2) = b
                .as_ref()
                .map(|b| count_calls_stmts(b, name, last, outs))
                .unwrap_or((0, 0));
            (t1 + t2, n1 + n2 + stmt_mentions(c, name))
        }
        StmtKind::Block(b) => count_calls_stmts(b, name, last, outs),
        StmtKind::Match(e, cases) => {
            let (mut t, mut n) = (0, stmt_mentions(e, name));
            for (_, b) in cases {
                let (a, c) = count_calls_stmts(b, name, last, outs);
                t += a;
                n += c;
            }
            (t, n)
        }
        _ if last && tail_call_of(s, name, outs).is_some() => {
            let args = tail_call_of(s, name, outs).unwrap_or(&[]);
            (1, args.iter().map(|a| stmt_mentions(a, name)).sum())
        }
        _ => (0, stmt_mentions(s, name)),
    }
}

/// The arguments of `s` if it is `outs := name(args);` (or `name(args);`
/// for a method without outs).
fn tail_call_of<'s>(s: &'s Stmt, name: &str, outs: &[String]) -> Option<&'s [Expr]> {
    let call = match &s.kind {
        StmtKind::Assign(lhss, rhss) if rhss.len() == 1 && lhss.len() == outs.len() => {
            if !lhss.iter().zip(outs).all(|(l, o)| is_name(l, o)) {
                return None;
            }
            match &rhss[0] {
                Rhs::Expr(e) => e,
                _ => return None,
            }
        }
        StmtKind::Call(e) if outs.is_empty() => e,
        _ => return None,
    };
    match &call.kind {
        ExprKind::Call(f, _, args) if is_name(f, name) => Some(args),
        _ => None,
    }
}

fn subst(t: &Ty, sub: &HashMap<String, Ty>) -> Ty {
    if sub.is_empty() {
        return t.clone();
    }
    let s = |t: &Ty| subst(t, sub);
    match t {
        Ty::Param(n) => sub.get(n).cloned().unwrap_or_else(|| t.clone()),
        Ty::Seq(e) => Ty::Seq(Box::new(s(e))),
        Ty::Set(e) => Ty::Set(Box::new(s(e))),
        Ty::Multiset(e) => Ty::Multiset(Box::new(s(e))),
        Ty::Map(k, v) => Ty::Map(Box::new(s(k)), Box::new(s(v))),
        Ty::Tuple(ts) => Ty::Tuple(ts.iter().map(s).collect()),
        Ty::Datatype(p, n, a) => Ty::Datatype(p.clone(), n.clone(), a.iter().map(s).collect()),
        Ty::Class(p, a) => Ty::Class(p.clone(), a.iter().map(s).collect()),
        Ty::Trait(p, a) => Ty::Trait(p.clone(), a.iter().map(s).collect()),
        Ty::Array(e, n) => Ty::Array(Box::new(s(e)), *n),
        Ty::Arrow(a, r) => Ty::Arrow(a.iter().map(s).collect(), Box::new(s(r))),
        _ => t.clone(),
    }
}

/// Binds type parameters in `pattern` from the matching parts of `actual`.
fn unify(pattern: &Ty, actual: &Ty, sub: &mut HashMap<String, Ty>) {
    match (pattern, actual) {
        (Ty::Param(n), a) if !has_unknown(a) && !sub.contains_key(n) => {
            sub.insert(n.clone(), a.clone());
        }
        (Ty::Seq(a), Ty::Seq(b))
        | (Ty::Set(a), Ty::Set(b))
        | (Ty::Multiset(a), Ty::Multiset(b))
        | (Ty::Array(a, _), Ty::Array(b, _)) => unify(a, b, sub),
        (Ty::Map(k, v), Ty::Map(k2, v2)) => {
            unify(k, k2, sub);
            unify(v, v2, sub);
        }
        (Ty::Tuple(a), Ty::Tuple(b)) => {
            for (x, y) in a.iter().zip(b) {
                unify(x, y, sub);
            }
        }
        (Ty::Datatype(_, _, a), Ty::Datatype(_, _, b))
        | (Ty::Class(_, a), Ty::Class(_, b))
        | (Ty::Trait(_, a), Ty::Trait(_, b)) => {
            for (x, y) in a.iter().zip(b) {
                unify(x, y, sub);
            }
        }
        (Ty::Arrow(a, r), Ty::Arrow(b, r2)) => {
            for (x, y) in a.iter().zip(b) {
                unify(x, y, sub);
            }
            unify(r, r2, sub);
        }
        _ => {}
    }
}

fn has_unknown(t: &Ty) -> bool {
    match t {
        Ty::Unknown => true,
        Ty::Seq(e) | Ty::Set(e) | Ty::Multiset(e) | Ty::Array(e, _) => has_unknown(e),
        Ty::Map(k, v) => has_unknown(k) || has_unknown(v),
        Ty::Tuple(ts) => ts.iter().any(has_unknown),
        Ty::Datatype(_, _, a) | Ty::Class(_, a) | Ty::Trait(_, a) => a.iter().any(has_unknown),
        Ty::Arrow(a, r) => a.iter().any(has_unknown) || has_unknown(r),
        _ => false,
    }
}

fn has_param(t: &Ty) -> bool {
    match t {
        Ty::Param(_) | Ty::Unknown => true,
        Ty::Seq(e) | Ty::Set(e) | Ty::Multiset(e) | Ty::Array(e, _) => has_param(e),
        Ty::Map(k, v) => has_param(k) || has_param(v),
        Ty::Tuple(ts) => ts.iter().any(has_param),
        Ty::Datatype(_, _, a) | Ty::Class(_, a) | Ty::Trait(_, a) => a.iter().any(has_param),
        Ty::Arrow(a, r) => a.iter().any(has_param) || has_param(r),
        _ => false,
    }
}

/// Whether `t` mentions the datatype `d` (by path).
fn mentions(t: &Ty, d: &Ty) -> bool {
    let Ty::Datatype(dp, _, _) = d else {
        return false;
    };
    match t {
        Ty::Datatype(p, _, a) => p == dp || a.iter().any(|x| mentions(x, d)),
        Ty::Seq(e) | Ty::Set(e) | Ty::Multiset(e) | Ty::Array(e, _) => mentions(e, d),
        Ty::Map(k, v) => mentions(k, d) || mentions(v, d),
        Ty::Tuple(ts) => ts.iter().any(|x| mentions(x, d)),
        _ => false,
    }
}
