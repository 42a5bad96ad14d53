// real literals and arithmetic, comparisons, exact rationals
function method Average(a: real, b: real): real { (a + b) / 2.0 }
function method Poly(x: real): real { 3.0 * x * x - 2.0 * x + 0.5 }

method Main() {
  var a := 1.5;
  var b := -0.25;
  print a, " ", b, " ", a + b, " ", a - b, " ", a * b, " ", a / b, "\n";
  print Average(a, b), " ", Poly(2.0), " ", Poly(0.5), "\n";
  print 0.1 + 0.2 == 0.3, " ", a < b, " ", a >= b, " ", -a, "\n";
  print 1.0 / 4.0, " ", 10.0 / 4.0, " ", 100.0, " ", 0.0, "\n";
  var sum := 0.0;
  var i := 1;
  while i <= 10
    invariant 1 <= i <= 11
  {
    sum := sum + 1.0 / 8.0;
    i := i + 1;
  }
  print "sum ", sum, " ", sum == 1.25, "\n";
  var big := 12345678901234567890.5;
  print big, " ", big * 2.0, "\n";
  print 1000000.0 * 1000000.0, "\n";
}
