// building strings: int to string, join, repeat, padding
function method DigitChar(d: int): char
  requires 0 <= d < 10
{
  ('0' as int + d) as char
}

function method NatToString(n: nat): string decreases n {
  if n < 10 then [DigitChar(n)] else NatToString(n / 10) + [DigitChar(n % 10)]
}

function method IntToString(n: int): string {
  if n < 0 then "-" + NatToString(-n) else NatToString(n)
}

function method Repeat(s: string, n: nat): string decreases n {
  if n == 0 then "" else s + Repeat(s, n - 1)
}

function method Join(xs: seq<string>, sep: string): string decreases |xs| {
  if |xs| == 0 then "" else if |xs| == 1 then xs[0] else xs[0] + sep + Join(xs[1..], sep)
}

function method PadLeft(s: string, w: nat, c: char): string {
  if |s| >= w then s else Repeat([c], w - |s|) + s
}

method Main() {
  print IntToString(0), " ", IntToString(12345), " ", IntToString(-987), "\n";
  print IntToString(123456789012345678901234567890), "\n";
  print Repeat("ab", 5), " [", Repeat("x", 0), "]\n";
  print Join(["alpha", "beta", "gamma"], ", "), "\n";
  print Join([], "-"), "|", Join(["one"], "-"), "\n";
  var i := 1;
  while i <= 1000
    invariant i >= 1
  {
    print PadLeft(IntToString(i), 6, '.'), "\n";
    i := i * 10;
  }
  var parts: seq<string> := [];
  var k := 0;
  while k < 5
    invariant 0 <= k <= 5
  {
    parts := parts + [IntToString(k * k)];
    k := k + 1;
  }
  print Join(parts, "+"), "\n";
}
