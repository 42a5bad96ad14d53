// KNOWN JS BUG: bitwise & | ^ on bv32/bv64 values with bit 31 or higher set
// oracle-trust: cs (Dafny 2.3's DafnyRuntime.js BitwiseAnd/Or/Xor apply JS's 32-bit signed & | ^ to 53-bit chunks)
function method Rotl32(x: bv32, n: nat): bv32
  requires n < 32
{
  if n == 0 then x else (x << n) | (x >> (32 - n))
}

function method XorShift(x: bv64): bv64 {
  var a := x ^ (x << 13);
  var b := a ^ (a >> 7);
  b ^ (b << 17)
}

method Main() {
  var w: bv32 := 0xDEADBEEF;
  print Rotl32(w, 8), " ", Rotl32(1, 31), " ", w | 0x8000_0000, " ", w & 0xF000_0000, "\n";
  var s: bv64 := 88172645463325252;
  var i := 0;
  while i < 3
    invariant 0 <= i <= 3
  {
    s := XorShift(s);
    print s, "\n";
    i := i + 1;
  }
  var big: bv64 := 0xFFFF_0000_FFFF_0000;
  print big & 0x0000_FFFF_FFFF_0000, " ", big | 0xFFFF, " ", big ^ big, "\n";
}
