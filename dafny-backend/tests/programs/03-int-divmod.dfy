// Euclidean division and modulo on ints with all sign combinations
method Show(a: int, b: int)
  requires b != 0
{
  var q := a / b;
  var r := a % b;
  print a, " / ", b, " = ", q, ", ", a, " % ", b, " = ", r, "\n";
}

lemma EuclidFacts(a: int, b: int)
  requires b != 0
  ensures 0 <= a % b
  ensures a == (a / b) * b + a % b
{
}

method Main() {
  Show(7, 2);
  Show(-7, 2);
  Show(7, -2);
  Show(-7, -2);
  Show(6, 3);
  Show(-6, 3);
  Show(0, 5);
  Show(-1, 5);
  Show(1, -5);
  Show(-100000000000000000000007, 10);
  Show(100000000000000000000007, -10);
  Show(-13, 13);
  Show(-14, 13);
  EuclidFacts(-7, 2);
}
