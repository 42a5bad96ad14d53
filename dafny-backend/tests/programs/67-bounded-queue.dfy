// bounded FIFO queue class over a circular array with a Valid() invariant
class Queue {
  var buf: array<int>
  var head: nat
  var count: nat

  predicate Valid()
    reads this
  {
    buf.Length > 0 && head < buf.Length && count <= buf.Length
  }

  constructor (capacity: nat)
    requires capacity > 0
    ensures Valid() && fresh(buf) && count == 0 && buf.Length == capacity
  {
    buf := new int[capacity];
    head := 0;
    count := 0;
  }

  function method Size(): nat reads this { count }
  function method Capacity(): nat reads this { buf.Length }
  function method IsFull(): bool reads this { count == buf.Length }

  method Enqueue(x: int)
    requires Valid() && count < buf.Length
    modifies this, buf
    ensures Valid() && count == old(count) + 1 && buf == old(buf)
  {
    buf[(head + count) % buf.Length] := x;
    count := count + 1;
  }

  method Dequeue() returns (x: int)
    requires Valid() && count > 0
    modifies this
    ensures Valid() && count == old(count) - 1 && buf == old(buf)
  {
    x := buf[head];
    head := (head + 1) % buf.Length;
    count := count - 1;
  }
}

method Main() {
  var q := new Queue(3);
  q.Enqueue(1);
  q.Enqueue(2);
  q.Enqueue(3);
  print q.Size(), " ", q.IsFull(), " ", q.Capacity(), "\n";
  var a := q.Dequeue();
  var b := q.Dequeue();
  print a, " ", b, " ", q.Size(), "\n";
  q.Enqueue(4);
  q.Enqueue(5);
  print q.Size(), " ", q.IsFull(), " ", q.head, "\n";
  var out := [];
  while q.Size() > 0
    invariant q.Valid() && fresh(q.buf) && q.buf.Length == 3
    decreases q.Size()
  {
    var x := q.Dequeue();
    out := out + [x];
  }
  print out, " ", q.Size(), "\n";
  var i := 0;
  while i < 7
    invariant q.Valid() && fresh(q.buf) && q.count == 0 && q.buf.Length == 3
    invariant 0 <= i <= 7
  {
    q.Enqueue(i * 10);
    var y := q.Dequeue();
    print y, " ";
    i := i + 1;
  }
  print "| head ", q.head, "\n";
}
