// methods on arrays: swap, in-place reverse with invariants, modifies
method Swap(a: array<int>, i: int, j: int)
  requires 0 <= i < a.Length && 0 <= j < a.Length
  modifies a
  ensures a[i] == old(a[j]) && a[j] == old(a[i])
  ensures forall k :: 0 <= k < a.Length && k != i && k != j ==> a[k] == old(a[k])
{
  var t := a[i];
  a[i] := a[j];
  a[j] := t;
}

method Reverse(a: array<int>)
  modifies a
  ensures forall k :: 0 <= k < a.Length ==> a[k] == old(a[a.Length - 1 - k])
{
  var i := 0;
  while i < a.Length / 2
    invariant 0 <= i <= a.Length / 2
    invariant forall k :: 0 <= k < i ==> a[k] == old(a[a.Length - 1 - k])
    invariant forall k :: 0 <= k < i ==> a[a.Length - 1 - k] == old(a[k])
    invariant forall k :: i <= k < a.Length - i ==> a[k] == old(a[k])
  {
    Swap(a, i, a.Length - 1 - i);
    i := i + 1;
  }
}

method Max(a: array<int>) returns (m: int)
  requires a.Length > 0
  ensures forall k :: 0 <= k < a.Length ==> a[k] <= m
  ensures exists k :: 0 <= k < a.Length && a[k] == m
{
  m := a[0];
  var i := 1;
  while i < a.Length
    invariant 1 <= i <= a.Length
    invariant forall k :: 0 <= k < i ==> a[k] <= m
    invariant exists k :: 0 <= k < i && a[k] == m
  {
    if a[i] > m { m := a[i]; }
    i := i + 1;
  }
}

method Main() {
  var a := new int[7](i => i * 3 - 5);
  print a[..], "\n";
  Reverse(a);
  print a[..], "\n";
  Swap(a, 0, 6);
  print a[..], "\n";
  var m := Max(a);
  print "max ", m, "\n";
  var b := new int[1](i => 42);
  Reverse(b);
  print b[..], "\n";
  var alias := a;
  alias[3] := 100;
  print a[3], " ", a == alias, "\n";
}
