// print formatting of every basic type: ints, bools, chars, strings, reals, bvs, newtypes
newtype u8 = x | 0 <= x < 256
newtype i16 = x | -32768 <= x < 32768

method Main() {
  print 0, " ", 42, " ", -42, " ", 1000000000000000000000, " ", -1000000000000000000000, "\n";
  print true, " ", false, "\n";
  print 'a', " ", 'Z', " ", '0', " ", ' ', "|\n";
  print "plain", " ", "", "|", "with space", "\n";
  print 1.0, " ", 0.5, " ", -0.5, " ", 100.25, " ", 0.0, " ", 3.0 / 4.0, " ", 1.0 / 3.0, "\n";
  var b8: bv8 := 255;
  var b32: bv32 := 4294967295;
  var b0: bv16 := 0;
  print b8, " ", b32, " ", b0, "\n";
  var u: u8 := 200;
  var i: i16 := -300;
  print u, " ", i, "\n";
  print 1, 2, 3, "\n";
  print "a", 'b', 3, true, "\n";
  print -0, " ", 7 - 10, "\n";
}
