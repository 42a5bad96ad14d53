// sieve of Eratosthenes on a bool array, primality check, prime factorization
method Sieve(n: nat) returns (isPrime: array<bool>)
  requires n >= 2
  ensures isPrime.Length == n + 1
{
  isPrime := new bool[n + 1](i => i >= 2);
  var p := 2;
  while p * p <= n
    invariant 2 <= p
    decreases n - p
  {
    if isPrime[p] {
      var m := p * p;
      while m <= n
        invariant m >= p * p
        decreases n + p - m
      {
        isPrime[m] := false;
        m := m + p;
      }
    }
    p := p + 1;
  }
}

function method IsPrime(n: nat): bool { n >= 2 && NoDivisor(n, 2) }
function method NoDivisor(n: nat, d: nat): bool
  requires d >= 2
  decreases n - d
{
  if d * d > n then true else if n % d == 0 then false else NoDivisor(n, d + 1)
}

function method Factor(n: nat, d: nat): seq<nat>
  requires d >= 2
  decreases n, n - d
{
  if n < 2 then []
  else if d * d > n then [n]
  else if n % d == 0 then [d] + Factor(n / d, d)
  else Factor(n, d + 1)
}

method Main() {
  var sieve := Sieve(100);
  var primes := [];
  var i := 0;
  while i < sieve.Length
    invariant 0 <= i <= sieve.Length
  {
    if sieve[i] { primes := primes + [i]; }
    i := i + 1;
  }
  print primes, "\n", |primes|, "\n";
  var big := Sieve(10000);
  var count := 0;
  i := 0;
  while i < big.Length
    invariant 0 <= i <= big.Length
  {
    if big[i] { count := count + 1; }
    i := i + 1;
  }
  print "primes below 10000: ", count, "\n";
  print IsPrime(97), " ", IsPrime(91), " ", IsPrime(1000003), "\n";
  print Factor(360, 2), " ", Factor(9999991, 2), " ", Factor(600851475143, 2), "\n";
}
