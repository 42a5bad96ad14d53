//! The `timer` test system: components that sleep on the system's timer.
#![no_std]
#![no_main]

sel4_system_initializer::system_image!();
