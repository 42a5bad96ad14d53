// Fibonacci with big integers: iterative up to fib(200), verified against the recursive spec
function Fib(n: nat): nat decreases n { if n < 2 then n else Fib(n - 1) + Fib(n - 2) }

method FibIter(n: nat) returns (f: nat)
  ensures f == Fib(n)
{
  var a, b := 0, 1;
  var i := 0;
  while i < n
    invariant 0 <= i <= n
    invariant a == Fib(i) && b == Fib(i + 1)
  {
    a, b := b, a + b;
    i := i + 1;
  }
  f := a;
}

function method FibPair(n: nat): (nat, nat) decreases n {
  if n == 0 then (0, 1) else var p := FibPair(n - 1); (p.1, p.0 + p.1)
}

method Main() {
  var ns := [0, 1, 2, 10, 50, 64, 93, 94, 100, 150, 200];
  var i := 0;
  while i < |ns|
    invariant 0 <= i <= |ns|
  {
    var f := FibIter(ns[i]);
    print "fib(", ns[i], ") = ", f, "\n";
    i := i + 1;
  }
  print FibPair(200).0, "\n";
  var f300 := FibIter(300);
  print f300 % 1000000007, "\n";
}
