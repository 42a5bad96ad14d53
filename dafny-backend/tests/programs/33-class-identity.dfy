// object identity ==, nullable C? types, linked nodes, aliasing
class Node {
  var value: int
  var next: Node?
  constructor (v: int, n: Node?) ensures value == v && next == n { value := v; next := n; }
}

method Length(n: Node?, fuel: nat) returns (len: nat)
  decreases fuel
{
  if n == null || fuel == 0 { return 0; }
  var rest := Length(n.next, fuel - 1);
  len := 1 + rest;
}

method SumList(n: Node?, fuel: nat) returns (s: int)
  decreases fuel
{
  if n == null || fuel == 0 { return 0; }
  var rest := SumList(n.next, fuel - 1);
  s := n.value + rest;
}

method Main() {
  var c := new Node(3, null);
  var b := new Node(2, c);
  var a := new Node(1, b);
  var len := Length(a, 100);
  var s := SumList(a, 100);
  print len, " ", s, "\n";
  var other := new Node(1, b);
  print a == a, " ", a == other, " ", a.next == other.next, " ", a.value == other.value, "\n";
  var n: Node? := null;
  print n == null, " ", a.next != null, " ", c.next == null, "\n";
  var alias := b;
  alias.value := 20;
  var s2 := SumList(a, 100);
  print b.value, " ", s2, "\n";
  c.next := a;
  var cyc := Length(a, 10);
  print "cyclic with fuel 10: ", cyc, "\n";
}
