// printing nested datatypes with ints, strings, seqs, bools, chars, reals
datatype Color = Red | Green | Blue
datatype Pair = Pair(a: int, b: int)
datatype Box = Box(tag: string, contents: seq<int>, flag: bool)
datatype Expr = Num(n: int) | Add(l: Expr, r: Expr) | Neg(e: Expr) | Var(name: string)
datatype Wrapper = Wrap(c: Color, p: Pair, ch: char, r: real)
datatype Unit = Unit

method Main() {
  print Red, " ", Green, " ", Blue, "\n";
  print Pair(1, -2), "\n";
  print Box("items", [1, 2, 3], true), "\n";
  print Box("", [], false), "\n";
  print Add(Num(1), Neg(Var("x"))), "\n";
  print Wrap(Green, Pair(0, 0), 'z', 2.5), "\n";
  print [Red, Blue], " ", [Pair(1, 2)], "\n";
  print Unit, "\n";
  print (Red, Pair(3, 4)), "\n";
  var negs := Neg(Num(-5));
  print negs, "\n";
}
