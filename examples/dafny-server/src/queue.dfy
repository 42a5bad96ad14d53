// A bounded FIFO queue of machine words over a circular array, its
// contents (a ghost sequence) and invariant proved: used by server.dfy and
// by bench/dafny.

newtype u64 = x: int | 0 <= x < 0x1_0000_0000_0000_0000

class Queue {
  var buf: array<u64>
  var head: nat
  var count: nat
  ghost var Contents: seq<u64>

  // The elements are buf[head], buf[head + 1], ... wrapping around.
  function method Slot(i: nat): nat
    reads this, buf
    requires buf.Length > 0 && head < buf.Length && i < buf.Length
  {
    if head + i < buf.Length then head + i else head + i - buf.Length
  }

  predicate Valid()
    reads this, buf
  {
    buf.Length > 0 && head < buf.Length && count <= buf.Length && |Contents| == count &&
    forall i :: 0 <= i < count ==> Contents[i] == buf[Slot(i)]
  }

  constructor (capacity: nat)
    requires capacity > 0
    ensures Valid() && fresh(buf) && buf.Length == capacity && Contents == []
  {
    buf := new u64[capacity];
    head, count := 0, 0;
    Contents := [];
  }

  method Push(x: u64) returns (ok: bool)
    requires Valid()
    modifies this, buf
    ensures Valid() && buf == old(buf)
    ensures ok <==> |old(Contents)| < buf.Length
    ensures Contents == if ok then old(Contents) + [x] else old(Contents)
  {
    if count == buf.Length {
      return false;
    }
    buf[Slot(count)] := x;
    Contents := Contents + [x];
    count := count + 1;
    ok := true;
  }

  method Pop() returns (ok: bool, x: u64)
    requires Valid()
    modifies this
    ensures Valid() && buf == old(buf)
    ensures ok <==> |old(Contents)| > 0
    ensures ok ==> x == old(Contents)[0] && Contents == old(Contents)[1..]
    ensures !ok ==> Contents == old(Contents)
  {
    if count == 0 {
      return false, 0;
    }
    x := buf[head];
    head := if head + 1 < buf.Length then head + 1 else 0;
    count := count - 1;
    Contents := Contents[1..];
    ok := true;
  }
}
