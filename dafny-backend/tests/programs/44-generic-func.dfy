// generic functions and methods with type parameters, T(==) constraints
function method Id<T>(x: T): T { x }
function method First<A, B>(a: A, b: B): A { a }
function method Repeat<T>(x: T, n: nat): seq<T> decreases n { if n == 0 then [] else [x] + Repeat(x, n - 1) }
function method IndexOf<T(==)>(s: seq<T>, x: T): int decreases |s| {
  if |s| == 0 then -1 else if s[0] == x then 0 else var r := IndexOf(s[1..], x); if r < 0 then -1 else r + 1
}
function method Distinct<T(==)>(s: seq<T>): seq<T> decreases |s| {
  if |s| == 0 then [] else if s[0] in s[1..] then Distinct(s[1..]) else [s[0]] + Distinct(s[1..])
}

method SwapVals<T>(a: T, b: T) returns (x: T, y: T) ensures x == b && y == a {
  x, y := b, a;
}

method Main() {
  print Id(5), " ", Id("s"), " ", Id(true), " ", First(1, "x"), "\n";
  print Repeat(7, 3), " ", Repeat(true, 2), " ", |Repeat("ab", 4)|, "\n";
  print IndexOf([3, 5, 7], 7), " ", IndexOf([3, 5, 7], 4), " ", IndexOf(["a", "b"], "b"), "\n";
  print Distinct([1, 2, 1, 3, 2, 4]), "\n";
  var x, y := SwapVals(1, 2);
  var s, t := SwapVals("left", "right");
  print x, " ", y, " ", s, " ", t, "\n";
  print Repeat(Repeat(0, 2), 2), "\n";
}
