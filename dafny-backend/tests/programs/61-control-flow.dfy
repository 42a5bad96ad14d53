// if / else if chains, early return, break out of loops, labelled break
function method Grade(score: int): char {
  if score >= 90 then 'A'
  else if score >= 80 then 'B'
  else if score >= 70 then 'C'
  else if score >= 60 then 'D'
  else 'F'
}

method Classify(n: int) returns (s: string) {
  if n < 0 {
    return "negative";
  }
  if n == 0 {
    s := "zero";
    return;
  }
  if n % 2 == 0 {
    s := "even";
  } else if n % 3 == 0 {
    s := "odd multiple of 3";
  } else {
    s := "other";
  }
}

method FindFirst(a: seq<int>, x: int) returns (idx: int)
  ensures idx == -1 || (0 <= idx < |a| && a[idx] == x)
{
  var i := 0;
  while i < |a|
    invariant 0 <= i <= |a|
  {
    if a[i] == x {
      return i;
    }
    i := i + 1;
  }
  return -1;
}

method Main() {
  var scores := [95, 85, 75, 65, 55, 90, 60];
  var i := 0;
  while i < |scores|
    invariant 0 <= i <= |scores|
  {
    print Grade(scores[i]);
    i := i + 1;
  }
  print "\n";
  var ns := [-5, 0, 4, 9, 7];
  i := 0;
  while i < |ns|
    invariant 0 <= i <= |ns|
  {
    var c := Classify(ns[i]);
    print ns[i], ": ", c, "\n";
    i := i + 1;
  }
  var f1 := FindFirst([4, 8, 15, 16], 15);
  var f2 := FindFirst([4, 8, 15, 16], 23);
  print f1, " ", f2, "\n";
  var found := -1;
  var r := 0;
  label outer: while r < 10
    invariant 0 <= r <= 10
  {
    var c := 0;
    while c < 10
      invariant 0 <= c <= 10
    {
      if r * c == 42 {
        found := r * 100 + c;
        break outer;
      }
      c := c + 1;
    }
    r := r + 1;
  }
  print "found ", found, "\n";
  var k := 0;
  while k < 100
    invariant 0 <= k <= 100
  {
    k := k + 7;
    if k > 30 { break; }
  }
  print "k ", k, "\n";
}
