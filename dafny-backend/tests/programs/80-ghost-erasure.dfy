// ghost code is erased: ghost vars/fields, lemmas, asserts, calc, old() and fresh() in specs
class Acc {
  var total: int
  ghost var history: seq<int>
  constructor () ensures total == 0 && history == [] { total := 0; history := []; }
  method Add(x: int)
    modifies this
    ensures total == old(total) + x && history == old(history) + [x]
  {
    total := total + x;
    history := history + [x];
  }
}

function Sum(s: seq<int>): int decreases |s| { if |s| == 0 then 0 else Sum(s[..|s| - 1]) + s[|s| - 1] }

lemma SquareNonNeg(x: int) ensures x * x >= 0 {}

lemma DistribExample(a: int, b: int, c: int)
  ensures a * (b + c) == a * b + a * c
{
  calc {
    a * (b + c);
    == a * b + a * c;
  }
}

method Main() {
  ghost var g := 5;
  var acc := new Acc();
  acc.Add(3);
  acc.Add(4);
  g := g + acc.total;
  assert acc.history == [3, 4];
  assert g == 12;
  SquareNonNeg(-7);
  DistribExample(2, 3, 4);
  assert Sum([3, 4]) == 7;
  print acc.total, "\n";
  var fresh1 := new Acc();
  assert fresh(fresh1);
  print fresh1.total, " ", fresh1 != acc, "\n";
}
