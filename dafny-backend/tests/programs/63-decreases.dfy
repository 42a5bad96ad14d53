// function methods with explicit decreases: Ackermann, lexicographic, binomials, measure |a|+|b|
function method Ack(m: nat, n: nat): nat
  decreases m, n
{
  if m == 0 then n + 1
  else if n == 0 then Ack(m - 1, 1)
  else Ack(m - 1, Ack(m, n - 1))
}

function method Log2(n: nat): nat
  requires n >= 1
  decreases n
{
  if n == 1 then 0 else 1 + Log2(n / 2)
}

function method Binom(n: nat, k: nat): nat
  decreases n
{
  if k == 0 || k == n then 1
  else if k > n then 0
  else Binom(n - 1, k - 1) + Binom(n - 1, k)
}

function method CountUp(i: int, hi: int): int
  decreases hi - i
{
  if i >= hi then 0 else 1 + CountUp(i + 1, hi)
}

function method Interleave(a: seq<int>, b: seq<int>): seq<int>
  decreases |a| + |b|
{
  if |a| == 0 then b else [a[0]] + Interleave(b, a[1..])
}

method Main() {
  print Ack(0, 0), " ", Ack(1, 2), " ", Ack(2, 3), " ", Ack(3, 3), "\n";
  print Log2(1), " ", Log2(1024), " ", Log2(1000000), "\n";
  print Binom(10, 3), " ", Binom(20, 10), " ", Binom(5, 7), "\n";
  print CountUp(-10, 10), " ", CountUp(5, 0), "\n";
  print Interleave([1, 3, 5, 7], [2, 4]), "\n";
}
