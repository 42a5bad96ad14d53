//! `watchdog`: supervises `worker` and `doomed`. It asks for a restart of
//! every child that faults; the initializer restarts the worker, and
//! refuses for `doomed`, whose description does not say `restart = true`.
#![no_std]
#![no_main]

use sel4_system_component::abi::RestartError;
use sel4_system_component::{exit, sel4, Channel, Child, FaultAction, Handler};

/// The worker's channel to the watchdog.
const WORKER: Channel = Channel::new(0);

#[derive(Default)]
struct Watchdog {
    worker_done: bool,
    doomed_refused: bool,
}

fn init() -> Watchdog {
    Watchdog::default()
}

impl Watchdog {
    fn finish_if_done(&self) {
        if self.worker_done && self.doomed_refused {
            let restarts = WORKER.peer_restarts();
            sel4::debug_println!(
                "watchdog: worker finished after {restarts} restarts; doomed stays stopped"
            );
            exit(if restarts == 2 { 0 } else { 1 });
        }
    }
}

impl Handler for Watchdog {
    fn fault(&mut self, child: Child, fault: sel4::Fault) -> FaultAction {
        sel4::debug_println!("watchdog: `{}` faulted: {fault}", child.name());
        FaultAction::Restart
    }

    fn restart_result(&mut self, child: Child, result: Result<(), RestartError>) {
        match result {
            Ok(()) => {}
            Err(e) => {
                sel4::debug_println!("watchdog: restarting `{}` refused: {e}", child.name());
                self.doomed_refused |=
                    child.name() == "doomed" && e == RestartError::NotRestartable;
            }
        }
        self.finish_if_done();
    }

    fn notified(&mut self, channel: Channel) {
        self.worker_done |= channel == WORKER;
        self.finish_if_done();
    }
}

sel4_system_component::component!(init);
