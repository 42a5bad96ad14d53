// bv64: large constants, wrapping multiply, LCG PRNG, shifts, as int
function method Lcg(x: bv64): bv64 {
  x * 6364136223846793005 + 1442695040888963407
}

method Main() {
  var x: bv64 := 0xFFFF_FFFF_FFFF_FFFF;
  print x, " ", x + 1, " ", x >> 32, " ", x << 60, "\n";
  var m: bv64 := 0x9E3779B97F4A7C15;
  print m, " ", m * m, " ", m as int, "\n";
  var s: bv64 := 42;
  var i := 0;
  while i < 5
    invariant 0 <= i <= 5
  {
    s := Lcg(s);
    print s, " ", s % 100, " ", s >> 59, "\n";
    i := i + 1;
  }
  var one: bv64 := 1;
  print one << 63, " ", (one << 63) >> 63, " ", (one << 63) - 1, "\n";
  print (x as int + 1), " ", 0 - one, "\n";
  var lo: bv64 := 0x0F0F;
  print lo & 0xFF, " ", lo | 0x7000, " ", lo ^ 0x0101, "\n";
}
