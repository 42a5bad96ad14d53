// seq display, indexing, update s[i := v], length, membership
method Main() {
  var s := [10, 20, 30, 40, 50];
  print s, " ", |s|, " ", s[0], " ", s[4], "\n";
  var t := s[2 := 99];
  print t, " ", s, "\n";
  print 30 in s, " ", 31 in s, " ", !(31 in s), " ", !(30 in s), "\n";
  var e: seq<int> := [];
  print e, " ", |e|, " ", e == [], " ", 1 in e, "\n";
  var u := s[0 := -1][4 := -5];
  print u, "\n";
  var i := 0;
  var acc := [];
  while i < |s|
    invariant 0 <= i <= |s|
    invariant |acc| == i
  {
    acc := acc + [s[i] / 10];
    i := i + 1;
  }
  print acc, "\n";
  var bools := [true, false, true];
  print bools, " ", [[1, 2], [3]], " ", ["ab", "cd"], "\n";
  var one := [42];
  print one, " ", one[0], " ", one == [42], " ", one != [41], "\n";
}
