// real conversions: as real, .Floor, as int of integral reals
method Main() {
  var xs := [3.7, -3.7, 2.0, -2.0, 0.5, -0.5, 0.0, 1234567.999];
  var i := 0;
  while i < |xs|
    invariant 0 <= i <= |xs|
  {
    var x := xs[i];
    print x, " floor ", x.Floor, "\n";
    i := i + 1;
  }
  var n := 7;
  var r := n as real;
  print r, " ", r / 2.0, " ", (r / 2.0).Floor, "\n";
  print (-7) as real, " ", 4.0 as int, " ", (8.0 / 2.0) as int, "\n";
  var big := 100000000000000000000;
  print big as real, " ", (big as real / 3.0).Floor, "\n";
  var avg := (1 + 2 + 4) as real / 3.0;
  print avg.Floor, " ", (avg * 100.0).Floor, "\n";
}
