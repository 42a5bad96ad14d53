// verified key-value map over an association seq: put, get, remove, lemmas about get
datatype Option<T> = None | Some(v: T)

predicate NoDup(s: seq<(int, string)>) { forall i, j :: 0 <= i < j < |s| ==> s[i].0 != s[j].0 }

function method Get(s: seq<(int, string)>, k: int): Option<string> decreases |s| {
  if |s| == 0 then None else if s[0].0 == k then Some(s[0].1) else Get(s[1..], k)
}

function method Remove(s: seq<(int, string)>, k: int): seq<(int, string)> decreases |s| {
  if |s| == 0 then [] else if s[0].0 == k then Remove(s[1..], k) else [s[0]] + Remove(s[1..], k)
}

function method Put(s: seq<(int, string)>, k: int, v: string): seq<(int, string)> {
  [(k, v)] + Remove(s, k)
}

lemma GetRemove(s: seq<(int, string)>, k: int, j: int)
  ensures Get(Remove(s, k), j) == if j == k then None else Get(s, j)
  decreases |s|
{
  if |s| > 0 { GetRemove(s[1..], k, j); }
}

lemma GetPut(s: seq<(int, string)>, k: int, v: string, j: int)
  ensures Get(Put(s, k, v), j) == if j == k then Some(v) else Get(s, j)
{
  GetRemove(s, k, j);
}

function method Keys(s: seq<(int, string)>): seq<int> decreases |s| {
  if |s| == 0 then [] else [s[0].0] + Keys(s[1..])
}

method Main() {
  var m: seq<(int, string)> := [];
  m := Put(m, 1, "one");
  m := Put(m, 2, "two");
  m := Put(m, 3, "three");
  m := Put(m, 2, "deux");
  GetPut(Put(Put([], 1, "one"), 2, "two"), 3, "three", 1);
  print Get(m, 1), " ", Get(m, 2), " ", Get(m, 4), "\n";
  print |m|, " ", Keys(m), "\n";
  m := Remove(m, 1);
  print Get(m, 1), " ", |m|, " ", m, "\n";
}
