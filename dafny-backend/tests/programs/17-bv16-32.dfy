// bv16 and bv32: masks, shifts, wrapping, rotation, conversions
function method Rotl32(x: bv32, n: nat): bv32
  requires n < 32
{
  if n == 0 then x else (x << n) + (x >> (32 - n))
}

method Main() {
  var h: bv16 := 0xBEEF;
  print h, " ", h >> 8, " ", h & 0xFF, " ", h << 8, " ", h + 0x1111, "\n";
  var w: bv32 := 0xDEADBEEF;
  print w, " ", w >> 16, " ", w & 0xFFFF, " ", w ^ 0xFFFFFFFF, " ", !w, "\n";
  print w + w, " ", w * 3, " ", 0 - w, "\n";
  print Rotl32(w, 8), " ", Rotl32(w, 0), " ", Rotl32(1, 31), "\n";
  var hash: bv32 := 2166136261;
  var s := "fnv";
  var i := 0;
  while i < |s|
    invariant 0 <= i <= |s|
  {
    hash := (hash ^ (s[i] as int as bv32)) * 16777619;
    i := i + 1;
  }
  print "fnv1a ", hash, "\n";
  print (w as int) / 65536, " ", (h as int as bv32) << 16, "\n";
  var small: bv16 := (w & 0xFFFF) as int as bv16;
  print small, "\n";
}
