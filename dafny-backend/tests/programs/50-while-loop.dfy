// while loops with invariants and decreases: sums, powers, nested loops, break
method SumTo(n: nat) returns (s: nat)
  ensures s == n * (n + 1) / 2
{
  s := 0;
  var i := 0;
  while i < n
    invariant 0 <= i <= n
    invariant s == i * (i + 1) / 2
  {
    i := i + 1;
    s := s + i;
  }
}

function Pow2(n: nat): nat { if n == 0 then 1 else 2 * Pow2(n - 1) }

method PowerOfTwo(n: nat) returns (p: nat)
  ensures p == Pow2(n)
{
  p := 1;
  var i := 0;
  while i < n
    invariant 0 <= i <= n
    invariant p == Pow2(i)
  {
    p := p * 2;
    i := i + 1;
  }
}

method FirstSquareAbove(limit: nat) returns (r: nat)
  ensures r * r > limit
{
  r := 0;
  while r * r <= limit
    decreases limit - r * r + 1
  {
    r := r + 1;
  }
}

method Main() {
  var s := SumTo(100);
  var p := PowerOfTwo(70);
  var r := FirstSquareAbove(1000);
  print s, " ", p, " ", r, "\n";
  var i := 1;
  while i <= 4
    invariant 1 <= i <= 5
  {
    var j := 1;
    var line := "";
    while j <= i
      invariant 1 <= j <= i + 1
    {
      line := line + "*";
      j := j + 1;
    }
    print line, "\n";
    i := i + 1;
  }
  var n := 0;
  while true
    decreases 100 - n
  {
    if n * n > 50 { break; }
    n := n + 1;
    if n >= 100 { break; }
  }
  print "n = ", n, "\n";
}
