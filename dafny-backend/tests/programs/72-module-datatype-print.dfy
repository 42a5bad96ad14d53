// printing datatypes declared inside named modules (2.3 prints compiled module names)
module Shapes {
  datatype Shape = Circle(r: int) | Square(side: int)
  function method Area3(s: Shape): int {
    match s
    case Circle(r) => 3 * r * r
    case Square(a) => a * a
  }
}

module Nested {
  module Deep {
    datatype Token = Num(n: int) | Op(c: char)
  }
}

datatype Top = Top(s: Shapes.Shape)

method Main() {
  var c := Shapes.Circle(2);
  var q := Shapes.Square(3);
  print Shapes.Area3(c), " ", Shapes.Area3(q), "\n";
  print c, "\n";
  print [c, q], "\n";
  print Nested.Deep.Num(5), " ", Nested.Deep.Op('+'), "\n";
  print Top(q), "\n";
  print c == Shapes.Circle(2), " ", c.Circle?, " ", q.side, "\n";
}
