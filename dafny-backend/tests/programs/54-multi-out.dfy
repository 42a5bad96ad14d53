// methods with multiple out-parameters, var a, b := M(x), parallel assignment
method DivMod(a: int, b: int) returns (q: int, r: int)
  requires b != 0
  ensures a == q * b + r && 0 <= r
{
  q := a / b;
  r := a % b;
}

method Stats(s: seq<int>) returns (mn: int, mx: int, sum: int, count: nat)
  requires |s| > 0
{
  mn, mx, sum, count := s[0], s[0], 0, 0;
  var i := 0;
  while i < |s|
    invariant 0 <= i <= |s|
  {
    if s[i] < mn { mn := s[i]; }
    if s[i] > mx { mx := s[i]; }
    sum, count := sum + s[i], count + 1;
    i := i + 1;
  }
}

method Fib(n: nat) returns (a: int, b: int) {
  a, b := 0, 1;
  var i := 0;
  while i < n
    invariant 0 <= i <= n
  {
    a, b := b, a + b;
    i := i + 1;
  }
}

method Named() returns (x: int, s: string, ok: bool) {
  x := 7;
  s := "seven";
  ok := true;
}

method Main() {
  var q, r := DivMod(-17, 5);
  print q, " ", r, "\n";
  var mn, mx, sum, cnt := Stats([4, -3, 9, 0, 2]);
  print mn, " ", mx, " ", sum, " ", cnt, "\n";
  var f1, f2 := Fib(90);
  print f1, " ", f2, "\n";
  var x, s, ok := Named();
  print x, " ", s, " ", ok, "\n";
  var a, b := 1, 2;
  a, b := b, a;
  print a, " ", b, "\n";
  q, r := DivMod(100, -7);
  print q, " ", r, "\n";
}
