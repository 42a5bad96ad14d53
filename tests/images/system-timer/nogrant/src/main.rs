//! nogrant: a component without `timer = true` reads the system's clock
//! but may not set an alarm.
#![no_std]
#![no_main]

use sel4_system_component::time::{now_ns, set_alarm, sleep_ns, TimerError};
use sel4_system_component::{exit, sel4, Handler};

struct Nothing;

impl Handler for Nothing {}

fn init() -> Nothing {
    let Some(now) = now_ns() else {
        sel4::debug_println!("nogrant: FAILED: no clock in a system with a timer");
        exit(1)
    };
    match (set_alarm(now + 1_000_000), sleep_ns(1_000_000)) {
        (Err(e @ TimerError::NotGranted), Err(TimerError::NotGranted)) => {
            sel4::debug_println!("nogrant: the clock runs ({now} ns); an alarm is refused: {e}");
            exit(0)
        }
        other => {
            sel4::debug_println!("nogrant: FAILED: an alarm without the grant: {other:?}");
            exit(1)
        }
    }
}

sel4_system_component::component!(init);
