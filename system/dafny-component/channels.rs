// The {:extern} methods of channels.dfy (module `Channels`), on the C ABI
// of a system component (`substrate_system_*`, substrate.h). Included by
// `sel4-dafny build --component` in the module of the translation, next to
// `pub mod Channels`. Each method establishes the `ensures` of its Dafny
// specification itself (kinds, lengths), whatever the peer sent.

/// The C ABI's message (`substrate_msg_t`).
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct SystemMsg {
    label: u64,
    length: u32,
}

/// The C ABI's event (`substrate_system_event_t`).
#[repr(C)]
#[derive(Clone, Copy, Default)]
struct SystemEvent {
    kind: u32,
    channel: u32,
    bits: u64,
    msg: SystemMsg,
}

extern "C" {
    fn substrate_system_wait(event: *mut SystemEvent) -> i32;
    fn substrate_system_reply(msg: SystemMsg) -> i32;
    fn substrate_system_notify(channel: u32) -> i32;
    fn substrate_system_call(channel: u32, msg: SystemMsg, reply: *mut SystemMsg) -> i32;
    fn substrate_system_mr(i: u32) -> u64;
    fn substrate_system_set_mr(i: u32, value: u64) -> i32;
    fn substrate_system_set_alarm(deadline_ns: u64) -> i32;
    fn substrate_time_ns() -> u64;
    fn substrate_system_tsc_hz() -> u64;
}

/// `SUBSTRATE_EAGAIN` and `SUBSTRATE_EPERM` (substrate.h).
const SYSTEM_EAGAIN: i32 = -11;
const SYSTEM_EPERM: i32 = -1;

/// The reply Reply set, sent by the next Wait (kept here, not in the
/// message registers, so that nothing the program does in between, a
/// print or a call of its own, can overwrite it).
static PENDING_REPLY: std::sync::Mutex<Option<(u64, Vec<u64>)>> = std::sync::Mutex::new(None);

/// Puts `words` in the message registers and returns the message.
fn set_words(label: u64, words: &[u64]) -> SystemMsg {
    let n = words.len().min(120);
    for (i, &w) in words[..n].iter().enumerate() {
        // SAFETY: plain C call; `i` is below 120.
        unsafe { substrate_system_set_mr(i as u32, w) };
    }
    SystemMsg {
        label,
        length: n as u32,
    }
}

/// A channel id from the runtime, which gives only ids below 24
/// (`MAX_CHANNELS`, as `Wait`'s specification says).
fn channel_id(id: u32) -> u64 {
    assert!(id < 24, "the runtime gave channel id {id}");
    id as u64
}

/// The `length` message registers of the message just received (at most
/// 120), read before anything else can overwrite them.
fn get_words(length: u32) -> Vec<u64> {
    // SAFETY: plain C calls.
    (0..length.min(120))
        .map(|i| unsafe { substrate_system_mr(i) })
        .collect()
}

#[allow(non_snake_case)]
impl Channels::_default {
    /// `Wait`: sends the pending reply, then `substrate_system_wait`.
    pub fn Wait() -> (u64, u64, u64, u64, ::dafny_support::prelude::Sequence<u64>) {
        let (label, words) = PENDING_REPLY
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take()
            .unwrap_or((0, Vec::new()));
        let reply = set_words(label, &words);
        // SAFETY: plain C call.
        unsafe { substrate_system_reply(reply) };
        let mut event = SystemEvent::default();
        // SAFETY: `event` is writable, on this component's stack.
        let status = unsafe { substrate_system_wait(&mut event) };
        assert_eq!(
            status, 0,
            "substrate_system_wait outside a system component"
        );
        let none = || ::dafny_support::seq::<u64>(Vec::new());
        match event.kind {
            1 => (1, 0, event.bits, 0, none()),
            2 => {
                let words = get_words(event.msg.length);
                (
                    2,
                    channel_id(event.channel),
                    0,
                    event.msg.label,
                    ::dafny_support::seq(words),
                )
            }
            3 => (3, channel_id(event.channel), 0, 0, none()),
            4 => (4, event.channel as u64, 0, 0, none()),
            5 => (5, 0, 0, 0, none()),
            other => panic!("substrate_system_wait: event kind {other}"),
        }
    }

    /// `Reply`: remembers the reply for the next `Wait`.
    pub fn Reply(tag: u64, words: ::dafny_support::prelude::Sequence<u64>) {
        let words = words.to_array().as_ref().clone();
        *PENDING_REPLY.lock().unwrap_or_else(|e| e.into_inner()) = Some((tag, words));
    }

    /// `Now`: `substrate_time_ns`, if the system has a timer
    /// (`substrate_system_tsc_hz` is not 0).
    pub fn Now() -> (bool, u64) {
        // SAFETY: plain C calls.
        unsafe {
            if substrate_system_tsc_hz() == 0 {
                return (false, 0);
            }
            (true, substrate_time_ns())
        }
    }

    /// `SetAlarm`: `substrate_system_set_alarm`.
    pub fn SetAlarm(deadline: u64) -> bool {
        // SAFETY: plain C call; UINT64_MAX would cancel, which SetAlarm
        // does not mean.
        unsafe { substrate_system_set_alarm(deadline.min(u64::MAX - 1)) == 0 }
    }

    /// `Notify`: `substrate_system_notify`.
    pub fn Notify(channel: u64) -> bool {
        // SAFETY: plain C call.
        unsafe { substrate_system_notify(channel as u32) == 0 }
    }

    /// `Call`: `substrate_system_call` with the words in the message
    /// registers; the reply's label and words.
    pub fn Call(
        channel: u64,
        tag: u64,
        words: ::dafny_support::prelude::Sequence<u64>,
    ) -> (u64, u64, ::dafny_support::prelude::Sequence<u64>) {
        let words = words.to_array();
        let msg = set_words(tag, &words);
        let mut reply = SystemMsg::default();
        // SAFETY: `reply` is writable, on this component's stack.
        let status = unsafe { substrate_system_call(channel as u32, msg, &mut reply) };
        match status {
            0 => {
                let words = get_words(reply.length);
                (0, reply.label, ::dafny_support::seq(words))
            }
            SYSTEM_EAGAIN => (1, 0, ::dafny_support::seq(Vec::new())),
            SYSTEM_EPERM => (2, 0, ::dafny_support::seq(Vec::new())),
            other => panic!("substrate_system_call: status {other}"),
        }
    }
}
