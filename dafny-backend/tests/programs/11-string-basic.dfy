// string literals with escapes, concatenation, indexing, length
method Main() {
  var s := "Hello";
  var t := "World";
  var u := s + ", " + t + "!";
  print u, "\n";
  print |u|, " ", u[0], " ", u[|u| - 1], "\n";
  print "tab\there", "\n";
  print "quote\"inside\"", "\n";
  print "backslash\\path", "\n";
  print "single 'quotes'", "\n";
  print "unicode \u00e9 escape", "\n";
  print "a" + "" + "b", " ", |""|, "\n";
  var e := "";
  print "[", e, "]", "\n";
  print s == "Hello", " ", s == t, " ", s != t, "\n";
  var chars := ['a', 'b', 'c'];
  var asString: string := chars;
  print asString, " ", asString == "abc", "\n";
  print 'H' in s, " ", 'z' in s, " ", !('z' in s), "\n";
  print "multi\nline\nstring\n";
}
