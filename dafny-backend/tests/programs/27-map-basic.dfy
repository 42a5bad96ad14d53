// map display, lookup, update m[k := v], key membership, |m|
function method Get(m: map<char, int>, k: char): int { if k in m then m[k] else 0 }

method Main() {
  var m := map[1 := "one", 2 := "two", 3 := "three"];
  print |m|, " ", m[1], " ", m[3], " ", 2 in m, " ", 4 in m, " ", 4 !in m, "\n";
  var m2 := m[4 := "four"];
  var m3 := m[1 := "uno"];
  print |m2|, " ", m2[4], " ", |m3|, " ", m3[1], " ", m[1], "\n";
  var e: map<int, int> := map[];
  print |e|, " ", 0 in e, " ", e == map[], "\n";
  var counts: map<char, int> := map[];
  var s := "hello world";
  var i := 0;
  while i < |s|
    invariant 0 <= i <= |s|
  {
    var c := s[i];
    counts := counts[c := if c in counts then counts[c] + 1 else 1];
    i := i + 1;
  }
  print Get(counts, 'l'), " ", Get(counts, 'o'), " ", Get(counts, ' '), " ", Get(counts, 'z'), " ", |counts|, "\n";
  print m == map[3 := "three", 2 := "two", 1 := "one"], " ", m == m2, "\n";
  print map[5 := 25], " ", e, "\n";
  var nested := map["a" := [1, 2], "b" := []];
  print nested["a"], " ", |nested["b"]|, "\n";
}
