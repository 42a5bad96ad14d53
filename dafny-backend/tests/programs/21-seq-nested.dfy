// seq of seqs: matrices as seq<seq<int>>, flatten, transpose, equality
function method Flatten(xss: seq<seq<int>>): seq<int> decreases |xss| {
  if |xss| == 0 then [] else xss[0] + Flatten(xss[1..])
}

function method Column(m: seq<seq<int>>, j: nat): seq<int>
  requires forall r :: r in m ==> j < |r|
  decreases |m|
{
  if |m| == 0 then [] else [m[0][j]] + Column(m[1..], j)
}

function method Transpose(m: seq<seq<int>>, j: nat, w: nat): seq<seq<int>>
  requires j <= w
  requires forall r :: r in m ==> |r| == w
  decreases w - j
{
  if j == w then [] else [Column(m, j)] + Transpose(m, j + 1, w)
}

method Main() {
  var m := [[1, 2, 3], [4, 5, 6]];
  print m, " ", |m|, " ", m[1], " ", m[1][2], "\n";
  print Flatten(m), " ", Flatten([]), " ", Flatten([[], [7], []]), "\n";
  var t := Transpose(m, 0, 3);
  print t, "\n";
  print Transpose(t, 0, 2) == m, " ", t == m, "\n";
  var m2 := m[0 := m[0][1 := 20]];
  print m2, " ", m, "\n";
  var grid: seq<seq<char>> := ["ab", "cd"];
  print grid, " ", grid[1][0], "\n";
  var deep := [[[1], [2, 3]], [[]]];
  print deep, " ", |deep[0][1]|, "\n";
}
