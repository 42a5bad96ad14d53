// seqs and arrays of class objects, shared references, mutation visible through aliases
class Cell {
  var v: int
  constructor (x: int) ensures v == x { v := x; }
}

method SumCells(cells: seq<Cell>) returns (s: int) {
  s := 0;
  var i := 0;
  while i < |cells|
    invariant 0 <= i <= |cells|
  {
    s := s + cells[i].v;
    i := i + 1;
  }
}

method Main() {
  var a := new Cell(1);
  var b := new Cell(2);
  var c := new Cell(3);
  var cells := [a, b, c, a];
  var s := SumCells(cells);
  print s, "\n";
  a.v := 10;
  s := SumCells(cells);
  print s, " ", cells[0] == cells[3], " ", cells[0] == cells[1], "\n";
  var arr := new Cell?[3];
  arr[0] := b;
  print arr[0] == b, " ", arr[1] == null, "\n";
  arr[0].v := 20;
  print b.v, "\n";
  var set1 := {a, b};
  print |set1|, " ", a in set1, " ", c in set1, "\n";
  var m := map[1 := c];
  m[1].v := 30;
  print c.v, "\n";
}
