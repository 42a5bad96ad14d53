// Option datatype: match expressions and statements, discriminators, printing
datatype Option<T> = None | Some(value: T)

function method SafeDiv(a: int, b: int): Option<int> {
  if b == 0 then None else Some(a / b)
}

function method GetOr(o: Option<int>, d: int): int {
  match o
  case None => d
  case Some(v) => v
}

function method Find(s: seq<int>, x: int, i: nat): Option<nat>
  requires i <= |s|
  decreases |s| - i
{
  if i == |s| then None else if s[i] == x then Some(i) else Find(s, x, i + 1)
}

method Describe(o: Option<int>) {
  match o {
    case None => print "nothing\n";
    case Some(v) =>
      if v < 0 { print "negative ", v, "\n"; } else { print "value ", v, "\n"; }
  }
}

method Main() {
  var a := SafeDiv(10, 3);
  var b := SafeDiv(1, 0);
  print a, " ", b, "\n";
  print a.Some?, " ", a.None?, " ", b.None?, " ", a.value, "\n";
  print GetOr(a, -1), " ", GetOr(b, -1), "\n";
  Describe(a);
  Describe(b);
  Describe(SafeDiv(-9, 2));
  print Find([5, 6, 7], 7, 0), " ", Find([5, 6, 7], 8, 0), "\n";
  var os: Option<string> := Some("hi");
  print os, " ", a == Some(3), " ", b == None, " ", a != b, "\n";
}
