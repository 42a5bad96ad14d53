// string slicing, prefix comparison < <=, reversal, search
function method Reverse(s: string): string decreases |s| {
  if |s| == 0 then "" else Reverse(s[1..]) + [s[0]]
}

function method IndexOf(s: string, c: char, from: nat): int
  requires from <= |s|
  decreases |s| - from
{
  if from == |s| then -1 else if s[from] == c then from else IndexOf(s, c, from + 1)
}

predicate method IsPrefix(p: string, s: string) { |p| <= |s| && s[..|p|] == p }

method Main() {
  var s := "abcdefghij";
  print s[2..5], " ", s[..3], " ", s[7..], " ", s[..], " [", s[4..4], "]\n";
  print Reverse(s), " ", Reverse(""), " ", Reverse("x"), "\n";
  print IndexOf(s, 'e', 0), " ", IndexOf(s, 'z', 0), "\n";
  print "abc" < "abcd", " ", "abc" < "abc", " ", "abc" <= "abc", " ", "abd" <= "abcd", "\n";
  print IsPrefix("ab", s), " ", IsPrefix("b", s), " ", IsPrefix("", s), "\n";
  var word := "racecar";
  print word == Reverse(word), " ", s == Reverse(Reverse(s)), "\n";
  var i := 0;
  while i <= |s|
    invariant 0 <= i
  {
    print s[..i], "|";
    i := i + 3;
  }
  print "\n";
}
