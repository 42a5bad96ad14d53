// module refinement: abstract module with function signatures, concrete refinements
abstract module Monoid {
  type T
  function method Zero(): T
  function method Op(a: T, b: T): T
  function method Concat(s: seq<T>): T decreases |s| {
    if |s| == 0 then Zero() else Op(s[0], Concat(s[1..]))
  }
}

module IntSum refines Monoid {
  type T = int
  function method Zero(): T { 0 }
  function method Op(a: T, b: T): T { a + b }
}

module StrCat refines Monoid {
  type T = string
  function method Zero(): T { "" }
  function method Op(a: T, b: T): T { a + b }
}

module Base {
  function method Greeting(): string { "hello" }
  function method Twice(x: int): int { 2 * x }
}

module Extended refines Base {
  function method Shout(): string { Greeting() + "!" }
}


method Main() {
  print IntSum.Concat([1, 2, 3, 4]), " ", IntSum.Zero(), "\n";
  print StrCat.Concat(["a", "b", "c"]), "|", StrCat.Concat([]), "|\n";
  print Extended.Shout(), " ", Extended.Twice(21), "\n";
}
