// seq slices s[a..b] s[a..] s[..b], concat, prefix <, <=, equality
method Main() {
  var s := [1, 2, 3, 4, 5, 6, 7, 8];
  print s[2..5], " ", s[..3], " ", s[5..], " ", s[..], " ", s[3..3], "\n";
  print s[..0], " ", s[8..], " ", |s[1..7]|, "\n";
  var a := [1, 2];
  var b := [3, 4, 5];
  print a + b, " ", b + a, " ", a + [] + b, " ", |a + b|, "\n";
  print a < s, " ", a <= s, " ", s < s, " ", s <= s, " ", b < s, " ", [] < a, "\n";
  print s[..4] + s[4..] == s, " ", s[1..] == s, "\n";
  var rot := s[3..] + s[..3];
  print rot, "\n";
  var i := 0;
  var chunks: seq<seq<int>> := [];
  while i < |s|
    invariant 0 <= i
    decreases |s| - i
  {
    var end := if i + 3 <= |s| then i + 3 else |s|;
    chunks := chunks + [s[i..end]];
    i := i + 3;
  }
  print chunks, "\n";
}
