//! driver: the virtio-net driver component, which faults (a VM fault at
//! address 0) on a received frame that carries [`TRIGGER`], as a driver
//! with a bug would.
#![no_std]
#![no_main]

/// What the host check sends in a UDP datagram.
const TRIGGER: &[u8] = b"sel4-substrate: fault the driver";

fn inspect(frame: &[u8]) {
    if frame.windows(TRIGGER.len()).any(|w| w == TRIGGER) {
        // SAFETY: deliberately reads the unmapped page 0; the kernel stops
        // the thread with a VM fault and reports it to the initializer, so
        // execution never goes on.
        unsafe { core::arch::asm!("mov {0}, qword ptr [{0}]", in(reg) 0usize, options(noreturn)) }
    }
}

fn init() -> sel4_virtio_net::Driver {
    sel4_virtio_net::Driver::init_with(inspect)
}

sel4_system_component::component!(init);
