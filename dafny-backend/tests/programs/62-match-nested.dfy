// match with nested constructor patterns, wildcards, tuple patterns (2.3: no literal patterns)
datatype Expr = Lit(n: int) | Add(a: Expr, b: Expr) | Mul(a: Expr, b: Expr) | Neg(e: Expr)

function method Eval(e: Expr): int {
  match e
  case Lit(n) => n
  case Add(x, y) => Eval(x) + Eval(y)
  case Mul(x, y) => Eval(x) * Eval(y)
  case Neg(x) => -Eval(x)
}

function method Simplify(e: Expr): Expr {
  match e
  case Lit(n) => e
  case Add(Lit(n), y) => if n == 0 then Simplify(y) else Add(e.a, Simplify(y))
  case Add(Add(p, q), y) => Add(Simplify(Add(p, q)), Simplify(y))
  case Add(Mul(p, q), y) => Add(Simplify(Mul(p, q)), Simplify(y))
  case Add(Neg(p), y) => Add(Simplify(Neg(p)), Simplify(y))
  case Mul(Lit(n), y) => if n == 1 then Simplify(y) else if n == 0 then Lit(0) else Mul(e.a, Simplify(y))
  case Mul(Add(p, q), y) => Mul(Simplify(Add(p, q)), Simplify(y))
  case Mul(Mul(p, q), y) => Mul(Simplify(Mul(p, q)), Simplify(y))
  case Mul(Neg(p), y) => Mul(Simplify(Neg(p)), Simplify(y))
  case Neg(Neg(x)) => Simplify(x)
  case Neg(Lit(n)) => Lit(-n)
  case Neg(Add(p, q)) => Neg(Simplify(Add(p, q)))
  case Neg(Mul(p, q)) => Neg(Simplify(Mul(p, q)))
}

function method Describe(p: (int, bool)): string {
  match p
  case (n, flag) => if n == 0 then "zero" else if flag then "flagged" else "plain"
}

datatype Opt = None | Some(v: int)

function method AddOpts(a: Opt, b: Opt): Opt {
  match (a, b)
  case (Some(x), Some(y)) => Some(x + y)
  case (Some(x), None) => Some(x)
  case (None, _) => b
}

method Main() {
  var e := Add(Mul(Lit(1), Lit(7)), Neg(Neg(Add(Lit(0), Lit(5)))));
  print Eval(e), "\n";
  print Simplify(e), "\n";
  print Eval(Simplify(e)), " ", Simplify(Mul(Lit(0), e)), "\n";
  print Describe((0, true)), " ", Describe((3, true)), " ", Describe((3, false)), "\n";
  print AddOpts(Some(1), Some(2)), " ", AddOpts(Some(1), None), " ", AddOpts(None, Some(5)), " ", AddOpts(None, None), "\n";
  var xs := [Lit(1), Neg(Lit(2)), Add(Lit(3), Lit(4))];
  var i := 0;
  while i < |xs|
    invariant 0 <= i <= |xs|
  {
    match xs[i] {
      case Lit(n) => print "lit ", n, "\n";
      case Neg(Lit(n)) => print "negated lit ", n, "\n";
      case Neg(Neg(_)) => print "double negation\n";
      case Neg(Add(_, _)) => print "negated sum\n";
      case Neg(Mul(_, _)) => print "negated product\n";
      case Add(_, _) => print "sum ", Eval(xs[i]), "\n";
      case Mul(_, _) => print "product\n";
    }
    i := i + 1;
  }
}
