// set display, union + intersection * difference -, membership, cardinality
method Main() {
  var a := {1, 2, 3, 4};
  var b := {3, 4, 5};
  print |a|, " ", |b|, " ", |a + b|, " ", |a * b|, " ", |a - b|, " ", |b - a|, "\n";
  print 3 in a * b, " ", 1 in a * b, " ", 5 in a + b, " ", 5 !in a, " ", 1 !in a - b, "\n";
  var e: set<int> := {};
  print |e|, " ", e == {}, " ", a * {} == e, " ", a + e == a, "\n";
  print a * b == {3, 4}, " ", a - b == {1, 2}, " ", a + b == {1, 2, 3, 4, 5}, "\n";
  var dup := {1, 1, 2, 2, 2};
  print |dup|, " ", dup == {2, 1}, "\n";
  var s := {};
  var i := 0;
  while i < 10
    invariant 0 <= i <= 10
  {
    s := s + {i % 4};
    i := i + 1;
  }
  print |s|, " ", s == {0, 1, 2, 3}, "\n";
  var strs := {"x", "y"};
  print |strs|, " ", "x" in strs, " ", "z" in strs, "\n";
  print {5}, " ", e, "\n";
}
