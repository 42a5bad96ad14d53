//! The `supervisor` test system: a watchdog component receives the
//! faults of the components it supervises and decides whether they are
//! restarted (see `system.toml`).
#![no_std]
#![no_main]

sel4_system_initializer::system_image!();
