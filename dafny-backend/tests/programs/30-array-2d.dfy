// 2-D arrays: new int[m, n], Length0/Length1, matrix multiply
method Fill(a: array2<int>, f: int -> int)
  modifies a
{
  var i := 0;
  while i < a.Length0
    invariant 0 <= i <= a.Length0
  {
    var j := 0;
    while j < a.Length1
      invariant 0 <= j <= a.Length1
    {
      a[i, j] := f(i * a.Length1 + j);
      j := j + 1;
    }
    i := i + 1;
  }
}

method Mul(a: array2<int>, b: array2<int>) returns (c: array2<int>)
  requires a.Length1 == b.Length0
  ensures c.Length0 == a.Length0 && c.Length1 == b.Length1
{
  c := new int[a.Length0, b.Length1];
  var i := 0;
  while i < a.Length0
    invariant 0 <= i <= a.Length0
  {
    var j := 0;
    while j < b.Length1
      invariant 0 <= j <= b.Length1
    {
      var s := 0;
      var k := 0;
      while k < a.Length1
        invariant 0 <= k <= a.Length1
      {
        s := s + a[i, k] * b[k, j];
        k := k + 1;
      }
      c[i, j] := s;
      j := j + 1;
    }
    i := i + 1;
  }
}

method PrintM(m: array2<int>) {
  var i := 0;
  while i < m.Length0
    invariant 0 <= i <= m.Length0
  {
    var j := 0;
    while j < m.Length1
      invariant 0 <= j <= m.Length1
    {
      print m[i, j], if j + 1 < m.Length1 then " " else "\n";
      j := j + 1;
    }
    i := i + 1;
  }
}

method Main() {
  var a := new int[2, 3];
  Fill(a, x => x + 1);
  var b := new int[3, 2];
  Fill(b, x => x - 2);
  print a.Length0, " ", a.Length1, " ", b.Length0, " ", b.Length1, "\n";
  PrintM(a);
  PrintM(b);
  var c := Mul(a, b);
  PrintM(c);
  var z := new int[0, 5];
  print z.Length0, " ", z.Length1, "\n";
  var init := new int[2, 2]((i, j) => 10 * i + j);
  PrintM(init);
}
