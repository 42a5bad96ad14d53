// lambdas: literals, application, capture of locals, multi-arg, function-typed vars
function method Apply(f: int -> int, x: int): int { f(x) }
function method Twice(f: int -> int, x: int): int { f(f(x)) }

method Main() {
  var inc := x => x + 1;
  var sq := (x: int) => x * x;
  var add := (a: int, b: int) => a + b;
  print inc(5), " ", sq(7), " ", add(3, 4), "\n";
  print Apply(inc, 10), " ", Twice(sq, 3), " ", Twice(inc, 0), "\n";
  var k := 100;
  var addK := x => x + k;
  k := 200;
  print addK(1), " ", k, "\n";
  var isEven := (n: int) => n % 2 == 0;
  print isEven(4), " ", isEven(7), "\n";
  var konst := () => 42;
  print konst(), "\n";
  var fs := [inc, sq, x => x - 1];
  print fs[0](10), " ", fs[1](10), " ", fs[2](10), "\n";
  var strf := (s: string) => s + s;
  print strf("ab"), "\n";
  var pick := (b: bool) => if b then "yes" else "no";
  print pick(true), " ", pick(false), "\n";
}
