// let expressions, if-then-else and match as expressions, nested lets, conditional chains
datatype Op = Plus | Minus | Times

function method Calc(op: Op, a: int, b: int): int {
  match op
  case Plus => a + b
  case Minus => a - b
  case Times => a * b
}

function method Quadratic(a: int, b: int, c: int, x: int): int {
  var ax2 := a * x * x;
  var bx := b * x;
  ax2 + bx + c
}

function method Sign(x: int): int { if x < 0 then -1 else if x == 0 then 0 else 1 }

function method Describe(x: int): string {
  var s := Sign(x);
  var kind := if s < 0 then "negative" else if s == 0 then "zero" else "positive";
  var parity := if x % 2 == 0 then "even" else "odd";
  kind + " " + parity
}

method Main() {
  print Calc(Plus, 2, 3), " ", Calc(Minus, 2, 3), " ", Calc(Times, 2, 3), "\n";
  print Quadratic(1, -3, 2, 0), " ", Quadratic(1, -3, 2, 1), " ", Quadratic(2, 0, -8, 3), "\n";
  print Describe(-7), ", ", Describe(0), ", ", Describe(12), "\n";
  var x := 10;
  var y := var t := x * 2; t + 1;
  print y, "\n";
  var z := if x > 5 then (if x > 8 then "big" else "medium") else "small";
  print z, "\n";
  var w := match Minus case Plus => 1 case Minus => 2 case Times => 3;
  print w, "\n";
  var v := (var a := 3; var b := a * a; (a, b, a + b));
  print v, "\n";
}
