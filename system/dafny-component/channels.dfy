// The channels of a component of a system (tools/sel4-system), for Dafny
// programs built with `sel4-dafny build --component` (a system
// description's `dafny = { sources = [...] }`), which adds this module to
// the program: `import opened Channels`. The methods are {:extern}, written
// in Rust (channels.rs beside this file) on the C ABI's `substrate_system_*`
// functions. Their specifications are what that runtime guarantees (a
// message fits the message registers, an event is one of four kinds) and
// what it requires (a label fits the 20 bits every seL4 kernel carries, a
// channel id is one a description can give).
module Channels {
  newtype u64 = x: int | 0 <= x < 0x1_0000_0000_0000_0000

  // Channel ids are 0 .. MAX_CHANNELS - 1 (sel4-system-abi's MAX_CHANNELS).
  const MAX_CHANNELS: u64 := 24
  // Message registers a message carries at most (seL4_MsgMaxLength).
  const MAX_WORDS: u64 := 120
  // Labels below this fit the label field of every seL4 kernel (20 bits
  // on seL4 5.0 and on 32-bit kernels).
  const LABEL_LIMIT: u64 := 0x10_0000

  // The kinds of event Wait returns.
  const NOTIFIED: u64 := 1        // peers signalled: `bits` has bit `id` for channel `id`
  const CALL: u64 := 2            // a protected call on `channel`: answer it with Reply
  const PEER_RESTARTED: u64 := 3  // the peer of `channel` was restarted
  const FAULT: u64 := 4           // a supervised child (`channel`: its index) faulted
  const TIMER: u64 := 5           // the alarm of SetAlarm went off: its deadline has passed

  // Sends the reply to the call served last (the one set by Reply; label 0
  // and no words if none was set), then blocks until the component's next
  // event (seL4_ReplyRecv / seL4_Recv on its endpoint and notification).
  // The first Wait also tells the initializer that init is done.
  method {:extern} Wait() returns (kind: u64, channel: u64, bits: u64, tag: u64, words: seq<u64>)
    ensures kind == NOTIFIED || kind == CALL || kind == PEER_RESTARTED || kind == FAULT || kind == TIMER
    ensures kind != NOTIFIED ==> bits == 0
    ensures kind == CALL || kind == PEER_RESTARTED ==> channel < MAX_CHANNELS
    ensures kind == CALL ==> |words| <= MAX_WORDS as int
    ensures kind != CALL ==> tag == 0 && words == []

  // Sets the reply to the call Wait returned last; the next Wait sends it.
  method {:extern} Reply(tag: u64, words: seq<u64>)
    requires tag < LABEL_LIMIT && |words| <= MAX_WORDS as int

  // Signals the peer of `channel` (seL4_Signal); false if the description
  // gives this component no such channel (nothing is sent).
  method {:extern} Notify(channel: u64) returns (ok: bool)
    requires channel < MAX_CHANNELS

  // Nanoseconds of the system's clock, if the system has a timer (some
  // component's description says `timer = true`).
  method {:extern} Now() returns (ok: bool, ns: u64)
    ensures !ok ==> ns == 0

  // Sets the component's alarm for `deadline` (Now's clock), replacing the
  // one it had: Wait returns TIMER once it has passed. False if the
  // description does not say `timer = true` for this component.
  method {:extern} SetAlarm(deadline: u64) returns (ok: bool)

  // What Call returns as its status.
  const ANSWERED: u64 := 0
  const RESTARTED: u64 := 1       // the peer faulted before answering and was restarted: call again
  const REFUSED: u64 := 2         // the description does not let this component call that peer

  // A protected call to the peer of `channel` (seL4_Call): its reply's
  // label and words.
  method {:extern} Call(channel: u64, tag: u64, words: seq<u64>) returns (status: u64, rtag: u64, reply: seq<u64>)
    requires channel < MAX_CHANNELS && tag < LABEL_LIMIT && |words| <= MAX_WORDS as int
    ensures status == ANSWERED || status == RESTARTED || status == REFUSED
    ensures status == ANSWERED ==> |reply| <= MAX_WORDS as int
    ensures status != ANSWERED ==> rtag == 0 && reply == []
}
