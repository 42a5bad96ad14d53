// int arithmetic: + - * precedence, unary minus, nat, simple functions
function method Square(x: int): int { x * x }
function method Cube(x: int): int { x * x * x }
function method Abs(x: int): nat { if x < 0 then -x else x }

method Main() {
  var a := 17;
  var b := -5;
  print a + b, " ", a - b, " ", a * b, "\n";
  print -a, " ", -(-a), " ", - b * 2, "\n";
  print 2 + 3 * 4, " ", (2 + 3) * 4, " ", 10 - 3 - 2, "\n";
  print Square(b), " ", Cube(b), " ", Abs(b), " ", Abs(a), "\n";
  var n: nat := 0;
  var i := 0;
  while i < 10
    invariant 0 <= i <= 10
  {
    n := n + i * i;
    i := i + 1;
  }
  print "sum of squares below 10 = ", n, "\n";
  var z := 0;
  print z, " ", -z, " ", z * b, "\n";
}
