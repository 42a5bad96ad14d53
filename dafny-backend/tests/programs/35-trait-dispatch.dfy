// traits: trait methods implemented by two classes, dynamic dispatch
trait Shape {
  function method Area(): int reads this
  method Name() returns (s: string)
  method Describe() returns (s: string)
  {
    var n := Name();
    s := n + " with area " + IntStr(Area());
  }
}

function method IntStr(n: int): string decreases if n < 0 then 1 - n else n {
  if n < 0 then "-" + IntStr(-n)
  else if n < 10 then [('0' as int + n) as char]
  else IntStr(n / 10) + [('0' as int + n % 10) as char]
}

class Rect extends Shape {
  var w: int
  var h: int
  constructor (w: int, h: int) { this.w := w; this.h := h; }
  function method Area(): int reads this { w * h }
  method Name() returns (s: string) { s := "rect"; }
}

class Square extends Shape {
  var side: int
  constructor (s: int) { side := s; }
  function method Area(): int reads this { side * side }
  method Name() returns (s: string) { s := "square"; }
}

method Show(s: Shape) returns (area: int) {
  var d := s.Describe();
  print d, "\n";
  area := s.Area();
}

method Main() {
  var r := new Rect(3, 4);
  var q := new Square(5);
  var r2 := new Rect(10, 1);
  var a1 := Show(r);
  var a2 := Show(q);
  var a3 := Show(r2);
  print "total ", a1 + a2 + a3, "\n";
  var s: Shape := q;
  var n := s.Name();
  print n, " ", s.Area(), "\n";
  s := r;
  n := s.Name();
  print n, " ", s.Area(), " ", s == r, "\n";
}
