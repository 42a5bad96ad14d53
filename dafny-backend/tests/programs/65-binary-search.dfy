// verified binary search over a sorted array and over a sorted seq
predicate Sorted(a: seq<int>) { forall i, j :: 0 <= i < j < |a| ==> a[i] <= a[j] }

method BinarySearch(a: array<int>, key: int) returns (idx: int)
  requires Sorted(a[..])
  ensures 0 <= idx ==> idx < a.Length && a[idx] == key
  ensures idx < 0 ==> forall k :: 0 <= k < a.Length ==> a[k] != key
{
  var lo, hi := 0, a.Length;
  while lo < hi
    invariant 0 <= lo <= hi <= a.Length
    invariant forall k :: 0 <= k < lo ==> a[k] < key
    invariant forall k :: hi <= k < a.Length ==> a[k] > key
  {
    var mid := lo + (hi - lo) / 2;
    if a[mid] < key {
      lo := mid + 1;
    } else if a[mid] > key {
      hi := mid;
    } else {
      return mid;
    }
  }
  return -1;
}

function method LowerBound(s: seq<int>, key: int, lo: nat, hi: nat): nat
  requires lo <= hi <= |s|
  decreases hi - lo
{
  if lo == hi then lo
  else
    var mid := lo + (hi - lo) / 2;
    if s[mid] < key then LowerBound(s, key, mid + 1, hi) else LowerBound(s, key, lo, mid)
}

method Main() {
  var a := new int[10](i => 3 * i + 1);
  print a[..], "\n";
  assert Sorted(a[..]);
  var keys := [1, 4, 28, 13, 0, 29, 30];
  var i := 0;
  while i < |keys|
    invariant 0 <= i <= |keys|
    invariant Sorted(a[..])
  {
    var r := BinarySearch(a, keys[i]);
    print keys[i], " -> ", r, "\n";
    i := i + 1;
  }
  var s := [1, 2, 2, 2, 5, 8];
  print LowerBound(s, 2, 0, |s|), " ", LowerBound(s, 3, 0, |s|), " ", LowerBound(s, 9, 0, |s|), " ", LowerBound(s, 0, 0, |s|), "\n";
}
