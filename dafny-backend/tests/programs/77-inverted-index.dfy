// map<string, set<int>> inverted index built from documents, word splitting
function method Split(s: string): seq<string> decreases |s| {
  SplitAcc(s, "")
}

function method SplitAcc(s: string, cur: string): seq<string> decreases |s| {
  if |s| == 0 then (if |cur| > 0 then [cur] else [])
  else if s[0] == ' ' then (if |cur| > 0 then [cur] else []) + SplitAcc(s[1..], "")
  else SplitAcc(s[1..], cur + [s[0]])
}

method Index(docs: seq<string>) returns (idx: map<string, set<int>>) {
  idx := map[];
  var d := 0;
  while d < |docs|
    invariant 0 <= d <= |docs|
  {
    var words := Split(docs[d]);
    var w := 0;
    while w < |words|
      invariant 0 <= w <= |words|
    {
      var word := words[w];
      var prev := if word in idx then idx[word] else {};
      idx := idx[word := prev + {d}];
      w := w + 1;
    }
    d := d + 1;
  }
}

method Main() {
  var docs := ["the cat sat", "the dog  ran", "a cat and a dog", "  "];
  print Split(docs[1]), " ", Split(docs[3]), " ", |Split(docs[2])|, "\n";
  var idx := Index(docs);
  print |idx|, "\n";
  var queries := ["the", "cat", "dog", "a", "zebra", "ran"];
  var i := 0;
  while i < |queries|
    invariant 0 <= i <= |queries|
  {
    var q := queries[i];
    if q in idx {
      var hits := idx[q];
      print q, ": ", |hits|, " docs, in doc0=", 0 in hits, " doc2=", 2 in hits, "\n";
    } else {
      print q, ": none\n";
    }
    i := i + 1;
  }
}
