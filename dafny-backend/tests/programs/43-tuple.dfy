// tuples: construction, .0 .1 access, destructuring, nested, equality, printing
function method MinMax(s: seq<int>): (int, int)
  requires |s| > 0
  decreases |s|
{
  if |s| == 1 then (s[0], s[0])
  else
    var (lo, hi) := MinMax(s[1..]);
    (if s[0] < lo then s[0] else lo, if s[0] > hi then s[0] else hi)
}

function method Swap<A, B>(p: (A, B)): (B, A) { (p.1, p.0) }

method Main() {
  var t := (1, "two", true);
  print t, " ", t.0, " ", t.1, " ", t.2, "\n";
  var (a, b) := (3, 4);
  print a + b, "\n";
  print MinMax([4, -2, 9, 0]), "\n";
  var mm := MinMax([7]);
  print mm.0, " ", mm.1, "\n";
  print Swap((1, 'c')), " ", Swap(Swap((1, 2))) == (1, 2), "\n";
  var nested := ((1, 2), (3, (4, 5)));
  print nested, " ", nested.1.1.0, "\n";
  var pairs := [(1, "a"), (2, "b")];
  print pairs, " ", pairs[1].1, "\n";
  print (1, 2) == (1, 2), " ", (1, 2) != (2, 1), "\n";
  var unit := ();
  print unit, "\n";
}
