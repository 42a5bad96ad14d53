// import opened, nested modules, module aliases, classes in modules, Main inside a module
module Outer {
  module Inner {
    function method Triple(x: int): int { 3 * x }
    class Counter {
      var n: int
      constructor () ensures n == 0 { n := 0; }
      method Inc() modifies this ensures n == old(n) + 1 { n := n + 1; }
    }
  }
  function method SixTimes(x: int): int { 2 * Inner.Triple(x) }
}

module Utils {
  function method Max(a: int, b: int): int { if a > b then a else b }
  const Answer := 42
}

module Program {
  import opened Utils
  import Outer
  import I = Outer.Inner

  method Main() {
    print Max(3, 9), " ", Answer, " ", Utils.Max(-1, -2), "\n";
    print Outer.SixTimes(7), " ", Outer.Inner.Triple(5), " ", I.Triple(2), "\n";
    var c := new I.Counter();
    c.Inc();
    c.Inc();
    print c.n, "\n";
  }
}
