// insertion sort on an array with verified sortedness and permutation invariants
predicate SortedRange(a: seq<int>, lo: int, hi: int)
  requires 0 <= lo <= hi <= |a|
{
  forall i, j :: lo <= i < j < hi ==> a[i] <= a[j]
}

method InsertionSort(a: array<int>)
  modifies a
  ensures SortedRange(a[..], 0, a.Length)
  ensures multiset(a[..]) == multiset(old(a[..]))
{
  var i := 1;
  if a.Length <= 1 { return; }
  while i < a.Length
    invariant 1 <= i <= a.Length
    invariant SortedRange(a[..], 0, i)
    invariant multiset(a[..]) == multiset(old(a[..]))
  {
    var j := i;
    while j > 0 && a[j - 1] > a[j]
      invariant 0 <= j <= i
      invariant multiset(a[..]) == multiset(old(a[..]))
      invariant forall x, y :: 0 <= x < y <= i && y != j ==> a[x] <= a[y]
    {
      a[j - 1], a[j] := a[j], a[j - 1];
      j := j - 1;
    }
    i := i + 1;
  }
}

method Main() {
  var a := new int[10];
  var vals := [5, -3, 9, 0, 2, 2, 8, -7, 1, 4];
  forall k | 0 <= k < 10 { a[k] := vals[k]; }
  InsertionSort(a);
  print a[..], "\n";
  var b := new int[0];
  InsertionSort(b);
  print b[..], "\n";
  var c := new int[6](i => 6 - i);
  InsertionSort(c);
  print c[..], "\n";
  var d := new int[1](i => 42);
  InsertionSort(d);
  print d[..], " ", multiset(a[..]) == multiset(vals), "\n";
}
