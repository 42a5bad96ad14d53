//! The printed program's syntax: what the parser reads, before names and
//! types are resolved.

/// A type as written.
#[derive(Clone, Debug, PartialEq)]
pub enum Type {
    /// A named type with arguments: `int`, `seq<T>`, `M.Tree<int>`, `C?`.
    Named(Vec<String>, Vec<Type>),
    /// `(A, B)`; `()` is the unit type.
    Tuple(Vec<Type>),
    /// `A -> B`, `(A, B) -> C` (also `-->` and `~>`).
    Arrow(Vec<Type>, Box<Type>),
}

/// An expression and its line.
#[derive(Clone, Debug, PartialEq)]
pub struct Expr {
    /// What it is.
    pub kind: ExprKind,
    /// 1-based source line.
    pub line: u32,
}

/// A literal.
#[derive(Clone, Debug, PartialEq)]
pub enum Lit {
    /// An integer literal (decimal, or hex with `0x`).
    Int(String),
    /// A real literal.
    Real(String),
    /// `true`, `false`.
    Bool(bool),
    /// A character.
    Char(char),
    /// A string.
    Str(String),
    /// `null`.
    Null,
}

/// A `match` case's pattern.
#[derive(Clone, Debug, PartialEq)]
pub enum Pattern {
    /// A variable, with its type if printed (`_` is a wildcard).
    Var(String, Option<Type>),
    /// A constructor with argument patterns; tuples have the name `""`.
    Ctor(String, Vec<Pattern>),
    /// A literal.
    Lit(Lit),
}

