// generic classes: Box<T>, a Stack<T> over a seq with verified push/pop contracts
class Box<T> {
  var item: T
  constructor (x: T) ensures item == x { item := x; }
  method Set(x: T) modifies this ensures item == x { item := x; }
  function method Get(): T reads this { item }
}

class Stack<T> {
  var elems: seq<T>
  constructor () ensures elems == [] { elems := []; }
  method Push(x: T) modifies this ensures elems == old(elems) + [x] { elems := elems + [x]; }
  method Pop() returns (x: T)
    requires |elems| > 0
    modifies this
    ensures elems == old(elems)[..|old(elems)| - 1] && x == old(elems)[|old(elems)| - 1]
  {
    x := elems[|elems| - 1];
    elems := elems[..|elems| - 1];
  }
  function method Size(): nat reads this { |elems| }
}

method Main() {
  var b := new Box(5);
  print b.Get(), " ";
  b.Set(7);
  print b.item, "\n";
  var sb := new Box("hello");
  print sb.Get(), "\n";
  var s := new Stack<int>();
  s.Push(1);
  s.Push(2);
  s.Push(3);
  print s.Size(), " ", s.elems, "\n";
  var x := s.Pop();
  var y := s.Pop();
  print x, " ", y, " ", s.Size(), "\n";
  var ss := new Stack<string>();
  ss.Push("a");
  ss.Push("b");
  var top := ss.Pop();
  print top, " ", ss.elems, "\n";
  var bb := new Box(b);
  print bb.Get().Get(), "\n";
}
