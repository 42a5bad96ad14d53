// sorting a seq of strings by a lexicographic order function (selection sort on seqs)
function method LexLess(a: string, b: string): bool decreases |a| {
  if |a| == 0 then |b| > 0
  else if |b| == 0 then false
  else if a[0] < b[0] then true
  else if a[0] > b[0] then false
  else LexLess(a[1..], b[1..])
}

function method MinIndex(s: seq<string>, i: nat, best: nat): nat
  requires best < |s| && i <= |s|
  ensures MinIndex(s, i, best) < |s|
  decreases |s| - i
{
  if i == |s| then best
  else if LexLess(s[i], s[best]) then MinIndex(s, i + 1, i)
  else MinIndex(s, i + 1, best)
}

function method Sort(s: seq<string>): seq<string> decreases |s| {
  if |s| == 0 then []
  else
    var m := MinIndex(s, 0, 0);
    [s[m]] + Sort(s[..m] + s[m + 1..])
}

method Main() {
  var words := ["pear", "apple", "fig", "banana", "app", "cherry", "", "Zebra", "apple"];
  var sorted := Sort(words);
  print sorted, "\n";
  print |sorted| == |words|, "\n";
  print LexLess("abc", "abd"), " ", LexLess("abc", "ab"), " ", LexLess("", ""), " ", LexLess("Z", "a"), "\n";
  print "ab" < "abc", " ", "ab" <= "ab", " ", "abc" == "ab" + "c", "\n";
  var i := 0;
  while i < |sorted|
    invariant 0 <= i <= |sorted|
  {
    print i, ":", sorted[i], " ";
    i := i + 1;
  }
  print "\n";
}
