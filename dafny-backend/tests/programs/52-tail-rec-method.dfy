// tail-recursive methods with depth 100000 and 250000 (compiled to loops by Dafny)
method CountDown(n: nat, acc: int) returns (r: int)
  decreases n
{
  if n == 0 {
    r := acc;
  } else {
    r := CountDown(n - 1, acc + n);
  }
}

method Collatz(n: nat, steps: nat, fuel: nat) returns (s: nat)
  decreases fuel
{
  if n <= 1 || fuel == 0 {
    s := steps;
  } else if n % 2 == 0 {
    s := Collatz(n / 2, steps + 1, fuel - 1);
  } else {
    s := Collatz(3 * n + 1, steps + 1, fuel - 1);
  }
}

method Loop(i: nat, n: nat, x: int) returns (r: int)
  requires i <= n
  decreases n - i
{
  if i == n { return x; }
  r := Loop(i + 1, n, (x * 31 + i) % 1000003);
}

method Main() {
  var a := CountDown(100000, 0);
  print a, "\n";
  var b := CountDown(250000, 7);
  print b, "\n";
  var c := Collatz(837799, 0, 1000000);
  print c, "\n";
  var d := Loop(0, 100000, 1);
  print d, "\n";
}
