// KNOWN JS BUG: % on native-width newtypes with a negative dividend
// oracle-trust: cs (Dafny 2.3's DafnyRuntime.js EuclideanModuloNumber computes (-1) % b instead of (-a) % b)
newtype int32 = x | -0x8000_0000 <= x < 0x8000_0000

method Main() {
  var xs: seq<int32> := [-17, -1, -10, 7, 0];
  var i := 0;
  while i < |xs|
    invariant 0 <= i <= |xs|
  {
    var a := xs[i];
    var b: int32 := 5;
    print a, " / ", b, " = ", a / b, ", ", a, " % ", b, " = ", a % b, " (int: ", a as int % b as int, ")\n";
    i := i + 1;
  }
  var neg: int32 := -5;
  print -17 / neg, " ", (-17 as int32) % neg, "\n";
}
