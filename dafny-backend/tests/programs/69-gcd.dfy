// GCD/LCM: Euclid recursive and iterative, extended Euclid with verified Bezout identity
function method Gcd(a: nat, b: nat): nat decreases b { if b == 0 then a else Gcd(b, a % b) }

method GcdLoop(a: nat, b: nat) returns (g: nat)
  ensures g == Gcd(a, b)
{
  var x, y := a, b;
  while y != 0
    invariant Gcd(x, y) == Gcd(a, b)
    decreases y
  {
    x, y := y, x % y;
  }
  g := x;
}

method ExtGcd(a: nat, b: nat) returns (g: nat, x: int, y: int)
  ensures g == Gcd(a, b) && a * x + b * y == g
  decreases b
{
  if b == 0 {
    g, x, y := a, 1, 0;
  } else {
    var g', x', y' := ExtGcd(b, a % b);
    g, x, y := g', y', x' - (a / b) * y';
  }
}

function method Lcm(a: nat, b: nat): nat
  requires a > 0 && b > 0
{
  var g := Gcd(a, b); if g == 0 then 0 else a / g * b
}

method Main() {
  print Gcd(48, 18), " ", Gcd(17, 5), " ", Gcd(0, 9), " ", Gcd(9, 0), " ", Gcd(1071, 462), "\n";
  var g := GcdLoop(123456789012345678901234567890, 987654321098765432109876543210);
  print g, "\n";
  var g2, x, y := ExtGcd(240, 46);
  print g2, " ", x, " ", y, " ", 240 * x + 46 * y, "\n";
  var g3, x3, y3 := ExtGcd(99, 78);
  print g3, " ", x3, " ", y3, "\n";
  print Lcm(4, 6), " ", Lcm(21, 6), " ", Lcm(1000000007, 998244353), "\n";
}
