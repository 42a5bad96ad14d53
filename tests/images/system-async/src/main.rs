//! The `async` test system: an async component and its peer.
#![no_std]
#![no_main]

sel4_system_initializer::system_image!();
