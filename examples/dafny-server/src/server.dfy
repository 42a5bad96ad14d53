// A verified seL4 IPC server: a bounded FIFO queue of machine words
// served over an endpoint. Receive and Reply are {:extern} methods
// written in Rust (src/main.rs) on the substrate's C ABI; their
// specifications are what the kernel guarantees and requires: a message's
// label and first register are machine words, and a reply's label must
// fit the label field on every seL4 architecture (20 bits on 32-bit
// ones). The verifier proves the queue's invariant, its FIFO contents and
// that every reply is well-formed.

include "queue.dfy"

const PUSH: u64 := 1
const POP: u64 := 2
const SIZE: u64 := 3
const STOP: u64 := 9

const OK: u64 := 0
const FULL: u64 := 1
const EMPTY: u64 := 2
const UNKNOWN: u64 := 3

// Blocks until a client calls the server's endpoint (seL4_Recv).
method {:extern} Receive() returns (tag: u64, arg: u64)

// Answers the client received last (seL4_Reply).
method {:extern} Reply(tag: u64, value: u64)
  requires tag < 0x10_0000

// Serves requests until a STOP; returns how many it served.
method Serve(capacity: nat) returns (served: nat)
  requires 0 < capacity < 0x1_0000_0000_0000_0000
  decreases *
{
  var q := new Queue(capacity);
  served := 0;
  while true
    invariant q.Valid() && fresh(q.buf) && q.buf.Length == capacity
    decreases *
  {
    var tag, arg := Receive();
    if tag == STOP {
      Reply(OK, (served % 0x1_0000_0000_0000_0000) as u64);
      return;
    }
    if tag == PUSH {
      var ok := q.Push(arg);
      Reply(if ok then OK else FULL, q.count as u64);
    } else if tag == POP {
      var ok, x := q.Pop();
      Reply(if ok then OK else EMPTY, x);
    } else if tag == SIZE {
      Reply(OK, q.count as u64);
    } else {
      Reply(UNKNOWN, 0);
    }
    served := served + 1;
  }
}
