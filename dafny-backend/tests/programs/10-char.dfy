// char literals and escapes, comparisons, as int / as char conversions
function method IsDigit(c: char): bool { '0' <= c <= '9' }
function method IsLower(c: char): bool { 'a' <= c <= 'z' }
function method ToUpper(c: char): char { if IsLower(c) then (c as int - 32) as char else c }
function method Rot13(c: char): char {
  if 'a' <= c <= 'z' then ((c as int - 'a' as int + 13) % 26 + 'a' as int) as char
  else if 'A' <= c <= 'Z' then ((c as int - 'A' as int + 13) % 26 + 'A' as int) as char
  else c
}

method Main() {
  var c := 'q';
  print c, " ", c as int, " ", ToUpper(c), " ", Rot13(c), "\n";
  print 'a' < 'b', " ", 'Z' < 'a', " ", '0' <= '5', " ", 'x' == 'x', " ", 'x' != 'y', "\n";
  print IsDigit('7'), " ", IsDigit('x'), " ", IsLower('m'), " ", IsLower('M'), "\n";
  print '\n' as int, " ", '\t' as int, " ", '\\' as int, " ", '\'' as int, " ", '"' as int, " ", '\0' as int, "\n";
  print 65 as char, 66 as char, 67 as char, "\n";
  var s := "Hello, World";
  var i := 0;
  var r := "";
  while i < |s|
    invariant 0 <= i <= |s|
  {
    r := r + [Rot13(s[i])];
    i := i + 1;
  }
  print r, "\n";
  print ['x', 'y'], " ", [c], "\n";
  var d := '\u0041';
  print d, " ", d as int, "\n";
}
