// nat subrange type, guarded subtraction, countdown, digit sums
function method Monus(a: nat, b: nat): nat { if a >= b then a - b else 0 }
function method DigitSum(n: nat): nat decreases n { if n < 10 then n else n % 10 + DigitSum(n / 10) }
function method NumDigits(n: nat): nat decreases n { if n < 10 then 1 else 1 + NumDigits(n / 10) }

method CountDown(n: nat) returns (steps: nat)
  ensures steps == n
{
  var k: nat := n;
  steps := 0;
  while k > 0
    invariant steps + k == n
    decreases k
  {
    k := k - 1;
    steps := steps + 1;
  }
}

method Main() {
  print Monus(10, 3), " ", Monus(3, 10), "\n";
  print DigitSum(987654321), " ", NumDigits(987654321), " ", NumDigits(0), "\n";
  print DigitSum(99999999999999999999999999), " ", NumDigits(100000000000000000000000000), "\n";
  var s := CountDown(1000);
  print "steps: ", s, "\n";
  var n: nat := 7;
  var m: int := n - 10;
  print m, "\n";
}
