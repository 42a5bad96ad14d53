//! The messages of the spawn-task example, shared by the root task and its
//! child (the child includes this file with `#[path]`).

use crate::sel4::Word;

/// Child to parent, the first message: which mode to run in. The reply
/// carries the mode in message register 0 and the child's number in 1.
pub const HELLO: Word = 1;
/// Child to parent: `ping n`, with `n` in message register 0.
pub const PING: Word = 2;
/// Parent to child, the reply to a ping: `pong n`, with the same `n`.
pub const PONG: Word = 3;

/// Mode: send [`PINGS`] pings, check each pong, and exit with status 0.
pub const MODE_TALK: Word = 1;
/// Mode: read address 0 (a VM fault the parent reports).
pub const MODE_FAULT: Word = 2;
/// Mode: recurse until the stack overflows into its guard page (a VM fault).
pub const MODE_OVERFLOW: Word = 4;
/// Mode: panic (the component runtime reports exit status 101).
pub const MODE_PANIC: Word = 3;

/// How many pings a talking child sends.
pub const PINGS: Word = 3;

/// The value of the child's `.data` counter after it counted its start:
/// what every child reports with `HELLO`, a restarted one too.
pub const FIRST_START: Word = 1001;
