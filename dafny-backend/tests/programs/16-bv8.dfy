// bv8 bitwise ops, shifts, wrapping +, -, *, negation, as int
method Main() {
  var a: bv8 := 0xAC;
  var b: bv8 := 0x35;
  print a, " ", b, "\n";
  print a & b, " ", a | b, " ", a ^ b, " ", !a, "\n";
  print a << 1, " ", a << 4, " ", a >> 2, " ", a >> 7, "\n";
  print a + b, " ", a - b, " ", b - a, " ", a * b, " ", -b, "\n";
  print a / b, " ", a % b, "\n";
  print a as int, " ", (a + 0x54) as int, "\n";
  var x: bv8 := 255;
  print x + 1, " ", x * x, "\n";
  var count := 0;
  var v: bv8 := 0xAC;
  var i := 0;
  while i < 8
    invariant 0 <= i <= 8
  {
    if v & 1 == 1 { count := count + 1; }
    v := v >> 1;
    i := i + 1;
  }
  print "popcount ", count, "\n";
  print a as int < b as int, " ", a == 0xAC, " ", a != b, "\n";
  var fromInt := 200 as bv8;
  print fromInt, "\n";
}
