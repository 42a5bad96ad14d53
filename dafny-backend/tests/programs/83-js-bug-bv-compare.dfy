// KNOWN JS BUG: < <= > >= on bitvectors
// oracle-trust: cs (Dafny 2.3's JS backend compares the BigNumber objects with JS <, i.e. as decimal strings)
method Main() {
  var a: bv8 := 172;
  var b: bv8 := 53;
  print a < b, " ", a <= b, " ", a > b, " ", a >= b, "\n";
  var x: bv32 := 100;
  var y: bv32 := 9;
  print x < y, " ", x > y, " ", y < x, "\n";
  var m: bv64 := 0xFFFF_FFFF_FFFF_FFFF;
  print m > 2, " ", (m >> 60) < 16, "\n";
  var i: bv16 := 0;
  var n := 0;
  while i < 200
    invariant n == i as int && i <= 200
  {
    i := i + 1;
    n := n + 1;
  }
  print "loop ran ", n, " times\n";
}
