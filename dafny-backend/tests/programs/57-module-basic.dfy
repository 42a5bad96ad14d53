// modules: qualified names A.f(x) from the top level, import inside modules, aliases
module MathLib {
  const Pi100 := 314
  function method Square(x: int): int { x * x }
  function method Gcd(a: nat, b: nat): nat decreases b { if b == 0 then a else Gcd(b, a % b) }
  method Describe(x: int) returns (s: string) {
    s := if x % 2 == 0 then "even" else "odd";
  }
}

module Geometry {
  import MathLib
  function method CircleArea100(r: int): int { MathLib.Pi100 * MathLib.Square(r) }
}

module App {
  import M = MathLib
  method Run() {
    print M.Square(-4), " ", M.Gcd(17, 5), "\n";
  }
}

method Main() {
  print MathLib.Square(12), " ", MathLib.Gcd(84, 36), " ", MathLib.Pi100, "\n";
  var d := MathLib.Describe(7);
  print d, "\n";
  print Geometry.CircleArea100(3), "\n";
  App.Run();
}
