// newtype u8 arithmetic, conversions with as, bounds checks
newtype u8 = x | 0 <= x < 256

function method AddWrap(a: u8, b: u8): u8 {
  ((a as int + b as int) % 256) as u8
}

function method Checked(a: u8, b: u8): (u8, bool) {
  if a as int + b as int < 256 then (a + b, true) else (0, false)
}

method Main() {
  var a: u8 := 200;
  var b: u8 := 100;
  print a, " ", b, " ", a - b, " ", a / 3, " ", a % 7, "\n";
  print AddWrap(a, b), " ", AddWrap(1, 2), "\n";
  print Checked(a, b), " ", Checked(100, 27), "\n";
  var i: int := a as int * 2;
  print i, "\n";
  var c: u8 := (i / 4) as u8;
  print c, " ", c == a / 2, " ", c < a, "\n";
  var total := 0;
  var k: u8 := 0;
  while k < 255
    invariant 0 <= k <= 255
  {
    total := total + k as int;
    k := k + 1;
  }
  print "total ", total, "\n";
  var ch := 'A';
  var code := ch as int as u8;
  print code, " ", (code + 1) as int as char, "\n";
}
