//! sleeper: its alarm through the event loop (Handler::timer), a
//! blocking sleep, a deadline already past, and a cancelled alarm that
//! must not go off.
#![no_std]
#![no_main]

use sel4_system_component::time::{cancel_alarm, now_ns, set_alarm, sleep_ns};
use sel4_system_component::{exit, sel4, Handler};

const MS: u64 = 1_000_000;

/// Which alarm is expected next.
enum Step {
    First { asked_at: u64 },
    Past,
}

struct Sleeper(Step);

fn now() -> u64 {
    now_ns().expect("the system has a timer")
}

fn fail(what: &str) -> ! {
    sel4::debug_println!("sleeper: FAILED: {what}");
    exit(1)
}

/// Milliseconds since `t0`, which must be at least `asked` (else `early`
/// fails the test).
fn ms_since(t0: u64, asked: u64, early: &str) -> u64 {
    let ns = now() - t0;
    if ns < asked * MS {
        fail(early);
    }
    ns / MS
}

fn init() -> Sleeper {
    let asked_at = now();
    set_alarm(asked_at + 20 * MS).unwrap_or_else(|_| fail("setting an alarm"));
    Sleeper(Step::First { asked_at })
}

impl Handler for Sleeper {
    fn timer(&mut self) {
        match self.0 {
            Step::First { asked_at } => {
                let waited = ms_since(asked_at, 20, "the alarm went off early");
                sel4::debug_println!("sleeper: the alarm went off after {waited} ms (asked 20)");
                let t0 = now();
                sleep_ns(10 * MS).unwrap_or_else(|_| fail("sleeping"));
                let slept = ms_since(t0, 10, "the sleep ended early");
                sel4::debug_println!("sleeper: slept {slept} ms (asked 10), woken by its alarm");
                self.0 = Step::Past;
                set_alarm(now() - MS).unwrap_or_else(|_| fail("setting a past alarm"));
            }
            Step::Past => {
                sel4::debug_println!("sleeper: a past deadline went off at once");
                // An alarm set and cancelled must never be reported: the
                // sleep below outlasts it, and a stray Event::Timer would
                // come back here with nothing expected.
                set_alarm(now() + 5 * MS).unwrap_or_else(|_| fail("setting an alarm"));
                cancel_alarm().unwrap_or_else(|_| fail("cancelling the alarm"));
                sleep_ns(30 * MS).unwrap_or_else(|_| fail("sleeping"));
                sel4::debug_println!("sleeper: the cancelled alarm did not go off in 30 ms");
                exit(0)
            }
        }
    }
}

sel4_system_component::component!(init);
