// compiled bounded quantifiers: forall/exists over int ranges, seqs, sets in function methods
function method AllPositive(s: seq<int>): bool { forall i :: 0 <= i < |s| ==> s[i] > 0 }
function method HasZero(s: seq<int>): bool { exists i :: 0 <= i < |s| && s[i] == 0 }
function method IsSortedSeq(s: seq<int>): bool { forall i, j :: 0 <= i < j < |s| ==> s[i] <= s[j] }
function method IsPrime(n: int): bool { n >= 2 && forall d :: 2 <= d < n ==> n % d != 0 }
function method AnyOver(s: set<int>, k: int): bool { exists x :: x in s && x > k }
function method AllIn(a: set<int>, b: seq<int>): bool { forall x :: x in a ==> x in b }

method Main() {
  print AllPositive([1, 2, 3]), " ", AllPositive([1, -2, 3]), " ", AllPositive([]), "\n";
  print HasZero([1, 0, 2]), " ", HasZero([1, 2]), " ", HasZero([]), "\n";
  print IsSortedSeq([1, 2, 2, 5]), " ", IsSortedSeq([3, 1]), "\n";
  var primes := [];
  var n := 0;
  while n < 40
    invariant 0 <= n <= 40
  {
    if IsPrime(n) { primes := primes + [n]; }
    n := n + 1;
  }
  print primes, "\n";
  print AnyOver({1, 5, 9}, 8), " ", AnyOver({1, 5, 9}, 9), "\n";
  print AllIn({1, 2}, [3, 2, 1]), " ", AllIn({1, 4}, [3, 2, 1]), "\n";
  var b := forall x :: x in [2, 4, 6] ==> x % 2 == 0;
  var c := exists x :: x in {3, 5} && x % 2 == 0;
  print b, " ", c, "\n";
}
