// Verified sorting and searching, called from Rust (src/main.rs).

predicate Sorted(s: seq<int>) { forall i, j :: 0 <= i < j < |s| ==> s[i] <= s[j] }

// Sorts `a` in place: afterwards it is sorted and holds the same elements.
method InsertionSort(a: array<int>)
  modifies a
  ensures Sorted(a[..])
  ensures multiset(a[..]) == multiset(old(a[..]))
{
  if a.Length == 0 {
    return;
  }
  var i := 1;
  while i < a.Length
    invariant 1 <= i <= a.Length
    invariant Sorted(a[..i])
    invariant multiset(a[..]) == multiset(old(a[..]))
  {
    var j := i;
    while j > 0 && a[j - 1] > a[j]
      invariant 0 <= j <= i
      invariant forall k, l :: 0 <= k < l <= i && l != j ==> a[k] <= a[l]
      invariant forall k, l :: 0 <= k < j && j < l <= i ==> a[k] <= a[l]
      invariant multiset(a[..]) == multiset(old(a[..]))
    {
      a[j - 1], a[j] := a[j], a[j - 1];
      j := j - 1;
    }
    i := i + 1;
  }
}

// The index of `key` in the sorted `s`, or where it would be inserted
// (found == false): every element before it is smaller, every one from it
// on is not.
method BinarySearch(s: seq<int>, key: int) returns (found: bool, index: nat)
  requires Sorted(s)
  ensures index <= |s|
  ensures forall k :: 0 <= k < index ==> s[k] < key
  ensures forall k :: index <= k < |s| ==> s[k] >= key
  ensures found <==> index < |s| && s[index] == key
{
  var lo, hi := 0, |s|;
  while lo < hi
    invariant 0 <= lo <= hi <= |s|
    invariant forall k :: 0 <= k < lo ==> s[k] < key
    invariant forall k :: hi <= k < |s| ==> s[k] >= key
  {
    var mid := (lo + hi) / 2;
    if s[mid] < key {
      lo := mid + 1;
    } else {
      hi := mid;
    }
  }
  found, index := lo < |s| && s[lo] == key, lo;
}
