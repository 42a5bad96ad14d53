// binary search tree datatype: insert, inorder, destructors, discriminators
datatype Tree = Leaf | Node(left: Tree, key: int, right: Tree)

function method Insert(t: Tree, k: int): Tree {
  match t
  case Leaf => Node(Leaf, k, Leaf)
  case Node(l, x, r) =>
    if k < x then Node(Insert(l, k), x, r)
    else if k > x then Node(l, x, Insert(r, k))
    else t
}

function method Contains(t: Tree, k: int): bool {
  if t.Leaf? then false
  else if k == t.key then true
  else if k < t.key then Contains(t.left, k)
  else Contains(t.right, k)
}

function method InOrder(t: Tree): seq<int> {
  match t
  case Leaf => []
  case Node(l, k, r) => InOrder(l) + [k] + InOrder(r)
}

function method Height(t: Tree): nat {
  match t
  case Leaf => 0
  case Node(l, _, r) => 1 + (var hl := Height(l); var hr := Height(r); if hl > hr then hl else hr)
}

function method Size(t: Tree): nat {
  if t.Leaf? then 0 else Size(t.left) + 1 + Size(t.right)
}

function method BuildFrom(t: Tree, s: seq<int>): Tree decreases |s| {
  if |s| == 0 then t else BuildFrom(Insert(t, s[0]), s[1..])
}

method Main() {
  var t := BuildFrom(Leaf, [50, 30, 70, 20, 40, 60, 80, 30]);
  print InOrder(t), "\n";
  print Size(t), " ", Height(t), "\n";
  print Contains(t, 60), " ", Contains(t, 65), "\n";
  print t.key, " ", t.left.key, " ", t.right.right.key, " ", t.left.left.left.Leaf?, "\n";
  var small := Insert(Insert(Leaf, 2), 1);
  print small, "\n";
  print small == Node(Node(Leaf, 1, Leaf), 2, Leaf), " ", small.Node?, "\n";
}
