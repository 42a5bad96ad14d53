// set relations: subset <=, proper subset <, disjoint !!, equality
method Rel(a: set<int>, b: set<int>) {
  print a <= b, " ", a < b, " ", b <= a, " ", b < a, " ", a == b, " ", a != b, " ", a !! b, "\n";
}

method Main() {
  var a := {1, 2};
  var b := {1, 2, 3};
  var c := {4, 5};
  Rel(a, b);
  Rel(b, a);
  Rel(a, a);
  Rel(a, c);
  Rel({}, a);
  Rel({}, {});
  var evens := {0, 2, 4, 6, 8};
  var odds := {1, 3, 5, 7, 9};
  print evens !! odds, " ", |evens + odds|, " ", evens * odds == {}, "\n";
  assert a < b;
  assert a !! c;
}
