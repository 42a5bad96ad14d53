// quota (Dafny): a verified byte quota for the client's batches, served
// over a protected call. Dafny proves the ledger's invariant (what it has
// granted never exceeds LIMIT), that a request is refused exactly when
// granting it would break it, and that every reply is a well-formed seL4
// message (Channels' specifications).

module Quota {
  import opened Channels

  const LIMIT: u64 := 30000

  // Requests (labels) and answers.
  const RESERVE: u64 := 1
  const GRANTED: u64 := 1
  const DENIED: u64 := 2
  const UNKNOWN: u64 := 3

  class Ledger {
    var granted: u64

    predicate Valid()
      reads this
    {
      granted <= LIMIT
    }

    constructor ()
      ensures Valid() && granted == 0
    {
      granted := 0;
    }

    // Grants `n` bytes if they fit in what is left.
    method Reserve(n: u64) returns (ok: bool)
      requires Valid()
      modifies this
      ensures Valid()
      ensures ok <==> old(granted) as int + n as int <= LIMIT as int
      ensures granted == if ok then old(granted) + n else old(granted)
    {
      ok := n <= LIMIT - granted;
      if ok {
        granted := granted + n;
      }
    }
  }

  // The component: init is the code before the first Wait.
  method Main()
    decreases *
  {
    var ledger := new Ledger();
    print "quota (Dafny): ", LIMIT, " bytes to grant\n";
    while true
      invariant ledger.Valid()
      decreases *
    {
      var kind, channel, bits, tag, words := Wait();
      if kind == CALL {
        if tag == RESERVE && |words| == 1 {
          var ok := ledger.Reserve(words[0]);
          Reply(if ok then GRANTED else DENIED, [LIMIT - ledger.granted]);
        } else {
          Reply(UNKNOWN, []);
        }
      }
    }
  }
}
