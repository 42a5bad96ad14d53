// set comprehensions with filters and mapping expressions
method Main() {
  var s := {1, 2, 3, 4, 5, 6};
  var big := set x | x in s && x > 2 :: x * 2;
  print |big|, " ", big == {6, 8, 10, 12}, " ", 8 in big, " ", 4 in big, "\n";
  var evens := set x | x in s && x % 2 == 0;
  print evens == {2, 4, 6}, " ", |evens|, "\n";
  var range := set i | 0 <= i < 20 && i % 3 == 0;
  print |range|, " ", 18 in range, " ", 19 in range, "\n";
  var pairs := set x, y | x in {1, 2} && y in {10, 20} :: x + y;
  print pairs == {11, 21, 12, 22}, " ", |pairs|, "\n";
  var sq := set x | x in s :: x * x;
  print 36 in sq, " ", 35 in sq, " ", |sq|, "\n";
  var empty := set x | x in s && x > 100;
  print |empty|, " ", empty == {}, "\n";
  var strs := set w | w in ["apple", "kiwi", "banana"] && |w| > 4;
  print |strs|, " ", "kiwi" in strs, " ", "apple" in strs, "\n";
  print set x | x in {3, 1, 2} :: x + 0, "\n";
}
