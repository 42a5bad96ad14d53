// big integers beyond 2^64: powers, factorial, products, negatives
function method Pow(b: int, e: nat): int decreases e { if e == 0 then 1 else b * Pow(b, e - 1) }
function method Fact(n: nat): nat decreases n { if n == 0 then 1 else n * Fact(n - 1) }

method Main() {
  var p64 := Pow(2, 64);
  print "2^64 = ", p64, "\n";
  print "2^64 - 1 = ", p64 - 1, "\n";
  print "2^64 + 1 = ", p64 + 1, "\n";
  print "2^128 = ", p64 * p64, "\n";
  print "-(2^100) = ", -Pow(2, 100), "\n";
  print "(-3)^41 = ", Pow(-3, 41), "\n";
  print "30! = ", Fact(30), "\n";
  var big := 123456789012345678901234567890;
  print big, " ", big * big, "\n";
  print big / 1000000007, " ", big % 1000000007, "\n";
  print big - big, " ", big + -big, "\n";
  print Pow(10, 30) > big, " ", Pow(10, 29) < big, "\n";
  print 18446744073709551615 + 1 == p64, "\n";
  print 9223372036854775807 + 1, " ", -9223372036854775808 - 1, "\n";
}
