//! The `ring` test system: a producer and a consumer exchanging buffers
//! over descriptor rings in shared memory (see `system.toml`).
#![no_std]
#![no_main]

sel4_system_initializer::system_image!();
