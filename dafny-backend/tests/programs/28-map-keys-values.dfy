// map .Keys .Values .Items, map comprehensions, key removal via comprehension
method Main() {
  var m := map[1 := 10, 2 := 20, 3 := 30];
  print m.Keys == {1, 2, 3}, " ", m.Values == {10, 20, 30}, " ", |m.Items|, " ", (2, 20) in m.Items, "\n";
  var sq := map x | x in {1, 2, 3, 4} :: x * x;
  print |sq|, " ", sq[4], " ", sq[3], " ", 5 in sq, "\n";
  var removed := map k | k in m && k != 2 :: m[k];
  print |removed|, " ", 2 in removed, " ", removed[3], "\n";
  var inverted := map k | k in m :: m[k] := k;
  print inverted[20], " ", 10 in inverted, "\n";
  var merged := map k | k in m.Keys + sq.Keys :: if k in m then m[k] else sq[k];
  print |merged|, " ", merged[4], " ", merged[1], "\n";
  var vs := m.Values;
  var total := 0;
  var ks := [3, 1, 2, 7];
  var i := 0;
  while i < |ks|
    invariant 0 <= i <= |ks|
  {
    if ks[i] in m { total := total + m[ks[i]]; }
    i := i + 1;
  }
  print "total ", total, " ", 20 in vs, "\n";
}
