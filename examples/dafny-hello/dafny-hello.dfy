// dafny-hello: a verified Main as a seL4 root task. The verifier proves
// that Fib computes the Fibonacci numbers by a loop and that the sum of the
// sequence is what Sum says; the image prints both.

function Fib(n: nat): nat { if n < 2 then n else Fib(n - 1) + Fib(n - 2) }

method FastFib(n: nat) returns (r: nat)
  ensures r == Fib(n)
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
  r := a;
}

function method Sum(s: seq<int>): int { if |s| == 0 then 0 else s[0] + Sum(s[1..]) }

method Main() {
  var f := FastFib(90);
  var xs := [1, 2, 3, 4];
  print "dafny-hello: verified on the host, running on seL4\n";
  print "Fib(90) = ", f, "\n";
  print "Sum(", xs, ") = ", Sum(xs), "\n";
}
