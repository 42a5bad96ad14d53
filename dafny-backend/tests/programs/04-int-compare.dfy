// int comparisons, chained comparisons, min/max
function method Min(a: int, b: int): int { if a <= b then a else b }
function method Max(a: int, b: int): int { if a >= b then a else b }
function method Clamp(x: int, lo: int, hi: int): int
  requires lo <= hi
{
  Max(lo, Min(x, hi))
}

method Main() {
  var xs := [3, -1, 4, -1, 5, -9, 2, 6];
  var i := 0;
  while i < |xs| - 1
    invariant 0 <= i <= |xs| - 1
  {
    var a, b := xs[i], xs[i + 1];
    print a, " vs ", b, ": ", a < b, " ", a <= b, " ", a == b, " ", a != b, " ", a > b, " ", a >= b, "\n";
    i := i + 1;
  }
  print Min(3, -7), " ", Max(3, -7), " ", Clamp(42, 0, 10), " ", Clamp(-42, 0, 10), " ", Clamp(5, 0, 10), "\n";
  var x := 5;
  print 0 <= x < 10, " ", 0 < x <= 4, " ", 1 < 2 < 3 < 4, "\n";
  var big := 100000000000000000000;
  print big > 99999999999999999999, " ", -big < -99999999999999999999, "\n";
}
