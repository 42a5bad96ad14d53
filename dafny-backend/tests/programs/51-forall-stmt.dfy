// forall statements: parallel array updates, 2-D forall, ensures via forall
method DoubleAll(a: array<int>)
  modifies a
  ensures forall i :: 0 <= i < a.Length ==> a[i] == 2 * old(a[i])
{
  forall i | 0 <= i < a.Length {
    a[i] := a[i] * 2;
  }
}

method ShiftLeftCopy(a: array<int>, b: array<int>)
  requires a.Length == b.Length + 1
  requires a != b
  modifies b
  ensures forall i :: 0 <= i < b.Length ==> b[i] == a[i + 1]
{
  forall i | 0 <= i < b.Length {
    b[i] := a[i + 1];
  }
}

method Main() {
  var a := new int[6](i => i + 1);
  DoubleAll(a);
  print a[..], "\n";
  forall i | 0 <= i < a.Length && i % 2 == 1 {
    a[i] := 0;
  }
  print a[..], "\n";
  var b := new int[5];
  ShiftLeftCopy(a, b);
  print b[..], "\n";
  var m := new int[3, 4];
  forall i, j | 0 <= i < 3 && 0 <= j < 4 {
    m[i, j] := i * 10 + j;
  }
  print m[0, 0], " ", m[1, 2], " ", m[2, 3], "\n";
  assert forall i :: 0 <= i < b.Length ==> b[i] == a[i + 1];
}
