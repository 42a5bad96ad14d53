// non-tail recursion of moderate depth (5000) in function methods and methods
function method SumRec(n: nat): nat decreases n { if n == 0 then 0 else n + SumRec(n - 1) }
function method SumAcc(n: nat, acc: nat): nat decreases n { if n == 0 then acc else SumAcc(n - 1, acc + n) }
function method Build(n: nat): seq<int> ensures |Build(n)| == n decreases n { if n == 0 then [] else Build(n - 1) + [n] }

method Depth(n: nat) returns (d: nat)
  decreases n
{
  if n == 0 { return 0; }
  var r := Depth(n - 1);
  d := r + 1;
}

method Main() {
  print SumRec(5000), " ", SumAcc(5000, 0), "\n";
  var s := Build(2000);
  print |s|, " ", s[0], " ", s[1999], "\n";
  var d := Depth(5000);
  print d, "\n";
}
