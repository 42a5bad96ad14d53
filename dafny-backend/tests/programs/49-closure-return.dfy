// returning lambdas: adders, composition, currying, closures over parameters
function method Adder(n: int): int -> int { x => x + n }
function method Compose<A, B, C>(f: B -> C, g: A -> B): A -> C { x => f(g(x)) }
function method Curry(f: (int, int) -> int): int -> (int -> int) { a => b => f(a, b) }
function method Iterate(f: int -> int, n: nat): int -> int decreases n {
  if n == 0 then x => x else Compose(f, Iterate(f, n - 1))
}

method MakeCounterStep(step: int) returns (f: int -> int) {
  var s := step * 2;
  f := x => x + s;
}

method Main() {
  var add5 := Adder(5);
  var add10 := Adder(10);
  print add5(1), " ", add10(1), " ", Adder(-3)(3), "\n";
  var sqThenInc := Compose(x => x + 1, (x: int) => x * x);
  var incThenSq := Compose((x: int) => x * x, x => x + 1);
  print sqThenInc(4), " ", incThenSq(4), "\n";
  var mul := Curry((a, b) => a * b);
  var times3 := mul(3);
  print times3(7), " ", mul(6)(7), "\n";
  print Iterate(x => x * 2, 10)(1), " ", Iterate(add5, 4)(0), "\n";
  var f := MakeCounterStep(21);
  print f(0), "\n";
  var toStr := Compose((n: int) => if n > 0 then "pos" else "nonpos", add5);
  print toStr(-5), " ", toStr(-4), "\n";
}
