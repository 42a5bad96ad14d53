// bool operators: && || ! ==> <== <==>, short circuit, truth tables
function method Xor(a: bool, b: bool): bool { a != b }
function method SafeDiv(a: int, b: int): bool { b != 0 && a / b > 1 }

method Main() {
  var bs := [false, true];
  var i := 0;
  while i < 2
    invariant 0 <= i <= 2
  {
    var j := 0;
    while j < 2
      invariant 0 <= j <= 2
    {
      var a, b := bs[i], bs[j];
      print a, " ", b, ": ", a && b, " ", a || b, " ", a ==> b, " ", a <== b, " ", a <==> b, " ", Xor(a, b), " ", !a, "\n";
      j := j + 1;
    }
    i := i + 1;
  }
  print SafeDiv(10, 0), " ", SafeDiv(10, 3), " ", SafeDiv(3, 10), "\n";
  var t := true;
  var f := !t;
  print t == f, " ", t != f, " ", t == !f, "\n";
  var count := 0;
  var k := 0;
  while k < 20
    invariant 0 <= k <= 20
  {
    if (k % 2 == 0 || k % 3 == 0) && !(k % 5 == 0) { count := count + 1; }
    k := k + 1;
  }
  print "count ", count, "\n";
}
