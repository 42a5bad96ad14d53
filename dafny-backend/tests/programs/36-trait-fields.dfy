// trait fields inherited by classes, mutation through trait reference
trait Counter {
  var count: int
  method Step() modifies this
  method Reset() modifies this { count := 0; }
}

class ByOne extends Counter {
  constructor () { count := 0; }
  method Step() modifies this { count := count + 1; }
}

class ByTen extends Counter {
  var steps: int
  constructor () { count := 0; steps := 0; }
  method Step() modifies this { count := count + 10; steps := steps + 1; }
}

method Run(c: Counter, n: nat)
  modifies c
{
  var i := 0;
  while i < n
    invariant 0 <= i <= n
  {
    c.Step();
    i := i + 1;
  }
}

method Main() {
  var a := new ByOne();
  var b := new ByTen();
  Run(a, 5);
  Run(b, 3);
  print a.count, " ", b.count, " ", b.steps, "\n";
  var c: Counter := b;
  c.count := c.count + 7;
  print b.count, " ", c.count, "\n";
  c.Reset();
  print b.count, " ", b.steps, "\n";
  var t: Counter := a;
  t.Step();
  print a.count, " ", t == a, "\n";
}