/// Expressions.
#[derive(Clone, Debug, PartialEq)]
pub enum ExprKind {
    /// A literal.
    Lit(Lit),
    /// `this`.
    This,
    /// A name (a local, a field, a function, a constructor, a module).
    Name(String),
    /// `e.name`.
    Member(Box<Expr>, String),
    /// `f(args)`, with explicit type arguments if printed.
    Call(Box<Expr>, Vec<Type>, Vec<Expr>),
    /// `a[i]`, `a[i, j]`.
    Index(Box<Expr>, Vec<Expr>),
    /// `s[i := v]`.
    Update(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `s[a..b]` (either end optional).
    Slice(Box<Expr>, Option<Box<Expr>>, Option<Box<Expr>>),
    /// `d.(f := v, ...)`.
    DtUpdate(Box<Expr>, Vec<(String, Expr)>),
    /// `|e|`.
    Card(Box<Expr>),
    /// A unary operator: `-`, `!`.
    Unary(&'static str, Box<Expr>),
    /// A binary operator.
    Binary(&'static str, Box<Expr>, Box<Expr>),
    /// `e as T`.
    As(Box<Expr>, Type),
    /// `(a, b)`.
    Tuple(Vec<Expr>),
    /// `[a, b]`.
    SeqDisplay(Vec<Expr>),
    /// `{a, b}`.
    SetDisplay(Vec<Expr>),
    /// `multiset{a, b}`.
    MultisetDisplay(Vec<Expr>),
    /// `multiset(e)`.
    MultisetOf(Box<Expr>),
    /// `map[k := v, ...]`.
    MapDisplay(Vec<(Expr, Expr)>),
    /// `set x: T | range :: term` (term is the variable when absent).
    SetComp(Vec<(String, Option<Type>)>, Box<Expr>, Option<Box<Expr>>),
    /// `map x: T | range :: term` (or `k := v`).
    MapComp(
        Vec<(String, Option<Type>)>,
        Box<Expr>,
        Option<Box<Expr>>,
        Box<Expr>,
    ),
    /// `forall`/`exists x: T | range :: body`.
    Quant(
        bool,
        Vec<(String, Option<Type>)>,
        Option<Box<Expr>>,
        Box<Expr>,
    ),
    /// `if c then a else b`.
    If(Box<Expr>, Box<Expr>, Box<Expr>),
    /// `match e case p => e ...`.
    Match(Box<Expr>, Vec<(Pattern, Expr)>),
    /// `var x: T := e; body` (and `var (a, b) := e; body`).
    Let(Vec<Pattern>, Vec<Expr>, Box<Expr>),
    /// `(x: T, y) => body`.
    Lambda(Vec<(String, Option<Type>)>, Box<Expr>),
    /// `seq(n, f)` (not in Dafny 2.3's grammar; kept for the error).
    Old(Box<Expr>),
}

/// The left-hand side of an assignment is an expression (a name, a
/// field, an element).
pub type Lhs = Expr;

/// The right-hand side of an assignment.
#[derive(Clone, Debug, PartialEq)]
pub enum Rhs {
    /// An expression (including a method call).
    Expr(Expr),
    /// `new C(args)` or `new C.Ctor(args)`, `new C`.
    New(Type, Option<String>, Vec<Expr>),
    /// `new T[dims]`, with an initializer function or a display.
    NewArray(Type, Vec<Expr>, Option<Expr>, Option<Vec<Expr>>),
    /// `*`.
    Havoc,
}

/// A statement and its line.
#[derive(Clone, Debug, PartialEq)]
pub struct Stmt {
    /// What it is.
    pub kind: StmtKind,
    /// 1-based source line.
    pub line: u32,
}

/// Statements.
#[derive(Clone, Debug, PartialEq)]
pub enum StmtKind {
    /// `var x: T, y: T := rhs, ...;` (`:=` part optional).
    Var(Vec<(String, Option<Type>)>, Vec<Rhs>),
    /// `var (a, b) := e;`.
    VarPattern(Pattern, Expr),
    /// `lhs, ... := rhs, ...;`.
    Assign(Vec<Lhs>, Vec<Rhs>),
    /// A method call as a statement (`M(args);`, `o.M(args);`).
    Call(Expr),
    /// `if c { } else ...`.
    If(Expr, Vec<Stmt>, Option<Vec<Stmt>>),
    /// `while c { }`.
    While(Expr, Vec<Stmt>),
    /// `break;`.
    Break,
    /// `break L;`.
    BreakTo(String),
    /// `label L: stmt`.
    Labeled(String, Box<Stmt>),
    /// `return;` (or `return e, ...;`).
    Return(Vec<Rhs>),
    /// `print e, ...;`.
    Print(Vec<Expr>),
    /// `{ ... }`.
    Block(Vec<Stmt>),
    /// `forall x | range { lhs := e; }`.
    Forall(Vec<(String, Option<Type>)>, Option<Expr>, Vec<Stmt>),
    /// `match e { case p => stmts ... }`.
    Match(Expr, Vec<(Pattern, Vec<Stmt>)>),
    /// `x :| p;` and other constructs the backend refuses, by name.
    Unsupported(String),
}

/// A formal parameter.
#[derive(Clone, Debug, PartialEq)]
pub struct Formal {
    /// Its name.
    pub name: String,
    /// Its type.
    pub ty: Type,
}

/// What kind of callable a member is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CallableKind {
    /// `method`.
    Method,
    /// `constructor`.
    Constructor,
    /// `function method` / `predicate method` (compiled functions).
    Function,
}

/// A method, constructor or compiled function.
#[derive(Clone, Debug, PartialEq)]
pub struct Callable {
    /// Its name (`_ctor` for an anonymous constructor).
    pub name: String,
    /// What it is.
    pub kind: CallableKind,
    /// `static`.
    pub is_static: bool,
    /// `{:extern}`: the body is written in Rust.
    pub is_extern: bool,
    /// Type parameters.
    pub type_params: Vec<String>,
    /// In-parameters.
    pub ins: Vec<Formal>,
    /// Out-parameters (methods) or the result (a function: one, named `_result`).
    pub outs: Vec<Formal>,
    /// A method's body.
    pub body: Option<Vec<Stmt>>,
    /// A function's body.
    pub expr: Option<Expr>,
    /// The source line.
    pub line: u32,
}

/// A datatype constructor.
#[derive(Clone, Debug, PartialEq)]
pub struct Ctor {
    /// Its name.
    pub name: String,
    /// Its fields (unnamed ones get `_0`, `_1`...).
    pub fields: Vec<Formal>,
}

/// A member of a class, trait, datatype or module.
#[derive(Clone, Debug, PartialEq)]
pub enum Member {
    /// `var f: T` (mutable field).
    Field(Formal, u32),
    /// `const c: T := e` (`static` or per object).
    Const(Formal, Option<Expr>, bool, u32),
    /// A method, constructor or function.
    Callable(Callable),
}

/// A top-level or module-level declaration.
#[derive(Clone, Debug, PartialEq)]
pub enum Decl {
    /// `module M { ... }`.
    Module(Module),
    /// `import opened? A = B.C` (alias, target path, opened).
    Import(String, Vec<String>, bool),
    /// `datatype D<T> = A(...) | B { members }`.
    Datatype {
        /// Its name.
        name: String,
        /// Type parameters.
        type_params: Vec<String>,
        /// Constructors.
        ctors: Vec<Ctor>,
        /// Members.
        members: Vec<Member>,
        /// Line.
        line: u32,
    },
    /// `newtype N = x: T | constraint` (or `newtype N = T`).
    Newtype {
        /// Its name.
        name: String,
        /// Its base type.
        base: Type,
        /// The bound variable and constraint, if any.
        constraint: Option<(String, Expr)>,
        /// Members.
        members: Vec<Member>,
        /// Line.
        line: u32,
    },
    /// `type N = T` or `type N = x: T | c` (a synonym or subset type).
    Synonym {
        /// Its name.
        name: String,
        /// Type parameters.
        type_params: Vec<String>,
        /// The base type.
        base: Type,
        /// Line.
        line: u32,
    },
    /// `class C<T> extends Tr { ... }` or `trait Tr { ... }`.
    Class {
        /// Its name.
        name: String,
        /// `trait`.
        is_trait: bool,
        /// Type parameters.
        type_params: Vec<String>,
        /// Traits it extends.
        extends: Vec<Type>,
        /// Members.
        members: Vec<Member>,
        /// `{:extern}`.
        is_extern: bool,
        /// Line.
        line: u32,
    },
    /// A module-level member (in `_default`).
    Member(Member),
    /// A construct the backend refuses, by name and line.
    Unsupported(String, u32),
}

/// A module: name and declarations.
#[derive(Clone, Debug, PartialEq)]
pub struct Module {
    /// Its name (the top-level module is `_module`).
    pub name: String,
    /// `abstract module`: never compiled, only refined.
    pub is_abstract: bool,
    /// `refines B`: the module it refines.
    pub refines: Option<Vec<String>>,
    /// Its declarations.
    pub decls: Vec<Decl>,
    /// Line.
    pub line: u32,
}
