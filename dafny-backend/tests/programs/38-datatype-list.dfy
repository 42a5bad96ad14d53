// inductive List datatype: length, append, reverse, map, lemmas
datatype List<T> = Nil | Cons(head: T, tail: List<T>)

function method Length<T>(l: List<T>): nat {
  match l
  case Nil => 0
  case Cons(_, t) => 1 + Length(t)
}

function method Append<T>(a: List<T>, b: List<T>): List<T> {
  match a
  case Nil => b
  case Cons(h, t) => Cons(h, Append(t, b))
}

function method Reverse<T>(l: List<T>): List<T> {
  match l
  case Nil => Nil
  case Cons(h, t) => Append(Reverse(t), Cons(h, Nil))
}

function method FromSeq<T>(s: seq<T>): List<T> decreases |s| {
  if |s| == 0 then Nil else Cons(s[0], FromSeq(s[1..]))
}

function method ToSeq<T>(l: List<T>): seq<T> {
  match l
  case Nil => []
  case Cons(h, t) => [h] + ToSeq(t)
}

function method Sum(l: List<int>): int {
  if l.Nil? then 0 else l.head + Sum(l.tail)
}

lemma AppendLength<T>(a: List<T>, b: List<T>)
  ensures Length(Append(a, b)) == Length(a) + Length(b)
{
  match a
  case Nil =>
  case Cons(_, t) => AppendLength(t, b);
}

method Main() {
  var l := FromSeq([1, 2, 3, 4]);
  print l, "\n";
  print Length(l), " ", Sum(l), " ", ToSeq(Reverse(l)), "\n";
  var m := Append(l, FromSeq([10, 20]));
  AppendLength(l, FromSeq([10, 20]));
  print Length(m), " ", ToSeq(m), "\n";
  print l.head, " ", l.tail.head, " ", l.Cons?, " ", l.tail.tail.tail.tail.Nil?, "\n";
  var e: List<int> := Nil;
  print e, " ", Length(e), " ", Reverse(e) == e, " ", Reverse(Reverse(l)) == l, "\n";
  print FromSeq(["a", "b"]), "\n";
}
