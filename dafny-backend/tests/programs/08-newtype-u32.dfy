// u16/u32/u64 newtypes: hashing with modular arithmetic, as conversions
newtype u16 = x | 0 <= x < 0x1_0000
newtype u32 = x | 0 <= x < 0x1_0000_0000
newtype u64 = x | 0 <= x < 0x1_0000_0000_0000_0000

function method Mul32(a: u32, b: u32): u32 {
  ((a as int * b as int) % 0x1_0000_0000) as u32
}

function method Hash(s: string, i: nat, h: u32): u32
  requires i <= |s|
  decreases |s| - i
{
  if i == |s| then h
  else Hash(s, i + 1, ((Mul32(h, 31) as int + (s[i] as int)) % 0x1_0000_0000) as u32)
}

method Main() {
  print Hash("hello", 0, 7), " ", Hash("world", 0, 7), " ", Hash("", 0, 7), "\n";
  var x: u64 := 0xFFFF_FFFF_FFFF_FFFF;
  print x, " ", x / 2, " ", x % 1000, "\n";
  var y: u16 := 65535;
  var z := (y as int + 1) % 0x1_0000;
  print y, " ", z, " ", z as u16, "\n";
  var p: u32 := Mul32(0xDEAD_BEEF, 0xCAFE_BABE);
  print p, " ", p as int as u64, "\n";
  print (x as int + 1), "\n";
}
