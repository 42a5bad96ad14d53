// module-level and class consts of many types, consts defined from other consts
const N: nat := 5
const M := N * N + 1
const NAME := "dafny"
const FLAG := M > 20
const SQUARES := [0, 1, 4, 9, 16]
const VOWELS := {'a', 'e', 'i', 'o', 'u'}
const TABLE := map[1 := "one", 2 := "two"]
const HALF := 0.5
const MASK: bv8 := 0x0F
const BIG: bv16 := 1 << 12

module Config {
  const Version := 3
  const Title := "cfg v" + [('0' as int + Version) as char]
}

class Limits {
  const lo: int
  const hi: int
  const width := 100
  constructor (l: int, h: int) { lo := l; hi := h; }
  function method Span(): int { hi - lo }
}

method Main() {
  print N, " ", M, " ", NAME, " ", FLAG, " ", SQUARES, "\n";
  print |VOWELS|, " ", 'e' in VOWELS, " ", 'y' in VOWELS, " ", TABLE[2], " ", |TABLE|, "\n";
  print HALF, " ", MASK, " ", MASK & 0x3C, " ", BIG, "\n";
  print Config.Version, " ", Config.Title, "\n";
  var l := new Limits(-5, 5);
  print l.lo, " ", l.hi, " ", l.width, " ", l.Span(), "\n";
  var count := 0;
  var i := 0;
  while i < |NAME|
    invariant 0 <= i <= |NAME|
  {
    if NAME[i] in VOWELS { count := count + 1; }
    i := i + 1;
  }
  print "vowels in name: ", count, "\n";
}
