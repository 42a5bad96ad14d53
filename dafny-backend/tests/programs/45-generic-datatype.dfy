// generic datatypes: Pair<A,B>, Either<L,R>, generic tree with map/fold
datatype Pair<A, B> = Pair(fst: A, snd: B)
datatype Either<L, R> = Left(l: L) | Right(r: R)
datatype Tree<T> = Leaf | Node(left: Tree<T>, val: T, right: Tree<T>)

function method MapTree<T, U>(t: Tree<T>, f: T -> U): Tree<U> {
  match t
  case Leaf => Leaf
  case Node(l, v, r) => Node(MapTree(l, f), f(v), MapTree(r, f))
}

function method FoldTree<T, A>(t: Tree<T>, f: (A, T) -> A, acc: A): A {
  match t
  case Leaf => acc
  case Node(l, v, r) => FoldTree(r, f, f(FoldTree(l, f, acc), v))
}

function method Partition(s: seq<Either<int, string>>): (seq<int>, seq<string>) decreases |s| {
  if |s| == 0 then ([], [])
  else
    var rest := Partition(s[1..]);
    match s[0]
    case Left(i) => ([i] + rest.0, rest.1)
    case Right(t) => (rest.0, [t] + rest.1)
}

method Main() {
  var p := Pair(1, "one");
  print p, " ", p.fst, " ", p.snd, "\n";
  var es: seq<Either<int, string>> := [Left(1), Right("a"), Left(2), Right("b")];
  print es, "\n";
  print Partition(es), "\n";
  var t := Node(Node(Leaf, 1, Leaf), 2, Node(Leaf, 3, Leaf));
  var doubled := MapTree(t, x => x * 2);
  print doubled, "\n";
  print FoldTree(t, (a: int, x: int) => a + x, 0), " ", FoldTree(t, (a: seq<int>, x: int) => a + [x], []), "\n";
  var strs := MapTree(t, (x: int) => if x % 2 == 0 then "even" else "odd");
  print strs, "\n";
}
