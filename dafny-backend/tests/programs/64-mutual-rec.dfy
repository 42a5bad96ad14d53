// mutual recursion: even/odd functions, tree/forest datatypes, mutually recursive methods
function method IsEven(n: nat): bool decreases n { if n == 0 then true else IsOdd(n - 1) }
function method IsOdd(n: nat): bool decreases n { if n == 0 then false else IsEven(n - 1) }

datatype Tree = Node(val: int, children: Forest)
datatype Forest = Nil | Cons(head: Tree, tail: Forest)

function method TreeSum(t: Tree): int {
  match t
  case Node(l, cs) => l + ForestSum(cs)
}

function method ForestSum(f: Forest): int {
  match f
  case Nil => 0
  case Cons(t, rest) => TreeSum(t) + ForestSum(rest)
}

function method TreeSize(t: Tree): nat {
  match t
  case Node(_, cs) => 1 + ForestSize(cs)
}

function method ForestSize(f: Forest): nat {
  match f
  case Nil => 0
  case Cons(t, rest) => TreeSize(t) + ForestSize(rest)
}

method Ping(n: nat) decreases n {
  if n > 0 { print "ping", n, " "; Pong(n - 1); } else { print "done\n"; }
}
method Pong(n: nat) decreases n {
  if n > 0 { print "pong", n, " "; Ping(n - 1); } else { print "done\n"; }
}

method Main() {
  print IsEven(10), " ", IsOdd(10), " ", IsEven(7), " ", IsOdd(1001), "\n";
  var leaf := Node(3, Nil);
  var t := Node(1, Cons(Node(2, Cons(leaf, Nil)), Cons(Node(4, Nil), Nil)));
  print TreeSum(t), " ", TreeSize(t), "\n";
  print t, "\n";
  Ping(5);
}
