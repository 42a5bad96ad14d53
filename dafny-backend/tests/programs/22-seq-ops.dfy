// seq algorithms with lemmas: sum, reverse, count, max; verified properties
function method Sum(s: seq<int>): int decreases |s| {
  if |s| == 0 then 0 else s[0] + Sum(s[1..])
}

function method Rev<T>(s: seq<T>): seq<T> decreases |s| {
  if |s| == 0 then [] else Rev(s[1..]) + [s[0]]
}

function method Count<T(==)>(s: seq<T>, x: T): nat decreases |s| {
  if |s| == 0 then 0 else (if s[0] == x then 1 else 0) + Count(s[1..], x)
}

function method MaxOf(s: seq<int>): int
  requires |s| > 0
  decreases |s|
{
  if |s| == 1 then s[0] else var m := MaxOf(s[1..]); if s[0] > m then s[0] else m
}

lemma RevLength<T>(s: seq<T>)
  ensures |Rev(s)| == |s|
  decreases |s|
{
  if |s| > 0 { RevLength(s[1..]); }
}

lemma SumAppend(a: seq<int>, b: seq<int>)
  ensures Sum(a + b) == Sum(a) + Sum(b)
  decreases |a|
{
  if |a| == 0 {
    assert a + b == b;
  } else {
    assert (a + b)[1..] == a[1..] + b;
    SumAppend(a[1..], b);
  }
}

method Main() {
  var s := [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5];
  print Sum(s), " ", Rev(s), " ", Count(s, 5), " ", Count(s, 7), " ", MaxOf(s), "\n";
  RevLength(s);
  SumAppend(s, [10]);
  assert Sum(s + [10]) == Sum(s) + Sum([10]);
  print Sum(s + [10]), " ", |Rev(s)| == |s|, "\n";
  print Rev([[1], [2, 3]]), " ", Count("mississippi", 's'), " ", Count([true, false, true], true), "\n";
  print MaxOf([-5, -2, -9]), " ", Sum([]), "\n";
}
