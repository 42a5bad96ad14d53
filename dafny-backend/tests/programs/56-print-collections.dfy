// print formatting of seqs, strings, sets, multisets, maps, tuples, nested collections
datatype D = A | B(x: int)

method Main() {
  print [1, 2, 3], " ", [-1], " ", [true, false], "\n";
  var e: seq<int> := [];
  print e, " ", [[1], [], [2, 3]], "\n";
  print "string", " ", ['c', 'h', 'a', 'r', 's'], "\n";
  print {7}, " ", {3, 1, 2}, "\n";
  var es: set<int> := {};
  print es, "\n";
  print multiset{4, 4}, " ", multiset([9]), "\n";
  print map[1 := true], " ", map["k" := 5], "\n";
  var em: map<int, int> := map[];
  print em, "\n";
  print (1, "s", 'c', [2], B(3)), "\n";
  print [A, B(1)], " ", [(1, 2), (3, 4)], "\n";
  print [["ab", "c"], []], "\n";
  print [1.5, -2.0], "\n";
  print (A, (B(-1), [B(2)])), "\n";
}
