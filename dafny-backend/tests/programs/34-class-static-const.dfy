// static methods and functions, const fields, module-level consts
const LIMIT := 10
const GREETING: string := "hi"
const PRIMES: seq<int> := [2, 3, 5, 7]

class MathUtil {
  static const Base := 16
  static function method Double(x: int): int { 2 * x }
  static method DivMod(a: int, b: int) returns (q: int, r: int)
    requires b > 0
  {
    q := a / b;
    r := a % b;
  }
}

class Circle {
  const radius: int
  const name: string
  var moved: int
  constructor (r: int) ensures radius == r { radius := r; name := "circle"; moved := 0; }
  function method Diameter(): int { 2 * radius }
}

method Main() {
  print LIMIT, " ", GREETING, " ", PRIMES, " ", |PRIMES|, "\n";
  print MathUtil.Base, " ", MathUtil.Double(21), "\n";
  var q, r := MathUtil.DivMod(100, MathUtil.Base);
  print q, " ", r, "\n";
  var c := new Circle(5);
  print c.radius, " ", c.name, " ", c.Diameter(), "\n";
  var total := 0;
  var i := 0;
  while i < LIMIT
    invariant 0 <= i <= LIMIT
  {
    total := total + MathUtil.Double(i);
    i := i + 1;
  }
  print total, "\n";
}
