// arrays: new int[n], init lambdas, Length, update, a[..], a[i..j]
method Main() {
  var a := new int[5];
  var i := 0;
  while i < a.Length
    invariant 0 <= i <= a.Length
  {
    a[i] := 10 * i;
    i := i + 1;
  }
  print a.Length, " ", a[..], " ", a[1..3], " ", a[..2], " ", a[3..], "\n";
  var sq := new int[6](k => k * k);
  print sq[..], " ", sq[5], "\n";
  sq[0] := -1;
  sq[5] := sq[4] + sq[3];
  print sq[..], "\n";
  var empty := new int[0];
  print empty.Length, " ", empty[..], "\n";
  var bs := new bool[3](k => k % 2 == 0);
  print bs[..], "\n";
  var cs := new char[4](k => if 0 <= k < 26 then ('a' as int + k) as char else '?');
  print cs[0], cs[3], " ", cs.Length, " ", cs[1] == 'b', "\n";
  var strs := new string[2](k => if k == 0 then "zero" else "one");
  print strs[..], "\n";
  var snapshot := a[..];
  a[0] := 999;
  print snapshot[0], " ", a[0], " ", snapshot == a[..], "\n";
}
