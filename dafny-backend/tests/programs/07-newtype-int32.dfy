// signed native-width newtypes int32/int64: ranges, negatives, division
newtype int32 = x | -0x8000_0000 <= x < 0x8000_0000
newtype int64 = x | -0x8000_0000_0000_0000 <= x < 0x8000_0000_0000_0000

const MAX32: int32 := 0x7fff_ffff
const MIN32: int32 := -0x7fff_ffff - 1

function method Widen(x: int32): int64 { x as int64 }

method Main() {
  print MAX32, " ", MIN32, "\n";
  var a: int32 := -17;
  var b: int32 := 5;
  print a / b, " ", a as int % b as int, " ", a * b, " ", a - b, "\n";
  var w := Widen(MAX32) * Widen(MAX32);
  print w, "\n";
  var n: int64 := -0x7fff_ffff_ffff_ffff - 1;
  print n, " ", n + 1, "\n";
  var s: int32 := 0;
  var i: int32 := -1000;
  while i < 1000
    invariant -1000 <= i <= 1000
    invariant -(i as int + 1000) <= s as int <= i as int + 1000
    decreases 1000 - i
  {
    if i as int % 3 == 0 { s := s + 1; } else { s := s - 1; }
    i := i + 1;
  }
  print "s = ", s, "\n";
  var back := (w / 0x1_0000_0000) as int32;
  print back, " ", (MIN32 as int - 1), "\n";
}
