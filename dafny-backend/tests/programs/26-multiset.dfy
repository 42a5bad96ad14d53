// multisets: display, multiset(seq), + * -, multiplicity m[x], |m|
method Main() {
  var m := multiset{1, 1, 2, 3, 3, 3};
  print |m|, " ", m[1], " ", m[3], " ", m[7], " ", 2 in m, " ", 7 in m, "\n";
  var n := multiset([3, 4, 4, 1]);
  print |n|, " ", n[4], "\n";
  var u := m + n;
  var i := m * n;
  var d := m - n;
  print |u|, " ", u[3], " ", u[4], " | ", |i|, " ", i[3], " ", i[1], " | ", |d|, " ", d[3], " ", d[1], "\n";
  print multiset([1, 2, 3]) == multiset([3, 2, 1]), " ", multiset([1, 1]) == multiset([1]), "\n";
  print multiset{1} <= m, " ", m <= multiset{1}, " ", multiset{3, 3} < m, "\n";
  var e: multiset<int> := multiset{};
  print |e|, " ", e == multiset{}, " ", m + e == m, "\n";
  var s := "banana";
  var chars := multiset(s);
  print chars['a'], " ", chars['n'], " ", chars['b'], " ", |chars|, "\n";
  var m2 := m[1 := 5];
  print m2[1], " ", |m2|, "\n";
  print multiset{7, 7}, "\n";
}
