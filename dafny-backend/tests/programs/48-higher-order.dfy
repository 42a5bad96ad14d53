// higher-order functions over seqs: map, filter, fold, zip, all/any
function method Map<A, B>(f: A -> B, s: seq<A>): seq<B> decreases |s| {
  if |s| == 0 then [] else [f(s[0])] + Map(f, s[1..])
}

function method Filter<A>(p: A -> bool, s: seq<A>): seq<A> decreases |s| {
  if |s| == 0 then [] else if p(s[0]) then [s[0]] + Filter(p, s[1..]) else Filter(p, s[1..])
}

function method FoldL<A, B>(f: (B, A) -> B, acc: B, s: seq<A>): B decreases |s| {
  if |s| == 0 then acc else FoldL(f, f(acc, s[0]), s[1..])
}

function method FoldR<A, B>(f: (A, B) -> B, s: seq<A>, acc: B): B decreases |s| {
  if |s| == 0 then acc else f(s[0], FoldR(f, s[1..], acc))
}

function method Zip<A, B>(a: seq<A>, b: seq<B>): seq<(A, B)> decreases |a| {
  if |a| == 0 || |b| == 0 then [] else [(a[0], b[0])] + Zip(a[1..], b[1..])
}

function method All<A>(p: A -> bool, s: seq<A>): bool { FoldL((acc: bool, x: A) => acc && p(x), true, s) }

method Main() {
  var s := [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
  print Map(x => x * x, s), "\n";
  print Filter(x => x % 3 == 0, s), "\n";
  print FoldL((a: int, x: int) => a + x, 0, s), " ", FoldL((a: int, x: int) => a * x, 1, s), "\n";
  print FoldR((x: int, a: seq<int>) => a + [x], s, []), "\n";
  print FoldL((a: int, x: int) => a - x, 0, [1, 2, 3]), " ", FoldR((x: int, a: int) => x - a, [1, 2, 3], 0), "\n";
  print Zip(s[..3], ["a", "b", "c", "d"]), "\n";
  print All(x => x > 0, s), " ", All(x => x > 1, s), "\n";
  var words := ["apple", "fig", "banana", "kiwi"];
  print Map((w: string) => |w|, words), " ", Filter((w: string) => |w| > 3, words), "\n";
  print Map((p: (int, int)) => p.0 * p.1, Zip(s, s)), "\n";
}
